"""Exactly once, proven with real kills of the real process at every point of a send.

Each test approves one follow-up, then runs `mailwatch send` in its own process
and SIGKILLs it at one moment (from inside, at a named crash point, or from the
SMTP server while it holds the message). Then `mailwatch send` runs again until
the draft settles. The SMTP server's durable log must show the client got the
message exactly once, and Sent must hold exactly one copy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mailwatch.lab.account import Account, imap_login
from mailwatch.lab.mta import DROP, deliveries_from_log
from tests.integration.workspace import (
    MONDAY,
    THURSDAY_NY_MORNING,
    ask_raw,
    cli,
    cli_env,
    cli_json,
    write_workspace,
)

SEND_AT = ["2026-11-05T15:05:00+00:00", "2026-11-05T15:20:00+00:00", "2026-11-05T15:40:00+00:00"]


class Scenario:
    def __init__(self, dovecot, account: Account, make_mta, tmp_path: Path, **mode: Any) -> None:
        self.account = account
        self.victim: dict[str, Any] = {"pid": None, "armed": False}
        self.log = tmp_path / "deliveries.jsonl"
        copies: dict[str, Any] = {}
        if mode.get("bcc_self", True):
            copies["local_mailboxes"] = {"sam@studio.test": (account, "INBOX")}
        if mode.get("server_files_sent"):
            copies["sender_copy"] = (account, "Sent")
        self.mta = make_mta(
            log_path=self.log, on_data=self._on_data, after_accept=self._after_accept, **copies
        )
        smtp_extra = (
            f"bcc_self = {str(mode.get('bcc_self', True)).lower()}\n"
            f"save_to_sent = {str(not mode.get('server_files_sent', False)).lower()}\n"
            "proof_wait_seconds = 60\n"
        )
        self.config = write_workspace(
            tmp_path / "mw", account, self.mta.port, smtp_extra=smtp_extra
        )
        dovecot.append_many(account, "Sent", [(ask_raw(), MONDAY)])
        assert cli(self.config, account, "tick", now=THURSDAY_NY_MORNING).returncode == 0
        [draft] = cli_json(self.config, account, "queue", "list")
        self.draft_id = draft["id"]
        assert cli(self.config, account, "queue", "approve", self.draft_id).returncode == 0
        self.server_kill: str | None = None

    # Server-side kills: the MTA holds the message and kills the client.
    def _kill_victim(self) -> bool:
        if self.victim["armed"] and self.victim["pid"]:
            self.victim["armed"] = False
            os.kill(self.victim["pid"], signal.SIGKILL)
            return True
        return False

    def _on_data(self, envelope: Any) -> str | None:
        # "During DATA": the client dies before the end of the message; a real server
        # then throws the partial message away, so nothing is recorded.
        if self.server_kill == "during_data" and self._kill_victim():
            return DROP
        return None

    def _after_accept(self, delivery: Any) -> None:
        # The server has taken the message; the client dies before it hears "250".
        if self.server_kill == "after_accept":
            self._kill_victim()

    def crashing_send(self, *, crash_at: str | None = None, server_kill: str | None = None):
        env = cli_env(self.account, **({"MAILWATCH_CRASH_AT": crash_at} if crash_at else {}))
        self.server_kill = server_kill
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mailwatch",
                "--config",
                str(self.config),
                "--now",
                SEND_AT[0],
                "send",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.victim.update(pid=proc.pid, armed=server_kill is not None)
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, f"expected a kill, got {proc.returncode}: {err}"

    def settle(self) -> dict[str, Any]:
        """Restart `send` (later and later) until the draft is no longer in flight."""
        for moment in SEND_AT[1:]:
            result = cli(self.config, self.account, "send", now=moment)
            assert result.returncode == 0, result.stderr
            [draft] = cli_json(self.config, self.account, "queue", "list", "--all")
            if draft["status"] not in ("sending", "approved"):
                return draft
        raise AssertionError(f"draft still in flight: {draft}")

    def client_deliveries(self) -> list[Any]:
        return [d for d in deliveries_from_log(self.log) if "jane@acme.test" in d.rcpt_tos]

    def sent_copies(self, message_id: str) -> int:
        client = imap_login(self.account)
        try:
            client.select_folder("Sent", readonly=True)
            return len(client.search(["HEADER", "Message-ID", message_id]))
        finally:
            client.logout()


@pytest.fixture
def scenario(dovecot, imap_account, make_mta, tmp_path):
    def make(**mode: Any) -> Scenario:
        return Scenario(dovecot, imap_account, make_mta, tmp_path, **mode)

    return make


CLIENT_SIDE = ["send.before_smtp", "send.before_data", "send.after_smtp", "send.before_append"]


@pytest.mark.parametrize("point", CLIENT_SIDE)
def test_kill_inside_mailwatch_delivers_exactly_once(scenario, point: str) -> None:
    s = scenario()
    s.crashing_send(crash_at=point)
    draft = s.settle()
    assert draft["status"] == "sent", draft
    assert len(s.client_deliveries()) == 1
    assert s.sent_copies(draft["message_id"]) == 1


@pytest.mark.parametrize("moment", ["during_data", "after_accept"])
def test_kill_by_the_server_delivers_exactly_once(scenario, moment: str) -> None:
    s = scenario()
    s.crashing_send(server_kill=moment)
    draft = s.settle()
    assert draft["status"] == "sent", draft
    assert len(s.client_deliveries()) == 1
    assert s.sent_copies(draft["message_id"]) == 1


def test_server_that_files_sent_itself_is_the_proof(scenario) -> None:
    """Gmail / Office 365 style: no bcc_self needed, the server's Sent copy proves it."""
    s = scenario(bcc_self=False, server_files_sent=True)
    s.crashing_send(server_kill="after_accept")
    draft = s.settle()
    assert draft["status"] == "sent"
    assert len(s.client_deliveries()) == 1
    assert s.sent_copies(draft["message_id"]) == 1


def test_without_any_proof_it_is_never_sent_twice(scenario) -> None:
    """No proof copy anywhere: after an unclear crash the owner decides; no resend."""
    s = scenario(bcc_self=False)
    s.crashing_send(server_kill="after_accept")
    draft = s.settle()
    assert draft["status"] == "failed"
    assert "unknown whether it went out" in draft["error"]
    assert len(s.client_deliveries()) == 1


def test_the_moment_of_the_crash_does_not_matter_for_the_clock(scenario) -> None:
    """A crash before DATA resends at once, with the same Message-ID as prepared."""
    s = scenario()
    s.crashing_send(crash_at="send.before_smtp")
    [before] = cli_json(s.config, s.account, "queue", "list", "--all")
    assert before["status"] == "sending" and before["message_id"]
    draft = s.settle()
    assert draft["message_id"] == before["message_id"]
    [delivery] = s.client_deliveries()
    assert delivery.message_id == before["message_id"]
    assert datetime.fromisoformat(draft["sent_at"]) == datetime(2026, 11, 5, 15, 20, tzinfo=UTC)
