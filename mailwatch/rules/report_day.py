"""Report day: the monthly report goes out on the same day each month.

On each client's `report_day` (moved to the next working day when it falls on a
weekend or a public holiday), if no report went to the client for this month, a
`report_due` attention item reminds the owner until one goes. A report counts for
the report day nearest to it: one sent on the 3rd counts for the 5th of the same
month (early is fine), one sent on the 6th for the 5th before (a day late, it was
last month's). A report is a message
of the owner's that the report detector recognised ("report", "rapport", "bilan",
or the owner's own wording in `[rules] report_patterns`). No client mail.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time

from mailwatch.core.context import ClientContext
from mailwatch.core.model import Attention, DraftView, Evidence


def _report_day(ctx: ClientContext, year: int, month: int) -> datetime:
    """The working-day-adjusted report day of that month, at 00:00 in the owner's zone."""
    day = ctx.calendar.next_business_day(date(year, month, ctx.contract.report_day))
    return datetime.combine(day, time(), tzinfo=ctx.calendar.tz).astimezone(UTC)


def _months_back(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) - n
    return index // 12, index % 12 + 1


def current_and_previous(ctx: ClientContext) -> tuple[datetime, datetime]:
    """The last report day at or before now, and the one before it."""
    local = ctx.calendar.local(ctx.now)
    this = _report_day(ctx, local.year, local.month)
    if this > ctx.now:
        this = _report_day(ctx, *_months_back(local.year, local.month, 1))
        before = _report_day(ctx, *_months_back(local.year, local.month, 2))
    else:
        before = _report_day(ctx, *_months_back(local.year, local.month, 1))
    return this, before


def last_report(ctx: ClientContext) -> datetime | None:
    found = [
        m.date
        for thread in ctx.threads
        for m in thread.contact
        if m.direction == "out" and m.facts.get("report") and m.date <= ctx.now
    ]
    return max(found, default=None)


class ReportDay:
    name = "report_day"
    kinds: tuple[str, ...] = ()

    def propose(self, ctx: ClientContext) -> Iterator[Attention]:
        due, previous = current_and_previous(ctx)
        sent = last_report(ctx)
        if sent is not None and sent > previous + (due - previous) / 2:
            return
        yield Attention(
            "report_due",
            ctx.client_id,
            due,
            f"report_due:{ctx.client_id}:{due.date().isoformat()}",
            Evidence(
                "report_due",
                {"client_name": ctx.name, "due": due, "last_report": sent},
            ),
        )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        local = ctx.calendar.local(ctx.now)
        for n in (0, -1):
            moment = _report_day(ctx, *_months_back(local.year, local.month, n))
            if moment > ctx.now:
                return moment
        return None

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        return None
