"""kill -9 at random moments while the service drafts, gets approvals and sends.

A short run is part of every test run; the full 50-round soak runs on demand:
    ./test -m soak tests/integration/test_soak.py
(MAILWATCH_SOAK_ROUNDS overrides the number of rounds of either.)
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest

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


def _soak(rounds: int, dovecot, account, make_mta, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    log = tmp_path / "deliveries.jsonl"
    mta = make_mta(log_path=log, local_mailboxes={"sam@studio.test": (account, "INBOX")})
    config = write_daemon_workspace(tmp_path / "mw", account, mta.port)
    state = config.parent / "state" / "mailwatch.json"
    approved: set[str] = set()
    for round_ in range(rounds):
        # New work arrives: a question of ours that is overdue, and client mail.
        dovecot.append_many(account, "Sent", [old_question(round_ + 1)])
        dovecot.append_many(account, "INBOX", [client_message(round_)])
        daemon = DaemonProcess(config, account, tmp_path / "daemon.log")
        deadline = time.monotonic() + rng.uniform(0.3, 2.5)
        while time.monotonic() < deadline and daemon.proc.poll() is None:
            listing = cli(config, account, "queue", "list", "--json")
            if listing.returncode == 0:
                for draft in json.loads(listing.stdout):
                    if draft["status"] != "pending" or draft["id"] in approved:
                        continue
                    if cli(config, account, "queue", "approve", draft["id"]).returncode == 0:
                        approved.add(draft["id"])
            time.sleep(rng.uniform(0, 0.3))
        daemon.kill()  # SIGKILL, wherever it is
        with Store(state, readonly=True) as store:  # always loadable
            assert store.meta()["schema_version"] == 2
    # Let a last run finish everything that was approved.
    daemon = DaemonProcess(config, account, tmp_path / "daemon.log")
    try:

        def settled() -> bool:
            with Store(state, readonly=True) as store:
                return not store.drafts(statuses=["approved", "sending"])

        daemon.wait_started()
        daemon.wait_for(settled, timeout=60, what="every approved draft to settle")
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    with Store(state, readonly=True) as store:
        drafts = {d.id: d for d in store.drafts()}
    assert approved, "the soak approved nothing: it proved nothing"
    delivered = [d for d in deliveries_from_log(log) if "jane@acme.test" in d.rcpt_tos]
    by_id: dict[str, int] = {}
    for delivery in delivered:
        by_id[delivery.message_id] = by_id.get(delivery.message_id, 0) + 1
    client = imap_login(account)
    try:
        client.select_folder("Sent", readonly=True)
        for draft_id in approved:
            draft = drafts[draft_id]
            assert draft.status == "sent", f"approved draft lost: {draft}"
            assert by_id.get(draft.message_id) == 1, f"delivered {by_id} for {draft_id}"
            copies = client.search(["HEADER", "Message-ID", draft.message_id])
            assert len(copies) == 1, f"{len(copies)} Sent copies of {draft_id}"
    finally:
        client.logout()
    assert len(delivered) == len(approved)  # nothing else went out
    print(f"{rounds} kills, {len(approved)} approved drafts, each delivered exactly once")


def test_kill_9_during_work_short(dovecot, imap_account, make_mta, tmp_path) -> None:
    rounds = int(os.environ.get("MAILWATCH_SOAK_ROUNDS", "8"))
    _soak(rounds, dovecot, imap_account, make_mta, tmp_path, seed=rounds)


@pytest.mark.soak
def test_kill_9_during_work_soak(dovecot, imap_account, make_mta, tmp_path) -> None:
    rounds = int(os.environ.get("MAILWATCH_SOAK_ROUNDS", "50"))
    _soak(rounds, dovecot, imap_account, make_mta, tmp_path, seed=int(time.time()))
