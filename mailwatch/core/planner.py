"""Turn the rules' proposals into a plan: draft creations, withdrawals, events, attention.

The planner knows no rule by name. It asks every rule (see core/rule.py) what it
proposes and applies one draft policy to all of them: drafts whose reason has gone
are withdrawn (each rule says why for its own drafts), one open draft per slot, a
rank of a family is never drafted twice for one target, and an unreviewed draft
gives way to a stronger one of its family.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from mailwatch.core.context import ClientContext
from mailwatch.core.model import (
    APPROVED,
    OPEN_STATUSES,
    PENDING,
    WITHDRAWN,
    Action,
    Attention,
    ClientStatus,
    CreateDraft,
    DraftView,
    Evidence,
    RaiseAttention,
    RecordEvent,
    WithdrawDraft,
)
from mailwatch.core.rule import Proposal, Rule, rule_hold, rule_status
from mailwatch.core.tracking import median_or_none, response_hours, waiting_state


def _rule_of(rules: Sequence[Rule], kind: str) -> Rule | None:
    for rule in rules:
        if kind in rule.kinds:
            return rule
    return None


def recheck(ctx: ClientContext, draft: DraftView, rules: Sequence[Rule]) -> Evidence | None:
    """Why this draft should no longer go out, or None if its reason still holds.

    A draft of a kind no rule claims any more (a rule removed) is left to the owner.
    """
    held = hold(ctx, rules)
    if held is not None:
        return held
    rule = _rule_of(rules, draft.kind)
    return rule.recheck(ctx, draft) if rule is not None else None


def _withdrawals(ctx: ClientContext, rules: Sequence[Rule]) -> list[WithdrawDraft]:
    out = []
    for draft in ctx.drafts:
        if draft.status in (PENDING, APPROVED):
            why = recheck(ctx, draft, rules)
            if why is not None:
                out.append(WithdrawDraft(draft.id, why))
    return out


def _already_drafted(proposal: Proposal, drafts: Iterable[DraftView]) -> bool:
    """This rank (or a higher one) of the family was drafted for this target before.

    Withdrawn drafts do not count: their reason went away, so did the need. Rejected
    ones do: the owner said no to that step.
    """
    return any(
        d.anchor == proposal.target
        and d.family == proposal.family
        and d.rank >= proposal.rank
        and d.status != WITHDRAWN
        for d in drafts
    )


def _replaceable(draft: DraftView, proposal: Proposal) -> bool:
    """An unreviewed, unedited weaker draft of the same family gives way."""
    return (
        draft.status == PENDING
        and not draft.edited
        and draft.family == proposal.family
        and draft.rank < proposal.rank
    )


def _draft_actions(proposal: Proposal, client: str, drafts: list[DraftView]) -> list[Action]:
    if _already_drafted(proposal, drafts):
        return []
    open_here = [d for d in drafts if d.status in OPEN_STATUSES and proposal.in_slot(d)]
    if any(not _replaceable(d, proposal) for d in open_here):
        return []  # one open draft per slot; the owner is looking at it
    actions: list[Action] = [
        WithdrawDraft(old.id, Evidence("replaced", {"kind": proposal.kind, "step": proposal.step}))
        for old in open_here
    ]
    reply = proposal.reply
    actions.append(
        CreateDraft(
            client=client,
            kind=proposal.kind,
            step=proposal.step,
            anchor=proposal.target,
            to=reply.to,
            subject=reply.subject,
            in_reply_to=reply.in_reply_to,
            references=reply.references,
            evidence=proposal.evidence,
            context=dict(proposal.context),
            supersedes=open_here[0].id if open_here else None,
            family=proposal.family,
            rank=proposal.rank,
            slot=proposal.slot,
            needs_edit=proposal.needs_edit,
            meta=proposal.meta,
        )
    )
    return actions


def _threshold(ctx: ClientContext, proposal: Proposal) -> RecordEvent:
    label = proposal.kind if proposal.step is None else f"{proposal.kind}:{proposal.step}"
    return RecordEvent(
        ctx.client_id,
        "threshold",
        f"threshold:{label}:{proposal.target}",
        ctx.now,
        {"rule": proposal.kind, "step": proposal.step, "reason": proposal.evidence.reason},
    )


def hold(ctx: ClientContext, rules: Sequence[Rule]) -> Evidence | None:
    """Why every automatic draft for this client is on hold, if one rule says so."""
    for rule in rules:
        reason = rule_hold(rule, ctx)
        if reason is not None:
            return reason
    return None


def plan(ctx: ClientContext, rules: Sequence[Rule]) -> list[Action]:
    """What should change for this client at `ctx.now`."""
    held = hold(ctx, rules)
    if held is not None:
        actions: list[Action] = [
            WithdrawDraft(d.id, held) for d in ctx.drafts if d.status in (PENDING, APPROVED)
        ]
    else:
        actions = list(_withdrawals(ctx, rules))
    gone = {a.draft_id for a in actions if isinstance(a, WithdrawDraft)}
    drafts = [d for d in ctx.drafts if d.id not in gone]
    chosen: dict[str, Proposal] = {}
    attention: list[Attention] = []
    for rule in rules:
        for item in rule.propose(ctx):
            if isinstance(item, Attention):
                attention.append(item)
                continue
            best = chosen.get(item.slot)
            # The strongest proposal per slot; on a tie, the earlier rule.
            if best is None or (item.family == best.family and item.rank > best.rank):
                chosen[item.slot] = item
    for proposal in chosen.values():
        actions.append(_threshold(ctx, proposal))
        actions.extend(proposal.events)
        if held is None:
            actions.extend(_draft_actions(proposal, ctx.client_id, drafts))
    actions.extend(RaiseAttention(item) for item in attention)
    return actions


def next_change(ctx: ClientContext, rules: Sequence[Rule]) -> datetime | None:
    """The first moment after `ctx.now` at which `plan` could decide differently.

    With the same messages and drafts, a plan only changes when time crosses a
    threshold: one of a rule's deadlines, a conversation turning into history, or
    a message dated in the future becoming visible. Until then the outer layer may
    skip planning for this client (a quiet cycle then costs the same on a
    20,000-message mailbox as on a 200-message one).
    """
    now = ctx.now
    moments: list[datetime] = []
    for thread in ctx.threads:
        moments.extend(m.date for m in thread.messages if m.date > now)
        if ctx.is_active(thread):
            moments.append(thread.last.date + ctx.lookback)
    for rule in rules:
        moment = rule.next_change(ctx)
        if moment is not None and moment > now:
            moments.append(moment)
    return min(moments, default=None)


def client_status(
    ctx: ClientContext,
    rules: Sequence[Rule],
    last_inbound: datetime | None,
    last_outbound: datetime | None,
) -> ClientStatus:
    waiting_on, since, follow_ups = waiting_state(ctx.threads, ctx.now, ctx.lookback)
    ours, theirs = response_hours(ctx.threads, ctx.calendar, ctx.now)
    extra: dict[str, object] = {}
    for rule in rules:
        extra.update(rule_status(rule, ctx))
    silent = bool(extra.pop("silent", False))
    return ClientStatus(
        client=ctx.client_id,
        name=ctx.name,
        last_inbound=last_inbound,
        last_outbound=last_outbound,
        waiting_on=waiting_on,  # type: ignore[arg-type]
        waiting_since=since,
        follow_ups_unanswered=follow_ups,
        silent=silent,
        owner_response_hours_median=median_or_none(ours),
        client_response_hours_median=median_or_none(theirs),
        extra=extra,
    )
