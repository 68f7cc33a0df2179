"""What a test (or the demo) needs to log in to a lab server, and a login helper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from mailwatch.errors import MailwatchError

if TYPE_CHECKING:
    from imapclient import IMAPClient


class LabError(MailwatchError):
    """A lab server could not be started, stopped or used; the message says why."""


@dataclass(frozen=True, slots=True)
class Account:
    """One IMAP login on a lab server (plain IMAP on loopback, no TLS)."""

    host: str
    port: int
    username: str
    password: str


def imap_login(account: Account, *, timeout: float = 10.0) -> IMAPClient:
    """A logged-in `imapclient.IMAPClient` for `account`; the caller logs out."""
    # Imported here so `mailwatch.lab` (e.g. the MTA alone) imports without imapclient.
    from imapclient import IMAPClient

    client = IMAPClient(account.host, port=account.port, ssl=False, timeout=timeout)
    try:
        client.login(account.username, account.password)
    except BaseException:
        client.shutdown()
        raise
    return client


class LabServer:
    """What every lab server shares: `with Server() as server:` starts and cleans up."""

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
