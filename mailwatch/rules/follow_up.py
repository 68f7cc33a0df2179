"""Follow-up ladder: gentle nudges when our question goes unanswered.

Step k is due `follow_up_days[k-1]` business days after our first unanswered
asking message. Our own later messages in the thread count as nudges already
done, so the ladder continues after them. Missed steps collapse into one draft,
the highest step due (the planner drafts only the strongest proposal).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from mailwatch.core import billing
from mailwatch.core.context import ClientContext
from mailwatch.core.conversation import Episode
from mailwatch.core.model import DraftView, Evidence
from mailwatch.core.replies import base_context, reply_in
from mailwatch.core.rule import Proposal
from mailwatch.rules import chase

KIND = "follow_up"


def _date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def due_step(ctx: ClientContext, episode: Episode) -> tuple[int, int] | None:
    """(highest step due, business days elapsed), or None when no step is due.

    Nothing is due while the client's out-of-office says they are away.
    """
    if chase.away_until(ctx, episode.anchor.date) is not None:
        return None
    ladder = ctx.rules.follow_up_days
    elapsed = ctx.calendar.business_days_between(episode.anchor.date, ctx.now)
    due = [k for k, days in enumerate(ladder, start=1) if elapsed >= days]
    if not due or due[-1] <= len(episode.follow_ups):
        return None
    return due[-1], elapsed


class FollowUp:
    name = "follow_up"
    kinds: tuple[str, ...] = (KIND,)

    def propose(self, ctx: ClientContext) -> Iterator[Proposal]:
        if billing.work_stopped(ctx):
            return
        total = len(ctx.rules.follow_up_days)
        for episode in ctx.episodes:
            found = due_step(ctx, episode)
            if found is None:
                continue
            step, elapsed = found
            anchor, thread = episode.anchor, episode.thread
            calendar_days = (ctx.now - anchor.date).days
            ask = anchor.facts.get("ask") or {}
            facts = {
                **chase.episode_facts(ctx, episode),
                "business_days": elapsed,
                "calendar_days": calendar_days,
                "step": step,
                "total_steps": total,
            }
            yield Proposal(
                kind=KIND,
                step=step,
                target=anchor.join_id,
                family=chase.FAMILY,
                rank=step,
                slot=chase.slot(thread),
                slot_keys=thread.ids(),
                evidence=Evidence("follow_up_due", facts, anchor.key, anchor.join_id, anchor.date),
                reply=reply_in(ctx, thread, anchor.counterparts),
                context={
                    **base_context(ctx, thread),
                    "step": step,
                    "total_steps": total,
                    "asked_on": anchor.date,
                    "days_waiting": calendar_days,
                    "business_days_waiting": elapsed,
                    "follow_ups_sent": len(episode.follow_ups),
                    "ask_sentence": ask.get("sentence"),
                    "ask_what": ask.get("what"),
                    "asked_by": _date(ask.get("by_date")),
                },
            )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        moments = []
        for episode in ctx.episodes:
            away = chase.away_until(ctx, episode.anchor.date)
            if away is not None:
                moments.append(away[1])
            for days in ctx.rules.follow_up_days:
                due = ctx.calendar.add_business_days(episode.anchor.date, days)
                if due > ctx.now:
                    moments.append(due)
                    break
        return min(moments, default=None)

    def status(self, ctx: ClientContext) -> Mapping[str, Any]:
        away = [chase.away_until(ctx, e.anchor.date) for e in ctx.episodes]
        back = max((a[0] for a in away if a is not None), default=None)
        return {"away_until": back.isoformat() if back else None}

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        answered = chase.client_answered(ctx, draft)
        if answered is not None:
            return answered
        ours = chase.ours_after(ctx, draft)
        if draft.step and len(ours) >= draft.step:
            last = ours[-1]
            return Evidence(
                "followed_up_yourself", {"date": last.date}, last.key, last.join_id, last.date
            )
        return None
