"""Business days (Monday-Friday less holidays) and the Good Faith Estimate deadline.

Counting convention: the business days *between* two dates are those after ``start`` up to and
including ``end``, so ``business_days_between(d, add_business_days(d, n)) == n``. "Within 1
business day after scheduling" is then ``add_business_days(scheduled_on, 1)``.

Holidays are passed in, never looked up, so the rules stay pure: a clinic closed on the US
federal holidays passes :func:`us_federal_holidays` (or :func:`us_federal_holidays_between`
for a span that crosses a year end).
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta

NO_HOLIDAYS: frozenset[date] = frozenset()


def is_business_day(d: date, holidays: Container[date] = NO_HOLIDAYS) -> bool:
    """True when ``d`` is a Monday to Friday and not one of ``holidays``."""
    return d.weekday() < 5 and d not in holidays


def add_business_days(d: date, n: int, holidays: Container[date] = NO_HOLIDAYS) -> date:
    """Return the n-th business day after ``d`` (before it when n < 0); n = 0 returns ``d``.

    ``d`` itself need not be a business day: a Saturday plus 1 is the Monday.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"n must be an int, not {type(n).__name__} {n!r}")
    step = timedelta(days=1 if n >= 0 else -1)
    left = abs(n)
    while left:
        d += step
        if is_business_day(d, holidays):
            left -= 1
    return d


def business_days_between(start: date, end: date, holidays: Container[date] = NO_HOLIDAYS) -> int:
    """Count business days after ``start`` up to and including ``end`` (negative if end < start)."""
    if end < start:
        return -business_days_between(end, start, holidays)
    count, d = 0, start
    while d < end:
        d += timedelta(days=1)
        count += is_business_day(d, holidays)
    return count


def gfe_due_date(
    scheduled_on: date | None,
    service_date: date | None,
    requested_on: date | None = None,
    holidays: Container[date] = NO_HOLIDAYS,
) -> date | None:
    """Return the latest date a Good Faith Estimate may be given (45 CFR 149.610(b)(1)(vi)).

    * Scheduled 3 to 9 business days before the service: 1 business day after scheduling.
    * Scheduled 10 or more business days before: 3 business days after scheduling.
    * Requested (with or without scheduling): 3 business days after the request.
    * Scheduled fewer than 3 business days ahead (same-day or next-day care): the rule sets no
      deadline, so None -- unless there was a request, whose deadline then applies.
    When a request and a scheduling both apply, the earlier deadline is returned, since both
    obligations must be met. Raises ValueError when neither date is given, or when the
    service date is missing or before the scheduling date.
    """
    if scheduled_on is None and requested_on is None:
        raise ValueError("a GFE deadline needs a scheduling date or a request date")
    deadlines = []
    if scheduled_on is not None:
        if service_date is None:
            raise ValueError("a scheduled service needs its service date")
        if service_date < scheduled_on:
            raise ValueError(f"service date {service_date} is before scheduling {scheduled_on}")
        ahead = business_days_between(scheduled_on, service_date, holidays)
        if ahead >= 10:
            deadlines.append(add_business_days(scheduled_on, 3, holidays))
        elif ahead >= 3:
            deadlines.append(add_business_days(scheduled_on, 1, holidays))
    if requested_on is not None:
        deadlines.append(add_business_days(requested_on, 3, holidays))
    return min(deadlines, default=None)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (Mon=0) of a month; n = -1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(d: date) -> date:
    """A Saturday holiday is observed on the Friday before, a Sunday one on the Monday after."""
    shift = {5: -1, 6: 1}.get(d.weekday(), 0)
    return d + timedelta(days=shift)


def _holidays_of(year: int) -> list[date]:
    """The eleven federal holidays of ``year`` (5 U.S.C. 6103) as observed dates, New
    Year's Day first."""
    mon, thu = 0, 3
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:  # Juneteenth (19 June) became a federal holiday in 2021
        fixed.append(date(year, 6, 19))
    floating = [
        _nth_weekday(year, 1, mon, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, mon, 3),  # Presidents Day
        _nth_weekday(year, 5, mon, -1),  # Memorial Day
        _nth_weekday(year, 9, mon, 1),  # Labor Day
        _nth_weekday(year, 10, mon, 2),  # Columbus Day
        _nth_weekday(year, 11, thu, 4),  # Thanksgiving Day
    ]
    return [_observed(d) for d in fixed] + floating


def us_federal_holidays(year: int) -> frozenset[date]:
    """Observed US federal holiday dates falling in calendar ``year``.

    Dates are grouped by the year they fall in, so when 1 Jan is a Saturday its observed
    Friday (31 Dec) belongs to the year before: ``us_federal_holidays(2021)`` contains
    31 Dec 2021 and ``us_federal_holidays(2022)`` has no New Year date. Rules as in force since
    2021 (Juneteenth included from 2021); Inauguration Day (DC area only) is not included.
    """
    candidates = _holidays_of(year) + _holidays_of(year + 1)[:1]  # next New Year's observed day
    return frozenset(d for d in candidates if d.year == year)


def us_federal_holidays_between(start: date, end: date) -> frozenset[date]:
    """Observed US federal holiday dates from ``start`` to ``end`` inclusive."""
    days = set()
    for year in range(start.year, end.year + 1):
        days |= {d for d in us_federal_holidays(year) if start <= d <= end}
    return frozenset(days)
