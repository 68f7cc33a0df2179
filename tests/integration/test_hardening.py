"""Hardening (issue 7): each test here failed before its fix.

Real servers only: a private Dovecot whose password is not ASCII, the lab MTA, and the
real `mailwatch` command in its own process.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from mailwatch.config.model import Imap
from mailwatch.imap.client import ImapMailbox
from tests.integration.workspace import MONDAY, ask_raw, cli, cli_env, write_workspace

UTF8_PASSWORD = "pässwörd…Ünïcode-€"


@pytest.fixture
def utf8_dovecot(make_dovecot):
    return make_dovecot(password=UTF8_PASSWORD)


def test_a_non_ascii_password_logs_in(utf8_dovecot) -> None:
    """AUTHENTICATE PLAIN when offered (UTF-8, RFC 4616)."""
    account = utf8_dovecot.account("utf8user")
    config = Imap(host="127.0.0.1", port=account.port, security="none", username=account.username)
    mailbox = ImapMailbox(config, UTF8_PASSWORD)
    mailbox.connect()
    try:
        assert mailbox.status("INBOX").messages == 0
    finally:
        mailbox.close()


def test_a_non_ascii_password_as_a_literal(utf8_dovecot) -> None:
    """Servers without AUTH=PLAIN: LOGIN with the password as an 8-bit literal."""
    from imapclient import IMAPClient

    from mailwatch.imap.client import login_with_literal

    account = utf8_dovecot.account("literal")
    client = IMAPClient(account.host, port=account.port, ssl=False, timeout=10)
    try:
        login_with_literal(client, account.username, UTF8_PASSWORD)
        assert client.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"] == 0
    finally:
        client.logout()


def _all_text_under(root: Path) -> str:
    chunks = []
    for path in root.rglob("*"):
        if path.is_file():
            chunks.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


def test_a_non_ascii_password_never_appears_in_output_or_files(
    utf8_dovecot, make_mta, tmp_path: Path
) -> None:
    account = utf8_dovecot.account("alice")
    mta = make_mta()
    config = write_workspace(tmp_path / "mw", account, mta.port)
    utf8_dovecot.append_many(account, "Sent", [(ask_raw(), MONDAY)])
    outputs = []
    for command in (["check-config"], ["sync"], ["tick"], ["status"]):
        result = cli(config, account, *command)
        outputs.append(result.stdout + result.stderr)
        assert result.returncode == 0, result.stderr
    # And with a wrong password that is also non-ASCII: refused, named, not printed.
    wrong = "fälsch-pässwört"
    result = cli(config, account, "sync", env=cli_env(account, MW_TEST_IMAP_PASSWORD=wrong))
    outputs.append(result.stdout + result.stderr)
    assert result.returncode != 0
    assert "refused the login" in result.stderr
    everything = "\n".join(outputs) + _all_text_under(tmp_path / "mw")
    for secret in (UTF8_PASSWORD, wrong):
        assert secret not in everything
        assert ascii(secret)[1:-1] not in everything
        assert repr(secret.encode())[2:-1] not in everything


def test_state_files_are_private(utf8_dovecot, make_mta, tmp_path: Path) -> None:
    account = utf8_dovecot.account("bob")
    mta = make_mta()
    config = write_workspace(tmp_path / "mw", account, mta.port)
    utf8_dovecot.append_many(account, "Sent", [(ask_raw(), MONDAY)])
    assert cli(config, account, "tick", now="2026-11-05T15:00:00+00:00").returncode == 0
    state_dir = tmp_path / "mw" / "state"
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    files = [p for p in state_dir.iterdir() if p.is_file()]
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_an_older_state_is_made_private_when_opened(utf8_dovecot, make_mta, tmp_path) -> None:
    account = utf8_dovecot.account("carol")
    mta = make_mta()
    config = write_workspace(tmp_path / "mw", account, mta.port)
    assert cli(config, account, "sync").returncode == 0
    state_dir = tmp_path / "mw" / "state"
    os.chmod(state_dir, 0o755)
    for path in state_dir.iterdir():
        os.chmod(path, 0o644)
    assert cli(config, account, "sync").returncode == 0
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    for path in state_dir.iterdir():
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_health_file_masks_secrets(tmp_path: Path) -> None:
    from mailwatch.daemon.health import Health, read_health
    from mailwatch.logs import register_secret

    secret = "hëalth-sécret-42"
    register_secret(secret)
    health = Health(tmp_path)
    health.start(MONDAY)
    health.error(MONDAY, "imap", f"UnicodeEncodeError('ascii', '\"{secret}\"', 2, 3)")
    text = (tmp_path / "daemon.json").read_text()
    assert secret not in text and ascii(secret)[1:-1] not in text
    assert stat.S_IMODE((tmp_path / "daemon.json").stat().st_mode) == 0o600
    assert "********" in json.dumps(read_health(tmp_path))


# -- 2. A follow-up goes out after the client has replied --------------------------------

SEND_AT = "2026-11-05T15:05:00+00:00"  # 10:05 in New York: the window is open
LATER = "2026-11-05T15:20:00+00:00"  # after proof_wait_seconds (60)


def _unknown_outcome(dovecot, account, make_mta, tmp_path, **mta_kwargs):
    """An approved follow-up whose send ends 'unknown' (the connection dies after DATA)."""
    from mailwatch.lab.mta import DROP
    from tests.integration.test_smtp_outcomes import approved_follow_up

    log = tmp_path / "deliveries.jsonl"
    mta_kwargs.setdefault("data_replies", [DROP])
    mta = make_mta(
        log_path=log, local_mailboxes={"sam@studio.test": (account, "INBOX")}, **mta_kwargs
    )
    config = write_workspace(
        tmp_path / "mw",
        account,
        mta.port,
        smtp_extra="proof_wait_seconds = 60\ntimeout_seconds = 1",
    )
    draft_id = approved_follow_up(dovecot, account, config)
    first = cli(config, account, "send", now=SEND_AT)
    assert f"#{draft_id}: the connection broke while sending" in first.stdout, first.stdout
    return mta, log, config, draft_id


def _deliveries_to_jane(log: Path) -> int:
    from mailwatch.lab.mta import deliveries_from_log

    return len([d for d in deliveries_from_log(log) if "jane@acme.test" in d.rcpt_tos])


def _draft(config, account, draft_id):
    from tests.integration.workspace import cli_json

    drafts = cli_json(config, account, "queue", "list", "--all")
    return next(d for d in drafts if d["id"] == draft_id)


def test_no_resend_after_the_client_replied(dovecot, imap_account, make_mta, tmp_path) -> None:
    from datetime import UTC, datetime

    from tests.integration.workspace import reply_raw

    mta, log, config, draft_id = _unknown_outcome(dovecot, imap_account, make_mta, tmp_path)
    # Jane answers the original question while the outcome is still in doubt.
    reply_at = datetime(2026, 11, 5, 15, 10, tzinfo=UTC)
    dovecot.append_many(
        imap_account, "INBOX", [(reply_raw("<ask1@studio.test>", reply_at), reply_at)]
    )
    later = cli(config, imap_account, "send", now=LATER)
    assert later.returncode == 0, later.stderr
    assert f"Not sent #{draft_id}, withdrawn" in later.stdout, later.stdout
    assert mta.data_attempts == 1
    assert _draft(config, imap_account, draft_id)["status"] == "withdrawn"
    cli(config, imap_account, "send", now="2026-11-06T15:00:00+00:00")
    assert mta.data_attempts == 1 and _deliveries_to_jane(log) == 0


def test_the_owner_can_cancel_a_draft_in_doubt(dovecot, imap_account, make_mta, tmp_path):
    mta, log, config, draft_id = _unknown_outcome(dovecot, imap_account, make_mta, tmp_path)
    cancel = cli(config, imap_account, "queue", "reject", draft_id)
    assert cancel.returncode == 0, cancel.stderr
    for moment in (LATER, "2026-11-06T15:00:00+00:00"):
        assert cli(config, imap_account, "send", now=moment).returncode == 0
    assert mta.data_attempts == 1 and _deliveries_to_jane(log) == 0
    assert _draft(config, imap_account, draft_id)["status"] == "rejected"


def test_a_cancelled_draft_that_did_go_out_is_recorded_as_sent(
    dovecot, imap_account, make_mta, tmp_path
) -> None:
    # The server takes the message but answers after the client gave up (timeout 1 s).
    mta, log, config, draft_id = _unknown_outcome(
        dovecot, imap_account, make_mta, tmp_path, data_replies=[], data_delay=3.0
    )
    mta.wait_for_deliveries(1)
    assert cli(config, imap_account, "queue", "reject", draft_id).returncode == 0
    assert cli(config, imap_account, "send", now=LATER).returncode == 0
    draft = _draft(config, imap_account, draft_id)
    assert draft["status"] == "sent", draft
    assert mta.data_attempts == 1 and _deliveries_to_jane(log) == 1
    show = cli(config, imap_account, "queue", "show", draft_id)
    assert "It did go out" in show.stdout


# -- 3. Draft ids are never reused; an approval is bound to the text ---------------------


def test_draft_ids_do_not_repeat_after_a_restore(dovecot, imap_account, make_mta, tmp_path) -> None:
    """The state is restored from .bak: the next draft must not take a known draft's id,
    so an approval typed from an earlier listing cannot land on another client's draft."""
    import shutil

    from tests.integration.workspace import cli_json

    mta = make_mta()
    config = write_workspace(tmp_path / "mw", imap_account, mta.port)
    dovecot.append_many(imap_account, "Sent", [(ask_raw(), MONDAY)])
    ledger = tmp_path / "mw" / "state" / "ledger.json"  # the drafts and approvals
    assert cli(config, imap_account, "sync").returncode == 0
    before = tmp_path / "before.json"
    shutil.copy(ledger, before)
    assert cli(config, imap_account, "tick", now="2026-11-05T15:00:00+00:00").returncode == 0
    [first] = cli_json(config, imap_account, "queue", "list")
    shutil.copy(before, ledger)  # back to the moment before the draft existed
    assert cli(config, imap_account, "tick", now="2026-11-05T15:00:00+00:00").returncode == 0
    [second] = cli_json(config, imap_account, "queue", "list")
    assert second["id"] != first["id"]
    stale = cli(config, imap_account, "queue", "approve", first["id"])
    assert stale.returncode == 2 and "There is no draft" in stale.stderr


def test_an_approval_is_bound_to_the_text_shown(dovecot, imap_account, make_mta, tmp_path) -> None:
    from tests.integration.workspace import cli_json

    mta = make_mta()
    config = write_workspace(tmp_path / "mw", imap_account, mta.port)
    dovecot.append_many(imap_account, "Sent", [(ask_raw(), MONDAY)])
    assert cli(config, imap_account, "tick", now="2026-11-05T15:00:00+00:00").returncode == 0
    [draft] = cli_json(config, imap_account, "queue", "list")
    show = cli(config, imap_account, "queue", "show", draft["id"])
    check = show.stdout.split("--check ")[1].split()[0]
    body = tmp_path / "body.txt"
    body.write_text("Hi Jane,\n\nAny news?\n\nSam\n")
    cli(config, imap_account, "queue", "edit", draft["id"], "--body-file", str(body))
    refused = cli(config, imap_account, "queue", "approve", draft["id"], "--check", check)
    assert refused.returncode == 2 and "not the text you checked" in refused.stderr
    new_check = cli(config, imap_account, "queue", "show", draft["id"]).stdout
    new_check = new_check.split("--check ")[1].split()[0]
    ok = cli(config, imap_account, "queue", "approve", draft["id"], "--check", new_check)
    assert ok.returncode == 0, ok.stderr
