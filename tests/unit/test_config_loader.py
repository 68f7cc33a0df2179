"""Loading config.toml plus the clients folder: every problem, in every file, at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailwatch.config.loader import load_client, load_settings
from mailwatch.errors import ConfigError, Problem

OWNER = """\
[owner]
name = "Sam Rivera"
email = "sam@studio.test"
aliases = ["sam@gmail.test"]
timezone = "Europe/Paris"
country = "FR"
"""

IMAP = """\
[imap]
host = "imap.example.com"
username = "sam@studio.test"
password_env = "MAILWATCH_IMAP_PASSWORD"
"""

SMTP = """\
[smtp]
host = "smtp.example.com"
username = "sam@studio.test"
password_env = "MAILWATCH_SMTP_PASSWORD"
"""

ACME = """\
name = "Acme Bakery"
emails = ["jane@acme.test"]
language = "en"
timezone = "America/New_York"

[rules]
follow_up_days = [2, 5, 10]
"""

BISTRO = """\
name = "Bistro Lune"
emails = ["camille@bistro-lune.test"]
domains = ["bistro-lune.test"]
language = "fr"
"""

# Words from pydantic's own messages that must never reach the owner.
JARGON = re.compile(
    r"Value error|Input should|type=|pydantic|validation error|Field required|"
    r"Extra inputs|\[\d+\]|\('"
)


def write(base: Path, config: str, clients: dict[str, str | bytes] | None = None) -> Path:
    path = base / "config.toml"
    path.write_text(config, encoding="utf-8")
    folder = base / "clients"
    folder.mkdir(exist_ok=True)
    for name, text in (clients or {}).items():
        target = folder / name
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.problems


def find(problems: list[Problem], file_end: str, key: str) -> Problem:
    matches = [p for p in problems if p.file.endswith(file_end) and p.key == key]
    assert matches, f"no problem for {file_end} {key!r} in:\n" + "\n".join(map(str, problems))
    return matches[0]


# -- a valid configuration ------------------------------------------------------------


def test_valid_configuration_loads(tmp_path: Path) -> None:
    path = write(tmp_path, OWNER + IMAP + SMTP, {"acme.toml": ACME, "bistro-lune.toml": BISTRO})
    settings = load_settings(path)
    assert sorted(settings.clients) == ["acme", "bistro-lune"]
    assert settings.owner.addresses == {"sam@studio.test", "sam@gmail.test"}
    assert settings.clients["bistro-lune"].language == "fr"
    assert settings.store_path == tmp_path / "state" / "mailwatch.json"
    assert settings.timezone_for("acme") == "America/New_York"
    assert settings.timezone_for("bistro-lune") == "Europe/Paris"


def test_client_rules_override_only_the_keys_they_set(tmp_path: Path) -> None:
    config = OWNER + "[rules]\nfollow_up_days = [3, 7, 14]\nreply_within_hours = 12\n"
    path = write(tmp_path, config, {"acme.toml": ACME, "bistro-lune.toml": BISTRO})
    settings = load_settings(path)
    acme = settings.rules_for("acme")
    assert acme.follow_up_days == [2, 5, 10]  # the client's own
    assert acme.reply_within_hours == 12  # from config.toml
    assert acme.pause_after_silent_days == 14  # the built-in default
    assert settings.rules_for("bistro-lune") == settings.config.rules


def test_empty_clients_folder_is_allowed(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, OWNER))
    assert settings.clients == {}


def test_security_none_is_accepted_on_this_machine(tmp_path: Path) -> None:
    config = OWNER + '[imap]\nhost = "127.0.0.1"\nport = 1143\nsecurity = "none"\nusername = ""\n'
    settings = load_settings(write(tmp_path, config))
    assert settings.config.imap is not None and settings.config.imap.security == "none"


def test_clients_dir_is_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "people").mkdir()
    (tmp_path / "people" / "acme.toml").write_text(ACME)
    path = write(tmp_path, OWNER + '[clients]\ndir = "people"\n')
    assert list(load_settings(path).clients) == ["acme"]


def test_byte_order_mark_from_windows_editors_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, OWNER, {"acme.toml": "\ufeff" + ACME})
    assert list(load_settings(path).clients) == ["acme"]


def test_editor_lock_files_are_not_clients(tmp_path: Path) -> None:
    path = write(tmp_path, OWNER, {"acme.toml": ACME, ".#acme.toml": "junk"})
    assert list(load_settings(path).clients) == ["acme"]


# -- every problem at once ------------------------------------------------------------

MANY_PROBLEMS_CONFIG = """\
[owner]
name = "Sam Rivera"
email = "sam@studio.test"
timezone = "Europe/Pariss"
colour = "blue"

[imap]
host = "imap.example.com"
security = "none"
username = "sam@studio.test"

[smtp]
host = "127.0.0.1"
port = 2525
security = "none"
username = ""

[rules]
follow_up_days = [7, 3, 14]
lookback_days = "thirty"
"""

MANY_PROBLEM_CLIENTS: dict[str, str | bytes] = {
    "acme.toml": ACME,
    "acme-copy.toml": 'name = "Acme again"\nemails = ["Jane@Acme.test"]\n',
    "broken.toml": 'emails = ["x@broken.test"]\nname = Broken Inc\n',
    "Big Client.toml": 'name = "Big"\nemails = ["big@big.test"]\n',
    "typo.toml": 'name = "Typo"\nemail = ["t@typo.test"]\nlanguage = "de"\n'
    "[rules]\npause_after_silent_days = 1.5\n",
    "self.toml": 'name = "Self"\nemails = ["sam@studio.test"]\ndomains = ["gmail.com"]\n',
    "latin1.toml": 'name = "Café"\nemails = ["c@cafe.test"]\n'.encode("latin-1"),
}


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, MANY_PROBLEMS_CONFIG, MANY_PROBLEM_CLIENTS))

    # config.toml
    assert "unknown key" in find(problems, "config.toml", "owner.colour").what
    zone = find(problems, "config.toml", "owner.timezone")
    assert "Europe/Pariss" in zone.what and "Europe/Paris" in zone.fix
    assert "clear text" in find(problems, "config.toml", "imap.security").what
    assert "password" in find(problems, "config.toml", "imap.password_env").what
    assert "grow" in find(problems, "config.toml", "rules.follow_up_days").what
    assert "whole number" in find(problems, "config.toml", "rules.lookback_days").what
    assert not [p for p in problems if p.key.startswith("smtp")]  # loopback + no login: fine

    # one client file is not valid TOML; the others are still checked
    syntax = find(problems, "broken.toml", "")
    assert "not valid TOML at line 2, column 8" in syntax.what
    # the same address, written differently, in two files: both are named
    clash = find(problems, "acme.toml", "emails")
    assert "jane@acme.test" in clash.what
    assert {"acme.toml", "acme-copy.toml"} == {
        Path(clash.file).name,
        Path(re.search(r"listed in (\S+)", clash.what)[1]).name,
    }
    assert "rename it to big-client.toml" in find(problems, "Big Client.toml", "").fix
    assert "did you mean emails?" in find(problems, "typo.toml", "email").fix
    assert "must be one of" in find(problems, "typo.toml", "language").what
    assert "whole number" in find(problems, "typo.toml", "rules.pause_after_silent_days").what
    assert "your own address" in find(problems, "self.toml", "emails").what
    assert "public mail service" in find(problems, "self.toml", "domains").what
    assert "UTF-8" in find(problems, "latin1.toml", "").what


def test_problems_are_sorted_by_file_then_key(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, MANY_PROBLEMS_CONFIG, MANY_PROBLEM_CLIENTS))
    files = [p.file for p in problems]
    assert files == sorted(files)
    config_keys = [p.key for p in problems if p.file.endswith("config.toml")]
    assert config_keys == sorted(config_keys)


def test_no_problem_uses_programmer_jargon(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, MANY_PROBLEMS_CONFIG, MANY_PROBLEM_CLIENTS))
    for problem in problems:
        assert not JARGON.search(str(problem)), str(problem)
        # Problem.__str__ reads "file: key: what", so `what` continues a sentence.
        assert not problem.what[0].isupper(), str(problem)


def test_full_report_reads_well(tmp_path: Path) -> None:
    """Print the whole report as the owner sees it: eyeball it with
    `pytest -s tests/unit/test_config_loader.py -k report`."""
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, MANY_PROBLEMS_CONFIG, MANY_PROBLEM_CLIENTS))
    report = str(caught.value).replace(str(tmp_path) + "/", "")
    print("\n" + report)
    assert report.startswith(f"The configuration has {len(caught.value.problems)} problems:")
    assert report.endswith("then run `mailwatch check-config` again.")


def test_item_positions_are_counted_from_one(tmp_path: Path) -> None:
    config = OWNER + '[rules]\nfollow_up_days = [3, "seven"]\n'
    problem = find(
        problems_of(write(tmp_path, config)), "config.toml", "rules.follow_up_days (item 2)"
    )
    assert problem.what == 'must be a whole number, not "seven"'


def test_missing_section_and_missing_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[imap]\nport = 993\n", {"acme.toml": "language = 'fr'\n"})
    problems = problems_of(path)
    owner = find(problems, "config.toml", "owner")
    assert owner.what == "is required" and "[owner]" in owner.fix
    host = find(problems, "config.toml", "imap.host")
    assert host.what == "is required" and "[imap]" in host.fix
    assert find(problems, "acme.toml", "name").what == "is required"


def test_a_section_written_as_a_value(tmp_path: Path) -> None:
    problem = find(
        problems_of(write(tmp_path, 'smtp = "smtp.example.com"\n' + OWNER)), "config.toml", "smtp"
    )
    assert "section" in problem.what and "[smtp]" in problem.fix


def test_client_without_any_address(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, OWNER, {"acme.toml": 'name = "Acme"\n'}))
    assert "at least one address" in find(problems, "acme.toml", "").what


def test_domain_claimed_by_two_clients(tmp_path: Path) -> None:
    other = 'name = "Lune bis"\nemails = ["x@lune.test"]\ndomains = ["@Bistro-Lune.test"]\n'
    path = write(tmp_path, OWNER, {"bistro-lune.toml": BISTRO, "lune2.toml": other})
    problem = find(problems_of(path), "lune2.toml", "domains")
    assert "bistro-lune.test" in problem.what and "bistro-lune.toml" in problem.what


def test_password_in_the_config_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    config = OWNER + IMAP + 'password = "hunter2"\n'
    problem = find(problems_of(write(tmp_path, config)), "config.toml", "imap.password")
    assert "password_env" in problem.fix
    assert "hunter2" not in str(problem)


def test_password_typed_into_password_env_is_not_echoed(tmp_path: Path) -> None:
    config = (
        OWNER + '[imap]\nhost = "imap.example.com"\nusername = "sam"\n'
        'password_env = "s3cret pass!"\n'
    )
    problem = find(problems_of(write(tmp_path, config)), "config.toml", "imap.password_env")
    assert "NAME of an environment variable" in problem.what
    assert "s3cret" not in str(problem)


def test_both_password_sources(tmp_path: Path) -> None:
    config = OWNER + IMAP + 'password_command = "pass show mail/imap"\nport = "x"\n'
    problems = problems_of(write(tmp_path, config))
    # Reported together with the other key's problem, not hidden behind it.
    assert "not both" in find(problems, "config.toml", "imap.password_command").what
    assert "whole number" in find(problems, "config.toml", "imap.port").what


def test_missing_password_source_in_an_otherwise_valid_config(tmp_path: Path) -> None:
    config = OWNER + '[smtp]\nhost = "smtp.example.com"\nusername = "sam@studio.test"\n'
    (problem,) = problems_of(write(tmp_path, config))
    assert problem.key == "smtp.password_env"


def test_relative_config_path_gives_absolute_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, OWNER, {"acme.toml": ACME})
    monkeypatch.chdir(tmp_path)
    settings = load_settings(Path("config.toml"))
    assert settings.store_path == tmp_path / "state" / "mailwatch.json"


def test_missing_clients_folder(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OWNER + '[clients]\ndir = "customers"\n')
    problem = find(problems_of(path), "config.toml", "clients.dir")
    assert "does not exist" in problem.what and "mailwatch init" in problem.fix


def test_missing_config_file_points_to_init(tmp_path: Path) -> None:
    problems = problems_of(tmp_path / "nope" / "config.toml")
    assert problems[0].what == "does not exist"
    assert "mailwatch init DIR" in problems[0].fix


def test_config_syntax_error_still_checks_the_clients(tmp_path: Path) -> None:
    path = write(tmp_path, OWNER + "[rules\n", {"acme.toml": 'name = "Acme"\nemails = 3\n'})
    problems = problems_of(path)
    assert "line 7, column 7" in find(problems, "config.toml", "").what
    assert "must be a list" in find(problems, "acme.toml", "emails").what


def test_invalid_config_still_checks_clients_against_the_owner(tmp_path: Path) -> None:
    config = OWNER + "[rules]\nlookback_days = 0\n"
    path = write(tmp_path, config, {"self.toml": 'name = "S"\nemails = ["SAM@studio.test"]\n'})
    problems = problems_of(path)
    assert "between 1 and 3650" in find(problems, "config.toml", "rules.lookback_days").what
    assert "your own address" in find(problems, "self.toml", "emails").what


def test_missing_templates_folder_and_ca_file(tmp_path: Path) -> None:
    config = OWNER + IMAP + 'ca_file = "ca.pem"\n[templates]\ndir = "mine"\n'
    problems = problems_of(write(tmp_path, config))
    assert "ca.pem" in find(problems, "config.toml", "imap.ca_file").what
    assert "mine" in find(problems, "config.toml", "templates.dir").what


# -- one client file ------------------------------------------------------------------


def test_load_client_reads_the_shipped_example() -> None:
    from mailwatch import PROJECT_ROOT

    client = load_client(PROJECT_ROOT / "examples" / "client.example.toml")
    assert client.name == "Acme Bakery"
    assert client.contract.fee == 900
    assert client.addons["extra_channel"] == 150


def test_load_client_reports_all_problems_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(
        'name = "Acme"\nemails = ["jane@acme.test"]\n[contract]\ndue_day = 31\n'
        'late_fee_percent = "15%"\n[addons]\nextra_post = -5\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_client(path)
    keys = [p.key for p in caught.value.problems]
    assert keys == ["addons.extra_post", "contract.due_day", "contract.late_fee_percent"]
    assert caught.value.problems[1].what == "must be between 1 and 28, not 31"


def test_common_slips_get_a_concrete_fix(tmp_path: Path) -> None:
    config = (
        OWNER.replace('"Europe/Paris"', '"new york"')
        + 'work_hours = [09:00:00, 18:00:00]\n[imap]\nhost = "h.test"\ntimeout_seconds = 0\n'
    )
    problems = problems_of(write(tmp_path, config))
    assert find(problems, "config.toml", "owner.timezone").fix == 'did you mean "America/New_York"?'
    hours = find(problems, "config.toml", "owner.work_hours (item 1)")
    assert (hours.what, hours.fix) == ("must be text", 'put it in double quotes: "09:00"')
    timeout = find(problems, "config.toml", "imap.timeout_seconds")
    assert timeout.what == "must be more than 0 and at most 600, not 0"
