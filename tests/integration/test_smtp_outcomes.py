"""What the SMTP server answers decides what happens: 4xx retried, 5xx kept, TLS enforced."""

from __future__ import annotations

from pathlib import Path

from mailwatch.lab.messages import make_email
from mailwatch.lab.mta import deliveries_from_log
from tests.integration.workspace import (
    MONDAY,
    THURSDAY_NY_MORNING,
    ask_raw,
    cli,
    cli_json,
    write_workspace,
)


def approved_follow_up(dovecot, account, config: Path, raw: bytes | None = None) -> str:
    dovecot.append_many(account, "Sent", [(raw or ask_raw(), MONDAY)])
    assert cli(config, account, "tick", now=THURSDAY_NY_MORNING).returncode == 0
    [draft] = cli_json(config, account, "queue", "list")
    assert cli(config, account, "queue", "approve", draft["id"]).returncode == 0
    return draft["id"]


def test_451_then_250_delivers_once(dovecot, imap_account, make_mta, tmp_path) -> None:
    log = tmp_path / "deliveries.jsonl"
    mta = make_mta(log_path=log, data_replies=["451 4.3.0 Greylisted, try again later"])
    config = write_workspace(tmp_path / "mw", imap_account, mta.port)
    draft_id = approved_follow_up(dovecot, imap_account, config)
    first = cli(config, imap_account, "send", now="2026-11-05T15:05:00+00:00")
    assert f"#{draft_id} will be tried again later" in first.stdout
    assert "451 4.3.0 Greylisted" in first.stdout
    [draft] = cli_json(config, imap_account, "queue", "list")
    assert draft["status"] == "approved"
    second = cli(config, imap_account, "send", now="2026-11-05T15:06:00+00:00")
    assert f"Sent #{draft_id}" in second.stdout, second.stdout + second.stderr
    third = cli(config, imap_account, "send", now="2026-11-05T15:30:00+00:00")
    assert "Nothing approved to send." in third.stdout
    assert len([d for d in deliveries_from_log(log) if "jane@acme.test" in d.rcpt_tos]) == 1
    assert mta.data_attempts == 2


def test_550_fails_keeps_the_reply_and_is_never_retried(
    dovecot, imap_account, make_mta, tmp_path
) -> None:
    reply = "550 5.7.1 Message rejected as spam"
    mta = make_mta(data_replies=[reply, reply, reply])
    config = write_workspace(tmp_path / "mw", imap_account, mta.port)
    draft_id = approved_follow_up(dovecot, imap_account, config)
    send = cli(config, imap_account, "send", now="2026-11-05T15:05:00+00:00")
    assert f"#{draft_id} FAILED: {reply}" in send.stdout
    for later in ("2026-11-05T16:00:00+00:00", "2026-11-06T15:00:00+00:00"):
        cli(config, imap_account, "send", now=later)
    assert mta.data_attempts == 1  # never retried on its own
    show = cli(config, imap_account, "queue", "show", draft_id)
    assert reply in show.stdout and "failed" in show.stdout
    # The owner may decide to try again: approve the failed draft.
    mta_ok = cli(config, imap_account, "queue", "approve", draft_id)
    assert mta_ok.returncode == 0


def test_one_refused_recipient_does_not_stop_the_others(
    dovecot, imap_account, make_mta, tmp_path
) -> None:
    log = tmp_path / "deliveries.jsonl"
    mta = make_mta(log_path=log, rcpt_replies={"bob@acme.test": "550 5.1.1 No such user"})
    config = write_workspace(tmp_path / "mw", imap_account, mta.port)
    (config.parent / "clients" / "acme.toml").write_text(
        'name = "Acme Bakery"\nemails = ["jane@acme.test", "bob@acme.test"]\n'
        'timezone = "America/New_York"\n'
    )
    ask_both = make_email(
        sender=("Sam Rivera", "sam@studio.test"),
        to=[("Jane Doe", "jane@acme.test"), ("Bob", "bob@acme.test")],
        subject="Logo for the December posts",
        body="Could you both send the logo?",
        date=MONDAY,
        message_id="<ask2@studio.test>",
    )
    draft_id = approved_follow_up(dovecot, imap_account, config, ask_both)
    send = cli(config, imap_account, "send", now="2026-11-05T15:05:00+00:00")
    assert f"Sent #{draft_id} to jane@acme.test, bob@acme.test" in send.stdout
    assert "bob@acme.test was refused: 550 5.1.1 No such user" in send.stdout
    [delivery] = deliveries_from_log(log)
    assert "jane@acme.test" in delivery.rcpt_tos and "bob@acme.test" not in delivery.rcpt_tos
    [draft] = cli_json(config, imap_account, "queue", "list", "--all")
    assert draft["status"] == "sent"


def test_tls_is_used_and_verified(dovecot, imap_account, make_mta, tmp_path) -> None:
    for mode, port_key in (("ssl", "ssl"), ("starttls", "starttls")):
        log = tmp_path / f"{mode}.jsonl"
        mta = make_mta(log_path=log, tls=mode, auth=("sam", "smtp-pass"))
        workspace = tmp_path / mode
        config = write_workspace(workspace, imap_account, mta.port)
        text = config.read_text().replace(
            'security = "none"\nusername = ""',
            f'security = "{port_key}"\nusername = "sam"\npassword_env = "MW_SMTP"\n'
            f'ca_file = "{mta.ca_path}"',
        )
        text = text.replace(
            'host = "127.0.0.1"\nport = ' + str(mta.port),
            'host = "localhost"\nport = ' + str(mta.port),
        )
        config.write_text(text)
        check = cli(
            config, imap_account, "check-config", env={**_env(imap_account), "MW_SMTP": "smtp-pass"}
        )
        assert check.returncode == 0, check.stderr
        # Without the CA the certificate is not trusted: refused, not sent in clear.
        config.write_text(text.replace(f'ca_file = "{mta.ca_path}"', ""))
        untrusted = cli(
            config, imap_account, "check-config", env={**_env(imap_account), "MW_SMTP": "smtp-pass"}
        )
        assert untrusted.returncode == 2
        assert "certificate" in untrusted.stderr.lower() or "ssl" in untrusted.stderr.lower()


def test_plain_text_to_a_remote_server_is_refused(imap_account, tmp_path) -> None:
    config = write_workspace(tmp_path / "mw", imap_account, 2525)
    config.write_text(
        config.read_text().replace(
            'host = "127.0.0.1"\nport = 2525', 'host = "smtp.example.com"\nport = 2525'
        )
    )
    result = cli(config, imap_account, "check-config", "--offline")
    assert result.returncode == 2
    assert "smtp.security" in result.stderr and "clear text" in result.stderr


def _env(account) -> dict[str, str]:
    from tests.integration.workspace import cli_env

    return cli_env(account)


def test_timeout_after_data_is_checked_not_resent(dovecot, imap_account, make_mta, tmp_path):
    """The server takes the message but answers too late: 'unknown', resolved by proof."""
    log = tmp_path / "deliveries.jsonl"
    mta = make_mta(
        log_path=log, data_delay=3.0, local_mailboxes={"sam@studio.test": (imap_account, "INBOX")}
    )
    config = write_workspace(
        tmp_path / "mw", imap_account, mta.port, smtp_extra="timeout_seconds = 1"
    )
    draft_id = approved_follow_up(dovecot, imap_account, config)
    first = cli(config, imap_account, "send", now="2026-11-05T15:05:00+00:00")
    assert first.returncode == 0, first.stderr
    assert f"#{draft_id}: the connection broke while sending" in first.stdout
    [draft] = cli_json(config, imap_account, "queue", "list")
    assert draft["status"] == "sending"
    second = cli(config, imap_account, "send", now="2026-11-05T15:06:00+00:00")
    assert second.returncode == 0, second.stderr
    [draft] = cli_json(config, imap_account, "queue", "list", "--all")
    assert draft["status"] == "sent"
    assert len([d for d in deliveries_from_log(log) if "jane@acme.test" in d.rcpt_tos]) == 1
