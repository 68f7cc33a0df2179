"""The owner's own reply promise: a client waiting on us past it.

The playbook promises a reply within 24 hours on weekdays: 24 hours with weekends
and public holidays not counted (`reply_within_hours`), so a Friday 17:00 message
is due Monday 17:00. A client message that needs an answer (not a thanks, not an
automatic reply) and has none from us in its conversation past that deadline is an
`owner_overdue` attention item, listed first, and a short `holding_reply` draft is
offered: an apology, when the answer will come, the primary address restated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from mailwatch.core.context import ClientContext
from mailwatch.core.model import SENT, Attention, DraftView, Evidence, Message
from mailwatch.core.replies import base_context, reply_in
from mailwatch.core.rule import Proposal
from mailwatch.core.threads import Thread

KIND = "holding_reply"
FAMILY = "reply"


def needs_answer(message: Message) -> bool:
    """A client's real message that is not a mere acknowledgement ("Thanks!", "OK")."""
    return message.direction == "in" and message.is_contact and not message.facts.get("ack")


def _holding_replies(ctx: ClientContext) -> dict[str, DraftView]:
    """Sent holding replies by Message-ID: they promise an answer, they are not one."""
    return {
        d.message_id: d for d in ctx.drafts if d.kind == KIND and d.status == SENT and d.message_id
    }


def waiting(ctx: ClientContext, thread: Thread) -> tuple[Message, DraftView | None] | None:
    """The first client message of the thread still waiting for our answer, and the
    holding reply we sent about it, if any."""
    holding = _holding_replies(ctx)
    first: Message | None = None
    promised: DraftView | None = None
    for message in thread.contact:
        if message.date > ctx.now:
            break
        if message.direction == "out":
            sent = next(
                (holding[i] for i in (message.join_id, *message.aliases) if i in holding), None
            )
            if sent is not None and first is not None:
                promised = sent
                continue
            first, promised = None, None
        elif first is None and needs_answer(message):
            first = message
    return (first, promised) if first is not None else None


def deadline(ctx: ClientContext, message: Message, promised: DraftView | None = None) -> datetime:
    due = ctx.calendar.add_promise_hours(message.date, ctx.rules.reply_within_hours)
    answer_by = promised.meta.get("answer_by") if promised is not None else None
    if isinstance(answer_by, str):
        # The holding reply promised an answer by the end of that day.
        end = datetime.combine(
            date.fromisoformat(answer_by) + timedelta(days=1), time(), tzinfo=ctx.calendar.tz
        )
        due = max(due, end.astimezone(UTC))
    return due


def overdue(ctx: ClientContext) -> list[tuple[Thread, Message, datetime]]:
    found = []
    for thread in ctx.threads:
        if not ctx.is_active(thread):
            continue
        found_waiting = waiting(ctx, thread)
        if found_waiting is not None:
            message, promised = found_waiting
            due = deadline(ctx, message, promised)
            if ctx.now >= due:
                found.append((thread, message, due))
    return found


class OwnerReply:
    name = "owner_reply"
    kinds: tuple[str, ...] = (KIND,)

    def propose(self, ctx: ClientContext) -> Iterator[Proposal | Attention]:
        for thread, message, due in overdue(ctx):
            facts = {
                "client_name": ctx.name,
                "received": message.date,
                "subject": message.subject,
                "due": due,
            }
            evidence = Evidence("owner_overdue", facts, message.key, message.join_id, message.date)
            yield Attention(
                "owner_overdue",
                ctx.client_id,
                message.date,
                f"owner_overdue:{message.join_id}",
                evidence,
            )
            primary = ctx.emails[0] if ctx.emails else ctx.primary_email
            sender = message.counterparts[0] if message.counterparts else primary
            # The answer comes by the end of the next working day (owner's calendar).
            answer_by = ctx.calendar.next_business_day(
                ctx.calendar.local(ctx.now).date() + timedelta(days=1)
            )
            yield Proposal(
                kind=KIND,
                step=None,
                target=message.join_id,
                family=FAMILY,
                rank=1,
                slot="thread:" + thread.first.join_id,
                slot_keys=thread.ids(),
                evidence=Evidence(
                    "holding_reply_due", facts, message.key, message.join_id, message.date
                ),
                reply=reply_in(ctx, thread, (sender,)),
                meta={"answer_by": answer_by.isoformat()},
                context={
                    **base_context(ctx, thread),
                    "received_on": message.date,
                    "answer_by": answer_by,
                    "primary_email": primary,
                    "primary_channel_changed": bool(primary) and sender.lower() != primary.lower(),
                },
            )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        moments = []
        for thread in ctx.threads:
            if ctx.is_active(thread):
                found_waiting = waiting(ctx, thread)
                if found_waiting is not None:
                    moments.append(deadline(ctx, *found_waiting))
        return min((m for m in moments if m > ctx.now), default=None)

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        """Withdrawn once the owner has answered in the conversation."""
        holding = {*_holding_replies(ctx)}
        if draft.message_id:
            holding.add(draft.message_id)
        for thread in ctx.threads:
            ids = thread.ids()
            if draft.anchor not in ids:
                continue
            target = thread.find(draft.anchor)
            if target is None:
                return None
            answer = thread.owner_answer(target, ctx.now, ignore=holding)
            if answer is not None:
                return Evidence.about("owner_answered", answer, {"date": answer.date})
        return None

    def status(self, ctx: ClientContext) -> Mapping[str, Any]:
        late = overdue(ctx)
        since = min((m.date for _, m, _ in late), default=None)
        return {
            "owner_overdue": bool(late),
            "owner_overdue_since": since.isoformat() if since else None,
        }
