"""The lab: real mail servers on this machine, for the demo, the integration tests and
the benchmarks.

- `Dovecot` (mailwatch.lab.dovecot): a private Dovecot 2.3 IMAP server in a temp dir.
- `PymapServer` (mailwatch.lab.pymap_server): pure-Python IMAP when Dovecot is absent.
- `LocalMTA` (mailwatch.lab.mta): an aiosmtpd SMTP server playing the mail provider,
  with fault injection (and XOAUTH2 on demand).
- `LabOAuth` (mailwatch.lab.oauth): an OAuth 2.0 authorization server playing Google or
  Microsoft (device flow, loopback redirect with PKCE, refresh, RFC 7662 introspection).

Both IMAP servers share one surface (`ImapLab`): start/stop/restart, `host`, `port`,
`running`, `account(user) -> Account`, `append_many(account, folder, messages)`.
Submodules are imported lazily, so `import mailwatch.lab` costs nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from mailwatch.lab.account import Account, LabError, imap_login

if TYPE_CHECKING:
    from mailwatch.lab.dovecot import Dovecot
    from mailwatch.lab.imap_load import Message
    from mailwatch.lab.mta import Delivery, LocalMTA
    from mailwatch.lab.oauth import LabOAuth
    from mailwatch.lab.pymap_server import PymapServer

__all__ = [
    "Account",
    "Delivery",
    "Dovecot",
    "ImapLab",
    "LabError",
    "LabOAuth",
    "LocalMTA",
    "PymapServer",
    "imap_login",
]

_LAZY = {
    "Dovecot": "mailwatch.lab.dovecot",
    "PymapServer": "mailwatch.lab.pymap_server",
    "LocalMTA": "mailwatch.lab.mta",
    "Delivery": "mailwatch.lab.mta",
    "LabOAuth": "mailwatch.lab.oauth",
}


class ImapLab(Protocol):
    """What the demo and tests use of either IMAP server."""

    host: str
    port: int

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def restart(self) -> None: ...

    def close(self) -> None: ...

    def account(self, user: str) -> Account: ...

    def append_many(
        self,
        account: Account,
        folder: str,
        messages: Sequence[Message],
        *,
        flags: Sequence[str] = (),
    ) -> list[int]: ...


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mailwatch.lab' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
