"""The mailbox interface the pipeline uses. It only reads, and appends our own copies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class FolderStatus:
    uidvalidity: int
    uidnext: int
    messages: int
    highestmodseq: int | None = None  # only when the server offers CONDSTORE


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    uid: int
    header: bytes  # just the header fields the parser needs (BODY.PEEK[HEADER.FIELDS ...])
    internaldate: datetime | None  # aware; when the server received it
    size: int = 0
    gm_msgid: int | None = None  # Gmail's stable id, when offered


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message, as its BODYSTRUCTURE describes it (never its bytes)."""

    name: str
    content_type: str  # "application/pdf"
    size: int = 0


class Mailbox(Protocol):
    """Read-only view of the owner's mailbox, plus APPEND of our own sent copies."""

    def connect(self) -> None: ...

    def close(self) -> None: ...

    def sent_folder(self) -> str:
        """The Sent folder: from config, else SPECIAL-USE \\Sent, else common names."""
        ...

    def status(self, folder: str) -> FolderStatus: ...

    def uids_after(self, folder: str, last_uid: int) -> list[int]:
        """UIDs greater than `last_uid`, ascending."""
        ...

    def fetch_headers(self, folder: str, uids: Sequence[int]) -> list[FetchedMessage]: ...

    def fetch_text(self, folder: str, uids: Sequence[int], limit: int) -> dict[int, bytes]:
        """The first `limit` bytes of each message's body (after the header)."""
        ...

    def fetch_attachments(
        self, folder: str, uids: Sequence[int]
    ) -> dict[int, tuple[Attachment, ...]]:
        """Each message's attached files (name, type, size), from its BODYSTRUCTURE."""
        ...

    def find_message_id(self, folder: str, message_id: str) -> list[int]: ...

    def search_addresses(self, folder: str, addresses: Sequence[str], since: datetime) -> list[int]:
        """UIDs of mail from, to or copied to any of `addresses` (an address, or
        "@domain" for anyone there), received since `since`, ascending."""
        ...

    def append(self, folder: str, raw: bytes, when: datetime) -> None: ...
