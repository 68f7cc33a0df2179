"""How long to wait before trying a server again.

tenacity's exponential-with-jitter strategy, shared by the IMAP reconnects and
SMTP retries: 5 s, 10 s, 20 s ... capped at 5 minutes, each plus up to 20 % of
random jitter so that many clients coming back after an outage do not knock
on the server at the same instant. A refused login is not a network blip:
trying again every few seconds would only lock the account, so it waits 15
minutes.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from tenacity import wait_exponential, wait_random

FIRST_SECONDS = 5.0
MAX_SECONDS = 300.0
AUTH_FAILURE_WAIT = timedelta(minutes=15)

_backoff = wait_exponential(multiplier=FIRST_SECONDS, min=FIRST_SECONDS, max=MAX_SECONDS)


def backoff(attempt: int) -> timedelta:
    """The wait after the `attempt`-th consecutive failure (1-based)."""
    state = SimpleNamespace(attempt_number=max(attempt, 1))
    base = _backoff(state)  # type: ignore[arg-type]
    jitter = wait_random(0, base * 0.2)(state)  # type: ignore[arg-type]
    return timedelta(seconds=base + jitter)
