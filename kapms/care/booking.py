"""Pure booking rules: when sessions clash, the dates of a repeating series, and the open
times left in a clinician's weekly availability. Plain values in, plain values out: no
database and no Flask (kapms.care.services.sessions applies them).

Times are timezone-aware datetimes. A series keeps its wall-clock time in the clinic's zone
across a daylight-saving change (a 10:00 weekly session stays at 10:00).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

MAX_OCCURRENCES = 52  # a series of at most a year of weekly sessions
MAX_SERIES_DAYS = 366
MAX_SESSION = timedelta(hours=8)  # the longest session (the services' MAX_MINUTES)


@dataclass(frozen=True)
class Busy:
    """A stretch of time already taken (a session that keeps its time)."""

    start: datetime
    minutes: int

    @property
    def end(self) -> datetime:
        """When it ends."""
        return self.start + timedelta(minutes=self.minutes)


def overlaps(start: datetime, minutes: int, other: Busy) -> bool:
    """Whether [start, start + minutes) meets ``other`` (touching ends do not clash)."""
    return start < other.end and other.start < start + timedelta(minutes=minutes)


def series_starts(first: datetime, every_weeks: int, tz: tzinfo, *, count: int | None = None,
                  until: date | None = None) -> list[datetime]:
    """The starts of a series beginning at ``first``: every ``every_weeks`` weeks, either
    ``count`` occurrences or up to and including the clinic day ``until``. ValueError
    when neither (or both) is given, or the series is longer than a year."""
    if (count is None) == (until is None):
        raise ValueError("Say how many sessions, or until which date.")
    if every_weeks < 1:
        raise ValueError("A series repeats every week or more.")
    local = first.astimezone(tz)
    if until is not None:
        if until < local.date():
            raise ValueError("The series ends before its first session.")
        if (until - local.date()).days > MAX_SERIES_DAYS:
            raise ValueError("A series can run for a year at most.")
        count = (until - local.date()).days // (7 * every_weeks) + 1
    if not 1 <= count <= MAX_OCCURRENCES:
        raise ValueError(f"A series has 1 to {MAX_OCCURRENCES} sessions.")
    return [datetime.combine(local.date() + timedelta(weeks=every_weeks * n), local.time(), tz)
            for n in range(count)]


def open_times(availability, busy: list[Busy], days: list[date], minutes: int, tz: tzinfo,
               now: datetime) -> list[datetime]:
    """Starts of ``minutes``-long sessions that fit the weekly ``availability`` blocks
    ((weekday, from, to) in clinic-local time, Monday = 0) on ``days``, clash with nothing
    ``busy`` and start after ``now``. Each block is offered from its start, one session
    length after another."""
    step = timedelta(minutes=minutes)
    found = []
    for day in days:
        for weekday, block_start, block_end in sorted(availability):
            if weekday != day.weekday():
                continue
            start = datetime.combine(day, block_start, tz)
            end = datetime.combine(day, block_end, tz)
            while start + step <= end:
                if start > now and not any(overlaps(start, minutes, b) for b in busy):
                    found.append(start)
                start += step
    return found


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The clinic day ``day`` as [its midnight, the next midnight) in ``tz``."""
    return (datetime.combine(day, time(), tz),
            datetime.combine(day + timedelta(days=1), time(), tz))
