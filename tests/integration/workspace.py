"""A mailwatch folder (config.toml + clients/) pointed at the lab servers, and a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailwatch.lab.account import Account
from mailwatch.lab.messages import make_email

SAM = ("Sam Rivera", "sam@studio.test")
JANE = ("Jane Doe", "jane@acme.test")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 10:00 Paris, 04:00 New York
THURSDAY_NY_MORNING = "2026-11-05T15:00:00+00:00"  # 10:00 in New York: send window open


def write_workspace(
    root: Path,
    account: Account,
    smtp_port: int,
    *,
    smtp_extra: str = "",
    rules: str = "",
    owner_extra: str = 'country = "FR"',
    sections: str = "",
    client_timezone: str = "America/New_York",
) -> Path:
    """config.toml and clients/acme.toml for Sam (owner) and Jane (client)."""
    (root / "clients").mkdir(parents=True, exist_ok=True)
    (root / "config.toml").write_text(
        f"""
[owner]
name = "Sam Rivera"
email = "sam@studio.test"
business = "Rivera Social"
timezone = "Europe/Paris"
signature = "Sam Rivera — Rivera Social"
{owner_extra}

[imap]
host = "127.0.0.1"
port = {account.port}
security = "none"
username = "{account.username}"
password_env = "MW_TEST_IMAP_PASSWORD"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
username = ""
{smtp_extra}

[rules]
{rules}
{sections}
"""
    )
    (root / "clients" / "acme.toml").write_text(
        'name = "Acme Bakery"\nemails = ["jane@acme.test"]\nlanguage = "en"\n'
        f'timezone = "{client_timezone}"\n'
    )
    return root / "config.toml"


def ask_raw(mid: str = "<ask1@studio.test>", when: datetime = MONDAY) -> bytes:
    return make_email(
        sender=SAM,
        to=[JANE],
        subject="Logo for the December posts",
        body="Hi Jane,\n\nCould you send me the logo files?\n\nSam",
        date=when,
        message_id=mid,
    )


def reply_raw(to_mid: str, when: datetime, mid: str = "<r1@acme.test>") -> bytes:
    return make_email(
        sender=JANE,
        to=[SAM],
        subject="Re: Logo for the December posts",
        body="Here they are.\n\nJane",
        date=when,
        message_id=mid,
        reply_to_message=to_mid,
        references=[to_mid],
    )


def cli_env(account: Account, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILWATCH_")}
    env["MW_TEST_IMAP_PASSWORD"] = account.password
    env.update(extra)
    return env


def cli(
    config: Path,
    account: Account,
    *args: str,
    now: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the real `mailwatch` command in its own process."""
    command = [sys.executable, "-m", "mailwatch", "--config", str(config)]
    if now:
        command += ["--now", now]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or cli_env(account),
    )


def cli_json(config: Path, account: Account, *args: str, now: str | None = None) -> Any:
    result = cli(config, account, *args, "--json", now=now)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
