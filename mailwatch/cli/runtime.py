"""What every command shares: the loaded settings, the clock (--now), the app."""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mailwatch.clock import Clock, FixedClock, SystemClock
from mailwatch.config.model import Settings
from mailwatch.errors import UsageError
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
    def app(self, *, readonly: bool = False) -> Iterator[App]:
        settings = self.settings
        with _open_store(settings.store_path, readonly) as store:
            app = App(settings, store, self.clock)
            try:
                yield app
            finally:
                app.close()


@contextlib.contextmanager
def _open_store(path: Path, readonly: bool) -> Iterator[Store]:
    """The state; for a read-only command before the first sync, an empty one.

    Before any sync there is no state file, and nothing is wrong: status lists the
    clients with empty rows and queue list has no drafts. The empty state lives in a
    temporary folder, so the owner's folder is left exactly as it was.
    """
    if readonly and not path.exists():
        with tempfile.TemporaryDirectory(prefix="mailwatch-empty-") as folder:
            store = Store(Path(folder) / path.name)
            store.readonly = True  # any write is refused, as for the real file
            try:
                yield store
            finally:
                store.close()
        return
    store = Store(path, readonly=readonly)
    try:
        yield store
    finally:
        store.close()


def sync_finished(store: Store, settings: Settings) -> bool:
    """Has a sync ever finished reading INBOX into this state?

    A first sync that failed (wrong password, server away) leaves a state file with
    no folder cursor: the mailbox was never read, which is not an empty mailbox.
    """
    imap = settings.config.imap
    return store.folder_state(imap.inbox if imap else "INBOX") is not None


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
