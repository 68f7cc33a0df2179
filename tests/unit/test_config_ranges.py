"""Every number in the configuration has a sensible range, booleans are TOML booleans,
and the owner's time zone is never guessed.

Before: `follow_up_days = [3, 7, 1e23]`, `lookback_days = 1000000000`,
`pause_after_silent_days = 10**12` or `proof_wait_seconds = 10**14` passed
check-config and then raised OverflowError in every tick, status or send;
`idle = "yes"` was read as true; a missing [owner] timezone became UTC.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from mailwatch.config.loader import load_settings
from mailwatch.errors import ConfigError, Problem
from mailwatch.store import Store
from tests.unit.cli_world import MONDAY, World, ask, run_cli

OWNER = """\
[owner]
name = "Sam Rivera"
email = "sam@studio.test"
timezone = "Europe/Paris"
"""
ACME = 'name = "Acme Bakery"\nemails = ["jane@acme.test"]\n'


def problems(tmp_path: Path, config: str, client: str = ACME) -> list[Problem]:
    (tmp_path / "clients").mkdir(exist_ok=True)
    (tmp_path / "clients" / "acme.toml").write_text(client, encoding="utf-8")
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "config.toml")
    return caught.value.problems


def only(found: list[Problem], key: str) -> Problem:
    matching = [p for p in found if p.key == key]
    assert len(matching) == 1, found
    return matching[0]


CONFIG_CASES = [
    # (section and line, key, words the message must have)
    ("[rules]\nfollow_up_days = [3, 7, 1e23]", "rules.follow_up_days (item 3)", "365"),
    ("[rules]\nfollow_up_days = [3, 7, 400]", "rules.follow_up_days (item 3)", "365"),
    ("[rules]\nlookback_days = 1000000000", "rules.lookback_days", "3650"),
    ("[rules]\npause_after_silent_days = 1000000000000", "rules.pause_after_silent_days", "365"),
    ("[rules]\npause_min_follow_ups = 100", "rules.pause_min_follow_ups", "20"),
    ("[rules]\nreply_within_hours = 1e300", "rules.reply_within_hours", "720"),
    ("[rules]\nreply_within_hours = inf", "rules.reply_within_hours", "720"),
    ("[rules]\nreply_within_hours = nan", "rules.reply_within_hours", "number"),
    (
        '[smtp]\nhost = "127.0.0.1"\nsecurity = "none"\nproof_wait_seconds = 100000000000000',
        "smtp.proof_wait_seconds",
        "86400",
    ),
    (
        '[imap]\nhost = "127.0.0.1"\nsecurity = "none"\ntimeout_seconds = 1e15',
        "imap.timeout_seconds",
        "600",
    ),
    ("[schedule]\npoll_seconds = 100000000", "schedule.poll_seconds", "3600"),
    ("[schedule]\nevaluate_minutes = 1e20", "schedule.evaluate_minutes", "1440"),
    ("[schedule]\nsend_seconds = 99999999", "schedule.send_seconds", "3600"),
    ("[schedule]\nstop_seconds = 1e9", "schedule.stop_seconds", "600"),
]


@pytest.mark.parametrize(("section", "key", "words"), CONFIG_CASES)
def test_impossible_numbers_are_refused_with_their_range(
    tmp_path: Path, section: str, key: str, words: str
) -> None:
    problem = only(problems(tmp_path, OWNER + section + "\n"), key)
    assert words in problem.what, problem
    assert "Traceback" not in str(problem) and "Input should" not in str(problem)


CLIENT_CASES = [
    ("[rules]\nlookback_days = 1000000000", "rules.lookback_days", "3650"),
    ("[rules]\nfollow_up_days = [2, 1e23]", "rules.follow_up_days (item 2)", "365"),
    ("[contract]\nfee = 1e30", "contract.fee", "10000000"),
    ("[contract]\nfee = nan", "contract.fee", "number"),
    ("[contract]\npayment_terms_days = 1000000", "contract.payment_terms_days", "365"),
    ("[contract]\nnotice_days = 1000000", "contract.notice_days", "365"),
    ("[contract]\nposts_per_week = 1000000", "contract.posts_per_week", "200"),
    ("[contract]\nrevisions_per_month = 1000000", "contract.revisions_per_month", "100"),
    ("[addons]\nreel = 1e30", "addons.reel", "10000000"),
]


@pytest.mark.parametrize(("section", "key", "words"), CLIENT_CASES)
def test_impossible_client_numbers_are_refused(
    tmp_path: Path, section: str, key: str, words: str
) -> None:
    problem = only(problems(tmp_path, OWNER, ACME + section + "\n"), key)
    assert problem.file.endswith("acme.toml")
    assert words in problem.what, problem


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ('[schedule]\nidle = "yes"', "schedule.idle"),
        ("[schedule]\nidle = 1", "schedule.idle"),
        ('[smtp]\nhost = "127.0.0.1"\nsecurity = "none"\nsave_to_sent = "no"', "smtp.save_to_sent"),
        ('[smtp]\nhost = "127.0.0.1"\nsecurity = "none"\nbcc_self = 0', "smtp.bcc_self"),
    ],
)
def test_booleans_are_true_or_false_only(tmp_path: Path, section: str, key: str) -> None:
    problem = only(problems(tmp_path, OWNER + section + "\n"), key)
    assert problem.what.startswith("must be true or false"), problem
    assert "without quotes" in problem.fix


def test_the_owners_time_zone_is_required(tmp_path: Path) -> None:
    config = OWNER.replace('timezone = "Europe/Paris"\n', "")
    problem = only(problems(tmp_path, config), "owner.timezone")
    assert problem.what == "is required"
    assert 'timezone = "Europe/Paris"' in problem.fix and "[owner]" in problem.fix


def test_the_largest_allowed_figures_run_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """At the top of every range, nothing overflows: tick, status, queue, send."""
    world = World(
        tmp_path / "mw",
        extra="""timeout_seconds = 600
proof_wait_seconds = 86400

[rules]
follow_up_days = [1, 364, 365]
lookback_days = 3650
pause_after_silent_days = 365
pause_min_follow_ups = 20
reply_within_hours = 720

[schedule]
poll_seconds = 3600
evaluate_minutes = 1440
send_seconds = 3600
stop_seconds = 600
""",
    )
    world.mailbox.deliver("Sent", ask("Logo"), MONDAY)
    later = MONDAY + timedelta(days=3650)
    for now in (MONDAY + timedelta(days=1), later):
        world.tick(now)
    with Store(world.settings.store_path) as store:
        world.app(store, later).send_blocking()
    config = ["--config", str(world.config), "--now", later.isoformat()]
    for command in (["status"], ["queue", "list", "--all"], ["evaluate"]):
        result = run_cli([*config, *command], monkeypatch, capsys)
        assert result.code == 0, (command, result.err)


def test_without_a_time_zone_the_clients_are_still_checked_against_the_owner(
    tmp_path: Path,
) -> None:
    config = OWNER.replace('timezone = "Europe/Paris"\n', "")
    found = problems(tmp_path, config, 'name = "Me"\nemails = ["sam@studio.test"]\n')
    assert [p.key for p in found] == ["emails", "owner.timezone"]
