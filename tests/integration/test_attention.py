"""The attention list through the real command: mail set aside, a failed send, a
broken template, each shown by `mailwatch attention` and `status` until it is gone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.integration.test_smtp_outcomes import approved_follow_up
from tests.integration.workspace import cli, write_workspace

SEND_AT = "2026-11-05T15:05:00+00:00"


def test_attention_lists_what_needs_the_owner(dovecot, imap_account, make_mta, tmp_path: Path):
    mta = make_mta(data_replies=["550 5.7.1 Message rejected as spam"])
    config = write_workspace(tmp_path / "mw", imap_account, mta.port)
    unreadable = b"From: <<<>>>\r\nSubject: no address\r\nMessage-ID: <bad@x.test>\r\n\r\nx\r\n"
    dovecot.append_many(imap_account, "INBOX", [(unreadable, datetime(2026, 11, 3, 8, tzinfo=UTC))])
    draft_id = approved_follow_up(dovecot, imap_account, config)
    assert cli(config, imap_account, "send", now=SEND_AT).returncode == 0

    result = cli(config, imap_account, "attention", "--json", now=SEND_AT)
    assert result.returncode == 0, result.stderr
    # (The client has had no monthly report either: report_due is there too.)
    items = [i for i in json.loads(result.stdout) if i["kind"] != "report_due"]
    kinds = [i["kind"] for i in items]
    assert kinds == ["send_failed", "message_set_aside"], items
    failed, aside = items
    assert failed["client"] == "acme" and draft_id in failed["text"]
    assert "550 5.7.1" in failed["text"]
    assert aside["client"] is None and "could not be read" in aside["text"]
    for item in items:
        assert set(item) == {"kind", "client", "since", "text", "evidence"}

    status = cli(config, imap_account, "status", now=SEND_AT)
    assert "Needs you (3):" in status.stdout
    assert "Acme Bakery: Draft #" in status.stdout

    # The owner rejects the failed draft: its item goes away by itself.
    assert cli(config, imap_account, "queue", "reject", draft_id).returncode == 0
    items = json.loads(cli(config, imap_account, "attention", "--json", now=SEND_AT).stdout)
    assert [i["kind"] for i in items] == ["report_due", "message_set_aside"]


def test_a_broken_template_is_reported_not_fatal(dovecot, imap_account, make_mta, tmp_path):
    from tests.integration.workspace import MONDAY, ask_raw

    mta = make_mta()
    root = tmp_path / "mw"
    config = write_workspace(
        root, imap_account, mta.port, sections='[templates]\ndir = "my-templates"\n'
    )
    (root / "my-templates" / "en").mkdir(parents=True)
    (root / "my-templates" / "en" / "follow_up.txt.j2").write_text("Hi {{ contact_nme }}\n")
    dovecot.append_many(imap_account, "Sent", [(ask_raw(), MONDAY)])
    tick = cli(config, imap_account, "tick", now=SEND_AT)
    assert tick.returncode == 0, tick.stderr
    items = json.loads(cli(config, imap_account, "attention", "--json", now=SEND_AT).stdout)
    [item] = [i for i in items if i["kind"] == "draft_failed"]
    assert "contact_nme" in item["text"]
