"""Every change the owner makes to a draft goes through `change_draft`.

Today the command line calls it; the approval digest will call the same
function, so the rules (who, which version, which states) live in one place.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from mailwatch.core.model import FAILED, SENDING
from mailwatch.drafts.lifecycle import PAST, DraftEvent, next_status, transition
from mailwatch.errors import DraftStateError
from mailwatch.store import Store
from mailwatch.store.records import Draft

Change = Literal["approve", "reject", "edit", "withdraw"]

# Which events the owner may cause; where each may start from and lead to is the
# lifecycle table's business (drafts/lifecycle.py).
_OWNER_EVENTS: dict[str, DraftEvent] = {
    "approve": DraftEvent.APPROVE,
    "reject": DraftEvent.REJECT,
    "edit": DraftEvent.EDIT,
    "withdraw": DraftEvent.WITHDRAW,
}


def content_fingerprint(draft: Draft) -> str:
    """12 hex digits that change whenever what the client would receive changes:
    recipients, subject, the message it replies to, or the text."""
    digest = hashlib.sha256()
    for part in (
        ",".join(draft.to),
        draft.subject or "",
        draft.in_reply_to or "",
        draft.body or "",
    ):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()[:12]


def change_draft(
    store: Store,
    draft_id: str,
    change: Change,
    *,
    by: str,
    now: datetime,
    expected_version: int | None = None,
    expected_fingerprint: str | None = None,
    body: str | None = None,
    note: str = "",
) -> Draft:
    """Apply one owner decision to a draft and record it; returns the updated draft.

    `expected_version` and `expected_fingerprint` bind a decision to the exact text
    the owner saw: if the draft changed since, the decision is refused. An approval
    also records the fingerprint of what was approved, and the sender refuses to send
    anything else (see pipeline/send.py).
    """
    draft = store.draft(draft_id)
    event = _OWNER_EVENTS[change]
    next_status(draft, event)  # refuses a change the lifecycle does not allow
    if expected_version is not None and expected_version != draft.version:
        raise DraftStateError(
            f"Draft {draft_id} has changed since you saw it (version {expected_version}, "
            f"now {draft.version}).",
            f"Read it again with `mailwatch queue show {draft_id}`, then decide.",
        )
    if expected_fingerprint is not None and (
        expected_fingerprint.strip().lower() != content_fingerprint(draft)
    ):
        raise DraftStateError(
            f"Draft {draft_id} is not the text you checked (fingerprint "
            f"{expected_fingerprint}, now {content_fingerprint(draft)}).",
            f"Read it again with `mailwatch queue show {draft_id}`, then decide.",
        )
    values: dict[str, Any] = {}
    if event == DraftEvent.APPROVE:
        values["approved_fingerprint"] = content_fingerprint(draft)
    if draft.status == FAILED:
        values.update(error=None, stage=None, retry_at=None, attempts=())
    if draft.status == SENDING:
        if draft.stage == "data":
            # The attempt in doubt may have reached the server; the sender keeps looking
            # for its copy and records it as sent if it turns up.
            values["outcome_unknown"] = True
            note = note or "Cancelled while its sending was in doubt; it will not be resent."
        values.update(stage=None, retry_at=None)
    if event == DraftEvent.EDIT:
        if body is None or not body.strip():
            raise DraftStateError(
                "An edit needs the new text; an empty draft cannot be sent.",
                "Write the text in the editor, or use --body-file FILE.",
            )
        values.update(
            body=body if body.endswith("\n") else body + "\n",
            version=draft.version + 1,
            edited=True,
            # New text, new message: whatever was prepared or approved for the old text
            # is void.
            message_id=None,
            raw=None,
            approved_fingerprint=None,
        )
    changed = transition(draft, event, at=now, by=by, note=note, **values)
    with store.batch():
        store.save_draft(changed)
        store.record_event(
            draft.client,
            f"draft_{PAST[event]}",
            now,
            {
                "draft": draft_id,
                "by": by,
                "version": changed.version,
                **({"note": note} if note else {}),
            },
        )
    return changed
