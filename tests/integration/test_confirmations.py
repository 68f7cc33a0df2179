"""Confirmations in writing through the real command, on Dovecot and the lab MTA."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from mailwatch.lab.messages import make_email
from mailwatch.lab.mta import deliveries_from_log
from tests.integration.workspace import JANE, SAM, cli, cli_json, write_workspace

ASKED = datetime(2026, 11, 2, 14, tzinfo=UTC)  # Monday, 09:00 in New York
NOW = "2026-11-02T15:00:00+00:00"


def _workspace(dovecot, account, make_mta, tmp_path: Path):
    log = tmp_path / "deliveries.jsonl"
    mta = make_mta(log_path=log)
    config = write_workspace(tmp_path / "mw", account, mta.port)
    (config.parent / "clients" / "acme.toml").write_text(
        'name = "Acme Bakery"\nemails = ["jane@acme.test"]\nlanguage = "en"\n'
        'timezone = "America/New_York"\n\n[contract]\ncurrency = "EUR"\n'
        'channels = ["instagram", "facebook"]\nposts_per_week = 3\nrevisions_per_month = 2\n\n'
        "[addons]\nextra_channel = 150\nextra_post = 40\n"
    )
    return mta, log, config


def test_a_tiktok_request_is_confirmed_priced_sent_once_and_acknowledged(
    dovecot, imap_account, make_mta, tmp_path
):
    _mta, log, config = _workspace(dovecot, imap_account, make_mta, tmp_path)
    ask = make_email(
        sender=JANE,
        to=[SAM],
        subject="TikTok?",
        body="Hi Sam,\n\nCould you also post on TikTok from December? Our young customers "
        "are all there.\n\nJane",
        date=ASKED,
        message_id="<tiktok@acme.test>",
    )
    dovecot.append_many(imap_account, "INBOX", [(ask, ASKED)])
    assert cli(config, imap_account, "tick", now=NOW).returncode == 0
    [draft] = cli_json(config, imap_account, "queue", "list", now=NOW)
    assert draft["kind"] == "scope_note" and draft["in_reply_to"] == "<tiktok@acme.test>"
    assert "TikTok" in draft["body"] and "€150.00 per month" in draft["body"]
    assert "TikTok" in draft["reason"]["text"]
    assert cli(config, imap_account, "queue", "approve", draft["id"]).returncode == 0
    assert cli(config, imap_account, "send", now=NOW).returncode == 0
    assert cli(config, imap_account, "send", now="2026-11-02T16:00:00+00:00").returncode == 0
    sent = [d for d in deliveries_from_log(log) if "jane@acme.test" in d.rcpt_tos]
    assert len(sent) == 1
    [row] = cli_json(config, imap_account, "status", now="2026-11-02T16:00:00+00:00")
    assert row["confirmations_open"] == 1
    # Jane replies: the confirmation is acknowledged.
    ok = make_email(
        sender=JANE,
        to=[SAM],
        subject="Re: TikTok?",
        body="Perfect, thanks!",
        date=datetime(2026, 11, 3, 14, tzinfo=UTC),
        message_id="<ok@acme.test>",
        reply_to_message=draft["in_reply_to"],
        references=["<tiktok@acme.test>"],
    )
    dovecot.append_many(imap_account, "INBOX", [(ok, datetime(2026, 11, 3, 14, tzinfo=UTC))])
    later = "2026-11-03T15:00:00+00:00"
    assert cli(config, imap_account, "tick", now=later).returncode == 0
    [row] = cli_json(config, imap_account, "status", now=later)
    assert row["confirmations_open"] == 0
    drafts = cli_json(config, imap_account, "queue", "list", now=later)
    assert drafts == []  # a thanks needs no answer and asks for nothing new


def test_confirm_after_a_call_and_a_delay_notice(dovecot, imap_account, make_mta, tmp_path):
    _mta, _log, config = _workspace(dovecot, imap_account, make_mta, tmp_path)
    recap = cli(
        config,
        imap_account,
        "confirm",
        "acme",
        "We agreed to add 2 extra posts a week in December for the Christmas menu.",
        now=NOW,
    )
    assert recap.returncode == 0, recap.stderr
    [draft] = cli_json(config, imap_account, "queue", "list", now=NOW)
    assert draft["kind"] == "confirmation" and draft["subject"] == "Following our call"
    assert "Following our call" in draft["body"] and "2 extra posts a week" in draft["body"]
    delay = cli(
        config,
        imap_account,
        "delay",
        "acme",
        "the December content calendar",
        "--by",
        "2026-11-12",
        now=NOW,
    )
    assert delay.returncode == 0, delay.stderr
    kinds = sorted(d["kind"] for d in cli_json(config, imap_account, "queue", "list", now=NOW))
    assert kinds == ["confirmation", "delay"]
    note = cli(config, imap_account, "note", "acme", "Approved the logo by phone", now=NOW)
    assert note.returncode == 0


def test_the_timeline_holds_mail_and_decisions_in_order(dovecot, imap_account, make_mta, tmp_path):
    import json

    _mta, _log, config = _workspace(dovecot, imap_account, make_mta, tmp_path)
    ask = make_email(
        sender=JANE,
        to=[SAM],
        subject="TikTok | <b>now</b>",
        body="Could you also post on TikTok from December?",
        date=ASKED,
        message_id="<tiktok@acme.test>",
    )
    dovecot.append_many(imap_account, "INBOX", [(ask, ASKED)])
    assert cli(config, imap_account, "tick", now=NOW).returncode == 0
    [draft] = cli_json(config, imap_account, "queue", "list", now=NOW)
    approved = cli(config, imap_account, "queue", "approve", draft["id"], now=NOW)
    assert approved.returncode == 0
    assert cli(config, imap_account, "send", now="2026-11-02T15:30:00+00:00").returncode == 0
    md = cli(config, imap_account, "timeline", "acme", now="2026-11-02T15:40:00+00:00")
    assert md.returncode == 0, md.stderr
    text = md.stdout
    order = [
        text.index(s) for s in ("TikTok \\| \\<b\\>now", "Draft made", "Draft approved", "Sent")
    ]
    assert order == sorted(order), text
    assert "Times: Europe/Paris" in text and "Add-on: extra channel: €150.00" in text
    out = tmp_path / "acme.json"
    as_json = cli(
        config, imap_account, "timeline", "acme", "--format", "json", "--output", str(out), now=NOW
    )
    assert as_json.returncode == 0, as_json.stderr
    doc = json.loads(out.read_text())
    assert doc["entries"][0]["kind"] == "message"
    html = cli(config, imap_account, "timeline", "acme", "--format", "html", now=NOW).stdout
    assert "&lt;b&gt;now&lt;/b&gt;" in html and "<b>now</b>" not in html
