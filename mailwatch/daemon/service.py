"""The always-on service behind `mailwatch run`.

Shape: an asyncio loop owns an APScheduler (3.x, UTC, coalescing, one instance
per job) and the signal handlers; all real work (IMAP, SMTP, the store) runs
in one worker thread at a time, under `self._cycle`, so jobs never overlap and
the loop stays free to react to signals. The INBOX watcher thread only says
"something changed"; the sync it triggers runs like any other cycle.

Faults are followed up, never left to the next poll: a sync that fails on a lost
connection is tried again when its back-off ends; when the watcher reconnects (the
server is back), the cycle's own connection is checked and, if dead, replaced before
the full sync. A watchdog restarts a watcher thread or the notification loop if either
has died. Error texts go through `health.error_text`, which masks secrets.

Nothing important lives only in memory: the state file holds cursors, drafts
and approvals, and every job is rebuilt from the configuration at start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from mailwatch.clock import Clock
from mailwatch.config.model import Settings
from mailwatch.daemon.health import Health, error_text, traceback_text
from mailwatch.daemon.watcher import InboxWatcher
from mailwatch.errors import (
    AlreadyRunning,
    AuthenticationFailed,
    ConfigError,
    ConnectionFailed,
    MailwatchError,
)
from mailwatch.imap.client import ImapMailbox
from mailwatch.logs import redact
from mailwatch.pipeline.app import App
from mailwatch.pipeline.records import Router
from mailwatch.retry import AUTH_FAILURE_WAIT, backoff
from mailwatch.store import Store
from mailwatch.store.atomic import make_private_dir
from mailwatch.store.layout import StateLayout
from mailwatch.store.lock import ProcessLock

log = logging.getLogger("mailwatch.daemon")
T = TypeVar("T")

# While IDLE watches INBOX the poll only asks about Sent, provided the IDLE connection
# answered lately (idle_check returns at least every 30 s) and INBOX itself was polled
# within the last few minutes: a push lost to a half-dead connection costs minutes, not
# hours.
IDLE_ALIVE_SECONDS = 45.0
FULL_POLL_SECONDS = 300.0

# APScheduler: a job that could not start on time still runs within this grace
# (e.g. after the laptop slept); later than that it is skipped and reported.
MISFIRE_GRACE_SECONDS = 300

# How often the watchdog checks that the watcher thread and the notification loop live.
WATCHDOG_SECONDS = 30.0


def run_lock(state_dir: Path) -> ProcessLock:
    return ProcessLock(StateLayout.at(state_dir).run_lock, "already running for this state")


class Daemon:
    def __init__(self, config_path: Path, settings: Settings, clock: Clock) -> None:
        self.config_path = config_path
        self.settings = settings
        self.clock = clock
        self.store = Store(
            settings.state_dir,
            legacy=settings.store_path,
            hold_lock=False,
            router=Router.for_settings(settings),
        )
        self.app = App(settings, self.store, clock)
        self.health = Health(settings.state_dir)
        self._cycle = asyncio.Lock()
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Future[None]] = set()  # keep running reloads referenced
        self._imap_failures = 0
        self._imap_retry_at: datetime | None = None
        self._retry_timer: asyncio.TimerHandle | None = None  # the sync after a back-off
        # Set when the watcher (re)connects: the next sync first checks its own connection.
        self._check_cycle_connection = False
        self._waker: asyncio.Task[None] | None = None
        self._last_full_poll = 0.0
        self._scheduler: AsyncIOScheduler | None = None
        self._watcher: InboxWatcher | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- life cycle -------------------------------------------------------------------

    async def main(self) -> int:
        self._loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._loop.add_signal_handler(sig, self.request_stop)
        self._loop.add_signal_handler(signal.SIGHUP, self.request_reload)
        self.health.start(self.clock.now(), config=str(self.config_path))
        log.info("mailwatch running (pid %d), state in %s", os.getpid(), self.store.path)
        self._scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            },
        )
        self._scheduler.add_listener(
            self._on_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
        )
        self._schedule_jobs()
        self._scheduler.start()  # inside the running loop, as AsyncIOScheduler needs
        self._start_watcher()
        self._waker = asyncio.create_task(self._wake_loop())
        await self._stop.wait()
        self._waker.cancel()
        if self._retry_timer is not None:
            self._retry_timer.cancel()
        return await self._shutdown()

    def request_stop(self) -> None:
        log.info("stopping: finishing the current work first")
        self._stop.set()

    def request_reload(self) -> None:
        log.info("reloading the configuration")
        self._tasks.add(task := asyncio.ensure_future(self._reload()))
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._log_task_failure)

    def _log_task_failure(self, task: asyncio.Future[None]) -> None:
        """A background task's error is reported, not left for the garbage collector."""
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._unexpected("reload", exc)

    def _unexpected(self, where: str, exc: BaseException) -> None:
        text = error_text(exc)
        log.error("%s failed unexpectedly: %s\n%s", where, text, traceback_text(exc))
        self.health.error(self.clock.now(), where, text)

    async def _shutdown(self) -> int:
        assert self._scheduler is not None
        self._scheduler.shutdown(wait=False)  # no new work from here on
        if self._watcher is not None:
            await asyncio.to_thread(self._watcher.stop)
        timeout = self.settings.config.schedule.stop_seconds
        try:
            # A send in flight finishes; its outcome is recorded before we go.
            await asyncio.wait_for(self._cycle.acquire(), timeout)
        except TimeoutError:
            log.error(
                "work still running after %s s; stopping anyway. Anything half-sent is "
                "checked at the next start and never sent twice.",
                timeout,
            )
            self._final_cleanup()
            os._exit(0)  # the worker thread cannot be interrupted; the state is durable
        self._final_cleanup()
        log.info("stopped")
        return 0

    def _final_cleanup(self) -> None:
        self.app.close()
        self.store.close()
        self.health.update(stopped_at=self.clock.now().isoformat(), imap="stopped")

    # -- scheduling -------------------------------------------------------------------

    def _schedule_jobs(self) -> None:
        assert self._scheduler is not None
        schedule = self.settings.config.schedule
        now = datetime.now(self._scheduler.timezone)
        jobs: list[tuple[str, Callable[[], Any], float]] = [
            ("poll", self.poll_job, schedule.poll_seconds),
            ("evaluate", self.evaluate_job, schedule.evaluate_minutes * 60),
            ("send", self.send_job, schedule.send_seconds),
            ("watchdog", self.watchdog_job, WATCHDOG_SECONDS),
        ]
        self._schedule_digest()
        for job_id, func, seconds in jobs:
            if self._scheduler.get_job(job_id):
                self._scheduler.reschedule_job(job_id, trigger="interval", seconds=seconds)
            else:
                self._scheduler.add_job(
                    func,
                    "interval",
                    seconds=seconds,
                    id=job_id,
                    next_run_time=now,
                    name=job_id,
                )

    def _on_job_event(self, event: JobExecutionEvent) -> None:
        now = self.clock.now()
        if event.code == EVENT_JOB_ERROR:
            text = error_text(event.exception)
            log.error("job %s failed: %s\n%s", event.job_id, text, traceback_text(event.exception))
            self.health.update(job_errors=self.health.data.get("job_errors", 0) + 1)
            self.health.error(now, event.job_id, text)
        else:
            log.warning(
                "job %s was skipped (the previous run was late or still busy)", event.job_id
            )
            self.health.update(missed_jobs=self.health.data.get("missed_jobs", 0) + 1)

    # -- the INBOX watcher ------------------------------------------------------------

    def _start_watcher(self) -> None:
        previous = self._watcher
        if previous is not None:
            # Never two watchers: whatever started this one, the old one ends (at once, if
            # it is dead already; otherwise its thread ends on its own shortly).
            previous.stop(timeout=0)
        imap = self.settings.config.imap
        if imap is None:
            self._watcher = None
            return
        self._watcher = InboxWatcher(
            self.app.new_mailbox,
            imap.inbox,
            use_idle=self.settings.config.schedule.idle,
            poll_seconds=self.settings.config.schedule.poll_seconds,
            notify=self._from_watcher,
            report=lambda text: self.health.update(imap=text),
        )
        self._watcher.start()

    def _from_watcher(self, what: str) -> None:
        # Called in the watcher thread: hop onto the loop.
        if what in ("connected", "changed", "poll") and self._loop is not None:
            if what == "connected":
                # The server is back: sync now, fully. The cycle's connection probably
                # died with the watcher's; the sync checks it first (a NOOP).
                self._check_cycle_connection = True
                self._imap_retry_at = None
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _wake_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.sync_job()
            except Exception as exc:  # this loop carries every push: it must not end
                self._unexpected("sync", exc)

    async def watchdog_job(self) -> None:
        """Restart the watcher thread or the notification loop if either has died."""
        if self._stop.is_set():
            return
        watcher = self._watcher
        if watcher is not None and not watcher.running and not watcher.stopping:
            message = "The INBOX watcher had stopped; a new one was started."
            log.error("%s", message)
            self.health.error(self.clock.now(), "watcher", message)
            self._start_watcher()
        if self._waker is not None and self._waker.done():
            message = "The loop that syncs on new mail had stopped; it was started again."
            log.error("%s", message)
            self.health.error(self.clock.now(), "watcher", message)
            self._waker = asyncio.create_task(self._wake_loop())
            self._wake.set()  # a notification may have been lost meanwhile

    # -- jobs -------------------------------------------------------------------------

    async def _in_cycle(self, name: str, work: Callable[[], T]) -> T | None:
        """Run `work` in a worker thread, alone, with the state's write lock held."""
        if self._stop.is_set():
            return None
        async with self._cycle:
            running = asyncio.ensure_future(asyncio.to_thread(self._guarded, name, work))
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                # Shutdown cancels jobs, but a thread cannot be stopped halfway: keep the
                # cycle (and so the state's lock) until it has finished and recorded its work.
                await asyncio.wait([running])
                if not self._stop.is_set():
                    raise
                # Stopping is the normal end of a job in flight, not its failure: finish
                # it (its log lines and health) instead of leaving a traceback behind.
                return running.result()

    def _guarded(self, name: str, work: Callable[[], T]) -> T | None:
        now = self.clock.now()
        try:
            with self.store.writing():
                return work()
        except AuthenticationFailed as exc:
            self._imap_down(exc, AUTH_FAILURE_WAIT)
        except ConnectionFailed as exc:
            self._imap_failures += 1
            self._imap_down(exc, backoff(self._imap_failures))
        except AlreadyRunning as exc:
            # Another mailwatch command held the state for longer than the store waits (a
            # big manual sync): a sync tries again shortly, not at the next poll.
            log.warning("%s: %s", name, error_text(exc))
            self.health.error(now, name, error_text(exc))
            if name == "sync" and self._loop is not None:
                self._loop.call_soon_threadsafe(
                    self._loop.call_later, backoff(1).total_seconds(), self._wake.set
                )
        except MailwatchError as exc:
            log.error("%s: %s", name, error_text(exc))
            self.health.error(now, name, error_text(exc))
        except Exception as exc:  # one bad cycle must not stop the service
            # Not log.exception: the text handler prints a traceback's last line (the
            # error's own text, maybe a password) without masking it.
            self._unexpected(name, exc)
        return None

    def _imap_down(self, exc: MailwatchError, wait: timedelta) -> None:
        """In the worker thread: note the pause, and have a full sync run when it ends
        (the next poll may be many minutes away)."""
        now = self.clock.now()
        self._imap_retry_at = now + wait
        message = redact(f"{exc.message} Trying again in {wait.total_seconds():.0f} s.")
        log.warning("%s", message)
        self.health.error(now, "imap", message)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._retry_after, wait.total_seconds())

    def _retry_after(self, seconds: float) -> None:
        assert self._loop is not None
        if self._retry_timer is not None:
            self._retry_timer.cancel()  # only the latest failure's pause counts
        self._retry_timer = self._loop.call_later(seconds, self._retry_now)

    def _retry_now(self) -> None:
        self._retry_timer = None
        # The pause is over (the loop's timer may fire a hair before the wall clock agrees).
        self._imap_retry_at = None
        self._wake.set()

    def _imap_waiting(self) -> bool:
        return self._imap_retry_at is not None and self.clock.now() < self._imap_retry_at

    def _sync(self, folders: list[str] | None = None) -> Any:
        """In the worker thread: an incremental sync, on a live connection if we can."""
        if self._check_cycle_connection:
            self._check_cycle_connection = False
            self._revive_cycle_connection()
        return self.app.sync(folders)

    def _revive_cycle_connection(self) -> None:
        """After the watcher reconnected, the server has likely restarted and the cycle's
        connection is dead: one NOOP tells; a dead one is dropped, and the sync connects
        afresh instead of failing once and waiting for the next poll."""
        mailbox = self.app.mailbox
        if not isinstance(mailbox, ImapMailbox):
            return
        try:
            mailbox.noop()  # connects if there is no connection yet
        except AuthenticationFailed:
            raise  # a refused login: retrying at once would only count against us
        except ConnectionFailed as exc:
            log.info("the sync connection did not answer (%s); connecting afresh", error_text(exc))
            mailbox.discard()

    async def poll_job(self) -> None:
        """The scheduled poll. While IDLE demonstrably watches INBOX, only Sent needs
        asking about; INBOX is still polled every few minutes, in case a push was lost."""
        watcher = self._watcher
        now = time.monotonic()
        idle_live = (
            watcher is not None
            and watcher.mode == "idle"
            and watcher.alive(within=IDLE_ALIVE_SECONDS)
            and now - self._last_full_poll < FULL_POLL_SECONDS
        )
        if not idle_live:
            self._last_full_poll = now
        await self.sync_job(sent_only=idle_live)

    async def sync_job(self, sent_only: bool = False) -> None:
        if self._imap_waiting():
            return

        def sync() -> Any:
            return self._sync([self.app.sent_folder()] if sent_only else None)

        report = await self._in_cycle("sync", sync)
        if report is None:
            return
        self._imap_failures = 0
        now = self.clock.now()
        self.health.update(last_sync_at=now.isoformat(), last_sync_new=report.new)
        log.debug("synced %s", ", ".join(f"{f.folder}: {f.new} new" for f in report.folders))
        if report.new:
            log.info("synced %d new message(s)", report.new)
        if report.changed:
            await self.evaluate_job()

    async def evaluate_job(self) -> None:
        report = await self._in_cycle("evaluate", self.app.evaluate)
        if report is None:
            return
        self.health.update(last_evaluate_at=self.clock.now().isoformat())
        if report.created or report.withdrawn:
            log.info(
                "%d new draft(s) for your approval, %d withdrawn",
                len(report.created),
                len(report.withdrawn),
            )

    def _schedule_digest(self) -> None:
        """The digest at `[digest] times`, on the owner's working days, in their zone."""
        assert self._scheduler is not None
        for job in self._scheduler.get_jobs():
            if job.id.startswith("digest-"):
                job.remove()
        owner = self.settings.owner
        days = ",".join(owner.workdays)
        for moment in self.settings.config.digest.times:
            hour, minute = moment.split(":")
            self._scheduler.add_job(
                self.digest_job,
                "cron",
                day_of_week=days,
                hour=int(hour),
                minute=int(minute),
                timezone=owner.timezone,
                id=f"digest-{moment}",
                name=f"digest at {moment}",
            )

    async def digest_job(self) -> None:
        def digest() -> Any:
            from mailwatch.pipeline import digest as digests

            now = self.clock.now()
            if not self.app.calendar.is_business_day(self.app.calendar.local(now).date()):
                return None  # a public holiday: no digest
            built = digests.build(self.app)
            quiet = self.settings.config.digest.all_quiet and digests.all_quiet_due(self.app, now)
            if not digests.due(self.app, built) and not quiet:
                return None  # nothing to show, and not the weekly all-quiet
            return asyncio.run(digests.send(self.app, built))

        message_id = await self._in_cycle("digest", digest)
        if message_id:
            log.info("digest sent (%s)", message_id)
            self.health.update(last_digest_at=self.clock.now().isoformat())

    async def send_job(self) -> None:
        def send() -> Any:
            if self.store.drafts(statuses=["approved", "sending"]) and not self._imap_waiting():
                self._sync()  # the re-check before sending needs the latest mail
            return self.app.send_blocking()

        report = await self._in_cycle("send", send)
        if report is None:
            return
        self.health.update(last_send_at=self.clock.now().isoformat())
        for draft_id in report.sent:
            log.info("sent draft %s", draft_id)

    # -- SIGHUP -----------------------------------------------------------------------

    async def _reload(self) -> None:
        from mailwatch.config.loader import load_settings

        try:
            settings = await asyncio.to_thread(load_settings, self.config_path)
        except ConfigError as exc:
            log.error(
                "the new configuration was not loaded; still running with the previous one.\n%s",
                exc,
            )
            self.health.error(self.clock.now(), "reload", error_text(exc))
            return
        if settings.state_dir != self.settings.state_dir:
            log.warning("[store] changed: restart mailwatch to use the new state folder")
        async with self._cycle:
            app = App(settings, self.store, self.clock)  # if this fails, nothing changed yet
            old_app, old_watcher = self.app, self._watcher
            self.settings, self.app = settings, app
            # Both talk to the server (LOGOUT, ending IDLE): off the loop.
            await asyncio.to_thread(old_app.close)
            if old_watcher is not None:
                await asyncio.to_thread(old_watcher.stop)
            self._schedule_jobs()
            self._start_watcher()
        log.info("configuration reloaded: %d client(s)", len(settings.clients))
        self.health.update(reloaded_at=self.clock.now().isoformat())


def run_daemon(config_path: Path, settings: Settings, clock: Clock) -> int:
    make_private_dir(settings.state_dir)
    lock = run_lock(settings.state_dir)
    lock.acquire(timeout=0)  # a second `run` on the same state stops here, exit 2
    try:
        daemon = Daemon(config_path, settings, clock)
        return asyncio.run(daemon.main())
    finally:
        lock.release()
