"""Plain data the decision core reads and writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Direction = Literal["in", "out"]

# Draft lifecycle. Nothing leaves PENDING by itself: only the owner approves.
PENDING, APPROVED, SENDING, SENT = "pending", "approved", "sending", "sent"
REJECTED, WITHDRAWN, FAILED = "rejected", "withdrawn", "failed"
# Drafts that still stand a chance of going out: at most one of these per thread.
OPEN_STATUSES = frozenset({PENDING, APPROVED, SENDING})


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
    # Other ids of the same message: the original Message-ID Outlook/Office 365 keep in
    # X-Microsoft-Original-Message-ID when they rewrite it, Gmail's X-GM-MSGID ("gm:N").
    aliases: tuple[str, ...] = ()
    # What the detectors found in its text (the asking sentence, a scope request, a
    # payment claim, an out-of-office return date...), JSON-ready, keyed by detector.
    facts: Mapping[str, Any] = field(default_factory=dict)

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
    anchor: str  # the draft's target: a message join id, "client:ID", "invoice:ID:NUMBER"
    edited: bool = False
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    sent_at: datetime | None = None
    created_at: datetime | None = None
    family: str = ""  # the ladder it belongs to (see core/rule.py Proposal)
    rank: int = 0
    slot: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)  # rule-specific facts
    subject: str = ""


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why something was decided, as facts; the rendering layer words it for people.

    `reason` is a code ("follow_up_due", "client_replied"...); `facts` holds what the
    sentence says (dates as aware datetimes, counts, names). The core never writes
    sentences: wording and time zones belong to mailwatch/drafts/evidence.py.
    """

    reason: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    message_key: str | None = None
    message_id: str | None = None
    message_date: datetime | None = None

    @classmethod
    def about(cls, reason: str, message: Message, facts: Mapping[str, Any]) -> Evidence:
        """Evidence that points at one message (its key, id and date)."""
        return cls(reason, facts, message.key, message.join_id, message.date)


@dataclass(frozen=True, slots=True)
class CreateDraft:
    client: str
    kind: str
    step: int | None
    anchor: str  # the target (see DraftView.anchor)
    to: tuple[str, ...]
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    evidence: Evidence
    context: dict[str, Any] = field(default_factory=dict)  # template variables
    supersedes: str | None = None  # id of an unreviewed draft this one replaces
    family: str = ""
    rank: int = 0
    slot: str = ""
    needs_edit: bool = False  # the owner must fill something in before approving
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WithdrawDraft:
    draft_id: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class RecordEvent:
    client: str
    kind: str
    key: str  # the same key is recorded once: re-running a cycle adds nothing
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Attention:
    """Something that needs the owner and is not a draft: it stays on the attention
    list while its cause lasts (a rule raises it at every evaluation it holds)."""

    kind: str  # "owner_overdue", "invoice_not_sent", "abusive_mail", ...
    client: str | None
    since: datetime
    key: str  # identifies the cause: the same key is the same item
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class RaiseAttention:
    item: Attention


Action = CreateDraft | WithdrawDraft | RecordEvent | RaiseAttention


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
    # What other rules add (billing state, owner overdue...), already JSON-ready.
    extra: Mapping[str, Any] = field(default_factory=dict)

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
            **self.extra,
        }
