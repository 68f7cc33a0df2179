"""The service under real faults: the IMAP server going away, SIGTERM mid-send."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

from mailwatch.lab.account import imap_login
from mailwatch.lab.mta import deliveries_from_log
from mailwatch.store import Store
from tests.integration.daemon_helpers import (
    DaemonProcess,
    client_message,
    old_question,
    write_daemon_workspace,
)
from tests.integration.workspace import cli


def state(config: Path) -> Store:
    return Store(config.parent / "state" / "mailwatch.json", readonly=True)


def stored_subjects(config: Path) -> list[str]:
    with state(config) as store:
        return sorted(m.subject for m in store.messages())


def test_dovecot_restarts_lose_nothing_and_draft_nothing_twice(
    make_dovecot, make_mta, tmp_path
) -> None:
    server = make_dovecot(idle_notify_seconds=1)
    account = server.account("sam")
    mta = make_mta()
    config = write_daemon_workspace(tmp_path / "mw", account, mta.port)
    server.append_many(account, "Sent", [old_question(1)])
    d = DaemonProcess(config, account, tmp_path / "daemon.log", "--log-level", "debug")
    try:
        d.wait_started()
        d.wait_for(lambda: "IDLE" in d.health().get("imap", ""), what="IDLE")
        expected = ["Question 1"]
        for round_ in range(3):
            server.stop()
            # Mail that arrives while the server is down, straight into its files...
            for n in range(2):
                raw, when = client_message(10 * round_ + n, "Offline")
                server.deliver("sam", "INBOX", raw, when=when)
                expected.append(f"Offline {10 * round_ + n}")
            d.wait_for(
                lambda: (
                    "lost" in d.health().get("imap", "")
                    or "cannot connect" in d.health().get("imap", "")
                ),
                what="the outage",
            )
            time.sleep(1.5)  # the daemon is backing off by now
            server.start()
            # ... and mail appended before the daemon has noticed the server is back.
            raw, when = client_message(10 * round_ + 5, "Backoff")
            server.append_many(account, "INBOX", [(raw, when)])
            expected.append(f"Backoff {10 * round_ + 5}")
            d.wait_for(
                lambda: stored_subjects(config) == sorted(expected),
                timeout=60,
                what=f"round {round_}: everything synced",
            )
        with state(config) as store:
            drafts = store.drafts()
            assert len(drafts) == 1, drafts  # one follow-up, never drafted again
            assert store.message_count() == len(expected)
        assert d.stop() == 0
    finally:
        d.kill()


def test_sigterm_during_a_slow_send_delivers_once_and_exits_0(
    dovecot, imap_account, make_mta, tmp_path
) -> None:
    in_data = threading.Event()

    def on_data(envelope: object) -> None:
        in_data.set()
        return None

    log = tmp_path / "deliveries.jsonl"
    mta = make_mta(
        log_path=log,
        data_delay=4.0,
        on_data=on_data,
        local_mailboxes={"sam@studio.test": (imap_account, "INBOX")},
    )
    config = write_daemon_workspace(tmp_path / "mw", imap_account, mta.port)
    dovecot.append_many(imap_account, "Sent", [old_question(1)])
    d = DaemonProcess(config, imap_account, tmp_path / "daemon.log")
    try:
        d.wait_for(
            lambda: '"id"' in cli(config, imap_account, "queue", "list", "--json").stdout,
            what="a draft",
        )
        [draft] = json.loads(cli(config, imap_account, "queue", "list", "--json").stdout)
        assert cli(config, imap_account, "queue", "approve", draft["id"]).returncode == 0
        assert in_data.wait(30), d.log()
        d.signal(signal.SIGTERM)  # while the server is still chewing on DATA
        stopped = time.monotonic()
        assert d.proc.wait(30) == 0
        print(f"exited {time.monotonic() - stopped:.1f} s after SIGTERM")
        to_client = [x for x in deliveries_from_log(log) if "jane@acme.test" in x.rcpt_tos]
        assert len(to_client) == 1
        with state(config) as store:
            stored = store.draft(draft["id"])
        assert stored.status == "sent" and stored.filed
        client = imap_login(imap_account)
        try:
            client.select_folder("Sent", readonly=True)
            assert len(client.search(["HEADER", "Message-ID", stored.message_id])) == 1
        finally:
            client.logout()
        assert "stopped" in d.log()
    finally:
        d.kill()


def test_mail_from_an_outage_is_synced_promptly_after_the_restart(
    make_dovecot, make_mta, tmp_path
) -> None:
    """poll_seconds is 600: only the reconnect itself can explain a prompt sync.

    The cycle connection (the one sync jobs use) is dead after the restart; the watcher's
    reconnect must lead to a sync that succeeds, not to one failure and a 10-minute wait.
    """
    server = make_dovecot(idle_notify_seconds=1)
    account = server.account("sam")
    config = write_daemon_workspace(tmp_path / "mw", account, make_mta().port)
    config.write_text(config.read_text().replace("poll_seconds = 2", "poll_seconds = 600"))
    d = DaemonProcess(config, account, tmp_path / "daemon.log", "--log-level", "debug")
    try:
        d.wait_started()
        d.wait_for(lambda: "IDLE" in d.health().get("imap", ""), what="IDLE")
        # The cycle connection exists and has been used: it is the one the restart kills.
        server.append_many(account, "INBOX", [client_message(1, "Before")])
        d.wait_for(lambda: stored_subjects(config) == ["Before 1"], what="the first push")
        server.stop()
        raw, when = client_message(2, "Offline")
        server.deliver("sam", "INBOX", raw, when=when)
        # The watcher's first reconnect failed: it now waits its first back-off (5-6 s).
        d.wait_for(lambda: "cannot connect" in d.health().get("imap", ""), what="the outage")
        server.start()
        restarted = time.monotonic()
        d.wait_for(lambda: "IDLE" in d.health().get("imap", ""), timeout=30, what="reconnect")
        reconnected = time.monotonic()
        timeout = float(os.environ.get("MW_TEST_OUTAGE_TIMEOUT", "30"))
        d.wait_for(
            lambda: stored_subjects(config) == ["Before 1", "Offline 2"],
            timeout=timeout,
            what="the mail that arrived during the outage",
        )
        synced = time.monotonic()
        print(
            f"outage mail synced {synced - restarted:.2f} s after the restart, "
            f"{synced - reconnected:.2f} s after the watcher reconnected"
        )
        # The watcher's back-off (at most 6 s here) plus one sync; nowhere near a poll.
        assert synced - restarted < 15
        assert d.stop() == 0
    finally:
        d.kill()


# Planted in the daemon's process: the watcher's first two connections fail the way a
# non-ASCII password made imapclient fail (UnicodeEncodeError, the password inside it),
# and so does the cycle's first connection. Back-off shortened to keep the test short.
_LOGIN_ENCODING_FAULT = """
import threading
from datetime import timedelta
from mailwatch.daemon import watcher
from mailwatch.pipeline.app import App
watcher.backoff = lambda attempt: timedelta(seconds=0.5)
_real = App.new_mailbox
_left = {"inbox-watcher": 2, "cycle": 1}
def new_mailbox(self):
    box = _real(self)
    who = "inbox-watcher" if threading.current_thread().name == "inbox-watcher" else "cycle"
    if _left[who]:
        _left[who] -= 1
        text = box._password + "\\u00e9"
        raise UnicodeEncodeError("ascii", text, len(text) - 1, len(text), "not in range(128)")
    return box
App.new_mailbox = new_mailbox
"""


def test_the_watcher_survives_an_unexpected_error_and_says_nothing_secret(
    dovecot, imap_account, make_mta, tmp_path
) -> None:
    config = write_daemon_workspace(tmp_path / "mw", imap_account, make_mta().port)
    config.write_text(config.read_text().replace("poll_seconds = 2", "poll_seconds = 600"))
    d = DaemonProcess(config, imap_account, tmp_path / "daemon.log", inject=_LOGIN_ENCODING_FAULT)
    seen: list[str] = []  # every state the health file showed

    def idle() -> bool:
        health = d.health()
        seen.append(json.dumps(health))
        return "IDLE" in health.get("imap", "")

    try:
        d.wait_for(idle, timeout=30, what="IDLE after two failed connections")
        log = d.log()
        assert log.count("INBOX watcher stopped by an unexpected error (UnicodeEncodeError") == 2
        assert "sync failed unexpectedly: UnicodeEncodeError" in log
        # Push works: poll_seconds is 600, so only IDLE explains a prompt sync.
        dovecot.append_many(imap_account, "INBOX", [client_message(1)])
        d.wait_for(lambda: stored_subjects(config) == ["News 1"], timeout=10, what="the push")
        assert d.stop() == 0
        seen.append(d.health_path.read_text())
        for text in [d.log(), *seen]:
            assert imap_account.password not in text
        assert any("unexpected error" in text for text in seen)
    finally:
        d.kill()


# Planted: the first watcher thread dies at once, as a thread does on an error nobody
# catches; the watchdog, checking every second here, must start a new one.
_DEAD_WATCHER = """
from mailwatch.daemon import service, watcher
service.WATCHDOG_SECONDS = 1.0
_real_run = watcher.InboxWatcher._run
_first = [True]
def _run(self):
    if _first[0]:
        _first[0] = False
        raise RuntimeError("planted: the watcher thread dies")
    _real_run(self)
watcher.InboxWatcher._run = _run
"""


def test_a_dead_watcher_thread_is_replaced(dovecot, imap_account, make_mta, tmp_path) -> None:
    config = write_daemon_workspace(tmp_path / "mw", imap_account, make_mta().port)
    config.write_text(config.read_text().replace("poll_seconds = 2", "poll_seconds = 600"))
    d = DaemonProcess(config, imap_account, tmp_path / "daemon.log", inject=_DEAD_WATCHER)
    try:
        d.wait_for(lambda: "IDLE" in d.health().get("imap", ""), timeout=30, what="IDLE")
        assert "planted: the watcher thread dies" in d.log()
        assert "The INBOX watcher had stopped; a new one was started." in d.log()
        dovecot.append_many(imap_account, "INBOX", [client_message(2)])
        pushed = time.monotonic()
        d.wait_for(lambda: stored_subjects(config) == ["News 2"], timeout=10, what="the push")
        print(f"push through the new watcher: {time.monotonic() - pushed:.2f} s")
        assert d.stop() == 0
    finally:
        d.kill()


# Planted: while the trigger file exists, the next sync loses its connection, as when
# the server drops the cycle's connection but not the watcher's.
_CYCLE_DROP = """
import os
from mailwatch.errors import ConnectionFailed
from mailwatch.pipeline.app import App
_real_sync = App.sync
def sync(self, folders=None):
    trigger = os.environ["MW_TEST_DROP_TRIGGER"]
    if os.path.exists(trigger):
        os.remove(trigger)
        self.mailbox.discard()
        raise ConnectionFailed("The IMAP connection was lost: socket error: EOF.")
    return _real_sync(self, folders)
App.sync = sync
"""


def test_a_sync_that_loses_its_connection_is_retried_after_the_backoff(
    dovecot, imap_account, make_mta, tmp_path
) -> None:
    config = write_daemon_workspace(tmp_path / "mw", imap_account, make_mta().port)
    config.write_text(config.read_text().replace("poll_seconds = 2", "poll_seconds = 600"))
    trigger = tmp_path / "drop-next-sync"
    d = DaemonProcess(
        config,
        imap_account,
        tmp_path / "daemon.log",
        env={"MW_TEST_DROP_TRIGGER": str(trigger)},
        inject=_CYCLE_DROP,
    )
    try:
        d.wait_started()
        d.wait_for(lambda: "IDLE" in d.health().get("imap", ""), what="IDLE")
        trigger.touch()
        dovecot.append_many(imap_account, "INBOX", [client_message(3)])
        appended = time.monotonic()
        d.wait_for(lambda: not trigger.exists(), what="the pushed sync to fail")
        d.wait_for(lambda: stored_subjects(config) == ["News 3"], timeout=30, what="the retry")
        latency = time.monotonic() - appended
        print(f"pushed mail stored {latency:.2f} s after a failed sync (back-off 5-6 s)")
        assert latency < 15  # the first back-off, not the 600 s poll
        assert "Trying again in" in d.log()
        assert d.stop() == 0
    finally:
        d.kill()
