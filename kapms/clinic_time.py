"""The clinic's calendar and clock: which local date an instant falls on, and which
instant a clinic-local date and time name.

Times are stored in UTC, but "today", "the day of a session" and "expires on" are the
clinic's days (a 5 pm dosing in California is already tomorrow in UTC). The app factory
sets the zone from CLINIC_TIMEZONE; services and views ask here, so no code mixes the two.

Local times that daylight saving makes impossible or ambiguous are never guessed:
2:30 am on the night clocks go forward does not exist (``NonexistentLocalTime``), and
1:30 am on the night they go back happens twice (``AmbiguousLocalTime``, unless the caller
says which one with ``fold``: 0 for the first, 1 for the second).
"""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kapms.errors import DomainError

_zone = ZoneInfo("UTC")
# The form field that asks "which one?" when a time happens twice (kapms.web.forms).
FOLD_FIELD = "dst_fold"


class NonexistentLocalTime(DomainError, ValueError):
    """The local time falls in the hour skipped when clocks go forward (a ValueError too:
    a bad time, for callers parsing times)."""


class AmbiguousLocalTime(DomainError):
    """The local time happens twice (clocks go back) and nobody said which one."""


def configure(name: str) -> None:
    """Set the clinic's time zone (an IANA name such as "America/Los_Angeles")."""
    global _zone
    _zone = ZoneInfo(name)


def zone() -> ZoneInfo:
    """The clinic's time zone."""
    return _zone


def now() -> datetime:
    """The current instant, on the clinic's wall clock (aware: it compares and stores as
    the same instant in UTC). The one clock of the app: tests travel it with time-machine."""
    return datetime.now(_zone)


def today() -> date:
    """Today's date at the clinic."""
    return now().date()


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months (``months`` may be negative), clamped to the month's
    end: 31 Jan 2024 + 1 -> 29 Feb 2024; 31 Jan 2025 + 1 -> 28 Feb 2025; 31 Mar + 1 -> 30 Apr.
    """
    if isinstance(months, bool) or not isinstance(months, int):
        raise ValueError(f"months must be an int, not {type(months).__name__} {months!r}")
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise ValueError(f"{day} + {months} months is outside the calendar")
    last_day = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last_day))


def local_date(instant: datetime) -> date:
    """The clinic's date of a timezone-aware instant."""
    return instant.astimezone(_zone).date()


def _label(day: date, at: time) -> str:
    return f"{at:%I:%M %p} on {day:%a %b} {day.day}, {day.year}".lstrip("0")


def to_utc(day: date, at: time | None, *, fold: int | None = None, field: str | None = None,
           zone: ZoneInfo | None = None) -> datetime | None:
    """The UTC instant of clinic-local ``day`` at ``at`` (None without a time); ``zone``
    defaults to the clinic's.

    Refuses a time skipped by a spring-forward change (NonexistentLocalTime, naming
    ``field``) and, unless ``fold`` says which, a time that happens twice in the autumn
    (AmbiguousLocalTime, naming the FOLD_FIELD that asks).
    """
    if at is None:
        return None
    zone = zone or _zone
    naive = datetime.combine(day, at.replace(tzinfo=None))
    first, second = (naive.replace(tzinfo=zone, fold=f) for f in (0, 1))
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    # Python resolves a skipped time with fold=0 to an instant whose local time differs.
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        gap = abs(second.utcoffset() - first.utcoffset())
        raise NonexistentLocalTime(
            f"{_label(day, at)} does not exist at the clinic: clocks go forward "
            f"{_hours(gap)} that night. Enter the time as the clock showed it.", field=field)
    if fold not in (0, 1):
        raise AmbiguousLocalTime(
            f"{_label(day, at)} happens twice at the clinic: clocks go back that night. "
            "Choose which one.", field=FOLD_FIELD)
    return (second if fold else first).astimezone(UTC)


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return "an hour" if minutes == 60 else f"{minutes} minutes"


def has_repeated_hour(day: date) -> bool:
    """True when clocks go back at the clinic on ``day`` (some local times happen twice)."""
    start = datetime.combine(day, time(), _zone)
    end = datetime.combine(day + timedelta(days=1), time(), _zone)
    return start.utcoffset() > end.utcoffset()
