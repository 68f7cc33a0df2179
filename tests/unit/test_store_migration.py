"""The schema-1 state file (written by the code before the state folder, see
tests/fixtures/make_state_v1.py) opens with today's code and loses nothing."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailwatch.clock import FixedClock
from mailwatch.config.model import Client, Config, Settings
from mailwatch.core.model import APPROVED, FAILED, PENDING, REJECTED, SENDING, SENT, WITHDRAWN
from mailwatch.drafts.approval import change_draft, content_fingerprint
from mailwatch.errors import StoreCorrupt
from mailwatch.pipeline.app import App
from mailwatch.pipeline.records import Router
from mailwatch.store import Store
from mailwatch.store.records import Draft

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "state-v1" / "mailwatch.json"
V1 = json.loads(FIXTURE.read_text())
NOW = datetime(2026, 11, 5, 15, 30, tzinfo=UTC)


def settings(state_file: Path) -> Settings:
    config = Config(
        owner={"name": "Sam Rivera", "email": "sam@studio.test", "timezone": "Europe/Paris"},
        store={"path": str(state_file)},
    )
    clients = {
        "acme": Client(name="Acme Bakery", emails=["jane@acme.test"], timezone="America/New_York"),
        "bistro": Client(name="Bistro Lune", emails=["chef@lune.test"], language="fr"),
    }
    return Settings(config, clients, state_file.parent.parent / "config.toml")


@pytest.fixture
def v1_state(tmp_path: Path) -> Settings:
    state = tmp_path / "state" / "mailwatch.json"
    state.parent.mkdir()
    shutil.copy(FIXTURE, state)
    return settings(state)


def open_store(s: Settings, **kw) -> Store:
    return Store(s.state_dir, legacy=s.store_path, router=Router.for_settings(s), **kw)


def test_the_fixture_has_what_the_migration_must_keep() -> None:
    statuses = {d["status"] for d in V1["drafts"].values()}
    assert statuses == {PENDING, APPROVED, SENDING, SENT, REJECTED, WITHDRAWN, FAILED}
    assert any(d["status"] == SENDING and d["stage"] == "data" for d in V1["drafts"].values())
    assert any(d["version"] == 2 and d["edited"] for d in V1["drafts"].values())
    assert V1["quarantine"] and len(V1["folders"]) == 2 and len(V1["events"]) > 10


def test_every_draft_event_cursor_and_quarantined_message_survives(v1_state: Settings) -> None:
    with open_store(v1_state) as store:
        assert store.meta()["schema_version"] == 2
        assert any("Moved the state to the folder" in n for n in store.notices)
        # Drafts: every field of every draft, in every status.
        by_id = {d.id: d for d in store.drafts()}
        assert set(by_id) == {d["id"] for d in V1["drafts"].values()}
        for old in V1["drafts"].values():
            new = by_id[old["id"]].to_json()
            for key, value in old.items():
                assert new[key] == value, (old["id"], key)
        approved = [d for d in by_id.values() if d.status == APPROVED]
        assert approved[0].version == 2
        assert approved[0].approved_fingerprint == content_fingerprint(approved[0])
        # Events: all of them, keys kept; the draft_created events get their kind back.
        events = store.events()
        assert len(events) == len(V1["events"])
        assert {e["key"] for e in events if e["key"]} == {
            e["key"] for e in V1["events"].values() if e["key"]
        }
        created = [e for e in events if e["kind"] == "draft_created"]
        assert len(created) == len(V1["drafts"]) and all(e["data_kind"] for e in created)
        assert len({e["id"] for e in events}) == len(events)
        # Cursors and the quarantine.
        for folder in V1["folders"].values():
            state = store.folder_state(folder["name"])
            assert state is not None and state.to_json() == folder
        assert store.quarantined() == list(V1["quarantine"].values())
        # Client mail, record for record; mail of non-clients is not kept.
        records = {r.key: r for r in store.messages()}
        for old in V1["messages"].values():
            if old["from"] in ("news@letters.test", "someone@else.test"):
                assert old["key"] not in records
                continue
            new = records[old["key"]].to_json()
            assert new.pop("route") in ("client", "automatic")
            assert new == old
        assert store.message_count() == len(V1["messages"]) - 2
    state_dir = v1_state.state_dir
    assert not (state_dir / "mailwatch.json").exists()
    assert json.loads((state_dir / "mailwatch.json.v1").read_text()) == V1  # kept as it was
    for name in ("meta.json", "ledger.json", "sync.json", "clients.json"):
        assert (state_dir / name).exists(), name
    months = sorted(p.name for p in (state_dir / "mail").iterdir())
    assert months == ["2026-09.json", "2026-11.json"]


def test_the_migrated_state_works_and_opens_again_unchanged(v1_state: Settings) -> None:
    with open_store(v1_state) as store:
        before = [d.to_json() for d in store.drafts()]
        app = App(v1_state, store, FixedClock(NOW))
        rows = {r.client: r for r in app.statuses()}
        assert rows["acme"].last_inbound == datetime(2026, 9, 23, 14, 0, tzinfo=UTC)
        assert rows["bistro"].last_inbound == datetime(2026, 11, 5, 15, 5, tzinfo=UTC)
        pending = store.drafts(statuses=[PENDING])[0]
        change_draft(store, pending.id, "approve", by="test", now=NOW, expected_version=1)
    with open_store(v1_state) as store:
        assert not store.notices  # no second migration
        after = {d.id: d for d in store.drafts()}
        assert after[pending.id].status == APPROVED
        assert len(after) == len(before)


def test_a_migration_cut_short_runs_again(v1_state: Settings) -> None:
    """meta.json is the migration's last write: without it, the old file is still the
    state and the migration runs again over whatever it had written."""
    with open_store(v1_state):
        pass
    state_dir = v1_state.state_dir
    (state_dir / "meta.json").unlink()
    (state_dir / "mailwatch.json.v1").rename(state_dir / "mailwatch.json")
    (state_dir / "ledger.json").write_text('{"drafts": {}, "events": {}}')  # half-written
    with open_store(v1_state) as store:
        assert {d.id for d in store.drafts()} == {d["id"] for d in V1["drafts"].values()}
        assert len(store.events()) == len(V1["events"])


def test_without_a_router_every_message_is_kept(v1_state: Settings) -> None:
    with Store(v1_state.store_path) as store:
        assert store.message_count() == len(V1["messages"])


def test_a_damaged_schema_1_file_is_not_guessed_at(v1_state: Settings) -> None:
    v1_state.store_path.write_text('{"drafts": 5}')
    with pytest.raises(StoreCorrupt, match=r"mailwatch\.json has the wrong shape: 'drafts'"):
        open_store(v1_state)
    assert v1_state.store_path.exists()  # left as it was


def test_drafts_read_back_as_the_typed_draft() -> None:
    for doc in V1["drafts"].values():
        draft = Draft.from_json(doc)
        assert draft.created_at.tzinfo is not None and not draft.meta
