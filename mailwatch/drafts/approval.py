"""Every change the owner makes to a draft goes through `change_draft`.

Today the command line calls it; the approval digest will call the same
function, so the rules (who, which version, which states) live in one place.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from mailwatch.core.model import APPROVED, FAILED, PENDING, REJECTED, SENDING, WITHDRAWN
from mailwatch.errors import DraftStateError
from mailwatch.store import Store

Change = Literal["approve", "reject", "edit", "withdraw"]

# Which statuses each change may start from, and where it leads.
_FROM: dict[str, frozenset[str]] = {
    # A failed draft can be approved again (to resend) or edited, never silently retried.
    "approve": frozenset({PENDING, FAILED}),
    # A draft whose send is in doubt (the connection broke, the process died) may be
    # cancelled: it is then never sent again.
    "reject": frozenset({PENDING, APPROVED, FAILED, SENDING}),
    "edit": frozenset({PENDING, APPROVED, FAILED}),
    "withdraw": frozenset({PENDING, APPROVED}),
}
_TO = {"approve": APPROVED, "reject": REJECTED, "edit": PENDING, "withdraw": WITHDRAWN}
_PAST = {"approve": "approved", "reject": "rejected", "edit": "edited", "withdraw": "withdrawn"}


def content_fingerprint(draft: dict[str, Any]) -> str:
    """12 hex digits that change whenever what the client would receive changes:
    recipients, subject, the message it replies to, or the text."""
    digest = hashlib.sha256()
    for part in (
        ",".join(draft.get("to") or ()),
        draft.get("subject") or "",
        draft.get("in_reply_to") or "",
        draft.get("body") or "",
    ):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()[:12]


def history_entry(
    at: datetime, action: str, by: str, version: int, note: str = ""
) -> dict[str, Any]:
    entry = {"at": at.isoformat(), "action": action, "by": by, "version": version}
    if note:
        entry["note"] = note
    return entry


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
) -> dict[str, Any]:
    """Apply one owner decision to a draft and record it; returns the updated draft.

    `expected_version` and `expected_fingerprint` bind a decision to the exact text
    the owner saw: if the draft changed since, the decision is refused. An approval
    also records the fingerprint of what was approved, and the sender refuses to send
    anything else (see pipeline/send.py).
    """
    draft = store.draft(draft_id)
    status = draft["status"]
    if status not in _FROM[change]:
        raise DraftStateError(
            f"Draft {draft_id} is {status}; it cannot be {_PAST[change]}.",
            "See its history with `mailwatch queue show " + str(draft_id) + "`.",
        )
    if expected_version is not None and expected_version != draft["version"]:
        raise DraftStateError(
            f"Draft {draft_id} has changed since you saw it (version {expected_version}, "
            f"now {draft['version']}).",
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
    fields: dict[str, Any] = {"status": _TO[change], "updated_at": now.isoformat()}
    if change == "approve":
        fields["approved_fingerprint"] = content_fingerprint(draft)
    if status == FAILED:
        fields.update(error=None, stage=None, retry_at=None, attempts=[])
    if status == SENDING:
        if draft.get("stage") == "data":
            # The attempt in doubt may have reached the server; the sender keeps looking
            # for its copy and records it as sent if it turns up.
            fields["outcome_unknown"] = True
            note = note or "Cancelled while its sending was in doubt; it will not be resent."
        fields.update(stage=None, retry_at=None)
    version = draft["version"]
    if change == "edit":
        if body is None or not body.strip():
            raise DraftStateError(
                "An edit needs the new text; an empty draft cannot be sent.",
                "Write the text in the editor, or use --body-file FILE.",
            )
        version += 1
        fields.update(
            body=body if body.endswith("\n") else body + "\n", version=version, edited=True
        )
        # New text, new message: whatever was prepared or approved for the old text is void.
        fields.update(message_id=None, raw=None, approved_fingerprint=None)
    history = [*draft.get("history", []), history_entry(now, _PAST[change], by, version, note)]
    fields["history"] = history
    with store.batch():
        store.update_draft(draft_id, fields)
        store.record_event(
            draft["client"],
            f"draft_{_PAST[change]}",
            now,
            {"draft": draft_id, "by": by, "version": version, **({"note": note} if note else {})},
        )
    return {**draft, **fields}
