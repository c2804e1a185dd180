"""The calendar's pure rules: clashes, repeating series, free times in a weekly
availability, and the time grid's layout."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kapms.care import booking, timegrid
from kapms.care.booking import Busy

LA = ZoneInfo("America/Los_Angeles")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LA)


MONDAY = date(2026, 3, 2)


def test_sessions_clash_when_they_share_a_minute_but_not_end_to_end():
    busy = Busy(local(MONDAY, 10), 60)
    assert booking.overlaps(local(MONDAY, 10, 59), 30, busy)
    assert booking.overlaps(local(MONDAY, 9, 30), 240, busy)
    assert not booking.overlaps(local(MONDAY, 11), 60, busy)
    assert not booking.overlaps(local(MONDAY, 9), 60, busy)


def test_a_weekly_series_keeps_its_clinic_time_across_daylight_saving():
    # 2 March 2026 to 16 March: the clocks go forward on 8 March in California.
    starts = booking.series_starts(local(MONDAY, 10), 1, LA, count=3)
    assert [s.astimezone(LA).strftime("%m-%d %H:%M") for s in starts] == [
        "03-02 10:00", "03-09 10:00", "03-16 10:00"]
    utc = [s.astimezone(UTC) for s in starts]
    assert utc[1] - utc[0] == timedelta(days=7, hours=-1)  # a shorter week in UTC


def test_a_series_until_a_date_includes_that_day_and_every_other_week_works():
    assert len(booking.series_starts(local(MONDAY, 10), 1, LA, until=date(2026, 3, 30))) == 5
    assert len(booking.series_starts(local(MONDAY, 10), 1, LA, until=date(2026, 3, 29))) == 4
    fortnightly = booking.series_starts(local(MONDAY, 10), 2, LA, until=date(2026, 3, 30))
    assert [s.day for s in fortnightly] == [2, 16, 30]


@pytest.mark.parametrize("kwargs, message", [
    ({}, "how many"), ({"count": 2, "until": date(2026, 4, 1)}, "how many"),
    ({"count": 53}, "1 to 52"), ({"count": 0}, "1 to 52"),
    ({"until": date(2026, 3, 1)}, "before its first"), ({"until": date(2027, 3, 20)}, "a year"),
])
def test_a_series_says_how_long_it_runs_within_a_year(kwargs, message):
    with pytest.raises(ValueError, match=message):
        booking.series_starts(local(MONDAY, 10), 1, LA, **kwargs)


def test_open_times_fill_the_weekly_blocks_around_sessions_after_now():
    weekly = [(0, time(9), time(12)), (2, time(13), time(15, 30))]  # Mon 9-12, Wed 13-15:30
    busy = [Busy(local(MONDAY, 10, 30), 60)]
    days = [MONDAY + timedelta(days=i) for i in range(7)]
    found = booking.open_times(weekly, busy, days, 60, LA, now=local(MONDAY, 8))
    assert [f"{t:%a %H:%M}" for t in found] == ["Mon 09:00", "Wed 13:00", "Wed 14:00"]
    later = booking.open_times(weekly, [], days, 60, LA, now=local(MONDAY, 9, 30))
    assert [f"{t:%a %H:%M}" for t in later][:2] == ["Mon 10:00", "Mon 11:00"]


def test_time_grid_spans_rows_merges_meeting_sessions_and_places_free_times():
    rows = timegrid.layout(
        [[(local(MONDAY, 9), 60, "a"), (local(MONDAY, 9, 50), 30, "b"),
          (local(MONDAY, 13, 10), 50, "c")],
         []],
        [[], [local(MONDAY, 10)]], [[], [(time(9), time(12))]])
    assert rows[0].at == time(7) and rows[-1].at == time(18, 45)  # 7:00 to 19:00 by default
    by_time = {r.at: r for r in rows}
    first = by_time[time(9)].cells[0]
    assert (first.rows, first.items) == (6, ["a", "b"])  # 9:00 to 10:20 -> six quarters
    assert all(by_time[time(9, 15 * q)].cells[0] is None for q in (1, 2, 3))
    late = by_time[time(13)].cells[0]
    assert (late.rows, late.items) == (4, ["c"])  # 13:10-14:00: the 13:00 row to 13:45
    assert by_time[time(10)].cells[1].open == local(MONDAY, 10)
    assert by_time[time(11)].cells[1].available and not by_time[time(12)].cells[1].available
    assert by_time[time(8)].cells[0].open is None


def test_time_grid_widens_to_early_and_late_sessions():
    rows = timegrid.layout([[(local(MONDAY, 6, 30), 30, "x"), (local(MONDAY, 20), 90, "y")]])
    assert rows[0].at == time(6) and rows[-1].at == time(21, 45)


def test_time_grid_holds_a_session_running_past_midnight():
    rows = timegrid.layout([[(local(MONDAY, 23, 30), 60, "late")]])
    assert rows[-1].at == time(23, 45)
    [block] = [cell for row in rows for cell in row.cells if isinstance(cell, timegrid.Block)]
    assert block.items == ["late"] and rows[block.row].at == time(23, 30)
