from datetime import UTC, datetime, time

from mailwatch.core.calendar import BusinessCalendar
from tests.unit.factories import at, calendar


def test_add_business_days_skips_weekend():
    cal = calendar("")
    friday = at(6, 9)  # Friday 10:00 Paris
    assert cal.add_business_days(friday, 3) == datetime(2026, 11, 11, 9, tzinfo=UTC)


def test_french_holiday_is_not_a_business_day():
    cal = calendar("FR")
    # Tuesday 10 Nov + 1 business day skips Wednesday 11 Nov (Armistice Day).
    assert cal.add_business_days(at(10, 9), 1) == at(12, 9)
    assert calendar("").add_business_days(at(10, 9), 1) == at(11, 9)


def test_business_days_between_counts_whole_days_only():
    cal = calendar("")
    monday = at(2, 9)
    assert cal.business_days_between(monday, at(5, 8, 59)) == 2
    assert cal.business_days_between(monday, at(5, 9, 0)) == 3
    assert cal.business_days_between(monday, at(9, 9, 0)) == 5  # the weekend does not count
    assert cal.business_days_between(at(5, 9), monday) == 0


def test_saturday_message_counts_from_monday():
    cal = calendar("")
    saturday = at(7, 10)
    assert cal.add_business_days(saturday, 1) == at(9, 10)


def test_business_hours_between_only_counts_working_hours():
    cal = calendar("")  # 09:00-18:00 Paris = 08:00-17:00 UTC in November
    assert cal.business_hours_between(at(2, 8), at(2, 17)) == 9.0
    # Friday 16:00 UTC to Monday 09:00 UTC: 1 h on Friday + 1 h on Monday.
    assert cal.business_hours_between(at(6, 16), at(9, 9)) == 2.0
    assert cal.business_hours_between(at(2, 20), at(3, 6)) == 0.0


def test_business_hours_across_daylight_saving_change():
    cal = BusinessCalendar(
        "Europe/Paris", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], (time(9), time(18))
    )
    # 2026-10-25 is the autumn change in Europe: a whole working day is still 9 hours.
    start = datetime(2026, 10, 25, 7, tzinfo=UTC)
    end = datetime(2026, 10, 25, 20, tzinfo=UTC)
    assert cal.business_hours_between(start, end) == 9.0


def test_send_window_in_client_time_zone():
    cal = calendar("")
    window = (time(9), time(18))
    # 14:00 UTC Monday is 09:00 in New York: open; 13:59 is not.
    assert cal.in_window(at(2, 14), "America/New_York", window)
    assert not cal.in_window(at(2, 13, 59), "America/New_York", window)
    assert not cal.in_window(at(7, 15), "America/New_York", window)  # Saturday
    assert cal.next_window_opening(at(7, 15), "America/New_York", window) == at(9, 14)


def test_the_reply_promise_skips_weekends_and_holidays():
    from datetime import UTC, datetime, time

    from mailwatch.core.calendar import BusinessCalendar

    cal = BusinessCalendar.for_country(
        "Europe/Paris", ["mon", "tue", "wed", "thu", "fri"], (time(9), time(18)), "FR"
    )

    def paris(day: int, hour: int, month: int = 11) -> datetime:
        from zoneinfo import ZoneInfo

        return datetime(2026, month, day, hour, tzinfo=ZoneInfo("Europe/Paris"))

    # Friday 17:00 -> Monday 17:00 (the playbook's example).
    assert cal.add_promise_hours(paris(20, 17), 24) == paris(23, 17).astimezone(UTC)
    # Tuesday 09:00 -> Wednesday 09:00.
    assert cal.add_promise_hours(paris(24, 9), 24) == paris(25, 9).astimezone(UTC)
    # Saturday: nothing counts before Monday 00:00.
    assert cal.add_promise_hours(paris(21, 10), 24) == paris(24, 0).astimezone(UTC)
    # Tuesday 10 November 10:00: Wednesday 11 November is a French holiday.
    assert cal.add_promise_hours(paris(10, 10), 24) == paris(12, 10).astimezone(UTC)
    # 48 hours from Thursday 12:00: 12 h on Thursday, 24 on Friday, 12 on Monday.
    assert cal.add_promise_hours(paris(19, 12), 48) == paris(23, 12).astimezone(UTC)
