"""Follow-up ladder: gentle nudges when our question goes unanswered.

Step k is due `follow_up_days[k-1]` business days after our first unanswered
asking message. Our own later messages in the thread count as nudges already
done, so the ladder continues after them. Missed steps collapse into one draft,
the highest step due.
"""

from __future__ import annotations

from mailwatch.core.context import ClientContext, Proposal
from mailwatch.core.conversation import Episode
from mailwatch.core.model import FOLLOW_UP, Evidence


def due_step(ctx: ClientContext, episode: Episode) -> tuple[int, int] | None:
    """(highest step due, business days elapsed), or None when no step is due."""
    ladder = ctx.rules.follow_up_days
    elapsed = ctx.calendar.business_days_between(episode.anchor.date, ctx.now)
    due = [k for k, days in enumerate(ladder, start=1) if elapsed >= days]
    if not due or due[-1] <= len(episode.follow_ups):
        return None
    return due[-1], elapsed


def propose(ctx: ClientContext) -> list[Proposal]:
    proposals = []
    for episode in ctx.episodes:
        found = due_step(ctx, episode)
        if found is None:
            continue
        step, elapsed = found
        anchor = episode.anchor
        calendar_days = (ctx.now - anchor.date).days
        nudges = len(episode.follow_ups)
        text = (
            f"Your message of {anchor.date:%a %d %b} asked {ctx.name} for something and "
            f"nothing has come back in {elapsed} business days"
            + (f" ({nudges} follow-up{'s' if nudges != 1 else ''} already sent)" if nudges else "")
            + f": follow-up step {step} of {len(ctx.rules.follow_up_days)} is due."
        )
        proposals.append(
            Proposal(
                kind=FOLLOW_UP,
                step=step,
                episode=episode,
                evidence=Evidence(
                    text=text,
                    message_key=anchor.key,
                    message_id=anchor.join_id,
                    message_date=anchor.date,
                    business_days=elapsed,
                    calendar_days=calendar_days,
                    follow_ups_unanswered=nudges,
                ),
                context={
                    "step": step,
                    "total_steps": len(ctx.rules.follow_up_days),
                    "asked_on": anchor.date,
                    "days_waiting": calendar_days,
                    "business_days_waiting": elapsed,
                    "follow_ups_sent": nudges,
                },
            )
        )
    return proposals
