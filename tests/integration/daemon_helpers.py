"""Running the real `mailwatch run` in its own process, and watching what it does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mailwatch.lab.account import Account
from mailwatch.lab.messages import make_email
from tests.integration.workspace import JANE, SAM, cli_env, write_workspace


def write_daemon_workspace(
    root: Path, account: Account, smtp_port: int, *, schedule: str = "", extra: str = ""
) -> Path:
    """A workspace whose service works fast and at any hour, on the real clock."""
    return write_workspace(
        root,
        account,
        smtp_port,
        owner_extra='country = ""\nworkdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
        smtp_extra="proof_wait_seconds = 2",
        rules='send_window = ["00:00", "23:59"]',
        sections=f"""
[schedule]
poll_seconds = 2
send_seconds = 1
evaluate_minutes = 0.05
stop_seconds = 20
{schedule}
{extra}
""",
        client_timezone="Europe/Paris",
    )


def old_question(n: int, days_ago: float = 10) -> tuple[bytes, datetime]:
    """Our question from `days_ago` days back: a follow-up is due at once."""
    when = (datetime.now(UTC) - timedelta(days=days_ago)).replace(microsecond=0)
    raw = make_email(
        sender=SAM,
        to=[JANE],
        subject=f"Question {n}",
        body=f"Could you confirm point {n}?",
        date=when,
        message_id=f"<q{n}@studio.test>",
    )
    return raw, when


def client_message(n: int, subject: str = "News") -> tuple[bytes, datetime]:
    when = datetime.now(UTC).replace(microsecond=0)
    raw = make_email(
        sender=JANE,
        to=[SAM],
        subject=f"{subject} {n}",
        body="Hello Sam, a quick note.",
        date=when,
        message_id=f"<news{n}-{time.time_ns()}@acme.test>",
    )
    return raw, when


class DaemonProcess:
    def __init__(
        self,
        config: Path,
        account: Account,
        log: Path,
        *args: str,
        env: dict[str, str] | None = None,
        inject: str = "",
    ) -> None:
        """`inject`: Python run in the daemon's process before mailwatch starts, to plant
        a fault (patch a function to raise); empty for the real, untouched program."""
        self.config = config
        self.account = account
        self.log_path = log
        self._log = open(log, "ab")  # noqa: SIM115 - kept open for the process's life
        program = ["-m", "mailwatch"]
        if inject:
            program = ["-c", f"{inject}\nfrom mailwatch.cli.main import main\nmain()"]
        self.proc = subprocess.Popen(
            [sys.executable, *program, "--config", str(config), *args, "run"],
            env=cli_env(account, **(env or {})),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def health_path(self) -> Path:
        return self.config.parent / "state" / "daemon.json"

    def health(self) -> dict[str, Any]:
        try:
            return json.loads(self.health_path.read_text())
        except (OSError, ValueError):
            return {}

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_for(self, condition: Callable[[], Any], timeout: float = 20, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited ({self.proc.returncode}):\n{self.log()}")
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what or condition}:\n{self.log()[-12000:]}")

    def wait_started(self) -> None:
        def synced() -> bool:
            # The health file may still be the previous (killed) process's.
            health = self.health()
            return health.get("pid") == self.proc.pid and bool(health.get("last_sync_at"))

        self.wait_for(synced, what="the first sync")

    def signal(self, sig: int) -> None:
        os.kill(self.proc.pid, sig)

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self._log.close()
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._log.close()
