"""Client text on the owner's terminal is shown as text: never markup, never control codes.

A subject is written by whoever sends mail. Rich reads `[...]` as markup (a stray
`[/bold]` crashed `queue list`; `[link=...]` or `[white on white]` hid things from the
owner), and terminal escape sequences, C0/C1 controls and bidi overrides can rewrite or
hide what is on screen. Every command that shows mail data must print it literally,
minus those controls.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from mailwatch.cli import show
from mailwatch.daemon.health import health_path
from mailwatch.drafts.approval import change_draft
from mailwatch.store import Store
from tests.unit.cli_world import MONDAY, THURSDAY, World, ask, run_cli

MARKUP_SUBJECTS = [
    "Budget [/bold]",
    "Invoice [link=https://evil.test/pay]click here[/link]",
    "Hello [white on white]secret[/white on white] there",
    "Emoji :pile_of_poo: and [bold red]loud[/]",
]
# ESC sequences (colour, hide, OSC 8 hyperlink, title, clear screen), a C1 CSI, C0
# controls, a carriage return that would overwrite the line, and bidi overrides.
HOSTILE = (
    "Logo\x1b[31m red\x1b[0m \x1b[8mhidden\x1b[28m "
    "\x1b]8;;https://evil.test\x07link\x1b]8;;\x07 \x1b]0;title\x1b\\ \x1b[2J"
    "\x9b31m c1 \x07bell\x08 \u202eevil\u202c \u2066iso\u2069 end"
)
FORBIDDEN = ["\x1b", "\x9b", "\x07", "\x08", "\u202e", "\u202c", "\u2066", "\u2069", "\r"]


def assert_clean(text: str) -> None:
    for char in FORBIDDEN:
        assert char not in text, f"{char!r} reached the terminal: {text!r}"


def world_with_draft(tmp_path: Path, subject: str, **config: str) -> World:
    world = World(tmp_path / "mw", **config)
    world.mailbox.deliver("Sent", ask(subject), MONDAY)
    world.tick(datetime.fromisoformat(THURSDAY))
    return world


# -- the helpers ------------------------------------------------------------------------


def test_clean_line_removes_every_control_and_keeps_the_words() -> None:
    from mailwatch.cli.safe import clean_line

    cleaned = clean_line(HOSTILE)
    assert_clean(cleaned)
    for word in ("Logo", "red", "hidden", "link", "c1", "bell", "evil", "iso", "end"):
        assert word in cleaned
    assert "https://evil.test" not in cleaned  # the hidden link target is dropped
    assert clean_line("two\nlines\tand\r\nmore") == "two lines and more"
    assert clean_line("Café — « déjà » 😀") == "Café — « déjà » 😀"


def test_clean_block_keeps_line_breaks_only() -> None:
    from mailwatch.cli.safe import clean_block

    assert clean_block("Hi\r\nJane,\n\n\x1b[2Jthanks\tSam\rX") == "Hi\nJane,\n\nthanks\tSam\nX"


def test_json_keeps_the_data_but_escapes_invisible_controls() -> None:
    from mailwatch.cli.safe import json_dumps

    value = {"subject": "Léa \u202eevil \x9b31m"}
    text = json_dumps(value)
    assert "Léa" in text and "\u202e" not in text and "\x9b" not in text
    assert json.loads(text) == value


# -- every command that shows mail data -------------------------------------------------


@pytest.mark.parametrize("subject", MARKUP_SUBJECTS)
def test_queue_list_shows_markup_literally(tmp_path, monkeypatch, capsys, subject) -> None:
    world = world_with_draft(tmp_path, subject)
    result = run_cli(["--config", str(world.config), "queue", "list"], monkeypatch, capsys)
    assert result.code == 0, result.err
    # The subject's cell, unfolded if the table folded it over two lines.
    rows = [line.split("│")[6].strip() for line in result.out.splitlines() if "│" in line]
    assert subject in " ".join(r for r in rows if r)


def test_every_command_prints_hostile_subjects_without_controls(
    tmp_path, monkeypatch, capsys
) -> None:
    world = world_with_draft(tmp_path, HOSTILE, client_name="Acme [bold]Bakery[/bold]")
    config = ["--config", str(world.config), "--now", THURSDAY]
    with Store(world.settings.store_path) as store:
        store.quarantine(
            {
                "key": "INBOX/1000/9",
                "folder": "INBOX",
                "uid": 9,
                "reason": "bad header [/red] \x1b[2J" + HOSTILE,
                "at": MONDAY.isoformat(),
                "header_excerpt": HOSTILE,
            }
        )
        [draft] = store.drafts()
        change_draft(
            store, draft.id, "edit", by="owner", now=MONDAY, body="Hi [/b]\x1b[8m\nthere\r\n"
        )
    health_path(world.settings.store_path).write_text(
        json.dumps(
            {
                "pid": 0,
                "started_at": MONDAY.isoformat(),
                "stopped_at": MONDAY.isoformat(),
                "imap": "connected \x1b[8m",
                "last_error": {"at": MONDAY.isoformat(), "where": "sync", "message": HOSTILE},
            }
        )
    )
    for command in (
        ["queue", "list"],
        ["queue", "list", "--all"],
        ["queue", "show", draft.id],
        ["status"],
        ["evaluate"],
    ):
        result = run_cli([*config, *command], monkeypatch, capsys)
        assert result.code == 0, (command, result.err)
        assert_clean(result.out)
        assert_clean(result.err)
    status = run_cli([*config, "status"], monkeypatch, capsys).out
    assert "Acme [bold]Bakery[/bold]" in status
    assert "bad header [/red]" in status
    shown = run_cli([*config, "queue", "show", draft.id], monkeypatch, capsys).out
    assert "Hi [/b]\nthere" in shown
    listed = run_cli([*config, "queue", "list", "--json"], monkeypatch, capsys).out
    assert_clean(listed)
    assert "\u202eevil" in json.loads(listed)[0]["subject"]  # the data itself is kept


def test_evaluate_and_send_reports_print_subjects_and_replies_as_text(
    tmp_path, monkeypatch, capsys
) -> None:
    world = World(tmp_path / "mw")
    world.mailbox.deliver("Sent", ask("Plan [/bold] " + HOSTILE), MONDAY)
    now = datetime.fromisoformat(THURSDAY)
    world.outbox.refuse["jane@acme.test"] = "550 no \x1b[8mhidden [/x]"
    with Store(world.settings.store_path) as store:
        app = world.app(store, now)
        app.sync()
        capsys.readouterr()
        show.evaluate_report(app, app.evaluate())
        [draft] = store.drafts()
        change_draft(store, draft.id, "approve", by="owner", now=now)
        show.send_report(app, app.send_blocking())
    out = capsys.readouterr().out
    assert_clean(out)
    assert "Plan [/bold]" in out
