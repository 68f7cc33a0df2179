"""The whole loop through the real `mailwatch` command, on Dovecot and aiosmtpd."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from mailwatch.lab.account import Account, imap_login
from tests.integration.workspace import (
    MONDAY,
    THURSDAY_NY_MORNING,
    ask_raw,
    cli,
    cli_json,
    reply_raw,
    write_workspace,
)


def sent_copies(account: Account, message_id: str) -> list[bytes]:
    client = imap_login(account)
    try:
        client.select_folder("Sent", readonly=True)
        uids = client.search(["HEADER", "Message-ID", message_id])
        return [data[b"BODY[]"] for data in client.fetch(uids, [b"BODY.PEEK[]"]).values()]
    finally:
        client.logout()


def test_follow_up_drafted_approved_and_delivered_once_in_the_thread(
    dovecot, imap_account, make_mta, tmp_path: Path
) -> None:
    mta = make_mta(local_mailboxes={"sam@studio.test": (imap_account, "INBOX")})
    config = write_workspace(tmp_path / "mw", imap_account, mta.port)
    dovecot.append_many(imap_account, "Sent", [(ask_raw(), MONDAY)])

    check = cli(config, imap_account, "check-config")
    assert check.returncode == 0, check.stderr
    assert "Sent folder is 'Sent'" in check.stdout and "SMTP" in check.stdout

    tick = cli(config, imap_account, "tick", now=THURSDAY_NY_MORNING)
    assert tick.returncode == 0, tick.stderr
    assert "1 new draft waiting for your approval" in tick.stdout
    assert mta.deliveries == []  # nothing leaves without approval

    [draft] = cli_json(config, imap_account, "queue", "list", now=THURSDAY_NY_MORNING)
    assert (draft["client"], draft["kind"], draft["step"], draft["status"]) == (
        "acme",
        "follow_up",
        1,
        "pending",
    )
    assert draft["to"] == ["jane@acme.test"]
    assert draft["subject"] == "Re: Logo for the December posts"
    assert draft["in_reply_to"] == "<ask1@studio.test>"
    assert "3 business days" in draft["reason"]["text"]

    [row] = cli_json(config, imap_account, "status", now=THURSDAY_NY_MORNING)
    assert row["client"] == "acme" and row["waiting_on"] == "client"
    assert row["follow_ups_unanswered"] == 0 and row["silent"] is False
    assert row["last_outbound"].startswith("2026-11-02T09:00")
    assert row["last_inbound"] is None and row["client_response_hours_median"] is None

    # The same moment again changes nothing.
    again = cli(config, imap_account, "tick", now=THURSDAY_NY_MORNING)
    assert "No new drafts." in again.stdout
    assert len(cli_json(config, imap_account, "queue", "list")) == 1

    approve = cli(config, imap_account, "queue", "approve", draft["id"])
    assert approve.returncode == 0, approve.stderr
    send = cli(config, imap_account, "send", now="2026-11-05T15:05:00+00:00")
    assert send.returncode == 0, send.stderr
    assert f"Sent #{draft['id']} to jane@acme.test" in send.stdout

    [delivery] = mta.deliveries
    assert sorted(delivery.rcpt_tos) == ["jane@acme.test", "sam@studio.test"]
    sent = email.message_from_bytes(delivery.data, policy=policy.default)
    assert sent["In-Reply-To"] == "<ask1@studio.test>"
    assert sent["References"] == "<ask1@studio.test>"
    assert sent["Subject"] == "Re: Logo for the December posts"
    assert sent["From"] == "Sam Rivera <sam@studio.test>"
    assert "Sam Rivera — Rivera Social" in sent.get_content()
    # Our copy in Sent is the exact bytes that went out, once.
    assert sent_copies(imap_account, sent["Message-ID"]) == [delivery.data]

    # More cycles later: still one delivery, and the follow-up counts as a nudge done.
    for when in ("2026-11-05T15:10:00+00:00", "2026-11-06T15:00:00+00:00"):
        assert cli(config, imap_account, "tick", now=when).returncode == 0
    assert len(mta.deliveries) == 1
    [row] = cli_json(config, imap_account, "status", now="2026-11-06T15:00:00+00:00")
    assert row["follow_ups_unanswered"] == 1
    [shown] = [d for d in cli_json(config, imap_account, "queue", "list", "--all")]
    assert shown["status"] == "sent"


def test_client_reply_withdraws_an_approved_draft_before_it_goes(
    dovecot, imap_account, make_mta, tmp_path: Path
) -> None:
    mta = make_mta()
    config = write_workspace(tmp_path / "mw", imap_account, mta.port)
    dovecot.append_many(imap_account, "Sent", [(ask_raw(), MONDAY)])
    cli(config, imap_account, "tick", now=THURSDAY_NY_MORNING)
    [draft] = cli_json(config, imap_account, "queue", "list")
    cli(config, imap_account, "queue", "approve", draft["id"])
    from datetime import datetime

    dovecot.append_many(
        imap_account,
        "INBOX",
        [
            (
                reply_raw(
                    "<ask1@studio.test>", datetime.fromisoformat("2026-11-05T15:01:00+00:00")
                ),
                datetime.fromisoformat("2026-11-05T15:01:00+00:00"),
            )
        ],
    )
    send = cli(config, imap_account, "send", now="2026-11-05T15:02:00+00:00")
    assert send.returncode == 0, send.stderr
    assert "withdrawn: Acme Bakery replied" in send.stdout
    assert mta.deliveries == []
    [shown] = cli_json(config, imap_account, "queue", "list", "--all")
    assert shown["status"] == "withdrawn"


def test_edit_then_approve_sends_the_edited_text_and_reject_stops_a_draft(
    dovecot, imap_account, make_mta, tmp_path: Path
) -> None:
    mta = make_mta()
    config = write_workspace(tmp_path / "mw", imap_account, mta.port)
    dovecot.append_many(imap_account, "Sent", [(ask_raw(), MONDAY)])
    cli(config, imap_account, "tick", now=THURSDAY_NY_MORNING)
    [draft] = cli_json(config, imap_account, "queue", "list")
    body = tmp_path / "body.txt"
    body.write_text("Hi Jane,\n\nAny news on the logo files?\n\nSam\n")
    edit = cli(config, imap_account, "queue", "edit", draft["id"], "--body-file", str(body))
    assert "version 2" in edit.stdout, edit.stderr
    # An approval bound to the old version is refused.
    stale = cli(config, imap_account, "queue", "approve", draft["id"], "--version", "1")
    assert stale.returncode == 2 and "has changed since you saw it" in stale.stderr
    assert cli(config, imap_account, "queue", "approve", draft["id"]).returncode == 0
    cli(config, imap_account, "send", now="2026-11-05T15:05:00+00:00")
    [delivery] = mta.deliveries
    assert b"Any news on the logo files?" in delivery.data

    show = cli(config, imap_account, "queue", "show", draft["id"])
    assert "edited by owner" in show.stdout and "sent by mailwatch" in show.stdout
    reject = cli(config, imap_account, "queue", "reject", draft["id"])
    assert reject.returncode == 2 and "is sent; it cannot be rejected" in reject.stderr


def test_check_config_reports_every_problem_and_exits_2(tmp_path: Path, imap_account) -> None:
    init = cli(tmp_path / "unused.toml", imap_account, "init", str(tmp_path / "mw"))
    assert init.returncode == 0, init.stderr
    config = tmp_path / "mw" / "config.toml"
    clients = tmp_path / "mw" / "clients"
    (clients / "acme.toml").write_bytes((clients / "example.toml.sample").read_bytes())
    text = config.read_text().replace('timezone = "Europe/Paris"', 'timezone = "Europe/Pariss"')
    text = text.replace('security = "ssl"', 'security = "none"', 1)
    config.write_text(text)
    (tmp_path / "mw" / "clients" / "other.toml").write_text(
        'name = "Other"\nemails = ["jane@acme.test"]\n'
    )
    (tmp_path / "mw" / "clients" / "typo.toml").write_text(
        'name = "Typo"\nemails = ["ann@typo.test"]\nlanguag = "en"\n'
    )
    result = cli(config, imap_account, "check-config", "--offline")
    assert result.returncode == 2
    for expected in ("owner.timezone", "imap.security", "languag", "jane@acme.test"):
        assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_password_is_a_clear_error(make_dovecot, tmp_path: Path) -> None:
    # A private Dovecot: failed logins slow the server down for everyone for a while.
    server = make_dovecot()
    account = server.account("sam")
    config = write_workspace(tmp_path / "mw", account, 2525)
    env_account = Account(account.host, account.port, account.username, "wrong-password")
    result = cli(config, env_account, "sync", timeout=120)
    assert result.returncode == 1
    assert "refused the login" in result.stderr and "wrong-password" not in result.stderr
