"""Turn the rules' proposals into a plan of draft creations, withdrawals and events.

Policy lives here, not in the rules: one open draft per conversation, a step is
never drafted twice, an unreviewed draft is replaced (not joined) by a later,
stronger one, and drafts whose reason has gone away are withdrawn.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mailwatch.core.context import ClientContext, Proposal
from mailwatch.core.conversation import replied_after
from mailwatch.core.model import (
    APPROVED,
    FOLLOW_UP,
    OPEN_STATUSES,
    PAUSE_NOTICE,
    PENDING,
    Action,
    ClientStatus,
    CreateDraft,
    DraftView,
    Message,
    RecordEvent,
    WithdrawDraft,
)
from mailwatch.core.threads import Thread, reply_subject, strip_reply_prefixes
from mailwatch.core.tracking import median_or_none, response_hours, waiting_state
from mailwatch.rules import RULES
from mailwatch.rules.pause_notice import is_silent

MAX_REFERENCES = 20


def _find(ctx: ClientContext, join_id: str) -> tuple[Thread, Message] | None:
    for thread in ctx.threads:
        for message in thread.messages:
            if message.join_id == join_id:
                return thread, message
    return None


def _day(moment: datetime) -> str:
    return f"{moment:%a %d %b}"


def recheck(ctx: ClientContext, draft: DraftView) -> str | None:
    """Why this draft should no longer go out, or None if its reason still holds."""
    found = _find(ctx, draft.anchor)
    if found is None:
        return None
    thread, anchor = found
    reply = replied_after(thread, anchor.date, ctx.now)
    if reply is not None:
        return f"{ctx.name} replied on {_day(reply.date)} ({reply.subject!r}); no need to chase."
    if draft.kind == FOLLOW_UP and draft.step:
        ours = [
            m
            for m in thread.contact
            if m.direction == "out"
            and anchor.date < m.date <= ctx.now
            and m.join_id != draft.message_id
        ]
        if len(ours) >= draft.step:
            return f"You already followed up yourself on {_day(ours[-1].date)}."
    return None


def _withdrawals(ctx: ClientContext) -> list[WithdrawDraft]:
    out = []
    for draft in ctx.drafts:
        if draft.status in (PENDING, APPROVED):
            reason = recheck(ctx, draft)
            if reason:
                out.append(WithdrawDraft(draft.id, reason))
    return out


def _already_drafted(proposal: Proposal, drafts: list[DraftView]) -> bool:
    for draft in drafts:
        if draft.kind == PAUSE_NOTICE:
            return True  # after a pause notice, no more nudges in this episode
        if proposal.kind == FOLLOW_UP and (draft.step or 0) >= (proposal.step or 0):
            return True
    return False


def _replaceable(draft: DraftView, proposal: Proposal) -> bool:
    """An unreviewed, unedited weaker draft gives way to a stronger one."""
    if draft.status != PENDING or draft.edited or draft.kind != FOLLOW_UP:
        return False
    return proposal.kind == PAUSE_NOTICE or (proposal.step or 0) > (draft.step or 0)


def contact_name(ctx: ClientContext) -> str:
    """The first name the client signs with, from their latest message ('' if unknown)."""
    latest: Message | None = None
    for thread in ctx.threads:
        for m in thread.messages:
            # An out-of-office still carries the person's name; a bounce does not.
            personal = m.not_contact in (None, "auto-reply", "out-of-office")
            if m.direction == "in" and personal and (latest is None or m.date > latest.date):
                latest = m
    if latest is None:
        return ""
    name = latest.from_name.strip().strip("\"'")
    if not name or "@" in name:
        return ""
    if "," in name:  # "Doe, Jane"
        name = name.split(",", 1)[1].strip()
    return name.split()[0] if name.split() else ""


def _reply_headers(thread: Thread) -> tuple[str | None, tuple[str, ...]]:
    """Reply under the latest real message: never under an auto-reply or a bounce."""
    real = [m for m in thread.contact if m.join_id.startswith("<")] or [
        m for m in thread.messages if m.join_id.startswith("<")
    ]
    if not real:
        return None, ()
    last = real[-1]
    chain = [*last.references, last.join_id]
    if len(chain) > MAX_REFERENCES:  # keep the root and the most recent ones
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return last.join_id, tuple(chain)


def _create(ctx: ClientContext, proposal: Proposal, supersedes: str | None) -> CreateDraft:
    thread, anchor = proposal.episode.thread, proposal.anchor
    in_reply_to, references = _reply_headers(thread)
    to = anchor.counterparts or (ctx.primary_email,)
    context = {
        "client_name": ctx.name,
        "contact_name": contact_name(ctx),
        "subject": strip_reply_prefixes(thread.first.subject),
        **proposal.context,
    }
    return CreateDraft(
        client=ctx.client_id,
        kind=proposal.kind,
        step=proposal.step,
        anchor=anchor.join_id,
        to=tuple(to),
        subject=reply_subject(thread.first.subject),
        in_reply_to=in_reply_to,
        references=references,
        evidence=proposal.evidence,
        context=context,
        supersedes=supersedes,
    )


def _draft_actions(ctx: ClientContext, proposal: Proposal, drafts: list[DraftView]) -> list[Action]:
    thread_ids = proposal.episode.thread.ids()
    mine = [d for d in drafts if d.anchor == proposal.anchor.join_id]
    if _already_drafted(proposal, mine):
        return []
    open_here = [d for d in drafts if d.status in OPEN_STATUSES and d.anchor in thread_ids]
    if any(not _replaceable(d, proposal) for d in open_here):
        return []  # one open draft per conversation; the owner is looking at it
    actions: list[Action] = []
    for old in open_here:
        label = "pause notice" if proposal.kind == PAUSE_NOTICE else f"step {proposal.step}"
        actions.append(WithdrawDraft(old.id, f"Replaced by a newer draft ({label})."))
    actions.append(_create(ctx, proposal, open_here[0].id if open_here else None))
    return actions


def _events(ctx: ClientContext, proposal: Proposal) -> list[RecordEvent]:
    anchor = proposal.anchor.join_id
    label = proposal.kind if proposal.step is None else f"{proposal.kind}:{proposal.step}"
    events = [
        RecordEvent(
            ctx.client_id,
            "threshold",
            f"threshold:{label}:{anchor}",
            ctx.now,
            {"rule": proposal.kind, "step": proposal.step, "reason": proposal.evidence.text},
        )
    ]
    if proposal.kind == PAUSE_NOTICE:
        events.append(
            RecordEvent(
                ctx.client_id,
                "client_silent",
                f"silent:{anchor}",
                ctx.now,
                {"since": proposal.episode.last_outbound.date.isoformat()},
            )
        )
    return events


def plan(ctx: ClientContext) -> list[Action]:
    """What should change for this client at `ctx.now`."""
    actions: list[Action] = list(_withdrawals(ctx))
    gone = {a.draft_id for a in actions if isinstance(a, WithdrawDraft)}
    drafts = [d for d in ctx.drafts if d.id not in gone]
    chosen: dict[str, Proposal] = {}
    for rule in RULES:  # precedence order: the first proposal per conversation wins
        for proposal in rule(ctx):
            chosen.setdefault(proposal.episode.thread.first.join_id, proposal)
    for proposal in chosen.values():
        actions.extend(_events(ctx, proposal))
        actions.extend(_draft_actions(ctx, proposal, drafts))
    return actions


def next_change(ctx: ClientContext) -> datetime | None:
    """The first moment after `ctx.now` at which `plan` could decide differently.

    With the same messages and drafts, a plan only changes when time crosses a
    threshold: a ladder step or a pause coming due, a conversation turning into
    history, or a message dated in the future becoming visible. Until then the
    outer layer may skip planning for this client (a quiet cycle then costs the
    same on a 20,000-message mailbox as on a 200-message one).
    """
    now = ctx.now
    moments: list[datetime] = []
    for thread in ctx.threads:
        moments.extend(m.date for m in thread.messages if m.date > now)
        if ctx.is_active(thread):
            moments.append(thread.last.date + ctx.lookback)
    for episode in ctx.episodes:
        for days in ctx.rules.follow_up_days:
            due = ctx.calendar.add_business_days(episode.anchor.date, days)
            if due > now:
                moments.append(due)
                break
        pause = episode.last_outbound.date + timedelta(days=ctx.rules.pause_after_silent_days)
        if pause > now:
            moments.append(pause)
    return min(moments, default=None)


def client_status(
    ctx: ClientContext, last_inbound: datetime | None, last_outbound: datetime | None
) -> ClientStatus:
    waiting_on, since, follow_ups = waiting_state(ctx.threads, ctx.now, ctx.lookback)
    ours, theirs = response_hours(ctx.threads, ctx.calendar, ctx.now)
    return ClientStatus(
        client=ctx.client_id,
        name=ctx.name,
        last_inbound=last_inbound,
        last_outbound=last_outbound,
        waiting_on=waiting_on,  # type: ignore[arg-type]
        waiting_since=since,
        follow_ups_unanswered=follow_ups,
        silent=any(is_silent(ctx, e) for e in ctx.episodes),
        owner_response_hours_median=median_or_none(ours),
        client_response_hours_median=median_or_none(theirs),
    )
