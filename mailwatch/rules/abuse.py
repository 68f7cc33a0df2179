"""Abusive or threatening mail: flagged, recorded, never answered automatically.

A client message the abuse detector flagged (insults, threats, legal threats used
as pressure, harassment) is an `abusive_mail` attention item quoting its lines,
and it holds every automatic draft for that client (none created, those waiting
withdrawn) until the owner runs `mailwatch clear CLIENT`. Flags older than the
last clear are settled; a new one holds again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from mailwatch.core.context import ClientContext
from mailwatch.core.model import Attention, DraftView, Evidence, Message


def flagged(ctx: ClientContext) -> list[Message]:
    return [
        m
        for thread in ctx.threads
        for m in thread.messages
        if m.direction == "in"
        and m.facts.get("abuse")
        and m.date <= ctx.now
        and (ctx.cleared_at is None or m.date > ctx.cleared_at)
    ]


def _evidence(ctx: ClientContext, message: Message) -> Evidence:
    abuse = message.facts["abuse"]
    return Evidence(
        "abusive_mail",
        {
            "client_name": ctx.name,
            "kind": abuse.get("kind", ""),
            "lines": list(abuse.get("lines", ())),
            "subject": message.subject,
        },
        message.key,
        message.join_id,
        message.date,
    )


class AbusiveMail:
    name = "abusive_mail"
    kinds: tuple[str, ...] = ()

    def propose(self, ctx: ClientContext) -> Iterator[Attention]:
        for message in flagged(ctx):
            yield Attention(
                "abusive_mail",
                ctx.client_id,
                message.date,
                f"abusive_mail:{message.join_id}",
                _evidence(ctx, message),
            )

    def holds(self, ctx: ClientContext) -> Evidence | None:
        found = flagged(ctx)
        if not found:
            return None
        latest = found[-1]
        return Evidence.about(
            "held_for_abuse", latest, {"client_name": ctx.name, "date": latest.date}
        )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        return None

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        return None
