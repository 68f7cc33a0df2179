"""An in-memory mailbox with the same behaviour as the real one (for unit tests).

The contract tests in tests/integration/test_mailbox_contract.py run the same
checks against this fake and against ImapMailbox on Dovecot.
"""

from __future__ import annotations

import email
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from typing import Any

from mailwatch.imap.base import Attachment, FetchedMessage, FolderStatus
from mailwatch.parse.fields import HEADER_FIELDS, select_header_fields

_SPLIT = re.compile(rb"\r?\n\r?\n")
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass
class _Stored:
    raw: bytes  # as delivered (tests compare it with what was sent)
    internaldate: datetime
    flags: set[str] = field(default_factory=set)

    @property
    def served(self) -> bytes:
        """The message as an IMAP server serves it: CRLF line ends (bare LF or CR become
        CRLF, and RFC822.SIZE counts them), as Dovecot does (see the contract tests)."""
        return _LINE_END.sub(b"\r\n", self.raw)


@dataclass
class _Folder:
    uidvalidity: int
    next_uid: int = 1
    modseq: int = 1
    messages: dict[int, _Stored] = field(default_factory=dict)


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """(header block with its final line break, body), as an IMAP server splits them."""
    match = _SPLIT.search(raw)
    if match is None:
        return raw, b""
    return raw[: match.start()] + raw[match.start() : match.end()][:2], raw[match.end() :]


class MemoryMailbox:
    def __init__(self, folders: Sequence[str] = ("INBOX", "Sent"), sent: str = "Sent") -> None:
        self.folders = {name: _Folder(uidvalidity=1000 + i) for i, name in enumerate(folders)}
        self._sent = sent
        self.connected = False
        self.connects = 0
        self.capabilities = frozenset({"IMAP4REV1", "IDLE", "CONDSTORE", "UIDPLUS"})

    # -- helpers for tests ------------------------------------------------------------

    def deliver(self, folder: str, raw: bytes, when: datetime | None = None) -> int:
        box = self.folders[folder]
        uid = box.next_uid
        box.next_uid += 1
        box.modseq += 1
        # INTERNALDATE has whole seconds only, as on a real server (contract tests).
        arrived = (when or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        box.messages[uid] = _Stored(raw, arrived)
        return uid

    def renumber(self, folder: str) -> None:
        """Simulate a server that rebuilt its index: new UIDVALIDITY, new UIDs."""
        box = self.folders[folder]
        stored = [box.messages[uid] for uid in sorted(box.messages)]
        box.uidvalidity += 1
        box.messages = {i + 1: m for i, m in enumerate(stored)}
        box.next_uid = len(stored) + 1
        box.modseq += 1

    # -- Mailbox interface ------------------------------------------------------------

    def connect(self) -> None:
        self.connected = True
        self.connects += 1

    def close(self) -> None:
        self.connected = False

    def _box(self, folder: str) -> _Folder:
        if not self.connected:
            self.connect()
        return self.folders[folder]

    def sent_folder(self) -> str:
        return self._sent

    def status(self, folder: str) -> FolderStatus:
        box = self._box(folder)
        return FolderStatus(box.uidvalidity, box.next_uid, len(box.messages), box.modseq)

    def uids_after(self, folder: str, last_uid: int) -> list[int]:
        return sorted(uid for uid in self._box(folder).messages if uid > last_uid)

    def fetch_headers(self, folder: str, uids: Sequence[int]) -> list[FetchedMessage]:
        box = self._box(folder)
        out = []
        for uid in sorted(set(uids)):
            if uid in box.messages:
                stored = box.messages[uid]
                header, _ = split_message(stored.served)
                out.append(
                    FetchedMessage(
                        uid=uid,
                        header=select_header_fields(header, HEADER_FIELDS),
                        internaldate=stored.internaldate,
                        size=len(stored.served),
                    )
                )
        return out

    def fetch_text(self, folder: str, uids: Sequence[int], limit: int) -> dict[int, bytes]:
        box = self._box(folder)
        return {
            uid: split_message(box.messages[uid].served)[1][:limit]
            for uid in uids
            if uid in box.messages
        }

    def fetch_attachments(
        self, folder: str, uids: Sequence[int]
    ) -> dict[int, tuple[Attachment, ...]]:
        box = self._box(folder)
        return {uid: _attachments(box.messages[uid].served) for uid in uids if uid in box.messages}

    def find_message_id(self, folder: str, message_id: str) -> list[int]:
        box = self._box(folder)
        found = []
        needle = message_id.strip().lower().encode()
        for uid, stored in box.messages.items():
            header, _ = split_message(stored.served)
            for line in re.split(rb"\r?\n(?![ \t])", header):
                name, _, value = line.partition(b":")
                header_name = name.strip().lower()
                ids = (b"message-id", b"x-microsoft-original-message-id")
                # SEARCH HEADER is a substring match, case-insensitive (RFC 3501 6.4.4).
                if header_name in ids and needle in value.strip().lower():
                    found.append(uid)
        return sorted(found)

    def search_addresses(self, folder: str, addresses: Sequence[str], since: datetime) -> list[int]:
        box = self._box(folder)
        wanted = [a.lower() for a in addresses if a]
        found = []
        for uid, stored in box.messages.items():
            if stored.internaldate is not None and stored.internaldate.date() < since.date():
                continue
            header, _ = split_message(stored.served)
            fields = select_header_fields(header, ("From", "To", "Cc")).lower()
            if any(a.encode() in fields for a in wanted):
                found.append(uid)
        return sorted(found)

    def append(self, folder: str, raw: bytes, when: datetime) -> None:
        uid = self.deliver(folder, raw, when)
        self.folders[folder].messages[uid].flags.add("\\Seen")


def _attachments(raw: bytes) -> tuple[Attachment, ...]:
    """What a server's BODYSTRUCTURE says: named parts and parts marked as attachments.

    Walked with an explicit stack and a depth limit, like the BODYSTRUCTURE reader: a
    hostile message nests parts thousands deep.
    """
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except RecursionError:
        return ()
    found: list[Attachment] = []
    stack: list[tuple[Any, int]] = [(message, 0)]
    while stack and len(found) < 50:
        part, depth = stack.pop()
        if part.is_multipart():
            if depth < 8:
                payload = part.get_payload()
                if isinstance(payload, list):
                    stack.extend((child, depth + 1) for child in reversed(payload))
            continue
        name = part.get_filename() or ""
        if name or part.get_content_disposition() == "attachment":
            payload = part.get_payload()
            size = len(payload.encode("ascii", "replace")) if isinstance(payload, str) else 0
            found.append(Attachment(name.strip(), part.get_content_type(), size))
    return tuple(found)
