"""Before the first sync nothing is misconfigured: status and queue list answer, exit 0.

After a failed first sync, status must not look like an empty mailbox: it says that
no sync has finished, and the service's last error when there is one.
"""

from __future__ import annotations

import json

from mailwatch.daemon.health import health_path
from mailwatch.store import Store
from tests.unit.cli_world import MONDAY, THURSDAY, World, ask, run_cli, write_config


def test_status_before_any_sync_lists_the_clients_and_says_never_synced(
    tmp_path, monkeypatch, capsys
) -> None:
    config = write_config(tmp_path / "mw")
    result = run_cli(["--config", str(config), "status"], monkeypatch, capsys)
    assert result.code == 0, result.err
    assert "Acme Bakery" in result.out
    assert "never synced" in result.out.lower()
    assert "run sync first" not in result.err
    assert not (tmp_path / "mw" / "state" / "mailwatch.json").exists()  # nothing written


def test_status_json_before_any_sync_has_a_row_per_client(tmp_path, monkeypatch, capsys) -> None:
    config = write_config(tmp_path / "mw")
    result = run_cli(["--config", str(config), "status", "--json"], monkeypatch, capsys)
    assert result.code == 0, result.err
    [row] = json.loads(result.out)
    assert row["client"] == "acme" and row["last_inbound"] is None
    both = run_cli(["--config", str(config), "status", "--json", "--daemon"], monkeypatch, capsys)
    assert both.code == 0 and json.loads(both.out)["daemon"]["running"] is False


def test_queue_list_before_any_sync(tmp_path, monkeypatch, capsys) -> None:
    config = write_config(tmp_path / "mw")
    result = run_cli(["--config", str(config), "queue", "list"], monkeypatch, capsys)
    assert result.code == 0, result.err
    assert "No drafts yet." in result.out
    as_json = run_cli(["--config", str(config), "queue", "list", "--json"], monkeypatch, capsys)
    assert as_json.code == 0 and json.loads(as_json.out) == []
    missing = run_cli(["--config", str(config), "queue", "show", "1"], monkeypatch, capsys)
    assert missing.code == 2 and "There is no draft 1" in missing.err


def test_status_after_a_failed_first_sync_does_not_look_like_an_empty_mailbox(
    tmp_path, monkeypatch, capsys
) -> None:
    # `mailwatch sync` created the state, then the server was unreachable: no cursor.
    config = write_config(tmp_path / "mw")
    sync = run_cli(["--config", str(config), "sync"], monkeypatch, capsys)
    assert sync.code != 0
    result = run_cli(["--config", str(config), "status"], monkeypatch, capsys)
    assert result.code == 0, result.err
    assert "never synced" in result.out.lower()


def test_status_shows_the_services_last_sync_error(tmp_path, monkeypatch, capsys) -> None:
    config = write_config(tmp_path / "mw")
    store_path = tmp_path / "mw" / "state" / "mailwatch.json"
    with Store(store_path):
        pass  # the service opened the state, then failed to log in
    health_path(store_path).write_text(
        json.dumps(
            {
                "pid": 0,
                "started_at": MONDAY.isoformat(),
                "stopped_at": MONDAY.isoformat(),
                "last_sync_at": None,
                "last_error": {
                    "at": MONDAY.isoformat(),
                    "where": "sync",
                    "message": "The IMAP server refused the login for 'sam'.",
                },
            }
        )
    )
    result = run_cli(["--config", str(config), "status"], monkeypatch, capsys)
    assert result.code == 0, result.err
    out = result.out.lower()
    assert "last sync failed" in out and "refused the login" in out


def test_status_after_a_sync_says_nothing_about_never(tmp_path, monkeypatch, capsys) -> None:
    world = World(tmp_path / "mw")
    world.mailbox.deliver("Sent", ask("Logo"), MONDAY)
    world.tick(MONDAY)
    result = run_cli(
        ["--config", str(world.config), "--now", THURSDAY, "status"], monkeypatch, capsys
    )
    assert result.code == 0, result.err
    assert "never synced" not in result.out.lower()
    assert "last sync failed" not in result.out.lower()
