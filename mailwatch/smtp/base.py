"""What sending can end in, and the interface every outbox implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mailwatch.errors import MailwatchError


@dataclass(frozen=True)
class Delivery:
    """The server took the message for `accepted`; `refused` maps address -> its reply."""

    accepted: tuple[str, ...]
    refused: dict[str, str] = field(default_factory=dict)


class TemporaryFailure(MailwatchError):
    """A 4xx reply (or no connection): try again later; nothing was delivered."""

    def __init__(self, reply: str, refused: dict[str, str] | None = None) -> None:
        super().__init__(f"The mail server asked to try again later: {reply}")
        self.reply = reply
        self.refused = refused or {}


class PermanentFailure(MailwatchError):
    """A 5xx reply: the message will never go through as it is; the owner must look."""

    def __init__(self, reply: str, refused: dict[str, str] | None = None) -> None:
        super().__init__(f"The mail server refused the message: {reply}")
        self.reply = reply
        self.refused = refused or {}


class DeliveryUnknown(MailwatchError):
    """The connection broke after the message text was sent: it may or may not have gone."""


BeforeData = Callable[[], Awaitable[None] | None]


class Outbox(Protocol):
    async def send(
        self,
        sender: str,
        recipients: Sequence[str],
        raw: bytes,
        before_data: BeforeData | None = None,
    ) -> Delivery:
        """Deliver `raw` to `recipients`; call `before_data` just before DATA starts.

        Raises TemporaryFailure, PermanentFailure or DeliveryUnknown, or
        ConnectionFailed when no server could be reached (nothing was delivered).
        """
        ...
