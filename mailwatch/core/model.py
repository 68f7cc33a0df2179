"""Plain data the decision core reads and writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Direction = Literal["in", "out"]

# Draft lifecycle. Nothing leaves PENDING by itself: only the owner approves.
PENDING, APPROVED, SENDING, SENT = "pending", "approved", "sending", "sent"
REJECTED, WITHDRAWN, FAILED = "rejected", "withdrawn", "failed"
# Drafts that still stand a chance of going out: at most one of these per thread.
OPEN_STATUSES = frozenset({PENDING, APPROVED, SENDING})

FOLLOW_UP, PAUSE_NOTICE = "follow_up", "pause_notice"


@dataclass(frozen=True, slots=True)
class Message:
    """One message as the rules see it (metadata and the short own text only)."""

    key: str  # folder/uidvalidity/uid: the identity of the stored copy
    join_id: str  # Message-ID, or a fingerprint when it has none: joins copies and threads
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    date: datetime  # aware, UTC
    direction: Direction
    client: str | None
    counterparts: tuple[str, ...]  # the client's addresses on it (From in, To/Cc out)
    from_name: str = ""
    not_contact: str | None = None  # why it does not count as contact (auto-reply, ...)
    asks: bool | None = None  # our own text asks the client for something (None: unknown)
    snippet: str = ""

    @property
    def is_contact(self) -> bool:
        return self.not_contact is None


@dataclass(frozen=True, slots=True)
class DraftView:
    """What the rules need to know about an existing draft."""

    id: str
    client: str
    kind: str
    step: int | None
    status: str
    anchor: str  # join_id of the message that opened the episode it answers
    edited: bool = False
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a draft was made, in facts the owner can check."""

    text: str  # one sentence for people
    message_key: str
    message_id: str
    message_date: datetime
    business_days: int | None = None
    calendar_days: int | None = None
    follow_ups_unanswered: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "message_key": self.message_key,
            "message_id": self.message_id,
            "message_date": self.message_date.isoformat(),
            "business_days": self.business_days,
            "calendar_days": self.calendar_days,
            "follow_ups_unanswered": self.follow_ups_unanswered,
        }


@dataclass(frozen=True, slots=True)
class CreateDraft:
    client: str
    kind: str
    step: int | None
    anchor: str
    to: tuple[str, ...]
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    evidence: Evidence
    context: dict[str, Any] = field(default_factory=dict)  # template variables
    supersedes: str | None = None  # id of an unreviewed draft this one replaces


@dataclass(frozen=True, slots=True)
class WithdrawDraft:
    draft_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class RecordEvent:
    client: str
    kind: str
    key: str  # the same key is recorded once: re-running a cycle adds nothing
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)


Action = CreateDraft | WithdrawDraft | RecordEvent


@dataclass(frozen=True, slots=True)
class ClientStatus:
    client: str
    name: str
    last_inbound: datetime | None
    last_outbound: datetime | None
    waiting_on: Literal["client", "owner"] | None
    waiting_since: datetime | None
    follow_ups_unanswered: int
    silent: bool
    owner_response_hours_median: float | None
    client_response_hours_median: float | None

    def to_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "client": self.client,
            "name": self.name,
            "last_inbound": iso(self.last_inbound),
            "last_outbound": iso(self.last_outbound),
            "waiting_on": self.waiting_on,
            "waiting_since": iso(self.waiting_since),
            "follow_ups_unanswered": self.follow_ups_unanswered,
            "silent": self.silent,
            "owner_response_hours_median": self.owner_response_hours_median,
            "client_response_hours_median": self.client_response_hours_median,
        }
