"""The store: atomic writes, batches, backups, locking, and kill -9 mid-write."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from mailwatch.errors import AlreadyRunning, StoreCorrupt
from mailwatch.store import FolderState, MessageRecord, Store

WHEN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def record(uid: int) -> MessageRecord:
    return MessageRecord(
        key=f"INBOX/1/{uid}",
        folder="INBOX",
        uidvalidity=1,
        uid=uid,
        join_id=f"<m{uid}@test>",
        date=WHEN,
        subject=f"s{uid}",
    )


def test_round_trip_and_reopen(tmp_path):
    path = tmp_path / "state" / "mw.json"
    with Store(path) as store:
        store.add_messages([record(1), record(2)])
        store.set_folder_state(FolderState("INBOX", 7, 2, 3, 10))
        assert store.add_messages([record(2), record(3)]) == [record(3)]
    with Store(path) as store:
        assert store.message_count() == 3
        assert store.folder_state("INBOX") == FolderState("INBOX", 7, 2, 3, 10)
        assert store.meta()["schema_version"] == 1


def test_batch_is_one_write_and_all_or_nothing(tmp_path):
    path = tmp_path / "mw.json"
    with Store(path) as store:
        before = store.storage.writes
        with store.batch():
            for uid in range(50):
                store.add_messages([record(uid)])
            store.set_folder_state(FolderState("INBOX", 1, 49))
        assert store.storage.writes == before + 1
        with pytest.raises(RuntimeError), store.batch():
            store.add_messages([record(100)])
            store.set_folder_state(FolderState("INBOX", 1, 100))
            raise RuntimeError("crash in the middle of a cycle")
        # Nothing of the failed batch is visible, in memory or on disk.
        assert store.folder_state("INBOX").last_uid == 49
        assert not store.has_message("INBOX/1/100")
    with Store(path) as store:
        assert store.message_count() == 50


def test_damaged_file_is_restored_from_backup_and_kept_aside(tmp_path):
    path = tmp_path / "mw.json"
    with Store(path) as store:
        store.add_messages([record(1)])
        store.add_messages([record(2)])
    path.write_text('{"messages": {"1": ')  # torn write from some other tool
    with Store(path) as store:
        assert store.message_count() == 1  # the previous good version
    assert list(tmp_path.glob("mw.json.corrupt-*"))


def test_damaged_file_without_backup_is_a_clear_error(tmp_path):
    path = tmp_path / "mw.json"
    path.write_text("not json")
    with pytest.raises(StoreCorrupt, match="damaged"):
        Store(path)


def test_second_writer_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "mw.json"
    with Store(path), pytest.raises(AlreadyRunning, match="Another mailwatch process"):
        Store(path, wait=0.1)
    Store(path, wait=0.1).close()  # released on close


def test_readonly_reader_sees_writes_of_the_writer(tmp_path):
    path = tmp_path / "mw.json"
    with Store(path) as writer:
        writer.add_messages([record(1)])
        reader = Store(path, readonly=True)
        assert reader.message_count() == 1
        writer.add_messages([record(2)])
        assert reader.reload_if_changed()
        assert reader.message_count() == 2
        assert not reader.reload_if_changed()


def test_events_are_recorded_once_per_key(tmp_path):
    with Store(tmp_path / "mw.json") as store:
        now = datetime(2026, 11, 2, tzinfo=UTC)
        assert store.record_event("acme", "threshold", now, {"x": 1}, key="k1")
        assert not store.record_event("acme", "threshold", now, {"x": 1}, key="k1")
        assert len(store.events("acme")) == 1


WRITER = """
import sys
from datetime import UTC, datetime
from mailwatch.store import MessageRecord, Store
store = Store(sys.argv[1])
uid = 0
when = datetime(2026, 11, 2, tzinfo=UTC)
print("ready", flush=True)
while True:
    with store.batch():
        store.add_messages(
            [
                MessageRecord(f"INBOX/1/{uid + i}", "INBOX", 1, uid + i, "x" * 200, when)
                for i in range(200)
            ]
        )
    uid += 200
"""


def test_kill_9_during_writes_leaves_a_loadable_store(tmp_path):
    """A real SIGKILL at random moments of a writing process, then a clean load."""
    path = tmp_path / "mw.json"
    for round_ in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.03 * round_)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        json.loads(path.read_text())  # the main file itself is always whole
        with Store(path, wait=5) as store:
            count = store.message_count()
            assert count % 200 == 0  # batches land whole or not at all
