"""The INBOX watcher outlives any error, never spins, and never prints a secret.

A fake mailbox stands in for the server (polling mode: no IDLE capability), and the
back-off is shortened so that a test waits milliseconds, not minutes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from mailwatch.daemon import watcher as watcher_module
from mailwatch.daemon.health import error_text, traceback_text
from mailwatch.daemon.watcher import InboxWatcher
from mailwatch.errors import ConnectionFailed
from mailwatch.logs import register_secret

SECRET = "pässwörd-Ünïcode-42"


class FakeMailbox:
    capabilities = frozenset({"IMAP4REV1"})  # no IDLE: the watcher polls with NOOP

    def __init__(self, noop: Callable[[], None] = lambda: None) -> None:
        self._noop = noop

    def connect(self) -> None:
        pass

    def noop(self) -> None:
        self._noop()

    def discard(self) -> None:
        pass

    def interrupt(self) -> None:
        pass


class Recorder:
    def __init__(self) -> None:
        self.notes: list[str] = []
        self.reports: list[str] = []
        self.connected = threading.Event()

    def notify(self, what: str) -> None:
        self.notes.append(what)
        if what == "connected":
            self.connected.set()

    def report(self, text: str) -> None:
        self.reports.append(text)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watcher_module, "backoff", lambda attempt: timedelta(seconds=0.05))


def login_with(password: str) -> None:
    """What imapclient 3/4 does with a non-ASCII password: LOGIN encodes it as ASCII."""
    password.encode("ascii")


def make_watcher(make_mailbox: Callable[[], object], rec: Recorder, **kw: object) -> InboxWatcher:
    return InboxWatcher(
        make_mailbox,  # type: ignore[arg-type]
        "INBOX",
        use_idle=True,
        poll_seconds=float(kw.get("poll_seconds", 0.02)),  # type: ignore[arg-type]
        notify=rec.notify,
        report=rec.report,
    )


def test_an_unexpected_error_is_logged_masked_and_the_watcher_reconnects(caplog) -> None:
    register_secret(SECRET)
    calls = 0

    def make_mailbox() -> FakeMailbox:
        nonlocal calls
        calls += 1
        if calls <= 2:
            login_with(SECRET)  # UnicodeEncodeError, the password inside it
        return FakeMailbox()

    rec = Recorder()
    watcher = make_watcher(make_mailbox, rec)
    with caplog.at_level(logging.DEBUG, logger="mailwatch"):
        watcher.start()
        try:
            assert rec.connected.wait(5), rec.reports
            assert watcher.running
        finally:
            watcher.stop()
    assert not watcher.running and watcher.stopping
    assert calls == 3
    assert rec.notes[:2] == ["disconnected", "disconnected"]
    failures = [r for r in rec.reports if "unexpected error" in r]
    assert len(failures) == 2, rec.reports
    assert "UnicodeEncodeError" in failures[0] and "reconnecting in" in failures[0]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "stopped by an unexpected error (UnicodeEncodeError" in logged
    assert "login_with" in logged  # the frames say where it happened
    for text in [*rec.reports, logged]:
        assert SECRET not in text
        assert "p\\xe4ss" not in text and "pä" not in text  # not even escaped or in part


def test_a_connection_that_breaks_at_once_is_retried_with_pauses_not_in_a_loop() -> None:
    calls = 0

    def broken() -> None:
        raise ConnectionFailed("The IMAP connection was lost: socket error: EOF.")

    def make_mailbox() -> FakeMailbox:
        nonlocal calls
        calls += 1
        return FakeMailbox(noop=broken)

    rec = Recorder()
    watcher = make_watcher(make_mailbox, rec, poll_seconds=0.001)
    watcher.start()
    time.sleep(0.5)
    watcher.stop()
    # Each session ends within a millisecond; with a 50 ms pause between them that is
    # about ten sessions in half a second, where an immediate reconnect made thousands.
    assert 2 <= calls <= 15, calls
    assert any("connection lost" in r and "reconnecting in" in r for r in rec.reports)


def test_a_report_that_fails_does_not_end_the_thread() -> None:
    rec = Recorder()

    def report(text: str) -> None:
        raise OSError(28, "No space left on device")

    watcher = InboxWatcher(
        FakeMailbox,  # type: ignore[arg-type]
        "INBOX",
        use_idle=True,
        poll_seconds=0.02,
        notify=rec.notify,
        report=report,
    )
    watcher.start()
    try:
        assert rec.connected.wait(5)
        time.sleep(0.1)
        assert watcher.running and "poll" in rec.notes
    finally:
        watcher.stop()


def test_error_text_never_carries_the_input_of_an_encoding_error() -> None:
    try:
        login_with(SECRET)
    except UnicodeEncodeError as exc:
        assert SECRET in repr(exc)  # why repr() must never be used on it
        text = error_text(exc)
        assert text.startswith("UnicodeEncodeError") and "ascii" in text
        assert "ä" not in text and "position" not in text
        assert SECRET not in traceback_text(exc)


def test_error_text_masks_registered_secrets() -> None:
    register_secret(SECRET)
    assert SECRET not in error_text(RuntimeError(f"bad login {SECRET}"))
    assert error_text(ValueError("two\nlines")) == "ValueError: two lines"
