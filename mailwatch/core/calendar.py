"""Business time: the owner's working days and hours, minus public holidays.

Response times and follow-up delays are counted in business time so that a
weekend or a bank holiday never makes a client look slow, or us.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class BusinessCalendar:
    def __init__(
        self,
        timezone: str,
        workdays: Iterable[str],
        work_hours: tuple[time, time],
        is_holiday: Callable[[date], bool] = lambda _d: False,
    ) -> None:
        self.tz = ZoneInfo(timezone)
        self.workdays = frozenset(WEEKDAY_INDEX[d] for d in workdays)
        self.open, self.close = work_hours
        self._is_holiday = is_holiday

    @classmethod
    def for_country(
        cls, timezone: str, workdays: Iterable[str], work_hours: tuple[time, time], country: str
    ) -> BusinessCalendar:
        if not country:
            return cls(timezone, workdays, work_hours)
        import holidays

        # The holidays package computes dates from rules (no I/O); years load lazily.
        calendar = holidays.country_holidays(country)
        return cls(timezone, workdays, work_hours, lambda d: d in calendar)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and not self._is_holiday(day)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """The moment `days` business days after `start`, at the same local time.

        Friday 10:00 plus 3 is Wednesday 10:00; Saturday 10:00 plus 1 is Monday 10:00.
        """
        local = self.local(start)
        day, counted = local.date(), 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return self._at(day, local.time().replace(tzinfo=None)).astimezone(UTC)

    def add_promise_hours(self, start: datetime, hours: float) -> datetime:
        """`hours` later, counting whole working days only (weekends and public holidays
        do not count, every hour of a working day does): the reply promise's deadline.

        24 hours from Friday 17:00 is Monday 17:00; from Saturday 10:00 (nothing counts
        before Monday) it is Tuesday 00:00.
        """
        local = self.local(start)
        left = timedelta(hours=hours)
        day = local.date()
        cursor = local
        for _ in range(3660):  # ten years of days: far past any sane promise
            next_midnight = self._at(day + timedelta(days=1), time())
            if self.is_business_day(day):
                span = next_midnight - cursor
                if left <= span:
                    return (cursor + left).astimezone(UTC)
                left -= span
            day += timedelta(days=1)
            cursor = next_midnight
        return (cursor + left).astimezone(UTC)

    def next_business_day(self, day: date) -> date:
        """`day` itself if it is a business day, else the next one."""
        for _ in range(60):
            if self.is_business_day(day):
                return day
            day += timedelta(days=1)
        return day

    def business_days_between(self, start: datetime, end: datetime, limit: int = 400) -> int:
        """How many whole business days have passed from `start` to `end` (0 if end <= start)."""
        local_start = self.local(start)
        clock = local_start.time().replace(tzinfo=None)
        day, counted = local_start.date(), 0
        end_day = self.local(end).date()
        while counted < limit and day < end_day:
            day += timedelta(days=1)
            if self.is_business_day(day) and self._at(day, clock) <= end:
                counted += 1
        return counted

    def business_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours (open to close on business days) between two moments."""
        if end <= start:
            return 0.0
        total = timedelta()
        day, last = self.local(start).date(), self.local(end).date()
        while day <= last:
            if self.is_business_day(day):
                lo = max(start, self._at(day, self.open))
                hi = min(end, self._at(day, self.close))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 3600

    def in_window(self, moment: datetime, timezone: str, window: tuple[time, time]) -> bool:
        """Is `moment` inside `window` in `timezone`, on one of our working days?

        Never on one of our public holidays: neither on the client's calendar date
        nor on ours (a client far west is still on the eve when our holiday begins).
        """
        local = moment.astimezone(ZoneInfo(timezone))
        if local.weekday() not in self.workdays:
            return False
        if self._is_holiday(local.date()) or self._is_holiday(self.local(moment).date()):
            return False
        return window[0] <= local.time().replace(tzinfo=None) < window[1]

    def next_window_opening(
        self, moment: datetime, timezone: str, window: tuple[time, time]
    ) -> datetime:
        """The first moment at or after `moment` that is inside the send window."""
        if self.in_window(moment, timezone, window):
            return moment
        zone = ZoneInfo(timezone)
        local = moment.astimezone(zone)
        day = local.date()
        # A month covers any run of weekends and holidays a validated config can make.
        for _ in range(31):
            candidate = datetime.combine(day, window[0], tzinfo=zone)
            if candidate >= local and self.in_window(candidate, timezone, window):
                return candidate
            day += timedelta(days=1)
        return moment  # no working day at all: cannot happen with a validated config
