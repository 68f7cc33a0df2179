"""Judgment on real mail, through Dovecot: no pause notice for a client busy elsewhere, no
chase of a report that ends with a courtesy line, an out-of-office that moves the
follow-up, abusive mail that holds every draft."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from mailwatch.lab.messages import make_email
from tests.integration.workspace import JANE, SAM, cli, cli_json, write_workspace

MON = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _mail(sender, to, subject, body, when, mid, parent=None):
    return (
        make_email(
            sender=sender,
            to=[to],
            subject=subject,
            body=body,
            date=when,
            message_id=mid,
            reply_to_message=parent,
            references=[parent] if parent else [],
        ),
        when,
    )


def _config(imap_account, make_mta, tmp_path):
    mta = make_mta()
    return write_workspace(tmp_path / "mw", imap_account, mta.port)


def _kinds(config, account, now):
    return sorted(d["kind"] for d in cli_json(config, account, "queue", "list", now=now))


def test_no_pause_notice_for_a_client_busy_in_another_thread(
    dovecot, imap_account, make_mta, tmp_path
):
    config = _config(imap_account, make_mta, tmp_path)
    ask = "<ask@studio.test>"
    sent = [
        _mail(SAM, JANE, "December calendar", "Could you approve the calendar?", MON, ask),
        _mail(
            SAM,
            JANE,
            "Re: December calendar",
            "Any news on the calendar?",
            MON + timedelta(days=3),
            "<f1@studio.test>",
            ask,
        ),
        _mail(
            SAM,
            JANE,
            "Re: December calendar",
            "Could you get back to me on this?",
            MON + timedelta(days=9),
            "<f2@studio.test>",
            "<f1@studio.test>",
        ),
    ]
    dovecot.append_many(imap_account, "Sent", sent)
    elsewhere = _mail(
        JANE,
        SAM,
        "Photos for the launch",
        "Here are the photos for the launch.",
        MON + timedelta(days=20),
        "<photos@acme.test>",
    )
    dovecot.append_many(imap_account, "INBOX", [elsewhere])
    now = (MON + timedelta(days=25, hours=6)).isoformat()
    assert cli(config, imap_account, "tick", now=now).returncode == 0
    assert "pause_notice" not in _kinds(config, imap_account, now)
    [row] = cli_json(config, imap_account, "status", now=now)
    assert row["silent"] is False


def test_a_report_with_a_courtesy_line_is_not_chased(dovecot, imap_account, make_mta, tmp_path):
    config = _config(imap_account, make_mta, tmp_path)
    report = _mail(
        SAM,
        JANE,
        "Your October report",
        "Hi Jane,\n\nHere is your October report: reach up 12 %.\n\n"
        "Let me know if you have any questions!\n\nSam",
        MON,
        "<report@studio.test>",
    )
    dovecot.append_many(imap_account, "Sent", [report])
    now = (MON + timedelta(days=10, hours=6)).isoformat()
    assert cli(config, imap_account, "tick", now=now).returncode == 0
    assert "follow_up" not in _kinds(config, imap_account, now)


def test_an_out_of_office_return_date_moves_the_follow_up(
    dovecot, imap_account, make_mta, tmp_path
):
    config = _config(imap_account, make_mta, tmp_path)
    ask = "<ask@studio.test>"
    dovecot.append_many(
        imap_account,
        "Sent",
        [_mail(SAM, JANE, "Logo", "Could you send me the logo files?", MON, ask)],
    )
    ooo = make_email(
        sender=JANE,
        to=[SAM],
        subject="Out of office: Logo",
        body="I am out of the office and back on 12 November. For urgent matters call Tom.",
        date=MON + timedelta(minutes=2),
        message_id="<ooo@acme.test>",
        reply_to_message=ask,
        references=[ask],
        headers={"Auto-Submitted": "auto-replied"},
    )
    dovecot.append_many(imap_account, "INBOX", [(ooo, MON + timedelta(minutes=2))])
    thursday = "2026-11-05T15:00:00+00:00"  # step 1 would be due
    assert cli(config, imap_account, "tick", now=thursday).returncode == 0
    assert "follow_up" not in _kinds(config, imap_account, thursday)
    [row] = cli_json(config, imap_account, "status", now=thursday)
    assert row["away_until"] == "2026-11-12"
    back = "2026-11-13T15:00:00+00:00"  # the first working day after the return
    assert cli(config, imap_account, "tick", now=back).returncode == 0
    assert "follow_up" in _kinds(config, imap_account, back)


def test_abusive_mail_holds_every_draft_until_cleared(dovecot, imap_account, make_mta, tmp_path):
    config = _config(imap_account, make_mta, tmp_path)
    ask = "<ask@studio.test>"
    dovecot.append_many(
        imap_account, "Sent", [_mail(SAM, JANE, "Logo", "Could you send me the logo?", MON, ask)]
    )
    rude = _mail(
        JANE,
        SAM,
        "Your work",
        "You are useless and incompetent. My lawyer will be in touch.",
        MON + timedelta(hours=2),
        "<rude@acme.test>",
    )
    dovecot.append_many(imap_account, "INBOX", [rude])
    now = "2026-11-05T15:00:00+00:00"
    assert cli(config, imap_account, "tick", now=now).returncode == 0
    assert _kinds(config, imap_account, now) == []  # no follow-up, no holding reply
    items = json.loads(cli(config, imap_account, "attention", "--json", now=now).stdout)
    [flag] = [i for i in items if i["kind"] == "abusive_mail"]
    assert "useless" in flag["text"]
    assert cli(config, imap_account, "clear", "acme", now=now).returncode == 0
    later = "2026-11-05T15:10:00+00:00"
    assert cli(config, imap_account, "tick", now=later).returncode == 0
    assert "follow_up" in _kinds(config, imap_account, later)
