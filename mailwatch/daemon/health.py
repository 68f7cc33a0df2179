"""The daemon's health, in a small file of its own in the state folder (daemon.json).

Kept apart from the state so that recording "synced at 10:02" every minute
rewrites a few hundred bytes and nothing else. `mailwatch status` reads it to
say whether the daemon runs and how it is doing.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

from mailwatch.errors import MailwatchError
from mailwatch.logs import redact
from mailwatch.store.atomic import atomic_write_bytes
from mailwatch.store.layout import StateLayout

log = logging.getLogger("mailwatch.daemon")

TRACEBACK_FRAMES = 10


def error_text(exc: BaseException) -> str:
    """One line about an error, safe for the health file and the logs.

    Never `repr(exc)`: a UnicodeEncodeError carries the whole text it could not encode
    (imapclient's LOGIN puts the password there), and repr escapes non-ASCII characters,
    so masking the secret afterwards would miss it. Known secrets are masked everywhere.
    """
    if isinstance(exc, UnicodeError):
        # Its str() still quotes one character of the input and its position: leave both out.
        encoding = getattr(exc, "encoding", "") or "?"
        reason = getattr(exc, "reason", "") or ""
        return f"{type(exc).__name__}: text that {encoding} cannot represent ({reason})"
    text = str(exc) if isinstance(exc, MailwatchError) else f"{type(exc).__name__}: {exc}"
    return redact(" ".join(text.split()))


def traceback_text(exc: BaseException) -> str:
    """Where an unexpected error came from: the last frames only, no values, masked.

    For the log only: the file, line and source of each frame say where to look; the
    error's text (which may hold a secret) is given by `error_text`, not repeated here.
    """
    frames = traceback.format_tb(exc.__traceback__, limit=-TRACEBACK_FRAMES)
    return redact("".join(frames).rstrip())


def health_path(state: Path) -> Path:
    """`state`: the state folder (or, as [store] path named it, the old state file)."""
    return StateLayout.at(state).health


class Health:
    def __init__(self, state: Path) -> None:
        self.path = health_path(state)
        self.data: dict[str, Any] = {}
        self._lock = threading.Lock()  # the watcher thread and the worker both report
        self._write_failed = False

    def start(self, now: datetime, **fields: Any) -> None:
        self.data = {
            "pid": os.getpid(),
            "started_at": now.isoformat(),
            "stopped_at": None,
            "last_sync_at": None,
            "last_evaluate_at": None,
            "last_send_at": None,
            "last_error": None,
            "imap": "connecting",
            "job_errors": 0,
            "missed_jobs": 0,
            **fields,
        }
        self.write()

    def update(self, **fields: Any) -> None:
        with self._lock:
            self.data.update(fields)
        self.write()

    def error(self, now: datetime, where: str, message: str) -> None:
        self.update(last_error={"at": now.isoformat(), "where": where, "message": message})

    def write(self) -> None:
        """Best effort: a health file that cannot be written (a full disk) is logged once,
        and must never stop the work it reports on, nor the thread that reports."""
        with self._lock:
            # Error texts come from libraries; any of them may quote a password.
            text = redact(json.dumps(self.data, indent=1, ensure_ascii=False))
            try:
                atomic_write_bytes(self.path, text.encode())
            except OSError as exc:
                if not self._write_failed:
                    log.warning("cannot write the health file %s: %s", self.path, exc)
                self._write_failed = True
            else:
                self._write_failed = False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    return True


def read_health(state: Path) -> dict[str, Any]:
    """What the daemon last reported, plus whether it is running now."""
    try:
        data = json.loads(health_path(state).read_text())
    except (OSError, ValueError):
        return {"running": False}
    running = bool(data.get("pid")) and not data.get("stopped_at") and _alive(int(data["pid"]))
    return {"running": running, **data}
