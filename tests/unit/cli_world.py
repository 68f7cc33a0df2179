"""A mailwatch folder on disk whose state is filled through the fakes, and an in-process CLI.

The commands that only read the state (status, queue list/show, evaluate) run here
without any server: the state is written by the real pipeline on MemoryMailbox.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailwatch.cli.main import main
from mailwatch.clock import FixedClock
from mailwatch.config.loader import load_settings
from mailwatch.imap.memory import MemoryMailbox
from mailwatch.lab.messages import make_email
from mailwatch.pipeline.app import App
from mailwatch.smtp.memory import MemoryOutbox
from mailwatch.store import Store

SAM = ("Sam Rivera", "sam@studio.test")
JANE = ("Jane Doe", "jane@acme.test")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 10:00 Paris, 04:00 New York
THURSDAY = "2026-11-05T15:00:00+00:00"  # 10:00 in New York: three business days later


def write_config(root: Path, *, client_name: str = "Acme Bakery", extra: str = "") -> Path:
    """config.toml (servers on this machine that need no password) and clients/acme.toml."""
    (root / "clients").mkdir(parents=True, exist_ok=True)
    (root / "config.toml").write_text(
        f"""
[owner]
name = "Sam Rivera"
email = "sam@studio.test"
timezone = "Europe/Paris"
country = "FR"
signature = "Sam Rivera"

[imap]
host = "127.0.0.1"
port = 1
security = "none"
username = ""

[smtp]
host = "127.0.0.1"
port = 1
security = "none"
username = ""
{extra}
""",
        encoding="utf-8",
    )
    (root / "clients" / "acme.toml").write_text(
        f'name = "{client_name}"\nemails = ["jane@acme.test"]\ntimezone = "America/New_York"\n',
        encoding="utf-8",
    )
    return root / "config.toml"


def ask(subject: str, body: str = "Hi Jane,\n\nCould you send me the logo files?\n\nSam") -> bytes:
    return make_email(
        sender=SAM,
        to=[JANE],
        subject=subject,
        body=body,
        date=MONDAY,
        message_id="<ask1@studio.test>",
    )


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Result:
    """`mailwatch ARGS` in this process, as a user would type it; its exit code and output."""
    capsys.readouterr()  # what came before is not this command's
    monkeypatch.setattr(sys, "argv", ["mailwatch", *args])
    monkeypatch.setenv("COLUMNS", "200")
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


class World:
    """The folder, its settings, and an App on the fakes at a fixed moment."""

    def __init__(self, root: Path, **config: str) -> None:
        self.config = write_config(root, **config)
        self.settings = load_settings(self.config)
        self.mailbox = MemoryMailbox()
        self.outbox = MemoryOutbox()

    def app(self, store: Store, now: datetime) -> App:
        return App(self.settings, store, FixedClock(now), mailbox=self.mailbox, outbox=self.outbox)

    def tick(self, now: datetime) -> None:
        """sync and evaluate once, then close the state (as a finished command does)."""
        with Store(self.settings.store_path) as store:
            app = self.app(store, now)
            app.sync()
            app.evaluate()
