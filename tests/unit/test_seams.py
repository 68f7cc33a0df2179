"""Seams between the adapters: one TLS module, tenacity's backoff figures."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from mailwatch.retry import AUTH_FAILURE_WAIT, backoff


def test_smtp_does_not_reach_into_the_imap_adapter() -> None:
    """Sending mail must not load the IMAP adapter (and imapclient) for its TLS settings."""
    code = (
        "import sys, mailwatch.smtp.client as s, mailwatch.imap.client as i, mailwatch.tls as t\n"
        "assert s.tls_context is t.tls_context and i.tls_context is t.tls_context\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
    alone = "import sys, mailwatch.smtp.client\nassert 'mailwatch.imap.client' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", alone], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_tls_context_verifies_and_refuses_old_protocols() -> None:
    import ssl

    from mailwatch.tls import tls_context

    context = tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


@pytest.mark.parametrize(
    ("attempt", "base"),
    [(0, 5), (1, 5), (2, 10), (3, 20), (4, 40), (6, 160), (7, 300), (50, 300), (10_000, 300)],
)
def test_backoff_doubles_from_5_seconds_to_5_minutes_with_up_to_20_percent_jitter(
    attempt: int, base: float
) -> None:
    waits = [backoff(attempt).total_seconds() for _ in range(200)]
    assert all(base <= w <= base * 1.2 for w in waits), (min(waits), max(waits))
    assert max(waits) > base  # there is jitter
    assert timedelta(minutes=15) == AUTH_FAILURE_WAIT


def test_retry_uses_tenacity_without_type_ignores() -> None:
    from pathlib import Path

    import mailwatch.retry

    source = Path(mailwatch.retry.__file__).read_text()
    assert "type: ignore" not in source and "SimpleNamespace" not in source
