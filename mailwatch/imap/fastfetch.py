"""A lean reader for the one FETCH a first sync repeats thousands of times.

imapclient parses every FETCH response with its general-purpose parser, which
costs ~100 us per message: on a 20,000-message first sync that was more time
than the server took to send the data. Our header FETCH always has the same
shape, `UID n INTERNALDATE "..." RFC822.SIZE n BODY[HEADER.FIELDS (...)] {len}`
plus the literal, so it is read here straight from imaplib's socket file (the
connection imapclient runs on), in large chunks, with three small patterns.

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
    query = (b"(" + item + b" INTERNALDATE RFC822.SIZE" + extra + b")").decode()
    uid_set = ",".join(str(u) for u in uids)
    if not _streamable(imap):
        return _from_imaplib(imap, uid_set, query, gmail)
    tag = imap._command("UID", "FETCH", uid_set, query)
    try:
        return _read_until_done(imap, tag, gmail)
    finally:
        imap.tagged_commands.pop(tag, None)


def _streamable(imap: Any) -> bool:
    """Whether the connection is imaplib's as we know it: a buffered socket file we
    can read in chunks, and its command/tag machinery."""
    return (
        hasattr(getattr(imap, "file", None), "read1")
        and hasattr(imap, "_command")
        and isinstance(getattr(imap, "tagged_commands", None), dict)
    )


# Reading the answer ourselves, in 256 KiB chunks, rather than through imaplib's
# line-at-a-time loop: that loop was most of the client's time in a header fetch
# (~35 us per message, against ~8 here), and a first sync is mostly header fetches.
_CHUNK = 256 * 1024
# A header block is a few KB; a server announcing more than this is broken or hostile.
_MAX_LITERAL = 16 * 1024 * 1024
_MAX_LINE = 1024 * 1024


def _read_until_done(imap: Any, tag: bytes, gmail: bool) -> dict[int, FetchedMessage]:
    found: dict[int, FetchedMessage] = {}
    tagged = tag + b" "
    buf = bytearray()
    pos = 0
    while True:
        try:
            response = _next_response(buf, pos)
        except ValueError as exc:  # the stream cannot be followed: drop the connection
            raise imap.abort(str(exc)) from exc
        if response is None:
            if len(buf) - pos > _MAX_LINE and buf.find(b"\r\n", pos) < 0:
                raise imap.abort("FETCH answer: a line longer than 1 MiB")
            del buf[:pos]
            pos = 0
            chunk = imap.file.read1(_CHUNK)
            if not chunk:
                raise imap.abort("socket error: EOF during FETCH")
            buf += chunk
            continue
        pos, lines, literals = response
        first = lines[0]
        if first.startswith(tagged):
            # Anything read past this line is dropped: nothing else is in flight on
            # this connection, so it could only be an unsolicited update (EXISTS,
            # FLAGS), which mailwatch learns from STATUS and SEARCH anyway.
            status = first[len(tagged) :].split(b" ", 1)[0].upper()
            if status == b"OK":
                return found
            raise imap.error(f"UID FETCH answered {first[len(tagged) :]!r}")
        if first.startswith(b"* BYE"):
            raise imap.abort(f"the server closed the connection: {first!r}")
        if len(literals) == 1 and b" FETCH (" in first and _HEADER_LITERAL.search(first):
            message = _message(first + lines[1], literals[0], gmail)
            if message is not None:
                found[message.uid] = message
        # Anything else (an unsolicited EXISTS or FLAGS, an unusual shape): not ours
        # to read; the caller fetches whatever UID is missing through imapclient.


def _next_response(buf: bytearray, pos: int) -> tuple[int, list[bytes], list[bytes]] | None:
    """One whole response from `buf[pos:]`: where it ends, its lines (without CRLF)
    and its literals; None when more bytes are needed."""
    lines: list[bytes] = []
    literals: list[bytes] = []
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        line = bytes(buf[pos:eol])
        pos = eol + 2
        lines.append(line)
        if not line.endswith(b"}"):
            return pos, lines, literals
        brace = line.rfind(b"{")
        digits = line[brace + 1 : -1]
        if brace < 0 or not digits.isdigit():
            return pos, lines, literals
        size = int(digits)
        if size > _MAX_LITERAL:
            raise ValueError(f"FETCH answer announces a {size}-byte literal")
        if len(buf) < pos + size:
            return None
        literals.append(bytes(buf[pos : pos + size]))
        pos += size


def _message(meta: bytes, literal: bytes, gmail: bool) -> FetchedMessage | None:
    uid = _UID.search(meta)
    if uid is None:
        return None
    size = _SIZE.search(meta)
    date = _DATE.search(meta)
    gm = _GM_MSGID.search(meta) if gmail else None
    return FetchedMessage(
        uid=int(uid.group(1)),
        header=literal,
        internaldate=parse_internaldate(date.group(1)) if date else None,
        size=int(size.group(1)) if size else 0,
        gm_msgid=int(gm.group(1)) if gm else None,
    )


def _from_imaplib(imap: Any, uid_set: str, query: str, gmail: bool) -> dict[int, FetchedMessage]:
    """The same, through imaplib's reader (a connection we cannot read in chunks)."""
    typ, data = imap.uid("FETCH", uid_set, query)
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
        message = _message(
            prefix + (following if isinstance(following, bytes) else b""), literal, gmail
        )
        if message is not None:
            found[message.uid] = message
    return found
