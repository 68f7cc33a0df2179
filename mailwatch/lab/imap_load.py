"""Bulk APPEND over a raw socket, for fixtures and benchmarks.

Why not imapclient: it sends one APPEND per message and waits for each reply, and
Dovecot commits (and, for maildir, fsyncs) every APPEND as its own transaction, which
measured ~75 msg/s. MULTIAPPEND (RFC 3502) puts many messages in one command and one
transaction; LITERAL+ (RFC 7888) lets us stream them without waiting for "+" after each
literal. So a chunk of messages costs one round trip and one commit.

Falls back, per server capability: no LITERAL+ -> synchronising literals (one round trip
per message); no MULTIAPPEND -> one APPEND per message, pipelined when LITERAL+ allows.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient import imap_utf7

from mailwatch.lab.account import Account, LabError

# A message, or a message with the INTERNALDATE it must keep (naive means UTC).
Message = bytes | tuple[bytes, datetime]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LITERAL_AT_END = re.compile(rb"\{(\d+)\+?\}\r\n$")
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) ([0-9:,]+)\]", re.IGNORECASE)
_CAPABILITY_CODE = re.compile(rb"\[CAPABILITY ([^\]]*)\]", re.IGNORECASE)


def imap_date(when: datetime) -> bytes:
    """RFC 3501 date-time ("05-Mar-2024 09:15:00 +0000"), locale-independent."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    text = (
        f"{when.day:02d}-{_MONTHS[when.month - 1]}-{when.year:04d} "
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} {sign}{hours:02d}{mins:02d}"
    )
    return text.encode("ascii")


def quote(text: str) -> bytes:
    """An IMAP quoted string (mailbox names are mUTF-7 encoded first by the caller)."""
    return b'"' + text.encode("utf-8").replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def expand_uid_set(uid_set: bytes) -> list[int]:
    """[1, 2, 3, 7] for b"1:3,7"."""
    uids: list[int] = []
    for part in uid_set.split(b","):
        first, _, last = part.partition(b":")
        low, high = int(first), int(last or first)
        uids.extend(range(min(low, high), max(low, high) + 1))
    return uids


@dataclass(frozen=True, slots=True)
class _Literal:
    data: bytes


_Piece = bytes | _Literal


class RawImap:
    """Just enough IMAP to log in and APPEND fast. Not a general client."""

    def __init__(self, host: str, port: int, *, timeout: float = 60.0) -> None:
        self._sock = socket.create_connection((host, port), timeout=timeout)
        # Without TCP_NODELAY, small writes after a large one wait for the peer's delayed
        # ACK (pymap's APPEND is slow without it, see DESIGN.md).
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = self._sock.makefile("rb")
        self._tags = (f"L{n}".encode() for n in itertools.count(1))
        self.capabilities: set[bytes] = set()
        self._last_tagged = b""
        greeting = self._read_response()
        if not greeting.startswith(b"* OK"):
            self.close()
            raise LabError(f"IMAP server at {host}:{port} did not greet: {greeting[:200]!r}")
        self._note_capabilities(greeting)

    def close(self) -> None:
        self._reader.close()
        self._sock.close()

    def __enter__(self) -> RawImap:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):  # closing anyway; a dead peer is fine
            self._sock.sendall(b"Z LOGOUT\r\n")
        self.close()

    def login(self, username: str, password: str) -> None:
        tagged = self.run([b"LOGIN ", quote(username), b" ", quote(password)])
        # Servers list more capabilities after login (Dovecot: MULTIAPPEND, CONDSTORE...);
        # most put them in the OK, otherwise ask.
        if _CAPABILITY_CODE.search(tagged):
            self._note_capabilities(tagged)
        else:
            self.capabilities = set(self._capability_line().upper().split())

    def _capability_line(self) -> bytes:
        tag = self._send([b"CAPABILITY"])
        line = b""
        for untagged in self._read_until(tag):
            if untagged.upper().startswith(b"* CAPABILITY "):
                line = untagged[len(b"* CAPABILITY ") :].strip()
        return line

    def _note_capabilities(self, line: bytes) -> None:
        match = _CAPABILITY_CODE.search(line)
        if match:
            self.capabilities = set(match.group(1).upper().split())

    def run(self, pieces: Sequence[_Piece], *, check: bool = True) -> bytes:
        """Send one command, return its tagged line; raise LabError on NO/BAD if `check`."""
        tag = self._send(pieces)
        for _ in self._read_until(tag, check=check):
            pass
        return self._last_tagged

    def append(
        self, folder: str, messages: Sequence[Message], flags: Sequence[str] = ()
    ) -> list[int]:
        """APPEND `messages` in one command when MULTIAPPEND is offered; return new UIDs."""
        if not messages:
            return []
        if b"MULTIAPPEND" in self.capabilities:
            return self._uids(self.run(_append_pieces(folder, messages, flags)))
        uids: list[int] = []
        if b"LITERAL+" not in self.capabilities:
            # Synchronising literals need a "+" per message: one command at a time.
            for message in messages:
                uids.extend(self._uids(self.run(_append_pieces(folder, [message], flags))))
            return uids
        # One APPEND each, all on the wire before the first reply (pipelined).
        tags = [self._send(_append_pieces(folder, [message], flags)) for message in messages]
        for tag in tags:
            for _ in self._read_until(tag):
                pass
            uids.extend(self._uids(self._last_tagged))
        return uids

    @staticmethod
    def _uids(tagged: bytes) -> list[int]:
        match = _APPENDUID.search(tagged)
        return expand_uid_set(match.group(2)) if match else []

    # -- wire -------------------------------------------------------------------------

    def _send(self, pieces: Sequence[_Piece]) -> bytes:
        tag = next(self._tags)
        if b"LITERAL+" in self.capabilities:
            self._sock.sendall(b"".join(self._nonsync(tag, pieces)))
            return tag
        # Synchronising literals: send up to each literal, wait for "+", then its bytes.
        pending = [tag, b" "]
        for piece in pieces:
            if isinstance(piece, _Literal):
                pending.append(b"{%d}\r\n" % len(piece.data))
                self._sock.sendall(b"".join(pending))
                self._wait_continuation(tag)
                pending = [piece.data]
            else:
                pending.append(piece)
        pending.append(b"\r\n")
        self._sock.sendall(b"".join(pending))
        return tag

    @staticmethod
    def _nonsync(tag: bytes, pieces: Iterable[_Piece]) -> Iterator[bytes]:
        yield tag + b" "
        for piece in pieces:
            if isinstance(piece, _Literal):
                yield b"{%d+}\r\n" % len(piece.data)
                yield piece.data
            else:
                yield piece
        yield b"\r\n"

    def _wait_continuation(self, tag: bytes) -> None:
        while True:
            line = self._read_response()
            if line.startswith(b"+"):
                return
            if line.startswith(tag + b" "):
                raise LabError(f"IMAP server refused a literal: {line[:300]!r}")

    def _read_until(self, tag: bytes, *, check: bool = True) -> Iterator[bytes]:
        """Yield untagged responses until the tagged one; keep it in `_last_tagged`."""
        while True:
            line = self._read_response()
            if line.startswith(tag + b" "):
                status = line[len(tag) + 1 :].split(b" ", 1)[0].upper()
                if check and status != b"OK":
                    raise LabError(f"IMAP command failed: {line[:300]!r}")
                self._last_tagged = line
                return
            yield line

    def _read_response(self) -> bytes:
        """One response line, with any literals it carries folded in."""
        parts: list[bytes] = []
        while True:
            line = self._reader.readline()
            if not line:
                raise LabError("IMAP server closed the connection")
            parts.append(line)
            match = _LITERAL_AT_END.search(line)
            if not match:
                return b"".join(parts)
            parts.append(self._reader.read(int(match.group(1))))


def _append_pieces(folder: str, messages: Sequence[Message], flags: Sequence[str]) -> list[_Piece]:
    pieces: list[_Piece] = [b"APPEND ", quote(imap_utf7.encode(folder).decode("ascii"))]
    flag_list = b" (" + " ".join(flags).encode("ascii") + b")" if flags else b""
    for message in messages:
        raw, when = message if isinstance(message, tuple) else (message, None)
        pieces.append(flag_list)
        if when is not None:
            pieces.append(b' "' + imap_date(when) + b'"')
        pieces.append(b" ")
        pieces.append(_Literal(raw))
    return pieces


def _chunks(
    messages: Sequence[Message], max_count: int, max_bytes: int
) -> Iterator[Sequence[Message]]:
    """Slices of at most `max_count` messages and about `max_bytes` bytes."""
    start = size = 0
    for index, message in enumerate(messages):
        raw = message[0] if isinstance(message, tuple) else message
        if index > start and (index - start >= max_count or size + len(raw) > max_bytes):
            yield messages[start:index]
            start, size = index, 0
        size += len(raw)
    if start < len(messages):
        yield messages[start:]


def append_many(
    account: Account,
    folder: str,
    messages: Sequence[Message],
    *,
    flags: Sequence[str] = (),
    chunk_count: int = 500,
    chunk_bytes: int = 8 << 20,
    timeout: float = 120.0,
) -> list[int]:
    """APPEND `messages` to `folder` fast; return the UIDs given (if the server says).

    Chunks bound how much one command carries (and how much a failure costs); a chunk
    is one MULTIAPPEND command, so it is stored all-or-nothing.
    """
    uids: list[int] = []
    with RawImap(account.host, account.port, timeout=timeout) as imap:
        imap.login(account.username, account.password)
        for chunk in _chunks(messages, chunk_count, chunk_bytes):
            uids.extend(imap.append(folder, chunk, flags))
    return uids
