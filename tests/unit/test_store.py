"""The store: the state folder's files, batches, windows, aggregates, texts, the
archive, locking, and kill -9 mid-write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailwatch.core.model import PENDING, SENT
from mailwatch.drafts.lifecycle import DraftEvent, transition
from mailwatch.errors import AlreadyRunning
from mailwatch.store import Draft, FolderState, MessageRecord, Store

NOV = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OWNER = "sam@studio.test"


def record(uid: int, when: datetime = NOV, *, sender: str = "jane@acme.test", **kw):
    to = ("jane@acme.test",) if sender == OWNER else (OWNER,)
    return MessageRecord(
        key=f"INBOX/1/{uid}",
        folder="INBOX",
        uidvalidity=1,
        uid=uid,
        join_id=f"<m{uid}@test>",
        date=when,
        subject=f"s{uid}",
        from_addr=sender,
        to=to,
        **kw,
    )


class Router:
    """Jane is the client acme; Sam is the owner."""

    fingerprint = "test-1"

    def keep(self, record: MessageRecord) -> bool:
        record.route = "acme" if "jane@acme.test" in (record.from_addr, *record.to) else None
        return record.route is not None

    def classify(self, record: MessageRecord) -> tuple[str | None, str]:
        out = record.from_addr == OWNER
        return ("acme" if self.keep(record) else None), ("out" if out else "in")


def draft(draft_id: str = "k3x9qa", **values) -> Draft:
    return Draft(
        id=draft_id,
        client="acme",
        kind="follow_up",
        status=PENDING,
        anchor="<a@x>",
        to=("jane@acme.test",),
        subject="Re: Logo",
        body="Hi\n",
        created_at=NOV,
        updated_at=NOV,
        step=1,
        **values,
    )


def test_the_state_is_a_folder_of_small_files(tmp_path: Path) -> None:
    with Store(tmp_path / "state") as store:
        store.add_messages([record(1), record(2, NOV - timedelta(days=40))])
        store.set_folder_state(FolderState("INBOX", 7, 2, 3, 10))
        store.insert_draft(draft())
        assert store.add_messages([record(2, NOV - timedelta(days=40)), record(3)]) == [record(3)]
    state = tmp_path / "state"
    files = {p.relative_to(state).as_posix() for p in state.rglob("*") if p.is_file()}
    assert {
        "meta.json",
        "ledger.json",
        "sync.json",
        "clients.json",
        "mail/2026-11.json",
        "mail/2026-09.json",
        "write.lock",
    } <= files
    with Store(tmp_path / "state") as store:
        assert store.message_count() == 3
        assert store.folder_state("INBOX") == FolderState("INBOX", 7, 2, 3, 10)
        assert store.meta()["schema_version"] == 2
        assert store.draft("k3x9qa") == draft()


def test_a_new_message_rewrites_its_month_not_the_mailbox(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        for month in range(1, 13):  # a year of mail, 100 messages a month
            when = datetime(2025, month, 10, tzinfo=UTC)
            store.add_messages([record(month * 1000 + i, when) for i in range(100)])
        store.insert_draft(draft())
        before = store.bytes_written
        with store.batch():
            store.add_messages([record(99999, NOV)])
            store.set_folder_state(FolderState("INBOX", 1, 99999))
        written = store.bytes_written - before
    month_file = (tmp_path / "mail" / "2026-11.json").stat().st_size
    others = sum(p.stat().st_size for p in (tmp_path / "mail").glob("2025-*.json"))
    assert written < month_file + 3000 and written < others / 10, written


def test_a_batch_is_all_or_nothing(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        with store.batch():
            for uid in range(50):
                store.add_messages([record(uid)])
            store.set_folder_state(FolderState("INBOX", 1, 49))
        with pytest.raises(RuntimeError), store.batch():
            store.add_messages([record(100)])
            store.insert_draft(draft())
            store.set_folder_state(FolderState("INBOX", 1, 100))
            raise RuntimeError("crash in the middle of a cycle")
        # Nothing of the failed batch is visible, in memory or on disk.
        assert store.folder_state("INBOX").last_uid == 49
        assert not store.has_message("INBOX/1/100") and not store.drafts()
    with Store(tmp_path) as store:
        assert store.message_count() == 50 and not store.drafts()


def test_only_the_window_is_held_in_memory(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        for month in range(1, 12):
            store.add_messages([record(month, datetime(2026, month, 5, tzinfo=UTC))])
    with Store(tmp_path, readonly=True) as store:
        store.set_window(datetime(2026, 9, 20, tzinfo=UTC))
        assert [r.uid for r in store.messages()] == [9, 10, 11]
        assert sorted(store._months) == ["2026-09", "2026-10", "2026-11"]
        assert store.message_count() == 11
        assert len(list(store.all_messages())) == 11
        assert sorted(store._months) == ["2026-09", "2026-10", "2026-11"]  # let go again


def test_per_client_aggregates_reach_before_the_window(tmp_path: Path) -> None:
    with Store(tmp_path, router=Router()) as store:
        store.add_messages(
            [
                record(1, datetime(2024, 3, 1, tzinfo=UTC)),
                record(2, datetime(2024, 3, 2, tzinfo=UTC), sender=OWNER),
                record(3, datetime(2024, 4, 1, tzinfo=UTC), not_contact="auto-reply"),
            ]
        )
    with Store(tmp_path, readonly=True, router=Router()) as store:
        store.set_window(NOV)
        assert store.messages() == []
        stats = store.client_stats()["acme"]
        assert stats.last_in == datetime(2024, 3, 1, tzinfo=UTC)  # the auto-reply is not contact
        assert stats.last_out == datetime(2024, 3, 2, tzinfo=UTC)
        assert (stats.count_in, stats.count_out) == (2, 1)  # counts: every message


def test_aggregates_are_counted_again_when_the_clients_change(tmp_path: Path) -> None:
    with Store(tmp_path) as store:  # no router: nothing attributed yet
        store.add_messages([record(1)])
    with Store(tmp_path, router=Router()) as store:
        assert store.client_stats()["acme"].last_in == NOV
    assert json.loads((tmp_path / "clients.json").read_text())["router"] == "test-1"


def test_aggregates_catch_up_after_a_crash_between_mail_and_clients(tmp_path: Path) -> None:
    with Store(tmp_path, router=Router()) as store:
        store.add_messages([record(1)])
    saved = (tmp_path / "clients.json").read_bytes()
    with Store(tmp_path, router=Router()) as store:
        store.add_messages([record(2, NOV + timedelta(hours=1))])
    (tmp_path / "clients.json").write_bytes(saved)  # as if the crash came before it
    with Store(tmp_path, router=Router()) as store:
        # The sync fetches message 2 again (its cursor was not written either).
        assert store.add_messages([record(2, NOV + timedelta(hours=1))]) == []
        stats = store.client_stats()["acme"]
        assert stats.count_in == 2 and stats.last_in == NOV + timedelta(hours=1)


def test_texts_are_appended_and_read_on_demand(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.add_messages([record(1), record(2)], {"INBOX/1/1": "one " * 5000, "INBOX/1/2": "two"})
        store.add_messages([record(2)], {"INBOX/1/2": "not stored: not new"})
    path = tmp_path / "text" / "2026-11.jsonl"
    with path.open("ab") as handle:
        handle.write(b'{"key": "INBOX/1/3", "te')  # a torn last line
    with Store(tmp_path) as store:
        store.add_messages([record(4)], {"INBOX/1/4": "four"})
        texts = store.texts([record(1), record(2), record(4)])
    assert len(texts["INBOX/1/1"]) == 8192 and texts["INBOX/1/2"] == "two"
    assert texts["INBOX/1/4"] == "four"  # not glued to the torn line


def test_events_are_recorded_once_per_key_and_keep_their_kind(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        assert store.record_event("acme", "threshold", NOV, {"x": 1}, key="k1")
        assert not store.record_event("acme", "threshold", NOV, {"x": 1}, key="k1")
        store.record_event("acme", "draft_created", NOV, {"kind": "follow_up", "draft": "x"})
        events = store.events("acme")
    assert [e["kind"] for e in events] == ["threshold", "draft_created"]
    assert events[1]["data_kind"] == "follow_up" and events[1]["id"]


def test_closed_drafts_and_old_events_move_to_the_archive(tmp_path: Path) -> None:
    later = NOV + timedelta(days=120)
    with Store(tmp_path) as store:
        sent = transition(
            transition(draft("aaaaaa"), DraftEvent.APPROVE, at=NOV),
            DraftEvent.PREPARE,
            at=NOV,
        )
        store.insert_draft(transition(sent, DraftEvent.SENT, at=NOV))
        store.insert_draft(draft("bbbbbb"))  # still pending: stays, however old
        store.record_event("acme", "threshold", NOV, {}, key="old")
        store.record_event("acme", "threshold", later, {}, key="new")
        assert store.compact(later) == (1, 1)
        assert [d.id for d in store.drafts()] == ["bbbbbb"]
        assert store.draft("aaaaaa").status == SENT  # found in the archive
        assert [e["key"] for e in store.events()] == ["new"]
        assert [e["key"] for e in store.events(archived=True)] == ["old", "new"]
        assert store.compact_if_due(later + timedelta(hours=1)) == (0, 0)  # once a day
    assert (tmp_path / "archive" / "2026-11.json").exists()


def test_a_new_draft_id_is_never_one_the_archive_holds(tmp_path: Path, monkeypatch) -> None:
    later = NOV + timedelta(days=120)
    with Store(tmp_path) as store:
        sent = transition(
            transition(draft("aaaaaa"), DraftEvent.APPROVE, at=NOV), DraftEvent.PREPARE, at=NOV
        )
        store.insert_draft(transition(sent, DraftEvent.SENT, at=NOV))
        assert store.compact(later) == (1, 0)
    # The random source offers the archived id first, then a fresh one.
    offered = iter("aaaaaa" + "cccccc")
    monkeypatch.setattr("mailwatch.store.store.secrets.choice", lambda _alphabet: next(offered))
    with Store(tmp_path) as store:
        assert store.next_draft_id() == "cccccc"


def test_a_crash_between_archive_and_ledger_loses_and_doubles_nothing(tmp_path: Path) -> None:
    later = NOV + timedelta(days=120)
    with Store(tmp_path) as store:
        store.record_event("acme", "threshold", NOV, {}, key="old")
        before = {n: (tmp_path / n).read_bytes() for n in ("ledger.json", "meta.json")}
        store.compact(later)
    for name, data in before.items():  # archive written; ledger and meta not
        (tmp_path / name).write_bytes(data)
    with Store(tmp_path) as store:
        assert [e["key"] for e in store.events(archived=True)] == ["old"]
        store.compact(later + timedelta(days=2))
        assert [e["key"] for e in store.events(archived=True)] == ["old"]
        assert store.events() == []


def test_second_writer_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with Store(tmp_path), pytest.raises(AlreadyRunning, match="Another mailwatch process"):
        Store(tmp_path, wait=0.1)
    Store(tmp_path, wait=0.1).close()  # released on close


def test_readonly_reader_sees_writes_of_the_writer(tmp_path: Path) -> None:
    with Store(tmp_path) as writer:
        writer.add_messages([record(1)])
        reader = Store(tmp_path, readonly=True)
        assert reader.message_count() == 1 and len(reader.messages()) == 1
        writer.add_messages([record(2)])
        writer.insert_draft(draft())
        assert reader.reload_if_changed()
        assert len(reader.messages()) == 2 and reader.drafts() == [draft()]
        assert not reader.reload_if_changed()


def test_the_daemon_rereads_only_what_changed(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.add_messages([record(1)])
        store.insert_draft(draft())
    daemon = Store(tmp_path, hold_lock=False)
    daemon.set_window(NOV - timedelta(days=60))
    assert len(daemon.messages()) == 1
    generation = daemon.mail_generation
    with Store(tmp_path) as cli:  # `queue approve` while the daemon runs
        cli.save_draft(transition(cli.draft("k3x9qa"), DraftEvent.APPROVE, at=NOV))
    with daemon.writing():
        assert daemon.draft("k3x9qa").status == "approved"
    assert daemon.mail_generation == generation  # the mail was not read again
    daemon.close()


WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from mailwatch.store import FolderState, MessageRecord, Store
store = Store(sys.argv[1])
uid = 0
print("ready", flush=True)
while True:
    with store.batch():
        when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=uid // 200)
        store.add_messages(
            [MessageRecord(f"INBOX/1/{uid + i}", "INBOX", 1, uid + i, "x" * 200, when)
             for i in range(200)],
            {f"INBOX/1/{uid + i}": "text " * 100 for i in range(200)},
        )
        store.record_event(None, "batch", when, {"n": uid})
        store.set_folder_state(FolderState("INBOX", 1, uid + 199))
    uid += 200
"""


def test_kill_9_during_writes_leaves_a_loadable_store(tmp_path: Path) -> None:
    """A real SIGKILL at random moments of a writing process, then a clean load: every
    file whole, and the cursor never ahead of the mail."""
    for round_ in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.03 * round_)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        for path in [*tmp_path.glob("*.json"), *tmp_path.glob("mail/*.json")]:
            json.loads(path.read_text())  # each file itself is always whole
        with Store(tmp_path, wait=5) as store:
            assert not store.notices
            state = store.folder_state("INBOX")
            stored = {r.uid for r in store.all_messages()}
            if state is not None:
                assert set(range(state.last_uid + 1)) <= stored  # nothing skipped
            assert len(stored) % 200 == 0  # batches land whole or not at all


def test_a_reader_keeps_the_aggregates_it_counted_again(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.add_messages([record(1)])
    with Store(tmp_path, readonly=True, router=Router()) as reader:  # `mailwatch status`
        assert reader.client_stats()["acme"].count_in == 1
    assert json.loads((tmp_path / "clients.json").read_text())["router"] == "test-1"
