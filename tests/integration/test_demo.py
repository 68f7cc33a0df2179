"""`mailwatch demo` runs end to end, on Dovecot and on the pymap fallback."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest


@pytest.mark.parametrize("server", ["dovecot", "pymap"])
def test_demo_runs_end_to_end(server: str, tmp_path, dovecot_required) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILWATCH_")}
    if server == "pymap":
        env["MAILWATCH_DOVECOT"] = str(tmp_path / "no-dovecot-here")
    result = subprocess.run(
        [sys.executable, "-m", "mailwatch", "demo", "--keep", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert ("Dovecot" if server == "dovecot" else "pymap") in out
    assert "5 new drafts waiting for your approval" in out
    assert "Holding reply to Northfield Gym" in out
    # One overdue invoice with its reminder, one paid; a confirmation in writing.
    assert "Payment reminder 1 to Acme Bakery: Re: Invoice INV-2026-011" in out
    assert "F-2026-10, 750.00 EUR" in out and ": paid, paid" in out
    assert "Scope note to Acme Bakery: Re: TikTok?" in out
    assert "$150.00 per month" in out
    assert "Pause notice to Bistro Lune" in out
    assert re.search(r"Sent #\w+ to jane@acme.test", out)
    assert "In-Reply-To: <dec-calendar@studio.test>" in out
    assert "0 new drafts, 0 withdrawn" in out
    # The kept folder still answers read-only commands.
    listing = subprocess.run(
        [
            sys.executable,
            "-m",
            "mailwatch",
            "--config",
            str(tmp_path / "demo" / "config.toml"),
            "queue",
            "list",
            "--all",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert listing.returncode == 0, listing.stderr
    assert '"status": "sent"' in listing.stdout
