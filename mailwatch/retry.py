"""How long to wait before trying a server again.

tenacity's exponential-with-jitter strategy, shared by the IMAP reconnects and
SMTP retries: 5 s, 10 s, 20 s ... capped at 5 minutes, each plus up to 20 % of
random jitter so that many clients coming back after an outage do not knock
on the server at the same instant. A refused login is not a network blip:
trying again every few seconds would only lock the account, so it waits 15
minutes.

mailwatch keeps its own retry loops (a daemon cycle, a draft's next attempt are
scheduled, not slept in a decorator), so only tenacity's wait strategies are used,
called the way tenacity calls them: with a RetryCallState for the attempt.
"""

from __future__ import annotations

from datetime import timedelta

from tenacity import RetryCallState, Retrying, wait_exponential, wait_random

FIRST_SECONDS = 5.0
MAX_SECONDS = 300.0
JITTER = 0.2  # up to 20 % more
AUTH_FAILURE_WAIT = timedelta(minutes=15)

_backoff = wait_exponential(multiplier=FIRST_SECONDS, min=FIRST_SECONDS, max=MAX_SECONDS)
_retrying = Retrying()  # only the owner of the call states below; it never runs anything


def backoff(attempt: int) -> timedelta:
    """The wait after the `attempt`-th consecutive failure (1-based)."""
    state = RetryCallState(retry_object=_retrying, fn=None, args=(), kwargs={})
    state.attempt_number = max(attempt, 1)
    base = _backoff(state)
    jitter = wait_random(0, base * JITTER)(state)
    return timedelta(seconds=base + jitter)
