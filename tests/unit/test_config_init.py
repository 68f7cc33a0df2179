"""`mailwatch init DIR` writes a configuration that loads as is; the check-config summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailwatch.config.init import init_directory, summary
from mailwatch.config.loader import load_settings
from mailwatch.errors import UsageError


def test_init_writes_the_three_things(tmp_path: Path) -> None:
    target = tmp_path / "mw"
    written = init_directory(target)
    assert written == [
        target / "config.toml",
        target / "clients" / "example.toml.sample",
        target / "state",
    ]
    assert (target / "state").is_dir() and not any((target / "state").iterdir())
    assert "[owner]" in (target / "config.toml").read_text()


def test_init_then_load_round_trip(tmp_path: Path) -> None:
    init_directory(tmp_path)
    assert load_settings(tmp_path / "config.toml").clients == {}  # the sample is not a client
    # As the README says: copy the sample to a file of your own.
    (tmp_path / "clients" / "example.toml").write_bytes(
        (tmp_path / "clients" / "example.toml.sample").read_bytes()
    )
    settings = load_settings(tmp_path / "config.toml")
    assert list(settings.clients) == ["example"]
    assert settings.clients["example"].name == "Acme Bakery"
    assert settings.rules_for("example").follow_up_days == [2, 5, 10]
    assert settings.store_path == tmp_path / "state" / "mailwatch.json"
    assert settings.config.imap is not None and settings.config.smtp is not None


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    init_directory(tmp_path)
    (tmp_path / "config.toml").write_text("# my edits\n")
    with pytest.raises(UsageError) as caught:
        init_directory(tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "config.toml") in message and "--force" in message
    assert (tmp_path / "config.toml").read_text() == "# my edits\n"


def test_refusal_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "clients").mkdir()
    (tmp_path / "clients" / "example.toml.sample").write_text("mine")
    with pytest.raises(UsageError):
        init_directory(tmp_path)
    assert not (tmp_path / "config.toml").exists()


def test_init_with_force_overwrites(tmp_path: Path) -> None:
    init_directory(tmp_path)
    (tmp_path / "config.toml").write_text("# my edits\n")
    init_directory(tmp_path, force=True)
    assert "[owner]" in (tmp_path / "config.toml").read_text()


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("")
    with pytest.raises(UsageError):
        init_directory(target)


def test_summary_describes_the_configuration(tmp_path: Path) -> None:
    init_directory(tmp_path)
    (tmp_path / "clients" / "example.toml").write_bytes(
        (tmp_path / "clients" / "example.toml.sample").read_bytes()
    )
    (tmp_path / "clients" / "bistro.toml").write_text(
        'name = "Bistro"\nemails = ["c@bistro.test"]\nlanguage = "fr"\n'
        "[billing]\npause_after_days = 21\n"
    )
    text = summary(load_settings(tmp_path / "config.toml"))
    print(text)
    for expected in [
        "Sam Rivera <sam@studio.test>",
        "Europe/Paris",
        "mon–fri",
        "09:00–18:00",
        "FR",
        "2 in",
        "en: example (America/New_York)",
        "fr: bistro",
        "follow-ups after 3, 7, 14 business days",
        "example overrides: follow_up_days = [2, 5, 10]",
        f"State:    {tmp_path / 'state'}",
        "imap.example.com:993, security ssl",
        "smtp.example.com:465, security ssl",
        "$MAILWATCH_IMAP_PASSWORD",
        "reminds you to invoice 7 days before due",
        "a final notice after 2",
        "work pauses after 14 days overdue",
        "bistro overrides: pause_after_days = 21",
        "Digest:   to sam@studio.test at 08:30",
    ]:
        assert expected in text, expected


def test_summary_notes_an_empty_clients_folder(tmp_path: Path) -> None:
    init_directory(tmp_path)
    text = summary(load_settings(tmp_path / "config.toml"))
    assert "none yet" in text and "copy example.toml.sample to acme.toml" in text


def test_copying_the_sample_as_the_readme_says_makes_one_valid_client(tmp_path: Path) -> None:
    """README: cp clients/example.toml.sample clients/acme.toml. No duplicate address."""
    init_directory(tmp_path)
    clients = tmp_path / "clients"
    (clients / "acme.toml").write_bytes((clients / "example.toml.sample").read_bytes())
    assert list(load_settings(tmp_path / "config.toml").clients) == ["acme"]
