"""Builders for the decision core's inputs, on a fixed clock."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time
from typing import Any

from mailwatch.config.model import Contract, Rules
from mailwatch.core.calendar import BusinessCalendar
from mailwatch.core.context import ClientContext
from mailwatch.core.model import DraftView, Message
from mailwatch.core.threads import build_threads
from mailwatch.rules.chase import legacy_policy

_counter = itertools.count(1)

# Monday 2026-11-02 09:00 UTC is 10:00 in Paris. No French holiday that week.
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment in November 2026 (UTC)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def msg(
    when: datetime,
    direction: str = "out",
    *,
    asks: bool | None = None,
    reply_to: Message | None = None,
    subject: str = "Content calendar for December",
    client: str | None = "acme",
    not_contact: str | None = None,
    from_name: str = "Jane Doe",
    join_id: str | None = None,
    facts: dict[str, Any] | None = None,
    counterparts: tuple[str, ...] = ("jane@acme.test",),
) -> Message:
    n = next(_counter)
    refs: tuple[str, ...] = ()
    in_reply_to = None
    if reply_to is not None:
        refs = (*reply_to.references, reply_to.join_id)
        in_reply_to = reply_to.join_id
        subject = (
            subject if subject != "Content calendar for December" else "Re: " + reply_to.subject
        )
    if asks is None and direction == "out":
        asks = False
    return Message(
        key=f"INBOX/1/{n}",
        join_id=join_id or f"<m{n}@test>",
        in_reply_to=in_reply_to,
        references=refs,
        subject=subject,
        date=when,
        direction=direction,  # type: ignore[arg-type]
        client=client,
        counterparts=counterparts,
        from_name=from_name if direction == "in" else "Sam Rivera",
        not_contact=not_contact,
        asks=asks,
        facts=facts or {},
    )


def calendar(country: str = "FR") -> BusinessCalendar:
    return BusinessCalendar.for_country(
        "Europe/Paris", ["mon", "tue", "wed", "thu", "fri"], (time(9), time(18)), country
    )


def ctx(
    messages: list[Message],
    now: datetime,
    *,
    drafts: tuple[DraftView, ...] = (),
    rules: dict[str, Any] | None = None,
    cal: BusinessCalendar | None = None,
    **extra: Any,
) -> ClientContext:
    return ClientContext(
        client_id="acme",
        name="Acme Bakery",
        language="en",
        timezone="America/New_York",
        primary_email="jane@acme.test",
        rules=Rules(**(rules or {})),
        contract=extra.pop("contract", Contract()),
        calendar=cal or calendar(),
        threads=tuple(build_threads(messages)),
        drafts=drafts,
        now=now,
        **extra,
    )


def draft(
    anchor: Message,
    kind: str = "follow_up",
    step: int | None = 1,
    status: str = "pending",
    **kw: Any,
) -> DraftView:
    family, rank = legacy_policy(kind, step) or ("", 0)
    kw.setdefault("family", family)
    kw.setdefault("rank", rank)
    return DraftView(
        id=str(next(_counter)),
        client="acme",
        kind=kind,
        step=step,
        status=status,
        anchor=anchor.join_id,
        **kw,
    )
