"""Per-client figures: last contact, who is waiting on whom, response times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from statistics import median

from mailwatch.core.calendar import BusinessCalendar
from mailwatch.core.conversation import waiting_on_client, waiting_on_owner
from mailwatch.core.threads import Thread

STATS_DAYS = 90  # response-time medians cover the last 90 days


def response_hours(
    threads: Sequence[Thread], calendar: BusinessCalendar, now: datetime
) -> tuple[list[float], list[float]]:
    """Business hours it took us to answer the client, and the client to answer us.

    Ours: from the first of the client's messages we had not answered to our next
    reply. Theirs: from our first unanswered asking message to their next reply.
    Only replies from the last 90 days count.
    """
    since = now - timedelta(days=STATS_DAYS)
    ours: list[float] = []
    theirs: list[float] = []
    for thread in threads:
        waiting_in = None  # the client's first message we owe an answer to
        waiting_out = None  # our first asking message they owe an answer to
        for message in thread.contact:
            if message.date > now:
                break
            if message.direction == "in":
                if waiting_out is not None and message.date >= since:
                    theirs.append(calendar.business_hours_between(waiting_out.date, message.date))
                waiting_out = None
                waiting_in = waiting_in or message
            else:
                if waiting_in is not None and message.date >= since:
                    ours.append(calendar.business_hours_between(waiting_in.date, message.date))
                waiting_in = None
                if message.asks and waiting_out is None:
                    waiting_out = message
    return ours, theirs


def median_or_none(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def waiting_state(
    threads: Sequence[Thread], now: datetime, lookback: timedelta
) -> tuple[str | None, datetime | None, int]:
    """(waiting_on, since, follow-ups unanswered) across the client's active threads.

    The owner owing a reply comes first: it is what the owner can act on now.
    """
    owner_since: datetime | None = None
    client_since: datetime | None = None
    follow_ups = 0
    for thread in threads:
        if thread.last.date < now - lookback:
            continue
        first_unanswered = waiting_on_owner(thread, now)
        if first_unanswered is not None:
            if owner_since is None or first_unanswered.date < owner_since:
                owner_since = first_unanswered.date
            continue
        episode = waiting_on_client(thread, now)
        if episode is not None:
            follow_ups += len(episode.follow_ups)
            if client_since is None or episode.anchor.date < client_since:
                client_since = episode.anchor.date
    if owner_since is not None:
        return "owner", owner_since, follow_ups
    if client_since is not None:
        return "client", client_since, follow_ups
    return None, None, 0
