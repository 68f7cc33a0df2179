"""Stored message records: lean metadata and a short text, never whole bodies."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mailwatch.core.attribution import Directory
from mailwatch.store.records import MessageRecord

if TYPE_CHECKING:  # the parsers are imported by sync, which needs them anyway
    from mailwatch.config.model import Settings
    from mailwatch.imap.base import FetchedMessage
    from mailwatch.parse import ParsedHeaders


def message_key(folder: str, uidvalidity: int, uid: int) -> str:
    return f"{folder}/{uidvalidity}/{uid}"


def join_id(message_id: str | None, from_addr: str | None, date: datetime, subject: str) -> str:
    """Message-ID when there is one; else a fingerprint stable across re-fetches."""
    if message_id:
        return message_id
    digest = hashlib.sha1(f"{from_addr}|{date.isoformat()}|{subject}".encode()).hexdigest()
    return f"fp:{digest[:20]}"


# Senders' clocks drift by a few minutes; more than this ahead of the moment we read the
# message, the Date is wrong (a phone set to the wrong year, a bad time zone).
FUTURE_SKEW = timedelta(minutes=10)


def message_date(
    parsed: ParsedHeaders, fetched: FetchedMessage, now: datetime
) -> tuple[datetime | None, str | None]:
    """The date a message counts from, and a defect to record when the Date is unusable.

    A Date later than `now` (the moment mailwatch reads the message: the clock, or
    `--now`) would make a client's reply count only in the future: the follow-up goes
    out and status shows no contact. Then the server's arrival time (INTERNALDATE)
    stands in. Compared with `now`, not with INTERNALDATE: servers rewrite arrival times
    that lie in the future, and mail read long after it arrived keeps its real Date.
    """
    date = parsed.date
    if date is not None and date > now + FUTURE_SKEW:
        arrived = fetched.internaldate
        fallback = arrived if arrived is not None and arrived <= now + FUTURE_SKEW else now
        defect = (
            f"Date {date.isoformat()} is in the future (read at {now.isoformat()}); "
            f"the {'arrival time' if fallback is arrived else 'time it was read'} is used"
        )
        return fallback, defect
    return date or fetched.internaldate, None


def build_record(
    folder: str,
    uidvalidity: int,
    fetched: FetchedMessage,
    parsed: ParsedHeaders,
    now: datetime,
) -> MessageRecord | None:
    """The record for one message, or None when it has no usable date at all."""
    date, date_defect = message_date(parsed, fetched, now)
    if date is None:
        return None
    defects = list(parsed.defects)[:5]
    if date_defect:
        defects = [date_defect, *defects][:5]
    return MessageRecord(
        key=message_key(folder, uidvalidity, fetched.uid),
        folder=folder,
        uidvalidity=uidvalidity,
        uid=fetched.uid,
        # The header's own Date when there is one: the fallback may depend on `now`, and a
        # fingerprint must come out the same at every re-fetch.
        join_id=join_id(parsed.message_id, parsed.from_addr, parsed.date or date, parsed.subject),
        date=date,
        message_id=parsed.message_id,
        alias_ids=tuple(parsed.alias_ids),
        in_reply_to=parsed.in_reply_to,
        references=tuple(parsed.references),
        subject=parsed.subject,
        from_addr=parsed.from_addr,
        from_name=parsed.from_name,
        to=tuple(parsed.to_addrs),
        cc=tuple(parsed.cc_addrs),
        not_contact=parsed.not_contact,
        size=fetched.size,
        gm_msgid=fetched.gm_msgid,
        defects=tuple(defects),
    )


def add_text(
    record: MessageRecord,
    parsed: ParsedHeaders,
    body: bytes,
    limit: int,
    extra_phrases: Sequence[str],
) -> str:
    """Read the first bytes of the body: set what the record keeps of it (does our text
    ask something, a short snippet of the own text), and return the whole text read."""
    from mailwatch.parse import asks_something, extract_text, snippet, strip_quotes

    text = extract_text(parsed, body, truncated=len(body) >= limit)
    own = strip_quotes(text)
    record.asks = asks_something(own, extra_phrases)
    record.snippet = snippet(own)
    return text


def should_keep(record: MessageRecord) -> bool:
    """Whether a message is stored: the one place that decides (the routing the lead
    adds keeps more, by giving such mail a route). Today: client mail. Other mail is
    not stored at all; the UID cursor keeps it from being fetched again, and a new
    client's older mail is fetched again by a reindex."""
    return record.route is not None


class Router:
    """Routes records for the store: which client a message belongs to (its route),
    whether it is kept, and which way it went (for the per-client aggregates)."""

    def __init__(self, directory: Directory, fingerprint: str) -> None:
        self.directory = directory
        self.fingerprint = fingerprint

    @classmethod
    def for_settings(cls, settings: Settings) -> Router:
        owner = sorted(settings.owner.addresses)
        clients = {
            cid: [sorted(c.emails), sorted(c.domains)] for cid, c in settings.clients.items()
        }
        digest = hashlib.sha1(json.dumps([owner, clients], sort_keys=True).encode()).hexdigest()
        directory = Directory(
            settings.owner.addresses,
            {cid: c.emails for cid, c in settings.clients.items()},
            {cid: c.domains for cid, c in settings.clients.items()},
        )
        return cls(directory, digest[:16])

    def route(self, record: MessageRecord) -> str | None:
        return self.directory.attribute(record.from_addr, record.to, record.cc).client

    def keep(self, record: MessageRecord) -> bool:
        if record.route is None:
            record.route = self.route(record)
        return should_keep(record)

    def classify(self, record: MessageRecord) -> tuple[str | None, str]:
        attribution = self.directory.attribute(record.from_addr, record.to, record.cc)
        return attribution.client, attribution.direction
