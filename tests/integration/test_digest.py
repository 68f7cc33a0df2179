"""The approval digest, the whole loop, on Dovecot and the lab MTA: sent, answered from
the owner's mail client, the draft approved and sent once; forged, replayed and quoted
replies approve nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

from mailwatch.lab.messages import make_email
from mailwatch.lab.mta import deliveries_from_log
from tests.integration.workspace import (
    MONDAY,
    SAM,
    THURSDAY_NY_MORNING,
    ask_raw,
    cli,
    cli_json,
    write_workspace,
)

LATER = "2026-11-05T15:20:00+00:00"


def _loop(dovecot, account, make_mta, tmp_path: Path):
    log = tmp_path / "deliveries.jsonl"
    mta = make_mta(log_path=log, local_mailboxes={"sam@studio.test": (account, "INBOX")})
    config = write_workspace(tmp_path / "mw", account, mta.port)
    dovecot.append_many(account, "Sent", [(ask_raw(), MONDAY)])
    assert cli(config, account, "tick", now=THURSDAY_NY_MORNING).returncode == 0
    sent = cli(config, account, "digest", "send", "--json", now=THURSDAY_NY_MORNING)
    assert sent.returncode == 0, sent.stderr
    digest = json.loads(sent.stdout)
    [item] = digest["items"]
    [delivery] = [d for d in mta.deliveries if d.rcpt_tos == ["sam@studio.test"]]
    return mta, log, config, digest, item, delivery


def _reply(
    digest_mid: str,
    body: str,
    *,
    sender=SAM,
    mid: str = "<reply1@studio.test>",
    subject: str = "Re: mailwatch digest",
    when: datetime | None = None,
    reply: bool = True,
) -> tuple[bytes, datetime]:
    when = when or datetime(2026, 11, 5, 15, 10, tzinfo=UTC)
    raw = make_email(
        sender=sender,
        to=[SAM],
        subject=subject,
        body=body,
        date=when,
        message_id=mid,
        reply_to_message=digest_mid if reply else None,
        references=[digest_mid] if reply else [],
    )
    return raw, when


def _to_jane(log: Path) -> int:
    return len([d for d in deliveries_from_log(log) if "jane@acme.test" in d.rcpt_tos])


def _draft(config, account, draft_id):
    drafts = cli_json(config, account, "queue", "list", "--all")
    return next(d for d in drafts if d["id"] == draft_id)


def test_digest_reply_approves_and_the_draft_goes_out_once(
    dovecot, imap_account, make_mta, tmp_path
):
    mta, log, config, digest, item, delivery = _loop(dovecot, imap_account, make_mta, tmp_path)
    mail = message_from_bytes(delivery.data, policy=policy.default)
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"Code: {item['code']}" in text
    assert "approve " + item["code"] not in text.lower()  # no ready-made command line
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "mailto:sam@studio.test?subject=approve%20" + item["code"] in html
    # The owner answers from their mail client, quoting the digest.
    quoted = "\n".join("> " + line for line in text.splitlines())
    body = f"approve {item['code']}\n\nOn Thu, Sam Rivera wrote:\n{quoted}"
    dovecot.append_many(imap_account, "INBOX", [_reply(digest["message_id"], body)])
    # The same reply also sits in the owner's Sent folder (their client filed it).
    dovecot.append_many(imap_account, "Sent", [_reply(digest["message_id"], body)])
    tick = cli(config, imap_account, "tick", now=LATER)
    assert tick.returncode == 0, tick.stderr
    assert _draft(config, imap_account, item["draft_id"])["status"] == "sent"
    assert _to_jane(log) == 1
    # A confirmation in the reply's thread, to the owner.
    confirmations = [
        message_from_bytes(d.data, policy=policy.default)
        for d in mta.deliveries
        if d.rcpt_tos == ["sam@studio.test"] and b"mailwatch-confirm" in d.data
    ]
    [confirmation] = confirmations
    assert confirmation["In-Reply-To"] == "<reply1@studio.test>"
    assert "approved" in confirmation.get_content().lower()
    # Ticking again: the reply is not acted on twice, nothing more goes out.
    assert cli(config, imap_account, "tick", now="2026-11-05T15:40:00+00:00").returncode == 0
    assert _to_jane(log) == 1


def test_forged_replayed_and_quoted_replies_approve_nothing(
    dovecot, imap_account, make_mta, tmp_path
):
    mta, log, config, digest, item, delivery = _loop(dovecot, imap_account, make_mta, tmp_path)
    code, mid = item["code"], digest["message_id"]
    text = (
        message_from_bytes(delivery.data, policy=policy.default)
        .get_body(preferencelist=("plain",))
        .get_content()
    )
    forged = [
        # From someone else, with the right code.
        _reply(
            mid, f"approve {code}", sender=("Mallory", "mallory@evil.test"), mid="<f1@evil.test>"
        ),
        # From the owner, with a made-up code.
        _reply(mid, "approve ABCD2345", mid="<f2@studio.test>"),
        # A reply that quotes the digest whole and adds nothing.
        _reply(mid, "\n".join("> " + line for line in text.splitlines()), mid="<f3@studio.test>"),
        # Not a reply to any digest.
        _reply(mid, f"approve {code}", mid="<f4@studio.test>", reply=False),
    ]
    dovecot.append_many(imap_account, "INBOX", forged)
    assert cli(config, imap_account, "tick", now=LATER).returncode == 0
    assert _draft(config, imap_account, item["draft_id"])["status"] == "pending"
    assert _to_jane(log) == 0
    # A replay: the real approval, then the same code again in a new reply.
    when = datetime(2026, 11, 5, 15, 30, tzinfo=UTC)
    first = _reply(mid, f"approve {code}", mid="<ok@studio.test>", when=when)
    again = _reply(mid, f"approve {code}", mid="<replay@studio.test>", when=when + timedelta(1))
    dovecot.append_many(imap_account, "INBOX", [first])
    assert cli(config, imap_account, "tick", now="2026-11-05T15:35:00+00:00").returncode == 0
    assert _to_jane(log) == 1
    dovecot.append_many(imap_account, "INBOX", [again])
    assert cli(config, imap_account, "tick", now="2026-11-05T15:50:00+00:00").returncode == 0
    assert _to_jane(log) == 1
    said = b"".join(d.data for d in mta.deliveries if b"mailwatch-confirm" in d.data)
    assert b"unknown code" in said and b"already handled" in said


def test_a_code_for_an_old_version_does_not_approve_the_edited_draft(
    dovecot, imap_account, make_mta, tmp_path
):
    _mta, log, config, digest, item, _ = _loop(dovecot, imap_account, make_mta, tmp_path)
    body = tmp_path / "body.txt"
    body.write_text("Hi Jane,\n\nAny news on the logo files?\n\nSam\n")
    cli(config, imap_account, "queue", "edit", item["draft_id"], "--body-file", str(body))
    # The one-tap button's mail: the subject is the command.
    button = _reply(
        digest["message_id"],
        "",
        mid="<tap@studio.test>",
        subject=f"approve {item['code']}",
        reply=False,
    )
    dovecot.append_many(imap_account, "INBOX", [button])
    assert cli(config, imap_account, "tick", now=LATER).returncode == 0
    assert _draft(config, imap_account, item["draft_id"])["status"] == "pending"
    assert _to_jane(log) == 0


def test_edit_by_reply_replaces_the_text_and_counts_as_approved(
    dovecot, imap_account, make_mta, tmp_path
):
    mta, _log, config, digest, item, _ = _loop(dovecot, imap_account, make_mta, tmp_path)
    body = f"modifier {item['code']}\nHi Jane,\n\nDid the logo files come through?\n\nSam\nfin\n"
    dovecot.append_many(imap_account, "INBOX", [_reply(digest["message_id"], body)])
    assert cli(config, imap_account, "tick", now=LATER).returncode == 0
    draft = _draft(config, imap_account, item["draft_id"])
    assert draft["status"] == "sent" and draft["version"] == 2
    [to_jane] = [d for d in mta.deliveries if "jane@acme.test" in d.rcpt_tos]
    assert b"Did the logo files come through?" in to_jane.data
