"""What every command shares: the loaded settings, the clock (--now), the app."""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from mailwatch.clock import Clock, FixedClock, SystemClock
from mailwatch.errors import UsageError

if TYPE_CHECKING:  # imported when a command needs them: `--help` does not
    from mailwatch.config.model import Settings
    from mailwatch.pipeline.app import App
    from mailwatch.store import Store


def parse_now(value: str, timezone: str) -> datetime:
    """ISO 8601; without a UTC offset it is read in the owner's time zone."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--now {value!r} is not a date and time.",
            "Use ISO 8601, e.g. --now 2026-11-27T10:00 or --now 2026-11-27T09:00+00:00.",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment


class Runtime:
    def __init__(self, config_path: Path, now: str | None) -> None:
        self.config_path = config_path
        self.now_text = now
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from mailwatch.config.loader import load_settings

            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def clock(self) -> Clock:
        if self.now_text:
            return FixedClock(parse_now(self.now_text, self.settings.owner.timezone))
        return SystemClock()

    @contextlib.contextmanager
    def store(self, *, readonly: bool = False) -> Iterator[Store]:
        """The state alone, for commands that need no rules and no mailbox (`queue`)."""
        with _open_store(self.settings, readonly) as store:
            for notice in store.notices:  # what recovery found: the owner must hear of it
                click.echo(f"mailwatch: {notice}", err=True)
            yield store

    @contextlib.contextmanager
    def app(self, *, readonly: bool = False) -> Iterator[App]:
        from mailwatch.pipeline.app import App

        with self.store(readonly=readonly) as store:
            app = App(self.settings, store, self.clock)
            try:
                yield app
            finally:
                app.close()


@contextlib.contextmanager
def _open_store(settings: Settings, readonly: bool) -> Iterator[Store]:
    """The state; for a read-only command before the first sync, an empty one.

    Before any sync there is no state, and nothing is wrong: status lists the clients
    with empty rows and queue list has no drafts. The empty state lives in a temporary
    folder, so the owner's folder is left exactly as it was.
    """
    from mailwatch.pipeline.records import Router
    from mailwatch.store import Store
    from mailwatch.store.layout import StateLayout

    router = Router.for_settings(settings)
    if readonly and not StateLayout.at(settings.state_dir, settings.store_path).in_use():
        with tempfile.TemporaryDirectory(prefix="mailwatch-empty-") as folder:
            store = Store(Path(folder), router=router)
            store.readonly = True  # any write is refused, as for the real state
            try:
                yield store
            finally:
                store.close()
        return
    store = Store(settings.state_dir, legacy=settings.store_path, readonly=readonly, router=router)
    try:
        yield store
    finally:
        store.close()


def sync_finished(store: Store, settings: Settings) -> bool:
    """Has a sync ever finished reading INBOX into this state?

    A first sync that failed (wrong password, server away) leaves a state with no
    folder cursor: the mailbox was never read, which is not an empty mailbox.
    """
    imap = settings.config.imap
    return store.folder_state(imap.inbox if imap else "INBOX") is not None


THIRD_PARTY_LOGGERS = ("apscheduler", "asyncio", "imapclient", "aiosmtplib", "tenacity")


def setup_logging(level: str, json_lines: bool = False) -> None:
    handler = logging.StreamHandler()
    if json_lines:
        from mailwatch.logs import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    from mailwatch.logs import RedactingFilter

    handler.addFilter(RedactingFilter())
    root = logging.getLogger("mailwatch")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    # The libraries' own warnings (a scheduler job that failed, an asyncio task nobody
    # awaited) go through the same handler: JSON when asked, and redacted, instead of
    # Python's last-resort plain lines on stderr.
    for name in THIRD_PARTY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers[:] = [handler]
        library.setLevel(max(logging.WARNING, root.level))
        library.propagate = False
