"""Only one writer at a time.

`WriteLock` is held by whoever changes the state: a CLI command for its whole
(short) run, the daemon for the length of one cycle. It is an flock, so the
kernel releases it when a process dies, even by SIGKILL: a stale lock never
blocks a restart.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from filelock import FileLock, Timeout

from mailwatch.errors import AlreadyRunning
from mailwatch.store.atomic import access


class ProcessLock:
    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what
        # One lock per process, whichever thread takes it (the daemon works in threads).
        self._lock = FileLock(str(path), thread_local=False, mode=0o600)
        self._pid_file = path.with_name(path.name + ".pid")

    def acquire(self, timeout: float) -> None:
        try:
            with access(self.path, "create the lock file"):
                self._lock.acquire(timeout=timeout)
        except Timeout:
            holder = self.holder()
            who = f" (process {holder})" if holder else ""
            raise AlreadyRunning(
                f"Another mailwatch process{who} is {self.what}.",
                "Wait for it to finish, or stop it first (for the daemon: "
                "`systemctl --user stop mailwatch`).",
            ) from None
        mine = f"{os.getpid()}\n"
        # The daemon takes the lock three times a cycle. Rewriting an unchanged pid file
        # cost ~0.34 ms each here (ext4 flushes a truncated-and-rewritten file on close);
        # reading it costs ~0.01 ms. We hold the lock, so nobody else writes it meanwhile.
        with contextlib.suppress(OSError, ValueError):  # missing, unreadable, not text
            if self._pid_file.read_text() == mine:
                return
        with access(self._pid_file, "write"):
            fd = os.open(self._pid_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "w") as handle:
                handle.write(mine)

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def holder(self) -> int | None:
        try:
            return int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
