"""No mail goes out on the owner's public holidays (README: Sending), in the client's hours.

Checked with French holidays: Wednesday 11 November 2026 (Armistice Day) and Friday
25 December 2026 (Christmas).
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from mailwatch.drafts.approval import change_draft
from mailwatch.store import Store
from tests.unit.cli_world import MONDAY, World, ask
from tests.unit.factories import calendar

WINDOW = (time(9), time(18))


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_armistice_day_is_outside_the_send_window() -> None:
    cal = calendar("FR")
    wednesday_11 = utc(11, 11, 10)  # 11:00 in Paris
    assert not cal.in_window(wednesday_11, "Europe/Paris", WINDOW)
    assert cal.next_window_opening(wednesday_11, "Europe/Paris", WINDOW) == utc(11, 12, 8)
    # Without a country, the same Wednesday is an ordinary working day.
    assert calendar("").in_window(wednesday_11, "Europe/Paris", WINDOW)


def test_christmas_on_a_friday_waits_for_monday() -> None:
    cal = calendar("FR")
    christmas = utc(12, 25, 15)  # 10:00 in New York, 16:00 in Paris
    assert not cal.in_window(christmas, "America/New_York", WINDOW)
    # Saturday and Sunday are not working days: Monday 28, 09:00 in New York.
    assert cal.next_window_opening(christmas, "America/New_York", WINDOW) == utc(12, 28, 14)
    assert cal.in_window(utc(12, 24, 15), "America/New_York", WINDOW)


def test_a_holiday_in_the_owners_time_zone_counts_for_a_client_far_west() -> None:
    cal = calendar("FR")
    # 10 Nov 18:30 in Los Angeles is already 11 Nov 03:30 in Paris: the owner's holiday.
    evening_la = utc(11, 11, 2, 30)
    assert not cal.in_window(evening_la, "America/Los_Angeles", (time(9), time(19)))


def test_an_approved_draft_is_not_sent_on_armistice_day(tmp_path) -> None:
    world = World(tmp_path / "mw")  # owner in France (country FR), client in New York
    world.mailbox.deliver("Sent", ask("Logo"), MONDAY)
    holiday = utc(11, 11, 15)  # 10:00 in New York
    world.tick(holiday)
    with Store(world.settings.store_path) as store:
        [draft] = store.drafts()
        change_draft(store, draft.id, "approve", by="owner", now=holiday)
        report = world.app(store, holiday).send_blocking()
        assert report.sent == [] and world.outbox.sent == []
        assert report.waiting_for_window == {draft.id: utc(11, 12, 14)}
        next_day = world.app(store, utc(11, 12, 14, 5)).send_blocking()
        assert next_day.sent == [draft.id]
