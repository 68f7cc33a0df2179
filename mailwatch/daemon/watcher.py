"""Push for INBOX: IDLE on its own connection, with polling as the fallback.

Runs in its own thread (imapclient blocks and must not be shared between
threads). It tells the daemon "connected" after every (re)connect, so that a
full incremental sync catches whatever arrived while we were away, and
"changed" when the server reports new mail. It never touches the store.

IDLE facts this relies on (see DESIGN.md): servers drop an IDLE after about
30 minutes, so it is renewed every 9; `idle_check()` returns [] both on a
timeout and, at once, on a dead socket, so an empty answer that comes back
early means the connection is gone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from imapclient.exceptions import IMAPClientError
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from mailwatch.errors import AuthenticationFailed, ConnectionFailed
from mailwatch.imap.client import ImapMailbox
from mailwatch.retry import AUTH_FAILURE_WAIT, backoff

log = logging.getLogger("mailwatch.imap")

IDLE_RENEW_SECONDS = 9 * 60
IDLE_CHECK_SECONDS = 30.0


class Stopped(Exception):
    """The watcher was asked to stop."""


class InboxWatcher:
    def __init__(
        self,
        make_mailbox: Callable[[], ImapMailbox],
        folder: str,
        *,
        use_idle: bool,
        poll_seconds: float,
        notify: Callable[[str], None],
        report: Callable[[str], None],
    ) -> None:
        self._make_mailbox = make_mailbox
        self.folder = folder
        self.use_idle = use_idle
        self.poll_seconds = poll_seconds
        self._notify = notify  # "connected" | "changed" | "disconnected"
        self._report = report  # a one-line state for the health file
        self._stop = threading.Event()
        self._mailbox: ImapMailbox | None = None
        self._thread = threading.Thread(target=self._run, name="inbox-watcher", daemon=True)
        self.mode = "starting"
        self.connected = False  # True while IDLE (or polling) runs on a live connection
        self.last_alive = 0.0  # time.monotonic() of the last sign of life from the server

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        mailbox = self._mailbox
        if mailbox is not None:
            mailbox.interrupt()  # wakes a blocked idle_check at once
        self._thread.join(timeout)

    # -- the thread -------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                mailbox = self._connect()
            except Stopped:
                return
            try:
                if self.use_idle and "IDLE" in mailbox.capabilities:
                    self.mode = "idle"
                    self._idle(mailbox)
                else:
                    self.mode = "poll"
                    self._up(f"connected, polling every {self.poll_seconds:g} s")
                    self._poll(mailbox)
            except (ConnectionFailed, OSError, IMAPClientError) as exc:
                if not self._stop.is_set():
                    log.warning("INBOX watcher lost the connection: %s", exc)
                    self._report(f"connection lost: {exc}")
                    self._notify("disconnected")
            finally:
                self.connected = False
                self._mailbox = None
                mailbox.discard()

    def alive(self, within: float) -> bool:
        """Has the server answered on this connection in the last `within` seconds?"""
        return self.connected and time.monotonic() - self.last_alive < within

    def _up(self, report: str) -> None:
        """Announce a live connection; the full sync this triggers covers everything
        that arrived before now, so it must come only once new mail is being watched."""
        self.last_alive = time.monotonic()
        self.connected = True
        self._report(report)
        self._notify("connected")

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, AuthenticationFailed):
            return AUTH_FAILURE_WAIT.total_seconds()
        return backoff(state.attempt_number).total_seconds()

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise Stopped

    def _before_sleep(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.upcoming_sleep
        message = f"cannot connect ({error}); trying again in {wait:.0f} s"
        log.warning("INBOX watcher %s", message)
        self._report(message)

    def _connect(self) -> ImapMailbox:
        retrying = Retrying(
            retry=retry_if_exception_type(ConnectionFailed),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                if self._stop.is_set():
                    raise Stopped
                mailbox = self._make_mailbox()
                self._mailbox = mailbox
                mailbox.connect()
                return mailbox
        raise Stopped  # not reached: tenacity retries until success or Stopped

    def _idle(self, mailbox: ImapMailbox) -> None:
        client = mailbox.client
        client.select_folder(self.folder, readonly=True)
        first = True
        while not self._stop.is_set():
            client.idle()
            if first:
                self._up("connected, IDLE on " + self.folder)
                first = False
            else:
                # Mail that landed between DONE and the new IDLE is not always announced.
                self._notify("changed")
            renew_at = time.monotonic() + IDLE_RENEW_SECONDS
            news = False
            try:
                while not self._stop.is_set() and time.monotonic() < renew_at:
                    timeout = min(IDLE_CHECK_SECONDS, renew_at - time.monotonic())
                    started = time.monotonic()
                    responses = client.idle_check(timeout=timeout)
                    self.last_alive = time.monotonic()
                    if responses:
                        if any(_is_news(r) for r in responses):
                            self._notify("changed")
                    elif time.monotonic() - started < timeout - 1:
                        raise ConnectionFailed("the IDLE connection closed")
            finally:
                if not self._stop.is_set():
                    news = any(_is_news(r) for r in client.idle_done()[1] or [])
            if news:
                self._notify("changed")

    def _poll(self, mailbox: ImapMailbox) -> None:
        while not self._stop.wait(self.poll_seconds):
            mailbox.noop()  # raises ConnectionFailed when the connection is gone
            self.last_alive = time.monotonic()
            self._notify("poll")


def _is_news(response: object) -> bool:
    """EXISTS (new mail) or EXPUNGE; FETCH flag changes are not news for us."""
    return (
        isinstance(response, tuple)
        and len(response) >= 2
        and response[1] in (b"EXISTS", b"RECENT", b"EXPUNGE")
    )
