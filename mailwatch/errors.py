"""One error tree. Every error a user can cause says what went wrong and what to do.

The CLI maps `UsageError` (and its children) to exit code 2 and every other
`MailwatchError` to exit code 1, printing `str(error)`.
"""

from __future__ import annotations

from dataclasses import dataclass


class MailwatchError(Exception):
    """Base class: `message` says what happened, `hint` says what to do about it."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class UsageError(MailwatchError):
    """The user asked for something that cannot be done as asked (exit code 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a configuration file."""

    file: str
    key: str
    what: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        text = f"{where}: {self.what}"
        return f"{text} ({self.fix})" if self.fix else text


class ConfigError(UsageError):
    """The configuration has problems; all of them are collected, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"The configuration has {count} problem{'s' if count != 1 else ''}:"
        lines = [head, *(f"  - {p}" for p in self.problems)]
        super().__init__(
            "\n".join(lines),
            "Fix these in the files named above, then run `mailwatch check-config` again.",
        )


class AlreadyRunning(UsageError):
    """Another mailwatch process holds the store lock."""


class ConnectionFailed(MailwatchError):
    """A mail server could not be reached or refused us (network, TLS)."""


class AuthenticationFailed(ConnectionFailed):
    """The server rejected the user name or password; retrying fast will not help."""


class StoreCorrupt(MailwatchError):
    """A state file cannot be read and no usable backup exists."""


class StateAccessError(UsageError):
    """A state file or folder cannot be read or written (permissions, a read-only or
    full disk, a file where the folder should be)."""


class DraftNotFound(UsageError):
    """No draft has that id."""


class DraftStateError(UsageError):
    """The draft is not in a state that allows the requested change."""
