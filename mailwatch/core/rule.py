"""The rule protocol: what every rule of the playbook tells the planner.

A rule is an object with a `name`, the draft `kinds` it creates, and three pure
functions of a `ClientContext`:

- `propose(ctx)`: what it suggests now: `Proposal`s (a draft) and `Attention`
  items (something for the owner that is not a draft);
- `next_change(ctx)`: the first moment after `ctx.now` at which its proposals
  could differ with the same messages and drafts (the plan cache sleeps until
  then, so a deadline missing here is a deadline silently skipped);
- `recheck(ctx, draft)`: for one of its own drafts not sent yet, why it no
  longer holds (an `Evidence`), or None;

and optionally `status(ctx)`: what it adds to the client's status row (JSON), and
`holds(ctx)`: a reason to hold every automatic draft for this client (abusive
mail): while a rule holds, the planner creates no draft and withdraws those
waiting, whatever rule made them.

The draft policy is declared, not coded, in each Proposal, and the planner
(core/planner.py) applies it the same way for every rule:

- `target`: what the draft is about (a message, a client, an invoice);
- `family` and `rank`: a ladder. A rank is never drafted twice for one target in
  one family (a rejected step stays rejected), and missed steps collapse into the
  highest one a rule proposes;
- `slot`: at most one open draft per slot (a conversation, a client's billing).
  A stronger proposal (higher rank, same family) replaces an unreviewed,
  unedited draft in its slot; anything the owner touched is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from mailwatch.core.model import Attention, DraftView, Evidence, RecordEvent

if TYPE_CHECKING:
    from mailwatch.core.context import ClientContext


@dataclass(frozen=True, slots=True)
class Reply:
    """Where a draft goes: in an existing conversation, or as a new message."""

    to: tuple[str, ...]
    subject: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    kind: str
    step: int | None
    target: str
    family: str
    rank: int
    slot: str
    evidence: Evidence
    reply: Reply
    context: Mapping[str, Any] = field(default_factory=dict)  # template variables
    # Other keys that identify the same slot (a conversation's message ids: an older
    # draft's anchor may be any of them).
    slot_keys: frozenset[str] = frozenset()
    events: tuple[RecordEvent, ...] = ()  # recorded when the proposal is made
    needs_edit: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict)  # kept on the draft

    def in_slot(self, draft: DraftView) -> bool:
        return (
            draft.slot == self.slot
            or draft.anchor in self.slot_keys
            or (draft.anchor == self.target and draft.family == self.family)
        )


class Rule(Protocol):
    name: str
    kinds: tuple[str, ...]

    def propose(self, ctx: ClientContext) -> Iterable[Proposal | Attention]: ...

    def next_change(self, ctx: ClientContext) -> datetime | None: ...

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None: ...


def rule_hold(rule: Rule, ctx: ClientContext) -> Evidence | None:
    """The rule's reason to hold all of this client's drafts, if it has one."""
    holds = getattr(rule, "holds", None)
    return holds(ctx) if holds is not None else None


def rule_status(rule: Rule, ctx: ClientContext) -> Mapping[str, Any]:
    """The rule's contribution to the status row, if it has one."""
    status = getattr(rule, "status", None)
    return status(ctx) if status is not None else {}
