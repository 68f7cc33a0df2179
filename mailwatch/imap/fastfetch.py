"""A lean reader for the one FETCH a first sync repeats thousands of times.

imapclient parses every FETCH response with its general-purpose parser, which
costs ~100 us per message: on a 20,000-message first sync that was more time
than the server took to send the data. Our header FETCH always has the same
shape, `UID n INTERNALDATE "..." RFC822.SIZE n BODY[HEADER.FIELDS (...)] {len}`
plus the literal, so it is read here with imaplib (which imapclient runs on)
and three small patterns.

Anything that does not fit that shape is simply not returned; the caller
fetches the missing UIDs again through imapclient, so an unusual server costs a
round trip, never a message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from mailwatch.imap.base import FetchedMessage

_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_DATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')
_GM_MSGID = re.compile(rb"\bX-GM-MSGID (\d+)")
_HEADER_LITERAL = re.compile(rb"BODY\[HEADER\.FIELDS[^\]]*\] \{\d+\}$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            b"jan",
            b"feb",
            b"mar",
            b"apr",
            b"may",
            b"jun",
            b"jul",
            b"aug",
            b"sep",
            b"oct",
            b"nov",
            b"dec",
        ),
        start=1,
    )
}


def parse_internaldate(text: bytes) -> datetime | None:
    """'02-Nov-2026 09:30:00 +0100' (RFC 3501 date-time), aware UTC; None if malformed.

    By hand rather than strptime: %b depends on the process's locale.
    """
    try:
        day, month, rest = text.strip().split(b"-", 2)
        year, clock, zone = rest.split(b" ")
        hours, minutes, seconds = (int(x) for x in clock.split(b":"))
        sign = -1 if zone[:1] == b"-" else 1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * sign
        moment = datetime(
            int(year),
            _MONTHS[month.lower()],
            int(day),
            hours,
            minutes,
            seconds,
            tzinfo=timezone(offset),
        )
    except (ValueError, KeyError, IndexError):
        return None
    return moment.astimezone(UTC)


def fetch_headers(
    imap: Any, uids: Sequence[int], item: bytes, gmail: bool
) -> dict[int, FetchedMessage]:
    """UID -> FetchedMessage for every response of the usual shape.

    `imap` is the imaplib connection under imapclient (`IMAPClient._imap`), with the
    folder already selected. Raises what imaplib raises on errors.
    """
    extra = b" X-GM-MSGID" if gmail else b""
    query = b"(" + item + b" INTERNALDATE RFC822.SIZE" + extra + b")"
    typ, data = imap.uid("FETCH", ",".join(str(u) for u in uids), query.decode())
    if typ != "OK":
        raise imap.error(f"UID FETCH answered {typ}: {data!r}")
    found: dict[int, FetchedMessage] = {}
    for index, entry in enumerate(data):
        if not isinstance(entry, tuple) or len(entry) != 2:
            continue  # no literal: an unsolicited FETCH (flags) or an unusual answer
        prefix, literal = entry
        if not _HEADER_LITERAL.search(prefix):
            continue
        following = data[index + 1] if index + 1 < len(data) else b""
        meta = prefix + (following if isinstance(following, bytes) else b"")
        uid = _UID.search(meta)
        if uid is None:
            continue
        size = _SIZE.search(meta)
        date = _DATE.search(meta)
        gm = _GM_MSGID.search(meta) if gmail else None
        found[int(uid.group(1))] = FetchedMessage(
            uid=int(uid.group(1)),
            header=literal,
            internaldate=parse_internaldate(date.group(1)) if date else None,
            size=int(size.group(1)) if size else 0,
            gm_msgid=int(gm.group(1)) if gm else None,
        )
    return found
