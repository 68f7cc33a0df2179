"""The always-on service behind `mailwatch run`.

Shape: an asyncio loop owns an APScheduler (3.x, UTC, coalescing, one instance
per job) and the signal handlers; all real work (IMAP, SMTP, the store) runs
in one worker thread at a time, under `self._cycle`, so jobs never overlap and
the loop stays free to react to signals. The INBOX watcher thread only says
"something changed"; the sync it triggers runs like any other cycle.

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
from mailwatch.daemon.health import Health
from mailwatch.daemon.watcher import InboxWatcher
from mailwatch.errors import AuthenticationFailed, ConfigError, ConnectionFailed, MailwatchError
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
        waker = asyncio.create_task(self._wake_loop())
        await self._stop.wait()
        waker.cancel()
        return await self._shutdown()

    def request_stop(self) -> None:
        log.info("stopping: finishing the current work first")
        self._stop.set()

    def request_reload(self) -> None:
        log.info("reloading the configuration")
        self._tasks.add(task := asyncio.ensure_future(self._reload()))
        task.add_done_callback(self._tasks.discard)

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
        ]
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
            log.error("job %s failed: %r", event.job_id, event.exception)
            self.health.update(job_errors=self.health.data.get("job_errors", 0) + 1)
            self.health.error(now, event.job_id, repr(event.exception))
        else:
            log.warning(
                "job %s was skipped (the previous run was late or still busy)", event.job_id
            )
            self.health.update(missed_jobs=self.health.data.get("missed_jobs", 0) + 1)

    # -- the INBOX watcher ------------------------------------------------------------

    def _start_watcher(self) -> None:
        imap = self.settings.config.imap
        if imap is None:
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
                self._imap_retry_at = None  # the server is back: sync now, fully
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _wake_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.sync_job()

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
                raise

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
        except MailwatchError as exc:
            log.error("%s: %s", name, exc)
            self.health.error(now, name, str(exc))
        except Exception as exc:  # one bad cycle must not stop the service
            log.exception("%s failed unexpectedly", name)
            self.health.error(now, name, repr(exc))
        return None

    def _imap_down(self, exc: MailwatchError, wait: timedelta) -> None:
        now = self.clock.now()
        self._imap_retry_at = now + wait
        message = f"{exc.message} Trying again in {wait.total_seconds():.0f} s."
        log.warning("%s", message)
        self.health.error(now, "imap", message)

    def _imap_waiting(self) -> bool:
        return self._imap_retry_at is not None and self.clock.now() < self._imap_retry_at

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
            return self.app.sync([self.app.sent_folder()] if sent_only else None)

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

    async def send_job(self) -> None:
        def send() -> Any:
            if self.store.drafts(statuses=["approved", "sending"]) and not self._imap_waiting():
                self.app.sync()  # the re-check before sending needs the latest mail
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
            self.health.error(self.clock.now(), "reload", str(exc))
            return
        if settings.state_dir != self.settings.state_dir:
            log.warning("[store] changed: restart mailwatch to use the new state folder")
        async with self._cycle:
            old_watcher = self._watcher
            self.app.close()
            self.settings = settings
            self.app = App(settings, self.store, self.clock)
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
