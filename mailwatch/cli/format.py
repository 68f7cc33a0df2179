"""How things read on screen: dates in the owner's time zone, drafts in plain words."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from mailwatch.store.records import Draft

KIND_LABELS = {
    "follow_up": "Follow-up",
    "pause_notice": "Pause notice",
    "holding_reply": "Holding reply",
    "payment_reminder": "Payment reminder",
    "payment_pause_notice": "Work paused until payment",
    "final_notice": "Final payment notice",
    "resume_notice": "Work resumes",
    "confirmation": "Confirmation in writing",
    "scope_note": "Scope note",
    "delay": "Delay notice",
}


def when(value: datetime | str | None, zone: str, now: datetime | None = None) -> str:
    if value is None:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(ZoneInfo(zone))
    text = f"{local:%a %d %b %H:%M}"
    if now is not None:
        text += f" ({ago(moment, now)})"
    return text


def day(value: datetime | str | None, zone: str) -> str:
    """'Fri 13 Nov': short enough for a table column."""
    if value is None:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{moment.astimezone(ZoneInfo(zone)):%a %d %b}"


def duration(since: datetime, now: datetime) -> str:
    days = (now - since).days
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{max(int((now - since).total_seconds() // 3600), 0)} h"


def ago(moment: datetime, now: datetime) -> str:
    seconds = (now - moment).total_seconds()
    if seconds < 0:
        return "in the future"
    days = int(seconds // 86400)
    if days >= 2:
        return f"{days} days ago"
    if days == 1:
        return "yesterday" if seconds < 2 * 86400 else "1 day ago"
    hours = int(seconds // 3600)
    if hours >= 1:
        return f"{hours} h ago"
    return "just now"


def hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} h" if value < 10 else f"{value:.0f} h"


def kind_label(draft: Draft) -> str:
    label = KIND_LABELS.get(draft.kind, draft.kind)
    if draft.step:
        label += f" {draft.step}"
    return label


def draft_json(draft: Draft) -> dict[str, Any]:
    """What `queue list --json` shows of a draft (the stored form, without the bytes
    prepared for sending)."""
    stored = draft.to_json()
    keys = (
        "id",
        "client",
        "kind",
        "step",
        "status",
        "version",
        "to",
        "subject",
        "in_reply_to",
        "references",
        "reason",
        "created_at",
        "updated_at",
        "message_id",
        "sent_at",
        "error",
    )
    out = {k: stored.get(k) for k in keys}
    out["body"] = draft.body
    return out
