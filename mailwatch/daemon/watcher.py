"""Push for INBOX: IDLE on its own connection, with polling as the fallback.

Runs in its own thread (imapclient blocks and must not be shared between
threads). It tells the daemon "connected" after every (re)connect, so that a
full incremental sync catches whatever arrived while we were away, and
"changed" when the server reports new mail. It never touches the store.

It must outlive anything: a watcher that dies silently means push stops with
nobody told. Lost connections reconnect at once (then with growing pauses);
any other error is logged (secrets masked), reported, and followed by a pause
and a fresh connection. The daemon also checks that the thread is alive
(`running`) and starts a new watcher if it is not.

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

from mailwatch.daemon.health import error_text, traceback_text
from mailwatch.errors import AuthenticationFailed, ConnectionFailed
from mailwatch.imap.client import ImapMailbox
from mailwatch.retry import AUTH_FAILURE_WAIT, backoff

log = logging.getLogger("mailwatch.imap")

IDLE_RENEW_SECONDS = 9 * 60
IDLE_CHECK_SECONDS = 30.0
# A session that watched for this long and then lost its connection is reconnected at
# once; a shorter one counts as a failure and waits (see retry.backoff).
STABLE_SECONDS = 30.0


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
        self._thread = threading.Thread(target=self._main, name="inbox-watcher", daemon=True)
        self.mode = "starting"
        self.connected = False  # True while IDLE (or polling) runs on a live connection
        self.last_alive = 0.0  # time.monotonic() of the last sign of life from the server
        self._up_since: float | None = None  # when this session's watch began

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        mailbox = self._mailbox
        if mailbox is not None:
            mailbox.interrupt()  # wakes a blocked idle_check at once
        self._thread.join(timeout)

    # -- the thread -------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Is the thread alive? False before start() and after it ended, for any reason."""
        return self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        """Was the watcher asked to stop? (Then a dead thread is expected, not a fault.)"""
        return self._stop.is_set()

    def _main(self) -> None:
        try:
            self._run()
        except BaseException as exc:
            # Not reached unless _run itself is broken. Logged here, masked, rather than
            # by threading's default hook (raw text on stderr); the daemon's watchdog
            # notices the dead thread and starts a new watcher.
            log.critical("INBOX watcher ended: %s\n%s", error_text(exc), traceback_text(exc))

    def _run(self) -> None:
        failures = 0  # sessions in a row that ended early or in an unexpected error
        while not self._stop.is_set():
            self._up_since = None
            try:
                self._session()  # returns only once asked to stop
                continue
            except Stopped:
                return
            except (ConnectionFailed, OSError, IMAPClientError) as exc:
                error, unexpected = exc, False
            except Exception as exc:  # anything else: log it, pause, connect afresh
                error, unexpected = exc, True
            if self._stop.is_set():
                return
            # A connection that worked for a while and then broke is retried at once. One
            # that broke at once (a folder the server refuses, an IDLE it drops at once)
            # or an error we did not expect waits longer each time: never a tight loop.
            up = self._up_since
            stable = up is not None and time.monotonic() - up >= STABLE_SECONDS
            if stable:
                failures = 0
            wait = 0.0
            if unexpected or not stable:
                failures += 1
                wait = backoff(failures).total_seconds()
            self._ended(error, unexpected, wait)
            if wait and self._stop.wait(wait):
                return

    def _ended(self, error: BaseException, unexpected: bool, wait: float) -> None:
        """Say why the session ended: in the log, in the health file, to the daemon."""
        text = error_text(error)
        then = f"; reconnecting in {wait:.0f} s" if wait else ""
        if unexpected:
            message = f"stopped by an unexpected error ({text}){then}"
            log.error("INBOX watcher %s\n%s", message, traceback_text(error))
        else:
            message = f"connection lost: {text}{then}"
            log.warning("INBOX watcher %s", message)
        self._safely(self._report, message)
        self._safely(self._notify, "disconnected")

    def _session(self) -> None:
        """One connection's life: connect (retrying), then watch until it breaks."""
        mailbox = self._connect()
        try:
            if self.use_idle and "IDLE" in mailbox.capabilities:
                self.mode = "idle"
                self._idle(mailbox)
            else:
                self.mode = "poll"
                self._up(f"connected, polling every {self.poll_seconds:g} s")
                self._poll(mailbox)
        finally:
            self.connected = False
            self._mailbox = None
            mailbox.discard()

    def _safely(self, callback: Callable[[str], None], text: str) -> None:
        """Report to the daemon; a failing report (a full disk) must not end the thread."""
        try:
            callback(text)
        except Exception as exc:
            log.error("INBOX watcher could not report %r: %s", text, error_text(exc))

    def alive(self, within: float) -> bool:
        """Has the server answered on this connection in the last `within` seconds?"""
        return self.connected and time.monotonic() - self.last_alive < within

    def _up(self, report: str) -> None:
        """Announce a live connection; the full sync this triggers covers everything
        that arrived before now, so it must come only once new mail is being watched."""
        self.last_alive = time.monotonic()
        self.connected = True
        self._up_since = self.last_alive
        self._safely(self._report, report)
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
        text = error_text(error) if error is not None else "unknown error"
        message = f"cannot connect ({text}); trying again in {wait:.0f} s"
        log.warning("INBOX watcher %s", message)
        self._safely(self._report, message)

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
