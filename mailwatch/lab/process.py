"""Servers run in their own process group; stopping one means stopping the whole group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in process group `pgid`, read from /proc."""
    members: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # After the parenthesised command name: state ppid pgrp ...
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_group(process: subprocess.Popen[bytes], timeout: float = 3.0) -> None:
    """SIGTERM the whole group led by `process`, wait for all of it, SIGKILL stragglers.

    The group, not the leader alone: a Dovecot master that gets SIGTERM by itself leaves
    its connected `imap` processes running. Measured: after SIGTERM the children exit
    within ~30 ms, but the Dovecot master then often idles ~1 s before exiting; once
    it is alone it holds no mail, so it gets SIGKILL after a short grace instead.
    """
    leader = process.pid
    kill_group(leader, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    alone_since: float | None = None
    while members := group_members(leader):
        now = time.monotonic()
        if now > deadline:
            kill_group(leader, signal.SIGKILL)
            deadline = now + timeout
        elif members == [leader]:
            alone_since = alone_since or now
            if now - alone_since > 0.1:
                kill_group(leader, signal.SIGKILL)
        time.sleep(0.005)
    process.wait(timeout)


def read_tail(path: Path, start: int = 0, lines: int = 30) -> str:
    """The last `lines` lines of `path` from byte `start` on, for error messages."""
    try:
        with path.open("rb") as handle:
            handle.seek(start)
            text = handle.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


def file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0
