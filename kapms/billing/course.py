"""Whole-course estimate: plan a KAP course, date it, price it line by line.

Source 003 describes a typical course as 2 medical consultations, ~25 hours of psychotherapy
and ketamine for 8 dosings over 4-6 months. :data:`DEFAULT_COURSE` follows it:

* medical intake 99204 (new-patient E/M by the prescriber; 90792 is the alternative) and one
  medical follow-up 99214 about 30 days in (domain: ~30 days or after dosing 2);
* 1 preparation session (60 min), 8 dosing sessions (120 min) and 8 integration sessions
  (60 min, one after each dosing): 1 + 16 + 8 = 25 hours of therapist time;
* ketamine as one MED-KETAMINE line per dosing.

Dosing sessions are billed as psychotherapy (90837) by default, because the source's model
lets a patient dose at home with the therapist on telehealth, and 0820T (continuous in-person
monitoring, per hour) requires the clinician in the room; it is also a Category III code that
many payers do not pay. ``course_template(in_office_monitoring=True)`` bills dosings as 0820T
per hour instead. 0821T (a second clinician) and 0822T (clinical staff) are not in any
template: the source's model has one therapist present. 96127 (measures) is left out because
the source's cost does not include it; add ``PlannedService("intake", "96127", 2)`` to bill it.

:func:`low_high_templates` gives the range: low = 6 dosings and 19 hours, high = 8 dosings with
3 preparation sessions and 27 hours.

Pricing runs :func:`~kapms.billing.cost_share.share_lines` once over the covered lines in date
order, so deductible and out-of-pocket cap run across the course. Service types in
``Benefits.not_covered`` are paid in full by the patient and count towards neither.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from kapms.billing.business_days import NO_HOLIDAYS, add_business_days, is_business_day
from kapms.billing.codes import (
    SERVICE_CODES,
    SERVICE_TYPES,
    billing_units,
    label,
    psychotherapy_code,
    service_type,
)
from kapms.billing.cost_share import require_cents, require_rate, share_lines

PHASES = ("intake", "preparation", "dosing", "integration", "follow_up")
_SESSION_CODES = {"90832", "90834", "90837"}  # timed psychotherapy codes, checked on minutes


@dataclass(frozen=True)
class PlannedService:
    """One kind of service in a course template: ``count`` occurrences in a care-path phase."""

    phase: str
    code: str
    count: int
    minutes: int | None = None

    def __post_init__(self):
        if self.phase not in PHASES:
            raise ValueError(f"unknown phase {self.phase!r}; expected one of {PHASES}")
        if self.code not in SERVICE_CODES:
            raise ValueError(f"unknown service code {self.code!r}")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise ValueError(f"count must be a non-negative int, got {self.count!r}")
        if self.minutes is not None:
            if isinstance(self.minutes, bool) or not isinstance(self.minutes, int):
                raise ValueError(f"minutes must be an int, got {self.minutes!r}")
            if self.code in _SESSION_CODES and psychotherapy_code(self.minutes) != self.code:
                raise ValueError(f"{self.minutes} minutes is not billed as {self.code}")
        billing_units(self.code, self.minutes)  # raises for a too-short per-hour service


@dataclass(frozen=True)
class PlannedLine:
    """One dated occurrence of a planned service."""

    date: date
    phase: str
    code: str
    units: int
    minutes: int | None = None


def course_template(
    *,
    dosings: int = 8,
    preparation: int = 1,
    dosing_minutes: int = 120,
    session_minutes: int = 60,
    intake_code: str = "99204",
    in_office_monitoring: bool = False,
) -> tuple[PlannedService, ...]:
    """Build a course template: intake, preparation, dosing + medication, integration, follow-up.

    One integration session follows each dosing. Dosings are billed as timed psychotherapy, or
    as 0820T per hour when ``in_office_monitoring`` (see the module docstring).
    """
    if intake_code not in ("99204", "90792"):
        raise ValueError(f"a medical intake is 99204 or 90792, not {intake_code!r}")
    therapy = psychotherapy_code(session_minutes)
    dosing_code = "0820T" if in_office_monitoring else psychotherapy_code(dosing_minutes)
    return (
        PlannedService("intake", intake_code, 1),
        PlannedService("preparation", therapy, preparation, session_minutes),
        PlannedService("dosing", dosing_code, dosings, dosing_minutes),
        PlannedService("dosing", "MED-KETAMINE", dosings),
        PlannedService("integration", therapy, dosings, session_minutes),
        PlannedService("follow_up", "99214", 1),
    )


DEFAULT_COURSE = course_template()


def low_high_templates() -> tuple[tuple[PlannedService, ...], tuple[PlannedService, ...]]:
    """Return (low, high) templates: 6 dosings with 19 therapy hours; 8 with 27 hours."""
    return course_template(dosings=6), course_template(preparation=3)


def therapy_minutes(template: Iterable[PlannedService]) -> int:
    """Total therapist minutes in a template (psychotherapy and monitoring services)."""
    return sum(
        s.count * (s.minutes or 0)
        for s in template
        if service_type(s.code) in ("psychotherapy", "monitoring")
    )


def _open_day(d: date, holidays: Container[date]) -> date:
    """``d``, or the next business day when the clinic is closed on ``d``."""
    return d if is_business_day(d, holidays) else add_business_days(d, 1, holidays)


def expand_course(
    template: Iterable[PlannedService],
    start_date: date,
    weeks: int = 20,
    holidays: Container[date] = NO_HOLIDAYS,
) -> list[PlannedLine]:
    """Spread a template over dates, in care-path order, aiming to finish within ``weeks``.

    Intake on the start date; preparation sessions weekly after it; dosings from the week after
    the last preparation, evenly spaced (whole weeks, at least one) so the last integration
    lands before week ``weeks``; each integration 2 business days after its dosing, and never a
    dosing before the previous integration (domain rule); extra integrations weekly after the
    last; follow-ups every 30 days from the start. A date on a weekend or one of ``holidays``
    moves to the next business day. Dosing-phase services (e.g. the medication) share the
    dosing dates. Lines come back sorted by date, then phase, then template order.
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise ValueError(f"weeks must be a positive int, got {weeks!r}")
    template = list(template)
    start = _open_day(start_date, holidays)
    most = {p: max((s.count for s in template if s.phase == p), default=0) for p in PHASES}
    first = most["preparation"] + 1  # week of the first dosing
    gap = max(1, (weeks - first - 1) // max(most["dosing"] - 1, 1))
    dosing_days: list[date] = []
    integration_days: list[date] = []
    for i in range(most["dosing"]):
        day = _open_day(start + timedelta(weeks=first + i * gap), holidays)
        if integration_days and day <= integration_days[-1]:  # holidays pushed it too late
            day = add_business_days(integration_days[-1], 1, holidays)
        dosing_days.append(day)
        integration_days.append(add_business_days(day, 2, holidays))
    while len(integration_days) < most["integration"]:
        last = (integration_days or [start])[-1]
        integration_days.append(_open_day(last + timedelta(weeks=1), holidays))

    def dates(phase: str, n: int) -> list[date]:
        if phase == "intake":
            return [start] * n
        if phase == "preparation":
            return [_open_day(start + timedelta(weeks=k), holidays) for k in range(1, n + 1)]
        if phase == "dosing":
            return dosing_days[:n]
        if phase == "integration":
            return integration_days[:n]
        return [_open_day(start + timedelta(days=30 * k), holidays) for k in range(1, n + 1)]

    lines = [
        (d, PHASES.index(s.phase), order, PlannedLine(d, s.phase, s.code, units, s.minutes))
        for order, s in enumerate(template)
        for units in [billing_units(s.code, s.minutes)]
        for d in dates(s.phase, s.count)
    ]
    return [line for *_, line in sorted(lines, key=lambda t: t[:3])]


@dataclass(frozen=True)
class Benefits:
    """The patient's plan benefits for this course (cents; coinsurance a Decimal fraction).

    ``copays`` maps a service type (see :data:`kapms.billing.codes.SERVICE_TYPES`) to a flat
    copay. ``in_network`` is carried to the estimate for display; the arithmetic is the same,
    so for an out-of-network estimate pass the plan's out-of-network figures.
    """

    in_network: bool
    deductible_remaining: int
    coinsurance: Decimal
    oop_remaining: int
    copays: Mapping[str, int] = field(default_factory=dict)
    copay_bypasses_deductible: bool = True
    not_covered: frozenset[str] = frozenset()  # service types the plan does not pay for

    def __post_init__(self):
        require_cents("deductible_remaining", self.deductible_remaining)
        require_cents("oop_remaining", self.oop_remaining)
        require_rate("coinsurance", self.coinsurance)
        for kind, cents in self.copays.items():
            if kind not in SERVICE_TYPES:
                raise ValueError(f"copay for unknown service type {kind!r}")
            require_cents(f"copay for {kind}", cents)
        unknown = set(self.not_covered) - set(SERVICE_TYPES)
        if unknown:
            raise ValueError(f"unknown service types not covered: {sorted(unknown)}")


@dataclass(frozen=True)
class EstimateLine:
    """One priced line of a course estimate (cents)."""

    date: date
    code: str
    label: str
    units: int
    allowed: int
    plan: int
    patient: int


@dataclass(frozen=True)
class CourseEstimate:
    """An itemised course estimate; totals are sums of the lines."""

    lines: tuple[EstimateLine, ...]
    self_pay: bool
    in_network: bool | None = None

    @property
    def total_allowed(self) -> int:
        """Sum of the allowed (or self-pay) amounts, in cents."""
        return sum(line.allowed for line in self.lines)

    @property
    def total_plan(self) -> int:
        """What the plan is expected to pay, in cents."""
        return sum(line.plan for line in self.lines)

    @property
    def total_patient(self) -> int:
        """What the patient is expected to pay, in cents."""
        return sum(line.patient for line in self.lines)


def price_course(
    lines: Iterable[PlannedLine],
    allowed_cents_by_code: Mapping[str, int],
    benefits: Benefits | None,
) -> CourseEstimate:
    """Price dated lines with a fee schedule (cents per unit by code) and the plan's benefits.

    Lines are taken in date order. ``benefits=None`` is self-pay: the patient pays each amount.
    A code missing from the fee schedule raises ValueError naming the code.
    """
    ordered = sorted(lines, key=lambda line: line.date)  # stable: same-day order is kept
    allowed = []
    for line in ordered:
        label(line.code)  # unknown code -> ValueError
        if line.code not in allowed_cents_by_code:
            raise ValueError(f"no allowed amount for code {line.code!r} in the fee schedule")
        cents = require_cents(f"allowed amount for {line.code}", allowed_cents_by_code[line.code])
        allowed.append(cents * line.units)

    patient = list(allowed)
    if benefits is not None:
        types = [service_type(line.code) for line in ordered]
        covered = [i for i, kind in enumerate(types) if kind not in benefits.not_covered]
        shares = share_lines(
            [allowed[i] for i in covered],
            deductible_remaining=benefits.deductible_remaining,
            coinsurance=benefits.coinsurance,
            oop_remaining=benefits.oop_remaining,
            copay=[benefits.copays.get(types[i]) for i in covered],
            copay_after_deductible=not benefits.copay_bypasses_deductible,
        )
        for i, share in zip(covered, shares, strict=True):
            patient[i] = share.patient

    return CourseEstimate(
        lines=tuple(
            EstimateLine(line.date, line.code, label(line.code), line.units, a, a - p, p)
            for line, a, p in zip(ordered, allowed, patient, strict=True)
        ),
        self_pay=benefits is None,
        in_network=None if benefits is None else benefits.in_network,
    )
