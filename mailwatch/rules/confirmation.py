"""Confirmations in writing: every change of scope, revision and decision, confirmed.

A client message the scope detector read as a request (a new channel, more posts,
ads, a date change: "scope"; a change to delivered work: "revision"; the choice
of an option: "decision") gets a draft in its conversation that restates it and
prices it against the package:

- included in the package, a revision within the month's allowance, a decision:
  `confirmation` ("Just to confirm: ...");
- covered by an add-on of the client's list: `scope_note` (what the package
  includes, the add-on and its price);
- nothing in the list fits: `confirmation` with a [PRICE] for the owner to fill
  in (the draft needs an edit before approval).

Revision rounds are counted per calendar month. One confirmation per request
message; none when the owner already answered in the conversation after it (they
confirmed it themselves), and a pending one is withdrawn when they do. A sent
confirmation is "open" until the client replies in its conversation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from mailwatch.core.context import ClientContext
from mailwatch.core.model import SENT, DraftView, Evidence, Message
from mailwatch.core.pricing import Price, price_request, revision_price
from mailwatch.core.replies import base_context, reply_in
from mailwatch.core.rule import Proposal
from mailwatch.core.threads import Thread
from mailwatch.detect.scope import CHANNEL_NAMES, Request, canonical_channel

CONFIRMATION, SCOPE_NOTE = "confirmation", "scope_note"
FAMILY = "confirm"
_ORDER = {"scope": 0, "revision": 1, "decision": 2, "call": 3}


def _channel_name(name: str, language: str) -> str:
    """'instagram' as the client reads it: 'Instagram' (names in the client file are
    often written in lower case)."""
    key = canonical_channel(name)
    if key is None or key not in CHANNEL_NAMES:
        return name
    english, french = CHANNEL_NAMES[key]
    return french if language == "fr" else english


def request_of(fact: Mapping[str, Any]) -> Request:
    """A stored request fact back into the detector's type (for pricing)."""
    fields = {k: v for k, v in fact.items() if k in Request.__dataclass_fields__}
    if isinstance(fields.get("start_date"), str):
        fields["start_date"] = date.fromisoformat(fields["start_date"])
    return Request(**fields)


def requests(message: Message) -> list[Request]:
    found = [request_of(f) for f in message.facts.get("requests") or () if isinstance(f, dict)]
    return sorted(found, key=lambda r: _ORDER.get(r.kind, 9))


def revision_round(ctx: ClientContext, message: Message) -> int:
    """Which revision round of its calendar month this message's request is."""
    local = ctx.calendar.local(message.date)
    count = 0
    for thread in ctx.threads:
        for m in thread.contact:
            if m.direction != "in" or m.date > message.date:
                continue
            mine = ctx.calendar.local(m.date)
            if (mine.year, mine.month) != (local.year, local.month):
                continue
            if any(r.kind == "revision" for r in requests(m)):
                count += 1
    return count


def _price_context(price: Price, currency: str) -> dict[str, Any]:
    return {
        "verdict": price.verdict,
        "addon": price.addon.replace("_", " ") if price.addon else None,
        "price": price.amount,
        "per": price.per,
        "units": price.units,
        "currency": currency,
    }


class Confirmation:
    name = "confirmation"
    kinds: tuple[str, ...] = (CONFIRMATION, SCOPE_NOTE)

    def _candidates(self, ctx: ClientContext) -> Iterator[tuple[Thread, Message, Request]]:
        for thread, message in ctx.received():
            found = requests(message)
            if found and thread.owner_answer(message, ctx.now) is None:
                yield thread, message, found[0]

    def propose(self, ctx: ClientContext) -> Iterator[Proposal]:
        for thread, message, request in self._candidates(ctx):
            yield self._proposal(ctx, thread, message, request)

    def _proposal(
        self, ctx: ClientContext, thread: Thread, message: Message, request: Request
    ) -> Proposal:
        context: dict[str, Any] = {
            **base_context(ctx, thread),
            "request_kind": request.kind,
            "request": request.summary,
            "sentence": request.sentence,
            "start_date": request.start_date,
            "revision_round": None,
            "revisions_allowed": ctx.contract.revisions_per_month,
            "call_date": None,
        }
        if request.kind == "revision":
            rounds = revision_round(ctx, message)
            price = revision_price(rounds, ctx.contract, ctx.addons)
            context["revision_round"] = rounds
        else:
            price = price_request(request, ctx.contract, ctx.addons)
        context.update(_price_context(price, ctx.contract.currency))
        kind = SCOPE_NOTE if request.kind == "scope" and price.verdict == "addon" else CONFIRMATION
        if kind == SCOPE_NOTE:
            context["package"] = {
                "channels": [_channel_name(c, ctx.language) for c in ctx.contract.channels],
                "posts_per_week": ctx.contract.posts_per_week,
                "revisions_per_month": ctx.contract.revisions_per_month,
            }
        needs_edit = price.verdict == "quote" or (price.verdict == "addon" and price.amount is None)
        facts = {
            "client_name": ctx.name,
            "request_kind": request.kind,
            "request": request.summary,
            "sentence": request.sentence,
            "verdict": price.verdict,
            "addon": price.addon,
            "price": str(price.amount) if price.amount is not None else None,
            "currency": ctx.contract.currency,
        }
        return Proposal(
            kind=kind,
            step=None,
            target=f"{message.join_id}#{request.kind}",
            family=FAMILY,
            rank=1,
            slot="thread:" + thread.first.join_id,
            slot_keys=thread.ids(),
            evidence=Evidence(
                "confirmation_due", facts, message.key, message.join_id, message.date
            ),
            reply=reply_in(ctx, thread, message.counterparts),
            context=context,
            needs_edit=needs_edit,
            meta={"request_kind": request.kind, "verdict": price.verdict},
        )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        return None  # only new mail changes it

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        message_id = draft.anchor.split("#", 1)[0]
        for thread in ctx.threads:
            for message in thread.messages:
                if message.join_id == message_id:
                    answer = thread.owner_answer(message, ctx.now)
                    if answer is not None and answer.join_id != draft.message_id:
                        return Evidence.about("owner_answered", answer, {"date": answer.date})
                    return None
        return None

    def status(self, ctx: ClientContext) -> Mapping[str, Any]:
        open_ = 0
        for d in ctx.drafts:
            if d.kind not in self.kinds or d.status != SENT or d.sent_at is None:
                continue
            replied = any(
                m.direction == "in" and m.date > d.sent_at
                for thread in ctx.threads
                if d.anchor.split("#", 1)[0] in thread.ids()
                for m in thread.contact
            )
            open_ += 0 if replied else 1
        local = ctx.calendar.local(ctx.now)
        month_rounds = 0
        for thread in ctx.threads:
            for m in thread.contact:
                mine = ctx.calendar.local(m.date)
                if (
                    m.direction == "in"
                    and m.date <= ctx.now
                    and (mine.year, mine.month) == (local.year, local.month)
                    and any(r.kind == "revision" for r in requests(m))
                ):
                    month_rounds += 1
        return {
            "confirmations_open": open_,
            "revisions_this_month": month_rounds,
            "revisions_allowed": ctx.contract.revisions_per_month,
        }
