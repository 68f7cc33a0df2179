"""Hints name the command the owner typed: `./run ...` under the README's launcher."""

from __future__ import annotations

from pathlib import Path

from mailwatch.cli import hints
from tests.unit.cli_world import run_cli, write_config

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_launcher_hints_say_mailwatch(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("MAILWATCH_LAUNCHER", raising=False)
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path)
    result = run_cli(["queue", "list"], monkeypatch, capsys)
    assert "`mailwatch sync`" in result.out


def test_under_run_hints_say_run(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MAILWATCH_LAUNCHER", "./run")
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path)
    result = run_cli(["queue", "list"], monkeypatch, capsys)
    assert "`./run sync`" in result.out and "`mailwatch" not in result.out
    status = run_cli(["status"], monkeypatch, capsys)
    assert "`./run sync`" in status.out and "`mailwatch" not in status.out


def test_a_given_config_is_repeated_in_hints(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MAILWATCH_LAUNCHER", "./run")
    config = write_config(tmp_path / "mailwatch-config")
    result = run_cli(["--config", str(config), "queue", "list"], monkeypatch, capsys)
    assert f"`./run --config {config} sync`" in result.out


def test_errors_name_the_launcher_too(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MAILWATCH_LAUNCHER", "./run")
    monkeypatch.chdir(tmp_path)
    result = run_cli(["status"], monkeypatch, capsys)  # no config.toml here
    assert result.code == 2
    assert "`./run init DIR`" in result.err and "`mailwatch" not in result.err


def test_init_tells_the_next_step_with_the_launcher(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MAILWATCH_LAUNCHER", "./run")
    result = run_cli(["init", str(tmp_path / "mw")], monkeypatch, capsys)
    assert result.code == 0, result.err
    assert f"./run --config {tmp_path / 'mw' / 'config.toml'} check-config" in result.out
    assert "example.toml.sample" in result.out


def test_localize_leaves_mailwatch_alone_by_default(monkeypatch) -> None:
    monkeypatch.delenv("MAILWATCH_LAUNCHER", raising=False)
    hints.use_config(None)
    assert hints.localize("run `mailwatch sync`") == "run `mailwatch sync`"


def test_the_run_script_sets_the_launcher_to_the_command_as_typed() -> None:
    text = (ROOT / "run").read_text()
    assert 'export MAILWATCH_LAUNCHER="${MAILWATCH_LAUNCHER:-$0}"' in text
