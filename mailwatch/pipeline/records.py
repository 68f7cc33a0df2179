"""Stored message records: lean metadata and a short text, never whole bodies."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from mailwatch.imap.base import FetchedMessage
from mailwatch.parse import ParsedHeaders, asks_something, extract_text, snippet, strip_quotes


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
) -> dict[str, Any] | None:
    """The record for one message, or None when it has no usable date at all."""
    date, date_defect = message_date(parsed, fetched, now)
    if date is None:
        return None
    defects = list(parsed.defects)[:5]
    if date_defect:
        defects = [date_defect, *defects][:5]
    return {
        "key": message_key(folder, uidvalidity, fetched.uid),
        "folder": folder,
        "uidvalidity": uidvalidity,
        "uid": fetched.uid,
        # The header's own Date when there is one: the fallback may depend on `now`, and a
        # fingerprint must come out the same at every re-fetch.
        "jid": join_id(parsed.message_id, parsed.from_addr, parsed.date or date, parsed.subject),
        "mid": parsed.message_id,
        "aliases": list(parsed.alias_ids),
        "irt": parsed.in_reply_to,
        "refs": list(parsed.references),
        "subject": parsed.subject,
        "from": parsed.from_addr,
        "from_name": parsed.from_name,
        "to": list(parsed.to_addrs),
        "cc": list(parsed.cc_addrs),
        "date": date.isoformat(),
        "nc": parsed.not_contact,
        "size": fetched.size,
        "gm": fetched.gm_msgid,
        "defects": defects,
        "asks": None,
        "snippet": "",
    }


def add_text(
    record: dict[str, Any],
    parsed: ParsedHeaders,
    body: bytes,
    limit: int,
    extra_phrases: Sequence[str],
) -> None:
    text = extract_text(parsed, body, truncated=len(body) >= limit)
    own = strip_quotes(text)
    record["asks"] = asks_something(own, extra_phrases)
    record["snippet"] = snippet(own)
