"""The typed records that cross the store's boundary, and their one JSON form each.

In memory: dataclasses with aware datetimes and tuples. On disk: JSON objects with
ISO 8601 dates. `to_json` / `from_json` on each type are the only places that convert
between the two; nothing else in mailwatch parses a stored date.

The JSON keys are those of the schema-1 state file (short keys for message records,
which are many), so a record reads the same in every schema.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_time(value: str | datetime | None) -> datetime | None:
    """An aware datetime from stored text (naive text is read as UTC)."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def month_of(moment: datetime) -> str:
    """'2026-11': the month file a moment belongs to (in UTC, whatever its zone)."""
    return f"{moment.astimezone(UTC):%Y-%m}"


# -- folders ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FolderState:
    """Where the sync of one folder stands: it has every UID up to `last_uid`."""

    name: str
    uidvalidity: int
    last_uid: int
    uidnext: int | None = None  # set only once a sync has read everything up to it
    highestmodseq: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "uidvalidity": self.uidvalidity,
            "last_uid": self.last_uid,
            "uidnext": self.uidnext,
            "highestmodseq": self.highestmodseq,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> FolderState:
        return cls(
            name=doc["name"],
            uidvalidity=int(doc["uidvalidity"]),
            last_uid=int(doc["last_uid"]),
            uidnext=doc.get("uidnext"),
            highestmodseq=doc.get("highestmodseq"),
        )


# -- messages --------------------------------------------------------------------------


@dataclass(slots=True)
class MessageRecord:
    """One stored message: lean metadata and a short snippet, never the body.

    Identity is `key` (folder/UIDVALIDITY/UID); `join_id` (the Message-ID, or a
    fingerprint) joins copies and threads. `route` says why it is kept (today the
    client it belongs to); `facts` holds what detectors found in its text.
    """

    key: str
    folder: str
    uidvalidity: int
    uid: int
    join_id: str
    date: datetime  # aware
    message_id: str | None = None
    alias_ids: tuple[str, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    subject: str = ""
    from_addr: str | None = None
    from_name: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    not_contact: str | None = None  # why it does not count as contact (auto-reply...)
    size: int = 0
    gm_msgid: int | None = None
    defects: tuple[str, ...] = ()
    asks: bool | None = None  # our own text asks for something (None: text not read)
    snippet: str = ""
    route: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def month(self) -> str:
        return month_of(self.date)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "key": self.key,
            "folder": self.folder,
            "uidvalidity": self.uidvalidity,
            "uid": self.uid,
            "jid": self.join_id,
            "mid": self.message_id,
            "aliases": list(self.alias_ids),
            "irt": self.in_reply_to,
            "refs": list(self.references),
            "subject": self.subject,
            "from": self.from_addr,
            "from_name": self.from_name,
            "to": list(self.to),
            "cc": list(self.cc),
            "date": self.date.isoformat(),
            "nc": self.not_contact,
            "size": self.size,
            "gm": self.gm_msgid,
            "defects": list(self.defects),
            "asks": self.asks,
            "snippet": self.snippet,
        }
        if self.route is not None:
            doc["route"] = self.route
        if self.facts:
            doc["facts"] = self.facts
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> MessageRecord:
        date = parse_time(doc["date"])
        assert date is not None
        return cls(
            key=doc["key"],
            folder=doc["folder"],
            uidvalidity=int(doc["uidvalidity"]),
            uid=int(doc["uid"]),
            join_id=doc.get("jid") or doc.get("mid") or doc["key"],
            date=date,
            message_id=doc.get("mid"),
            alias_ids=tuple(doc.get("aliases") or ()),
            in_reply_to=doc.get("irt"),
            references=tuple(doc.get("refs") or ()),
            subject=doc.get("subject") or "",
            from_addr=doc.get("from"),
            from_name=doc.get("from_name") or "",
            to=tuple(doc.get("to") or ()),
            cc=tuple(doc.get("cc") or ()),
            not_contact=doc.get("nc"),
            size=int(doc.get("size") or 0),
            gm_msgid=doc.get("gm"),
            defects=tuple(doc.get("defects") or ()),
            asks=doc.get("asks"),
            snippet=doc.get("snippet") or "",
            route=doc.get("route"),
            facts=dict(doc.get("facts") or {}),
        )


# -- drafts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a draft's history: who did what to which version, and when."""

    at: datetime
    action: str  # drafted, approved, edited, rejected, withdrawn, sent, failed, retry...
    by: str
    version: int
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "at": self.at.isoformat(),
            "action": self.action,
            "by": self.by,
            "version": self.version,
        }
        if self.note:
            doc["note"] = self.note
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> HistoryEntry:
        at = parse_time(doc["at"])
        assert at is not None
        version = int(doc.get("version", 1))
        return cls(at, doc["action"], doc.get("by", ""), version, doc.get("note", ""))


@dataclass(frozen=True, slots=True)
class Attempt:
    """A send that the server asked us to try again later."""

    at: datetime
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "error": self.error}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Attempt:
        at = parse_time(doc["at"])
        assert at is not None
        return cls(at, doc.get("error", ""))


@dataclass(frozen=True, slots=True)
class Draft:
    """A message mailwatch proposes, from its making to its sending (or not).

    Immutable: a change is a new Draft (`changed`, or a lifecycle transition in
    mailwatch/drafts/lifecycle.py) saved with `Store.save_draft`. `status` changes
    only through the lifecycle table.
    """

    id: str
    client: str
    kind: str
    status: str
    anchor: str  # join id of the message that opened the episode it answers
    to: tuple[str, ...]
    subject: str
    body: str
    created_at: datetime
    updated_at: datetime
    step: int | None = None
    version: int = 1
    edited: bool = False
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    reason: dict[str, Any] = field(default_factory=dict)  # the evidence, as shown
    supersedes: str | None = None
    history: tuple[HistoryEntry, ...] = ()
    # Sending (pipeline/send.py): identity and bytes are stored before the server hears.
    message_id: str | None = None
    raw: bytes | None = None
    stage: str | None = None  # "prepared", then "data" once the text is handed over
    stage_at: datetime | None = None
    sent_at: datetime | None = None
    filed: bool = False  # our copy is in Sent
    refused: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    retry_at: datetime | None = None
    attempts: tuple[Attempt, ...] = ()
    outcome_unknown: bool = False  # cancelled while an attempt was in doubt
    approved_fingerprint: str | None = None
    withdrawn_reason: str | None = None
    withdrawn_code: str | None = None  # the evidence code of the withdrawal
    # The rule's draft policy (core/rule.py): the ladder and rank it belongs to, and the
    # slot it occupies (one open draft per slot).
    family: str = ""
    rank: int = 0
    slot: str = ""
    needs_edit: bool = False  # the owner must fill something in before approving
    meta: dict[str, Any] = field(default_factory=dict)  # rule-specific data

    def changed(self, **values: Any) -> Draft:
        if "status" in values:
            raise ValueError("a draft's status changes only through drafts.lifecycle")
        return replace(self, **values)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client": self.client,
            "kind": self.kind,
            "step": self.step,
            "status": self.status,
            "version": self.version,
            "edited": self.edited,
            "anchor": self.anchor,
            "to": list(self.to),
            "subject": self.subject,
            "body": self.body,
            "in_reply_to": self.in_reply_to,
            "references": list(self.references),
            "reason": self.reason,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "supersedes": self.supersedes,
            "history": [h.to_json() for h in self.history],
            "message_id": self.message_id,
            "raw": base64.b64encode(self.raw).decode() if self.raw is not None else None,
            "stage": self.stage,
            "stage_at": iso(self.stage_at),
            "sent_at": iso(self.sent_at),
            "filed": self.filed,
            "refused": self.refused,
            "error": self.error,
            "retry_at": iso(self.retry_at),
            "attempts": [a.to_json() for a in self.attempts],
            "outcome_unknown": self.outcome_unknown,
            "approved_fingerprint": self.approved_fingerprint,
            "withdrawn_reason": self.withdrawn_reason,
            "withdrawn_code": self.withdrawn_code,
            "family": self.family,
            "rank": self.rank,
            "slot": self.slot,
            "needs_edit": self.needs_edit,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Draft:
        """Tolerant of older documents: missing keys take their defaults, and keys this
        version does not know are kept in `meta` (so a round trip loses nothing)."""
        created = parse_time(doc.get("created_at")) or datetime.fromtimestamp(0, UTC)
        raw = doc.get("raw")
        extra = {k: v for k, v in doc.items() if k not in _DRAFT_KEYS}
        return cls(
            id=str(doc["id"]),
            client=doc["client"],
            kind=doc["kind"],
            status=doc["status"],
            anchor=doc.get("anchor") or "",
            to=tuple(doc.get("to") or ()),
            subject=doc.get("subject") or "",
            body=doc.get("body") or "",
            created_at=created,
            updated_at=parse_time(doc.get("updated_at")) or created,
            step=doc.get("step"),
            version=int(doc.get("version") or 1),
            edited=bool(doc.get("edited")),
            in_reply_to=doc.get("in_reply_to"),
            references=tuple(doc.get("references") or ()),
            reason=dict(doc.get("reason") or {}),
            supersedes=doc.get("supersedes"),
            history=tuple(HistoryEntry.from_json(h) for h in doc.get("history") or ()),
            message_id=doc.get("message_id"),
            raw=base64.b64decode(raw) if raw else None,
            stage=doc.get("stage"),
            stage_at=parse_time(doc.get("stage_at")),
            sent_at=parse_time(doc.get("sent_at")),
            filed=bool(doc.get("filed")),
            refused=dict(doc.get("refused") or {}),
            error=doc.get("error"),
            retry_at=parse_time(doc.get("retry_at")),
            attempts=tuple(Attempt.from_json(a) for a in doc.get("attempts") or ()),
            outcome_unknown=bool(doc.get("outcome_unknown")),
            approved_fingerprint=doc.get("approved_fingerprint"),
            withdrawn_reason=doc.get("withdrawn_reason"),
            withdrawn_code=doc.get("withdrawn_code"),
            family=doc.get("family") or "",
            rank=int(doc.get("rank") or 0),
            slot=doc.get("slot") or "",
            needs_edit=bool(doc.get("needs_edit")),
            meta={**extra, **(doc.get("meta") or {})},
        )


_DRAFT_KEYS = frozenset({f.name for f in fields(Draft)})
