"""Pause notice: the client has gone silent after our follow-ups.

Due when at least `pause_min_follow_ups` follow-ups sit unanswered (or every
ladder step is used up) and `pause_after_silent_days` calendar days have passed
since the last of them. Delivery pauses until the client answers.
"""

from __future__ import annotations

from datetime import timedelta

from mailwatch.core.context import ClientContext, Proposal
from mailwatch.core.conversation import Episode
from mailwatch.core.model import PAUSE_NOTICE, Evidence


def is_silent(ctx: ClientContext, episode: Episode) -> bool:
    unanswered = len(episode.follow_ups)
    if unanswered == 0:
        return False
    enough = unanswered >= min(ctx.rules.pause_min_follow_ups, len(ctx.rules.follow_up_days))
    waited = ctx.now - episode.last_outbound.date >= timedelta(
        days=ctx.rules.pause_after_silent_days
    )
    return enough and waited


def propose(ctx: ClientContext) -> list[Proposal]:
    proposals = []
    for episode in ctx.episodes:
        if not is_silent(ctx, episode):
            continue
        last = episode.last_outbound
        quiet_days = (ctx.now - last.date).days
        unanswered = len(episode.follow_ups)
        text = (
            f"{ctx.name} has not answered {unanswered} follow-ups; the last went out on "
            f"{last.date:%a %d %b}, {quiet_days} days ago: a pause notice is due."
        )
        proposals.append(
            Proposal(
                kind=PAUSE_NOTICE,
                step=None,
                episode=episode,
                evidence=Evidence(
                    text=text,
                    message_key=last.key,
                    message_id=last.join_id,
                    message_date=last.date,
                    calendar_days=quiet_days,
                    follow_ups_unanswered=unanswered,
                ),
                context={
                    "asked_on": episode.anchor.date,
                    "last_follow_up_on": last.date,
                    "follow_ups_sent": unanswered,
                    "days_silent": quiet_days,
                    "notice_days": ctx.contract.notice_days,
                },
            )
        )
    return proposals
