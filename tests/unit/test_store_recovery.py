"""Recovery never loses work silently (issue 7, item 5), and state errors say which
file, what is wrong and what to do (item 7)."""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailwatch.core.model import APPROVED, FAILED, PENDING
from mailwatch.drafts.approval import change_draft
from mailwatch.drafts.lifecycle import DraftEvent, transition
from mailwatch.errors import StateAccessError, StoreCorrupt, UsageError
from mailwatch.store import Draft, FolderState, MessageRecord, Store

NOV = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def draft(draft_id: str) -> Draft:
    return Draft(
        id=draft_id,
        client="acme",
        kind="follow_up",
        status=PENDING,
        anchor=f"<{draft_id}@x>",
        to=("jane@acme.test",),
        subject="Re: Logo",
        body="Hi Jane,\n",
        created_at=NOV,
        updated_at=NOV,
        step=1,
    )


def record(uid: int, when: datetime = NOV) -> MessageRecord:
    return MessageRecord(f"INBOX/1/{uid}", "INBOX", 1, uid, f"<m{uid}@x>", when)


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a torn write by some other tool


# -- item 5: recovery says what was lost, writes at once, never starts from empty -----


def test_a_lost_approval_is_named_recorded_and_the_state_written_at_once(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.insert_draft(draft("aaaaaa"))
        store.insert_draft(draft("bbbbbb"))
        change_draft(store, "aaaaaa", "approve", by="owner", now=NOV)  # the .bak predates it
    truncate(tmp_path / "ledger.json")

    with Store(tmp_path) as store:
        [notice] = store.notices
        assert "ledger.json is damaged" in notice and "ledger.json.bak" in notice
        assert "draft aaaaaa was approved (version 1)" in notice
        assert "approve it again" in notice and "1 event(s)" in notice
        assert store.draft("aaaaaa").status == PENDING
        [event] = [e for e in store.events() if e["kind"] == "state_recovered"]
        assert any("aaaaaa" in line for line in event["lost"])
    assert list(tmp_path.glob("ledger.json.corrupt-*"))  # the damaged file is kept
    json.loads((tmp_path / "ledger.json").read_text())  # written at once, whole
    with Store(tmp_path) as store:
        assert not store.notices  # recovered once, not at every start


def test_a_draft_made_after_the_backup_is_named(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.insert_draft(draft("aaaaaa"))
        store.insert_draft(draft("cccccc"))
    (tmp_path / "ledger.json").unlink()  # deleted, say by a cleaning tool
    with Store(tmp_path) as store:
        assert "ledger.json is missing" in store.notices[0]
        assert "draft cccccc (pending) was made after the backup" in store.notices[0]


def test_a_draft_that_went_out_after_the_backup_is_never_sent_again(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.insert_draft(draft("aaaaaa"))
        change_draft(store, "aaaaaa", "approve", by="owner", now=NOV)
        sending = transition(
            store.draft("aaaaaa"), DraftEvent.PREPARE, at=NOV, message_id="<s@studio.test>"
        )
        store.save_draft(sending)
        store.save_draft(transition(sending, DraftEvent.SENT, at=NOV, sent_at=NOV))
    # The backup is the "sending" version; put the "approved" one in its place, as an
    # older backup of the owner's would have it.
    ledger = json.loads((tmp_path / "ledger.json").read_text())
    for doc in ledger["drafts"].values():
        doc.update(status=APPROVED, message_id=None, raw=None, stage=None)
    (tmp_path / "ledger.json.bak").write_text(json.dumps(ledger))
    (tmp_path / "ledger.json").write_text("{")
    with Store(tmp_path) as store:
        restored = store.draft("aaaaaa")
        assert restored.status == FAILED and "may have gone out already" in restored.error
        assert "draft aaaaaa was sent" in store.notices[0]


def test_an_empty_record_never_replaces_one_that_was_in_use(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.insert_draft(draft("aaaaaa"))
    (tmp_path / "ledger.json").unlink()
    (tmp_path / "ledger.json.bak").unlink(missing_ok=True)
    with pytest.raises(StoreCorrupt) as caught:
        Store(tmp_path)
    text = str(caught.value)
    assert "ledger.json, is missing" in text and "will not start from an empty record" in text
    assert "Restore" in text and "meta.json aside" in text


def test_a_damaged_ledger_without_backup_is_refused_and_kept(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.insert_draft(draft("aaaaaa"))
    (tmp_path / "ledger.json.bak").unlink(missing_ok=True)
    truncate(tmp_path / "ledger.json")
    with pytest.raises(StoreCorrupt, match=r"is damaged .*kept as .*corrupt"):
        Store(tmp_path)


def test_the_daemon_writes_back_a_ledger_deleted_under_it(tmp_path: Path) -> None:
    daemon = Store(tmp_path, hold_lock=False)
    with daemon.writing():
        daemon.insert_draft(draft("aaaaaa"))
    for name in ("ledger.json", "ledger.json.bak", "sync.json"):
        (tmp_path / name).unlink(missing_ok=True)
    with daemon.writing():
        pass
    assert any("ledger.json is missing" in n and "written again" in n for n in daemon.notices)
    daemon.close()
    with Store(tmp_path) as store:
        assert [d.id for d in store.drafts()] == ["aaaaaa"] and not store.notices


def test_a_reader_that_finds_damage_repairs_it_at_once(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.insert_draft(draft("aaaaaa"))
        store.insert_draft(draft("bbbbbb"))
    truncate(tmp_path / "ledger.json")
    with Store(tmp_path, readonly=True) as reader:  # `mailwatch queue list`, `status`
        assert reader.notices and len(reader.drafts()) == 1
    with Store(tmp_path, readonly=True) as reader:
        assert not reader.notices  # the first reader wrote the recovered state


def test_a_damaged_month_is_restored_and_the_mailbox_read_again(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.add_messages([record(1)])
        store.add_messages([record(2)])
        store.set_folder_state(FolderState("INBOX", 1, 2, 3, 7))
    truncate(tmp_path / "mail" / "2026-11.json")
    with Store(tmp_path) as store:
        assert [r.uid for r in store.messages()] == [1]  # the previous version
        assert "read again from the start" in store.notices[0]
        assert store.folder_state("INBOX") == FolderState("INBOX", 1, 0)
    with Store(tmp_path) as store:
        assert store.folder_state("INBOX").last_uid == 0 and not store.notices


def test_damaged_cursors_without_backup_mean_reading_the_mailbox_again(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.set_folder_state(FolderState("INBOX", 1, 2, 3, 7))
    (tmp_path / "sync.json.bak").unlink(missing_ok=True)
    (tmp_path / "sync.json").write_text("[1, 2")
    with Store(tmp_path) as store:
        assert store.folder_state("INBOX") is None
        assert "read again from the start" in store.notices[0]


# -- item 7: which file, what is wrong, what to do -------------------------------------


def test_a_ledger_of_the_wrong_shape_names_the_file_and_the_fault(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.insert_draft(draft("aaaaaa"))
    (tmp_path / "ledger.json.bak").unlink()
    (tmp_path / "ledger.json").write_text('{"drafts": 5}')
    with pytest.raises(StoreCorrupt) as caught:
        Store(tmp_path)
    text = str(caught.value)
    assert f"{tmp_path / 'ledger.json'}, has the wrong shape: 'drafts' should be a table" in text
    assert "not 5" in text and "Restore" in text


def test_a_document_missing_its_fields_is_the_wrong_shape(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.insert_draft(draft("aaaaaa"))
    (tmp_path / "ledger.json.bak").unlink()
    (tmp_path / "ledger.json").write_text('{"drafts": {"1": {"id": "x"}}}')
    with pytest.raises(StoreCorrupt, match="drafts document 1 has no 'client', 'kind', 'status'"):
        Store(tmp_path)


def test_a_wrong_shape_with_a_backup_is_recovered_and_said(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.set_folder_state(FolderState("INBOX", 1, 2))
        store.set_folder_state(FolderState("INBOX", 1, 3))
    (tmp_path / "sync.json").write_text('{"folders": 5}')
    with Store(tmp_path) as store:
        assert "sync.json has the wrong shape" in store.notices[0]
        assert store.folder_state("INBOX") == FolderState("INBOX", 1, 2)


def test_no_state_yet_for_a_command_that_only_reads(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"No mailwatch state in .*missing.*\n.*mailwatch sync"):
        Store(tmp_path / "missing", readonly=True)


def test_a_file_where_the_state_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("not a folder")
    with pytest.raises(StateAccessError, match="is a file, not a folder"):
        Store(tmp_path / "state")


def as_someone_else(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a process that obeys file permissions: root ignores them, so when
    the tests run as root the child gives up the capabilities that let it (CAP_DAC_*,
    CAP_FOWNER), as an ordinary user never had them."""

    def drop() -> None:
        if os.geteuid() == 0:
            libc = ctypes.CDLL(None, use_errno=True)
            for capability in (1, 2, 3):  # DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER
                if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        preexec_fn=drop,
        timeout=60,
    )


OPEN = """
import sys
from mailwatch.errors import MailwatchError
from mailwatch.store import Store
try:
    with Store(sys.argv[1], readonly=sys.argv[2] == "ro") as store:
        print("opened", len(store.drafts()))
        if sys.argv[2] == "rw":
            from datetime import UTC, datetime
            store.record_event(None, "test", datetime.now(UTC), {})
except MailwatchError as exc:
    print(type(exc).__name__, exc)
"""


@pytest.fixture
def state(tmp_path: Path) -> Iterator[Path]:
    state = tmp_path / "state"
    with Store(state) as store:
        store.insert_draft(draft("aaaaaa"))
    yield state
    for path in [state, *state.iterdir()]:  # let pytest clean up
        path.chmod(0o700)


@pytest.mark.parametrize("lock_file", ["there", "not yet"])
def test_a_read_only_state_folder_names_the_folder_and_the_fix(state: Path, lock_file) -> None:
    if lock_file == "not yet":  # e.g. a state folder restored from a backup
        for path in state.glob("write.lock*"):
            path.unlink()
    state.chmod(0o500)
    result = as_someone_else(OPEN, str(state), "rw")
    assert "StateAccessError" in result.stdout, result.stdout + result.stderr
    assert str(state) in result.stdout and "permission denied" in result.stdout
    assert "chmod" in result.stdout and "[store] dir" in result.stdout
    assert "Traceback" not in result.stderr
    # A command that only reads still works.
    assert as_someone_else(OPEN, str(state), "ro").stdout.startswith("opened 1")


def test_an_unreadable_state_file_names_the_file(state: Path) -> None:
    (state / "ledger.json").chmod(0o000)
    result = as_someone_else(OPEN, str(state), "ro")
    assert "StateAccessError" in result.stdout, result.stdout + result.stderr
    assert f"cannot read {state / 'ledger.json'}: permission denied" in result.stdout


def test_private_modes_for_what_mailwatch_writes(tmp_path: Path) -> None:
    with Store(tmp_path / "state") as store:
        store.add_messages([record(1)], {"INBOX/1/1": "text"})
        store.insert_draft(dataclasses.replace(draft("aaaaaa")))
    for path in (tmp_path / "state").rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


def test_compaction_keeps_what_a_later_restore_needs(tmp_path: Path) -> None:
    """A ledger restored from a backup taken before a compaction holds drafts that are
    also archived: each is read once."""
    later = NOV + timedelta(days=120)
    with Store(tmp_path) as store:
        store.insert_draft(draft("aaaaaa"))
        store.save_draft(transition(store.draft("aaaaaa"), DraftEvent.REJECT, at=NOV))
        store.record_event("acme", "x", NOV, {})  # so the .bak below has the draft
        store.compact(later)
    shutil.copy(tmp_path / "ledger.json.bak", tmp_path / "ledger.json")
    with Store(tmp_path) as store:
        assert [d.id for d in store.drafts()] == ["aaaaaa"]
        assert store.draft("aaaaaa").status == "rejected"
