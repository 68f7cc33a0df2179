"""`mailwatch run` under real conditions: IDLE push, signals, locks, reloads, logs."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailwatch.lab.messages import make_email
from mailwatch.store import Store
from tests.integration.daemon_helpers import (
    DaemonProcess,
    client_message,
    old_question,
    write_daemon_workspace,
)
from tests.integration.workspace import SAM, cli, cli_env


def message_count(config: Path) -> int:
    with Store(config.parent / "state" / "mailwatch.json", readonly=True) as store:
        return store.message_count()


@pytest.fixture
def daemon(tmp_path, imap_account, make_mta):
    started: list[DaemonProcess] = []

    def start(config: Path | None = None, *args: str, account=None, env=None) -> DaemonProcess:
        account = account or imap_account
        if config is None:
            config = write_daemon_workspace(tmp_path / "mw", account, make_mta().port)
        log = tmp_path / f"daemon{len(started)}.log"
        process = DaemonProcess(config, account, log, *args, env=env)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


def test_new_mail_is_synced_within_seconds_while_idle(daemon, dovecot, imap_account) -> None:
    d = daemon()
    d.wait_started()
    d.wait_for(lambda: "IDLE" in d.health().get("imap", ""), what="IDLE")
    before = message_count(d.config)
    dovecot.append_many(imap_account, "INBOX", [client_message(1)])
    appended = time.monotonic()
    d.wait_for(lambda: message_count(d.config) == before + 1, timeout=10, what="the push")
    latency = time.monotonic() - appended
    print(f"IDLE push to stored: {latency:.2f} s")
    assert latency < 5  # poll_seconds is 2: only push explains much less than that
    assert d.stop() == 0


def test_sigterm_stops_cleanly_and_status_says_so(daemon) -> None:
    d = daemon()
    d.wait_started()
    assert d.stop() == 0
    health = d.health()
    assert health["stopped_at"] and health["last_sync_at"]
    status = cli(d.config, d.account, "status")
    assert "The service is not running (stopped" in status.stdout


def test_a_second_run_on_the_same_state_exits_2(daemon) -> None:
    d = daemon()
    d.wait_started()
    second = subprocess.run(
        [sys.executable, "-m", "mailwatch", "--config", str(d.config), "run"],
        env=cli_env(d.account),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 2
    assert "already running for this state" in second.stderr
    assert f"process {d.proc.pid}" in second.stderr
    assert d.stop() == 0


def test_a_killed_daemon_restarts_without_a_stale_lock(daemon) -> None:
    d = daemon()
    d.wait_started()
    d.kill()  # SIGKILL: no clean-up at all
    again = daemon(d.config)
    again.wait_for(lambda: again.health().get("pid") == again.proc.pid, what="restart")
    again.wait_started()
    assert again.stop() == 0


def test_cli_commands_work_while_the_daemon_runs(daemon, dovecot, imap_account) -> None:
    dovecot.append_many(imap_account, "Sent", [old_question(1)])
    d = daemon()
    d.wait_started()
    d.wait_for(
        lambda: cli(d.config, d.account, "queue", "list", "--json").stdout.count('"id"'),
        what="a draft",
    )
    [draft] = json.loads(cli(d.config, d.account, "queue", "list", "--json").stdout)
    approve = cli(d.config, d.account, "queue", "approve", draft["id"])
    assert approve.returncode == 0, approve.stderr
    status = cli(d.config, d.account, "status")
    assert "The service is running" in status.stdout
    assert d.stop() == 0


def test_bad_config_on_sighup_keeps_the_old_one(daemon, dovecot, imap_account) -> None:
    d = daemon()
    d.wait_started()
    good = d.config.read_text()
    d.config.write_text(good.replace('timezone = "Europe/Paris"', 'timezone = "Nowhere/City"'))
    d.signal(signal.SIGHUP)
    d.wait_for(lambda: "still running with the previous one" in d.log(), what="reload refusal")
    assert "Nowhere/City" in d.log()
    # Still working on the old configuration: new mail is synced.
    before = message_count(d.config)
    dovecot.append_many(imap_account, "INBOX", [client_message(2)])
    d.wait_for(lambda: message_count(d.config) == before + 1, what="sync after bad reload")
    d.config.write_text(good)
    d.signal(signal.SIGHUP)
    d.wait_for(lambda: "configuration reloaded" in d.log(), what="good reload")
    assert d.stop() == 0


def test_passwords_never_reach_the_log(daemon, dovecot, imap_account, make_mta, tmp_path) -> None:
    smtp_password = "smtp-Secret-4711"
    mta = make_mta(auth=("sam", smtp_password))
    config = write_daemon_workspace(tmp_path / "mw", imap_account, mta.port)
    text = config.read_text().replace(
        'username = ""', 'username = "sam"\npassword_env = "MW_TEST_SMTP_PASSWORD"'
    )
    config.write_text(text)
    dovecot.append_many(imap_account, "Sent", [old_question(1)])
    env = {"MW_TEST_SMTP_PASSWORD": smtp_password}
    d = daemon(config, "--log-level", "debug", env=env)
    d.wait_for(
        lambda: '"id"' in cli(config, imap_account, "queue", "list", "--json").stdout,
        what="a draft",
    )
    [draft] = json.loads(cli(config, imap_account, "queue", "list", "--json").stdout)
    assert cli(config, imap_account, "queue", "approve", draft["id"]).returncode == 0
    d.wait_for(lambda: mta.deliveries, what="the send")
    assert mta.deliveries[0].auth_user == "sam"
    assert d.stop() == 0
    log = d.log()
    assert f"sent draft {draft['id']}" in log
    assert imap_account.password not in log
    assert smtp_password not in log


def test_without_idle_new_mail_is_polled(daemon, dovecot, imap_account, make_mta, tmp_path):
    config = write_daemon_workspace(
        tmp_path / "mw", imap_account, make_mta().port, schedule="idle = false"
    )
    d = daemon(config)
    d.wait_started()
    d.wait_for(lambda: "polling" in d.health().get("imap", ""), what="poll mode")
    before = message_count(config)
    dovecot.append_many(imap_account, "INBOX", [client_message(3)])
    d.wait_for(lambda: message_count(config) == before + 1, timeout=15, what="the poll")
    assert d.stop() == 0


def test_a_refused_password_is_reported_and_not_hammered(make_dovecot, make_mta, tmp_path):
    server = make_dovecot()
    account = server.account("sam")
    config = write_daemon_workspace(tmp_path / "mw", account, make_mta().port)
    from mailwatch.lab.account import Account

    wrong = Account(account.host, account.port, account.username, "not-the-password")
    d = DaemonProcess(config, wrong, tmp_path / "daemon.log")
    try:
        d.wait_for(
            lambda: "refused the login" in d.health().get("imap", ""),
            timeout=60,
            what="the login refusal",
        )
        assert "trying again in 900 s" in d.health()["imap"]
        status = cli(config, wrong, "status")
        assert "refused the login" in status.stdout
        time.sleep(3)
        # One refusal per connection, then a 15-minute wait: not a tight loop.
        assert d.log().count("refused the login") <= 4
        assert d.stop() == 0
    finally:
        d.kill()


def test_json_log_lines(daemon) -> None:
    import json

    d = daemon(None, "--log-json")
    d.wait_started()
    assert d.stop() == 0
    lines = [line for line in d.log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert {"at", "level", "logger", "message"} <= set(records[0])
    assert any(r["logger"] == "mailwatch.daemon" for r in records)


def _digest_minute() -> str:
    """A `[digest] times` entry at least 20 s from now, in the owner's zone (Paris)."""
    now = datetime.now(ZoneInfo("Europe/Paris"))
    at = (now + timedelta(seconds=80)).replace(second=0, microsecond=0)
    if (at - now).total_seconds() < 20:
        at += timedelta(minutes=1)
    return at.strftime("%H:%M")


def test_the_daemon_mails_the_digest_on_time_and_a_reply_approves(
    daemon, dovecot, imap_account, make_mta, tmp_path
) -> None:
    """The whole loop in the running service, on the real clock: the cron job mails the
    digest at [digest] times; the owner answers from their mail client; the approved draft
    goes to the client, once."""
    mta = make_mta()
    at = _digest_minute()
    config = write_daemon_workspace(
        tmp_path / "mw", imap_account, mta.port, extra=f'[digest]\ntimes = ["{at}"]'
    )
    dovecot.append_many(imap_account, "Sent", [old_question(7)])
    d = daemon(config)
    d.wait_started()

    def digests() -> list:
        return [x for x in mta.deliveries if x.rcpt_tos == ["sam@studio.test"]]

    d.wait_for(lambda: digests(), timeout=150, what=f"the digest at {at}")
    mail = message_from_bytes(digests()[0].data, policy=policy.default)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    [code] = re.findall(r"Code: (\S+)", text)
    reply = make_email(
        sender=SAM,
        to=[SAM],
        subject="Re: " + str(mail["Subject"]),
        body=f"approve {code}",
        date=datetime.now(UTC).replace(microsecond=0),
        message_id="<approve-by-mail@studio.test>",
        reply_to_message=mail["Message-ID"],
        references=[mail["Message-ID"]],
    )
    dovecot.append_many(imap_account, "INBOX", [(reply, datetime.now(UTC))])

    def to_jane() -> list:
        return [x for x in mta.deliveries if "jane@acme.test" in x.rcpt_tos]

    d.wait_for(lambda: to_jane(), timeout=30, what="the approved draft")
    d.wait_for(lambda: len(digests()) >= 2, timeout=30, what="the confirmation")
    time.sleep(3)  # a few more cycles: nothing goes out twice
    assert len(to_jane()) == 1
    assert "Question 7" in str(message_from_bytes(to_jane()[0].data)["Subject"])
    assert d.stop() == 0
    assert "digest sent" in d.log()
