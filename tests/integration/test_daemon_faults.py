"""The service under real faults: the IMAP server going away, SIGTERM mid-send."""

from __future__ import annotations

import json
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
        return sorted(m["subject"] for m in store.messages())


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
            draft = store.draft(draft["id"])
        assert draft["status"] == "sent" and draft["filed"]
        client = imap_login(imap_account)
        try:
            client.select_folder("Sent", readonly=True)
            assert len(client.search(["HEADER", "Message-ID", draft["message_id"]])) == 1
        finally:
            client.logout()
        assert "stopped" in d.log()
    finally:
        d.kill()
