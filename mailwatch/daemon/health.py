"""The daemon's health, in a small file beside the state file.

Kept apart from the state so that recording "synced at 10:02" every minute
does not rewrite the whole (possibly large) state file. `mailwatch status`
reads it to say whether the daemon runs and how it is doing.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from mailwatch.logs import redact
from mailwatch.store.atomic import atomic_write_bytes


def health_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".daemon.json")


class Health:
    def __init__(self, store_path: Path) -> None:
        self.path = health_path(store_path)
        self.data: dict[str, Any] = {}
        self._lock = threading.Lock()  # the watcher thread and the worker both report

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
        with self._lock:
            # Error texts come from libraries; any of them may quote a password.
            text = redact(json.dumps(self.data, indent=1, ensure_ascii=False))
            atomic_write_bytes(self.path, text.encode())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    return True


def read_health(store_path: Path) -> dict[str, Any]:
    """What the daemon last reported, plus whether it is running now."""
    try:
        data = json.loads(health_path(store_path).read_text())
    except (OSError, ValueError):
        return {"running": False}
    running = bool(data.get("pid")) and not data.get("stopped_at") and _alive(int(data["pid"]))
    return {"running": running, **data}
