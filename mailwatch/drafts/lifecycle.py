"""A draft's life, in one table: (status, event) -> new status.

Every status change of a draft goes through `transition`: the owner's decisions
(drafts/approval.py), the rules' withdrawals (pipeline/evaluate.py) and the sender's
steps (pipeline/send.py). A pair missing from the table is a change that must never
happen (e.g. approving a sent draft), and raises.

    pending --approve--> approved --prepare--> sending --sent--> sent
       ^  \\                |  ^                  |  \\
       |   reject/withdraw  |  '------retry------'   fail --> failed --approve--> approved
     edit/unapprove         '--fail (client gone)'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from mailwatch.core.model import APPROVED, FAILED, PENDING, REJECTED, SENDING, SENT, WITHDRAWN
from mailwatch.errors import DraftStateError
from mailwatch.store.records import Draft, HistoryEntry


class DraftEvent(StrEnum):
    APPROVE = "approve"  # the owner approves this exact text
    REJECT = "reject"  # the owner says no; never sent, the step is not drafted again
    EDIT = "edit"  # the owner changes the text: it needs approving again
    WITHDRAW = "withdraw"  # its reason has gone (the client replied, a newer draft...)
    UNAPPROVE = "unapprove"  # the text changed behind its approval: back to the owner
    PREPARE = "prepare"  # the sender stored the Message-ID and bytes; sending starts
    RETRY = "retry"  # the server said "later" (4xx, connection lost before DATA)
    SENT = "sent"  # the server accepted it (or its copy proves it did)
    FAIL = "fail"  # refused for good (5xx), the client is gone, or no proof is possible


TRANSITIONS: Mapping[tuple[str, DraftEvent], str] = {
    (PENDING, DraftEvent.APPROVE): APPROVED,
    # A failed draft can be approved again (to resend), never silently retried.
    (FAILED, DraftEvent.APPROVE): APPROVED,
    (PENDING, DraftEvent.REJECT): REJECTED,
    (APPROVED, DraftEvent.REJECT): REJECTED,
    (FAILED, DraftEvent.REJECT): REJECTED,
    # A draft whose send is in doubt may be cancelled: it is then never sent again.
    (SENDING, DraftEvent.REJECT): REJECTED,
    (PENDING, DraftEvent.EDIT): PENDING,
    (APPROVED, DraftEvent.EDIT): PENDING,
    (FAILED, DraftEvent.EDIT): PENDING,
    (PENDING, DraftEvent.WITHDRAW): WITHDRAWN,
    (APPROVED, DraftEvent.WITHDRAW): WITHDRAWN,
    # The re-check before a resend: the client replied while the outcome was unknown.
    (SENDING, DraftEvent.WITHDRAW): WITHDRAWN,
    (APPROVED, DraftEvent.UNAPPROVE): PENDING,
    (APPROVED, DraftEvent.PREPARE): SENDING,
    (SENDING, DraftEvent.RETRY): APPROVED,
    (SENDING, DraftEvent.SENT): SENT,
    # Cancelled or withdrawn while an attempt was in doubt, and its copy turned up:
    # what really happened is recorded.
    (REJECTED, DraftEvent.SENT): SENT,
    (WITHDRAWN, DraftEvent.SENT): SENT,
    (SENDING, DraftEvent.FAIL): FAILED,
    (APPROVED, DraftEvent.FAIL): FAILED,
}

# The word each event leaves in the draft's history and in the client's timeline.
PAST: Mapping[DraftEvent, str] = {
    DraftEvent.APPROVE: "approved",
    DraftEvent.REJECT: "rejected",
    DraftEvent.EDIT: "edited",
    DraftEvent.WITHDRAW: "withdrawn",
    DraftEvent.UNAPPROVE: "unapproved",
    DraftEvent.PREPARE: "prepared",
    DraftEvent.RETRY: "retry",
    DraftEvent.SENT: "sent",
    DraftEvent.FAIL: "failed",
}


def allowed(status: str, event: DraftEvent) -> bool:
    return (status, event) in TRANSITIONS


def sources(event: DraftEvent) -> frozenset[str]:
    """The statuses `event` may start from."""
    return frozenset(status for status, e in TRANSITIONS if e == event)


def next_status(draft: Draft, event: DraftEvent) -> str:
    try:
        return TRANSITIONS[(draft.status, event)]
    except KeyError:
        raise DraftStateError(
            f"Draft {draft.id} is {draft.status}; it cannot be {PAST[event]}.",
            f"See its history with `mailwatch queue show {draft.id}`.",
        ) from None


def transition(
    draft: Draft,
    event: DraftEvent,
    *,
    at: datetime,
    by: str = "mailwatch",
    note: str = "",
    history: bool = True,
    **values: Any,
) -> Draft:
    """The draft after `event`: its new status from the table, `values` applied, the
    change dated, and (unless `history=False`) a line added to its history."""
    status = next_status(draft, event)
    if "status" in values:
        raise ValueError("the status comes from the lifecycle table")
    changes: dict[str, Any] = {"updated_at": at, **values}
    if history:
        version = values.get("version", draft.version)
        entry = HistoryEntry(at, PAST[event], by, version, note)
        changes["history"] = (*draft.history, entry)
    return replace(draft, status=status, **changes)


def record_history(draft: Draft, at: datetime, action: str, by: str, note: str = "") -> Draft:
    """A history line for something that is not a status change (e.g. a retry note)."""
    entry = HistoryEntry(at, action, by, draft.version, note)
    return draft.changed(history=(*draft.history, entry), updated_at=at)
