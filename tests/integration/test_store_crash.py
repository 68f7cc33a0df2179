"""kill -9 between the file writes of one store commit, on a real Dovecot.

A commit writes text, mail months, clients.json, ledger.json, meta.json and
sync.json in that order (mailwatch/store/store.py). The real `mailwatch` process
is killed at each point between two of them (MAILWATCH_CRASH_AT, mailwatch/faults.py),
then the state must load and the next run resume: every client message recorded
exactly once with its text, the aggregates and cursors right, no draft or event
twice.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from mailwatch.lab.account import Account, imap_login
from mailwatch.store import Store
from tests.integration.workspace import (
    MONDAY,
    THURSDAY_NY_MORNING,
    ask_raw,
    cli,
    cli_env,
    cli_json,
    write_workspace,
)

NOW = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)


def message(n: int, when: datetime, *, client: bool, folder: str = "INBOX") -> bytes:
    other = ("Jane Doe", "jane@acme.test") if client else ("News", f"n{n % 5}@news.test")
    me = ("Sam Rivera", "sam@studio.test")
    sender, to = (me, other) if folder == "Sent" else (other, me)
    return (
        f"From: {sender[0]} <{sender[1]}>\r\nTo: {to[0]} <{to[1]}>\r\n"
        f"Subject: Update {n}\r\nDate: {format_datetime(when)}\r\n"
        f"Message-ID: <m{n}.{folder.lower()}@crash.test>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Update number {n}. Could you have a look?\r\n"
    ).encode()


def seed(dovecot, account: Account, numbers: range, *, days: int) -> set[str]:
    """Mail spread over `days` before NOW (several month files, the recent part with
    text), every third message the client's; returns the Message-IDs that are kept."""
    kept = set()
    for folder in ("INBOX", "Sent"):
        items = []
        for i, n in enumerate(numbers):
            when = NOW - timedelta(days=days) + timedelta(days=days) * i / len(numbers)
            client = n % 3 == 0
            items.append((message(n, when, client=client, folder=folder), when))
            if client:
                kept.add(f"<m{n}.{folder.lower()}@crash.test>")
        dovecot.append_many(account, folder, items)
    return kept


def crash(config: Path, account: Account, point: str, *args: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mailwatch",
            "--config",
            str(config),
            "--now",
            NOW.isoformat(),
            *args,
        ],
        env=cli_env(account, MAILWATCH_CRASH_AT=point),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, f"{point} was not reached: {proc.stderr}"


def check_state(config: Path, account: Account, expected: set[str]) -> None:
    state = config.parent / "state"
    with Store(state, readonly=True) as store:
        assert not store.notices, store.notices  # nothing to repair: every file is whole
        records = list(store.all_messages())
        keys = Counter(r.key for r in records)
        assert max(keys.values()) == 1, "a message recorded twice"
        assert {r.message_id for r in records} == expected
        assert store.message_count() == len(expected)
        stats = store.client_stats()["acme"]
        assert stats.count_in + stats.count_out == len(expected)
        recent = [r for r in records if r.date >= NOW - timedelta(days=30)]
        assert recent and store.texts(recent).keys() == {r.key for r in recent}
        client = imap_login(account)
        try:
            for folder in ("INBOX", "Sent"):
                uidnext = client.folder_status(folder, [b"UIDNEXT"])[b"UIDNEXT"]
                cursor = store.folder_state(folder)
                assert cursor is not None and cursor.last_uid == uidnext - 1, cursor
        finally:
            client.logout()


@pytest.mark.parametrize("point", ["store.after_text", "store.after_mail", "store.before_sync"])
@pytest.mark.parametrize("when", ["first sync", "later sync"])
def test_a_sync_killed_between_two_writes_resumes(
    point: str, when: str, dovecot, imap_account, make_mta, tmp_path: Path
) -> None:
    config = write_workspace(tmp_path / "mw", imap_account, make_mta().port)
    expected = seed(dovecot, imap_account, range(300), days=120)
    if when == "later sync":
        assert cli(config, imap_account, "sync", now=NOW.isoformat()).returncode == 0
        expected |= seed(dovecot, imap_account, range(300, 330), days=2)
    crash(config, imap_account, point, "sync")
    result = cli(config, imap_account, "sync", now=NOW.isoformat())
    assert result.returncode == 0, result.stderr
    check_state(config, imap_account, expected)


def test_a_tick_killed_after_the_ledger_drafts_and_records_once(
    dovecot, imap_account, make_mta, tmp_path: Path
) -> None:
    """The ledger is written, its witness in meta.json and the cursors are not."""
    config = write_workspace(tmp_path / "mw", imap_account, make_mta().port)
    dovecot.append_many(imap_account, "Sent", [(ask_raw(), MONDAY)])
    assert cli(config, imap_account, "sync", now=MONDAY.isoformat()).returncode == 0
    crash(config, imap_account, "store.after_ledger", "tick")  # NOW: a follow-up is due
    assert cli(config, imap_account, "tick", now=THURSDAY_NY_MORNING).returncode == 0
    [draft] = cli_json(config, imap_account, "queue", "list")
    with Store(config.parent / "state", readonly=True) as store:
        assert not store.notices
        created = [e for e in store.events() if e["kind"] == "draft_created"]
        assert [e["draft"] for e in created] == [draft["id"]]
        assert len({e["key"] for e in store.events() if e["key"]}) == len(
            [e for e in store.events() if e["key"]]
        )
    # An approval afterwards is not taken for a loss: the witness caught up.
    assert cli(config, imap_account, "queue", "approve", draft["id"]).returncode == 0
    status = cli(config, imap_account, "status", now=THURSDAY_NY_MORNING)
    assert status.returncode == 0 and "restored" not in status.stderr


def test_a_compaction_killed_after_the_archive_loses_and_doubles_nothing(
    dovecot, imap_account, make_mta, tmp_path: Path
) -> None:
    config = write_workspace(tmp_path / "mw", imap_account, make_mta().port)
    dovecot.append_many(imap_account, "Sent", [(ask_raw(), MONDAY)])
    assert cli(config, imap_account, "tick", now=THURSDAY_NY_MORNING).returncode == 0
    [draft] = cli_json(config, imap_account, "queue", "list")
    assert cli(config, imap_account, "queue", "reject", draft["id"]).returncode == 0
    later = (NOW + timedelta(days=200)).isoformat()
    proc = subprocess.run(
        [sys.executable, "-m", "mailwatch", "--config", str(config), "--now", later, "evaluate"],
        env=cli_env(imap_account, MAILWATCH_CRASH_AT="store.after_archive"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert cli(config, imap_account, "evaluate", now=later).returncode == 0
    with Store(config.parent / "state", readonly=True) as store:
        assert store.drafts() == [] and store.draft(draft["id"]).status == "rejected"
        events = store.events(archived=True)
        assert len({e["id"] for e in events}) == len(events) > 0
    show = cli(config, imap_account, "queue", "show", draft["id"])
    assert show.returncode == 0 and "rejected" in show.stdout
