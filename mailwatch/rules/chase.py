"""What the follow-up ladder and the pause notice share: the "chase" family.

Both answer one waiting episode (our asking message, unanswered): one open draft
per conversation, steps 1, 2, 3... then the pause notice (rank 100), and both
are withdrawn when the client answers in the conversation.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailwatch.core.context import ClientContext
from mailwatch.core.conversation import Episode, replied_after
from mailwatch.core.model import DraftView, Evidence, Message
from mailwatch.core.threads import Thread

FAMILY = "chase"
PAUSE_RANK = 100


def slot(thread: Thread) -> str:
    return "thread:" + thread.first.join_id


def find(ctx: ClientContext, join_id: str) -> tuple[Thread, Message] | None:
    for thread in ctx.threads:
        for message in thread.messages:
            if message.join_id == join_id:
                return thread, message
    return None


def client_answered(ctx: ClientContext, draft: DraftView) -> Evidence | None:
    """The client wrote in the conversation after the message we are chasing."""
    found = find(ctx, draft.anchor)
    if found is None:
        return None
    thread, anchor = found
    reply = replied_after(thread, anchor.date, ctx.now)
    if reply is None:
        return None
    return Evidence.about(
        "client_replied", reply, {"client_name": ctx.name, "subject": reply.subject}
    )


def ours_after(ctx: ClientContext, draft: DraftView) -> list[Message]:
    """Our own messages in the conversation since the anchor (not this draft's copy)."""
    found = find(ctx, draft.anchor)
    if found is None:
        return []
    thread, anchor = found
    return [
        m
        for m in thread.contact
        if m.direction == "out"
        and anchor.date < m.date <= ctx.now
        and m.join_id != draft.message_id
    ]


def episode_facts(ctx: ClientContext, episode: Episode) -> dict[str, object]:
    anchor = episode.anchor
    return {
        "client_name": ctx.name,
        "asked_on": anchor.date,
        "follow_ups_sent": len(episode.follow_ups),
    }


def client_wrote_since(ctx: ClientContext, moment: datetime) -> Message | None:
    """The client's first real message after `moment`, in any conversation."""
    found = [
        m
        for thread in ctx.threads
        for m in thread.contact
        if m.direction == "in" and moment < m.date <= ctx.now
    ]
    return min(found, key=lambda m: m.date, default=None)


def away_until(ctx: ClientContext, since: datetime) -> tuple[date, datetime] | None:
    """(return date, moment chasing may resume) from the client's out-of-office
    replies since `since`, while that moment is still ahead.

    Chasing resumes on the first working day after the return date, at the start of
    the day in the client's time zone: their first day back is for catching up.
    """
    back: date | None = None
    for thread in ctx.threads:
        for m in thread.messages:
            value = m.facts.get("back_on")
            if m.direction == "in" and value and since <= m.date <= ctx.now:
                day = date.fromisoformat(str(value))
                back = day if back is None or day > back else back
    if back is None:
        return None
    resume_day = ctx.calendar.next_business_day(back + timedelta(days=1))
    resume = datetime.combine(resume_day, time(), tzinfo=ZoneInfo(ctx.timezone))
    return (back, resume) if resume > ctx.now else None


def legacy_policy(kind: str, step: int | None) -> tuple[str, int] | None:
    """(family, rank) of a draft stored before drafts carried them."""
    if kind == "follow_up":
        return FAMILY, step or 0
    if kind == "pause_notice":
        return FAMILY, PAUSE_RANK
    return None
