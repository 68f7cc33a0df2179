"""Pause notice: the client has gone silent after our follow-ups.

Due when at least `pause_min_follow_ups` follow-ups sit unanswered (or every
ladder step is used up) and `pause_after_silent_days` calendar days have passed
since the last of them. Delivery of this piece of work pauses until the client
answers. It outranks every follow-up step of its conversation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from mailwatch.core import billing
from mailwatch.core.context import ClientContext
from mailwatch.core.conversation import Episode
from mailwatch.core.model import DraftView, Evidence, RecordEvent
from mailwatch.core.replies import base_context, reply_in
from mailwatch.core.rule import Proposal
from mailwatch.rules import chase

KIND = "pause_notice"


def _enough(ctx: ClientContext, episode: Episode) -> bool:
    unanswered = len(episode.follow_ups)
    return unanswered > 0 and unanswered >= min(
        ctx.rules.pause_min_follow_ups, len(ctx.rules.follow_up_days)
    )


def _due_at(ctx: ClientContext, episode: Episode) -> datetime:
    return episode.last_outbound.date + timedelta(days=ctx.rules.pause_after_silent_days)


def is_silent(ctx: ClientContext, episode: Episode) -> bool:
    """Silent everywhere: enough unanswered follow-ups, long enough, and no message
    from the client in any conversation since the last of them (a client busy in
    another thread is not silent), and not away on an announced absence."""
    return (
        _enough(ctx, episode)
        and ctx.now >= _due_at(ctx, episode)
        and chase.client_wrote_since(ctx, episode.last_outbound.date) is None
        and chase.away_until(ctx, episode.anchor.date) is None
    )


class PauseNotice:
    name = "pause_notice"
    kinds: tuple[str, ...] = (KIND,)

    def propose(self, ctx: ClientContext) -> Iterator[Proposal]:
        if billing.work_stopped(ctx):
            return
        for episode in ctx.episodes:
            if not is_silent(ctx, episode):
                continue
            last, thread = episode.last_outbound, episode.thread
            quiet_days = (ctx.now - last.date).days
            facts = {
                **chase.episode_facts(ctx, episode),
                "last_follow_up_on": last.date,
                "days_silent": quiet_days,
            }
            yield Proposal(
                kind=KIND,
                step=None,
                target=episode.anchor.join_id,
                family=chase.FAMILY,
                rank=chase.PAUSE_RANK,
                slot=chase.slot(thread),
                slot_keys=thread.ids(),
                evidence=Evidence("pause_due", facts, last.key, last.join_id, last.date),
                reply=reply_in(ctx, thread, episode.anchor.counterparts),
                context={
                    **base_context(ctx, thread),
                    "asked_on": episode.anchor.date,
                    "last_follow_up_on": last.date,
                    "follow_ups_sent": len(episode.follow_ups),
                    "days_silent": quiet_days,
                    "notice_days": ctx.contract.notice_days,
                },
                events=(
                    RecordEvent(
                        ctx.client_id,
                        "client_silent",
                        f"silent:{episode.anchor.join_id}",
                        ctx.now,
                        {"since": last.date.isoformat()},
                    ),
                ),
            )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        moments = [_due_at(ctx, e) for e in ctx.episodes if _enough(ctx, e)]
        for episode in ctx.episodes:
            away = chase.away_until(ctx, episode.anchor.date)
            if away is not None:
                moments.append(away[1])
        return min((m for m in moments if m > ctx.now), default=None)

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        answered = chase.client_answered(ctx, draft)
        if answered is not None:
            return answered
        found = chase.find(ctx, draft.anchor)
        if found is None:
            return None
        thread, _ = found
        ours = [m for m in thread.contact if m.direction == "out" and m.date <= ctx.now]
        if not ours:
            return None
        elsewhere = chase.client_wrote_since(ctx, ours[-1].date)
        if elsewhere is None:
            return None
        return Evidence.about(
            "client_wrote_elsewhere",
            elsewhere,
            {"client_name": ctx.name, "subject": elsewhere.subject},
        )

    def status(self, ctx: ClientContext) -> Mapping[str, Any]:
        return {"silent": any(is_silent(ctx, e) for e in ctx.episodes)}
