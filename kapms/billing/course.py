"""Whole-course estimates: lay a KAP course out over its months, code it, price every line
with the fee schedule in force on its date, and split it between plan and patient plan year
by plan year, in or out of network (pure rules).

**The course** (source 003): 2 medical consultations, about 25 hours of psychotherapy and
ketamine for 8 dosings over 4-6 months. :class:`CoursePlan` holds what staff choose: the
number of dosings (low 6 / high 8) and preparation sessions (low 1 / high 3), session and
dosing lengths and where dosings happen. :func:`course_visits` dates it: intake on the
start date; preparation weekly after it; dosings from the week after the last preparation,
spread evenly so the last integration lands about ``months`` (a clinic setting, default 5)
after the start; each integration 2 business days after its dosing and never a dosing
before the previous integration; the medical follow-up 30 days in (domain: ~30 days or after
dosing 2). A weekend or holiday moves to the next business day. Standardized measures are
planned where the measurement schedule gives them: at intake (baseline), at the
integrations after dosings 2, 4 and 6, and at the follow-up.

**Coding** is :func:`kapms.billing.coding.code_visits`, the same rules the care record is
billed by, so a dosing planned for 3 hours in the office is priced as 3 hours of 0820T when
the fee schedule bills dosings as monitoring, and as one 90837 when it bills them as
psychotherapy.

**Pricing.** Every line is priced by the fee schedule in force on its own date
(:func:`table_on`): a course that crosses a fee change is priced on both sides of it.

**Plan years.** The deductible and the out-of-pocket maximum accumulate per plan year and
start again at each plan year's first day (the plan year starts on ``plan_year_start`` and
its anniversaries, usually 1 January). The amounts met so far apply to the plan year the
benefits were verified in; every other plan year of the course starts from nothing met.

**Networks.** In network: the plan's allowed amount, the in-network deductible, coinsurance,
copays and maximum. Out of network: the practice's charge (private-pay schedule), the
allowed amount from the plan's out-of-network schedule or as a share of the charge (never
more than the charge), the out-of-network deductible, coinsurance and maximum, and the
*balance bill* (charge minus allowed), which the patient owes on top and which counts
towards no maximum. A plan with no out-of-network benefits pays nothing: the patient owes
the charge. Service types the plan does not cover are the patient's in full and count
towards neither deductible nor maximum.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from kapms.billing.business_days import NO_HOLIDAYS, add_business_days, is_business_day
from kapms.billing.codes import SERVICE_TYPES, label, service_type
from kapms.billing.coding import SETTINGS, BilledLine, Visit, code_visits
from kapms.billing.cost_share import cents_at_rate, require_cents, require_rate, share_lines
from kapms.billing.payment_plans import add_months

MEASURE_DOSINGS = (2, 4, 6)  # measures are given after these dosings (and at baseline, follow-up)
FOLLOW_UP_DAYS = 30
INTEGRATION_BUSINESS_DAYS = 2


@dataclass(frozen=True)
class CoursePlan:
    """One course scenario: how many of each visit, how long, and where dosings happen."""

    dosings: int = 8
    preparation: int = 1
    session_minutes: int = 60  # preparation and integration
    dosing_minutes: int = 120
    dosing_setting: str = "office"
    intake_minutes: int = 60
    follow_up_minutes: int = 30
    measures_per_visit: int = 2  # standardized measures at each measurement point

    def __post_init__(self):
        for name in ("dosings", "preparation", "session_minutes", "dosing_minutes",
                     "intake_minutes", "follow_up_minutes", "measures_per_visit"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number from 0, got {value!r}")
        if self.dosing_setting not in SETTINGS:
            raise ValueError(f"dosing setting must be one of {SETTINGS}")

    @property
    def therapist_minutes(self) -> int:
        """Minutes with the therapist: preparation, dosing and integration sessions."""
        return ((self.preparation + self.dosings) * self.session_minutes
                + self.dosings * self.dosing_minutes)


def low_high_plans(dosing_minutes: int = 120, session_minutes: int = 60,
                   dosing_setting: str = "office",
                   dosings: tuple[int, int] = (6, 8)) -> tuple[CoursePlan, CoursePlan]:
    """(low, high): fewer dosings with 1 preparation session, more with 3 (source 003's range
    of 6-8 dosings and about 25 hours with the therapist)."""
    common = dict(dosing_minutes=dosing_minutes, session_minutes=session_minutes,
                  dosing_setting=dosing_setting)
    return (CoursePlan(dosings=dosings[0], preparation=1, **common),
            CoursePlan(dosings=dosings[1], preparation=3, **common))


def _open_day(d: date, holidays: Container[date]) -> date:
    """``d``, or the next business day when the clinic is closed on ``d``."""
    return d if is_business_day(d, holidays) else add_business_days(d, 1, holidays)


def course_visits(plan: CoursePlan, start: date, *, months: int = 5,
                  holidays: Container[date] = NO_HOLIDAYS, therapist: tuple = (None, ""),
                  prescriber: tuple = (None, "")) -> list[Visit]:
    """The planned visits of ``plan`` from ``start`` (dating rules in the module docstring).

    ``therapist`` and ``prescriber`` are (user id, name) of the clinicians expected to give
    the visits, when known (a Good Faith Estimate names each provider).
    """
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 12:
        raise ValueError(f"months must be from 1 to 12, got {months!r}")
    start = _open_day(start, holidays)
    measures = plan.measures_per_visit

    def visit(kind, day, minutes, who, setting="office", n=0):
        return Visit(None, day, kind, minutes, setting, who[0], who[1], measures=n)

    visits = [visit("intake", start, plan.intake_minutes, prescriber, n=measures)]
    for k in range(1, plan.preparation + 1):
        visits.append(visit("preparation", _open_day(start + timedelta(weeks=k), holidays),
                            plan.session_minutes, therapist))
    first = start + timedelta(weeks=plan.preparation + 1)
    last = add_months(start, months) - timedelta(days=7)  # leaves room for the integration
    gap = (last - first).days / max(plan.dosings - 1, 1)
    previous_integration = None
    for i in range(plan.dosings):
        day = _open_day(first + timedelta(days=round(i * gap)), holidays)
        if previous_integration and day <= previous_integration:
            day = add_business_days(previous_integration, 1, holidays)
        integration = add_business_days(day, INTEGRATION_BUSINESS_DAYS, holidays)
        visits.append(visit("dosing", day, plan.dosing_minutes, therapist, plan.dosing_setting))
        visits.append(visit("integration", integration, plan.session_minutes, therapist,
                            n=measures if i + 1 in MEASURE_DOSINGS else 0))
        previous_integration = integration
    visits.append(visit("follow_up", _open_day(start + timedelta(days=FOLLOW_UP_DAYS), holidays),
                        plan.follow_up_minutes, prescriber, n=measures))
    return sorted(visits, key=lambda v: (v.service_date, ("intake", "preparation", "follow_up",
                                                         "dosing", "integration").index(v.kind)))


# --- fee schedules by date -----------------------------------------------------------------

@dataclass(frozen=True)
class FeeTable:
    """One fee schedule: amounts per code (cents per unit), the dates it is in force, and
    how the practice bills a dosing under it ("monitoring" or "psychotherapy")."""

    schedule_id: int | None
    effective_from: date
    effective_to: date | None
    amounts: Mapping[str, int]
    dosing_as: str = "monitoring"

    def in_force(self, day: date) -> bool:
        """True when this schedule applies on ``day``."""
        return self.effective_from <= day and (self.effective_to is None
                                               or day <= self.effective_to)


def table_on(tables: Iterable[FeeTable], day: date) -> FeeTable:
    """The schedule in force on ``day`` (the latest to start, if several); ValueError when
    none is."""
    found = [t for t in tables if t.in_force(day)]
    if not found:
        raise ValueError(f"no fee schedule in force on {day.isoformat()}")
    return max(found, key=lambda t: t.effective_from)


def amount(table: FeeTable, code: str) -> int:
    """Cents per unit of ``code`` in ``table``; ValueError naming a missing code."""
    if code not in table.amounts:
        raise ValueError(f"no amount for code {code!r} in the fee schedule from "
                         f"{table.effective_from.isoformat()}")
    return require_cents(f"amount for {code}", table.amounts[code])


def code_course(visits: Iterable[Visit], tables: Sequence[FeeTable],
                bill_held_dosings: bool = True) -> list[BilledLine]:
    """Code ``visits``, billing each dosing as the schedule in force on its date says."""
    return code_visits(visits, dosing_as=lambda day: table_on(tables, day).dosing_as,
                       bill_held_dosings=bill_held_dosings)


# --- benefits and plan years ---------------------------------------------------------------

@dataclass(frozen=True)
class NetworkBenefits:
    """One network's cost sharing (cents; coinsurance a Decimal fraction), with what was met
    in the plan year the benefits were verified in."""

    deductible: int
    deductible_met: int
    coinsurance: Decimal
    oop_max: int
    oop_met: int
    copays: Mapping[str, int] = field(default_factory=dict)  # service type -> flat copay
    copay_bypasses_deductible: bool = True
    not_covered: frozenset[str] = frozenset()  # service types the plan does not pay for

    def __post_init__(self):
        for name in ("deductible", "deductible_met", "oop_max", "oop_met"):
            require_cents(name, getattr(self, name))
        require_rate("coinsurance", self.coinsurance)
        for kind, cents in self.copays.items():
            if kind not in SERVICE_TYPES:
                raise ValueError(f"copay for unknown service type {kind!r}")
            require_cents(f"copay for {kind}", cents)
        unknown = set(self.not_covered) - set(SERVICE_TYPES)
        if unknown:
            raise ValueError(f"unknown service types not covered: {sorted(unknown)}")

    def remaining(self, first_year: bool) -> tuple[int, int]:
        """(deductible, out-of-pocket) left at the start of a plan year: what was met counts
        only in the plan year it was verified in."""
        if not first_year:
            return self.deductible, self.oop_max
        return (max(self.deductible - self.deductible_met, 0),
                max(self.oop_max - self.oop_met, 0))


@dataclass(frozen=True)
class Benefits:
    """A plan's benefits for a course: the plan year, in- and out-of-network cost sharing.

    ``out_of_network`` None means the plan pays nothing out of network. The out-of-network
    allowed amount comes from the plan's out-of-network fee schedule when one is given to
    :func:`price_course`, else it is ``oon_allowed_share`` of the practice's charge.
    """

    plan_year_start: date
    in_network: NetworkBenefits
    out_of_network: NetworkBenefits | None = None
    oon_allowed_share: Decimal | None = None

    def __post_init__(self):
        if self.oon_allowed_share is not None:
            require_rate("oon_allowed_share", self.oon_allowed_share)


def plan_year_of(day: date, anchor: date) -> date:
    """The first day of the plan year holding ``day``, for plan years starting on
    ``anchor`` and its anniversaries (29 February anniversaries fall on the 28th)."""
    years = day.year - anchor.year
    start = add_months(anchor, 12 * years)
    if start > day:
        start = add_months(anchor, 12 * (years - 1))
    return start


# --- pricing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PricedLine:
    """One priced line of a course estimate (cents)."""

    date: date
    code: str
    label: str
    units: int
    network: str  # "in", "out" or "self"
    plan_year: date | None  # first day of the line's plan year (None: self-pay)
    charge: int  # the practice's fee
    allowed: int
    plan: int
    patient: int  # cost share + balance bill
    balance_bill: int
    deductible: int
    coinsurance: int
    copay: int
    schedule_id: int | None  # the fee schedule that set the allowed amount
    clinician_id: int | None = None
    clinician_name: str = ""


@dataclass(frozen=True)
class CourseEstimate:
    """An itemised course estimate; totals are sums of the lines."""

    lines: tuple[PricedLine, ...]
    network: str

    @property
    def total_allowed(self) -> int:
        """Sum of the allowed amounts, in cents."""
        return sum(line.allowed for line in self.lines)

    @property
    def total_plan(self) -> int:
        """What the plan is expected to pay, in cents."""
        return sum(line.plan for line in self.lines)

    @property
    def total_patient(self) -> int:
        """What the patient is expected to pay, in cents."""
        return sum(line.patient for line in self.lines)

    def plan_years(self) -> list[date]:
        """The plan years the course touches, in order."""
        return sorted({line.plan_year for line in self.lines if line.plan_year})


def price_course(lines: Iterable[BilledLine], *, network: str, charges: Sequence[FeeTable],
                 allowed: Sequence[FeeTable] = (), benefits: Benefits | None = None
                 ) -> CourseEstimate:
    """Price billed lines for one network: "self" (self-pay: the patient pays the practice's
    charge), "in" or "out" (rules in the module docstring).

    ``charges`` are the practice's (private-pay) schedules; ``allowed`` the plan's schedules
    for that network (out of network they may be empty: the share of the charge applies).
    Raises ValueError for an unknown network, missing benefits, or a date or code no
    schedule prices.
    """
    if network not in ("self", "in", "out"):
        raise ValueError(f"network must be self, in or out, not {network!r}")
    ordered = sorted(lines, key=lambda line: line.service_date)  # stable within a day
    rows = []
    for line in ordered:
        label(line.code)  # an unknown code -> ValueError
        if network == "in":
            table = table_on(allowed, line.service_date)
            allowed_cents = amount(table, line.code) * line.units
            charge = _charge(charges, line, default=allowed_cents)
            rows.append((line, charge, allowed_cents, table.schedule_id))
            continue
        fees = table_on(charges, line.service_date)
        charge = amount(fees, line.code) * line.units
        if network == "out":
            rows.append((line, charge, *_oon_allowed(line, charge, fees, allowed, benefits)))
        else:
            rows.append((line, charge, charge, fees.schedule_id))

    if network == "self":
        priced = [_line(line, "self", None, charge, charge, schedule_id, plan=0, patient=charge)
                  for line, charge, _allowed, schedule_id in rows]
        return CourseEstimate(tuple(priced), network)
    if benefits is None:
        raise ValueError("an insured estimate needs the plan's benefits")
    side = benefits.in_network if network == "in" else benefits.out_of_network
    anchor = benefits.plan_year_start
    years = [plan_year_of(line.service_date, anchor) for line, *_ in rows]
    shares: dict[int, tuple[int, int, int]] = {}
    if side is not None:
        for year in sorted(set(years)):
            covered = [i for i, (line, *_rest) in enumerate(rows) if years[i] == year
                       and service_type(line.code) not in side.not_covered]
            deductible_left, oop_left = side.remaining(year == anchor)
            types = [service_type(rows[i][0].code) for i in covered]
            for i, share in zip(covered, share_lines(
                    [rows[i][2] for i in covered], deductible_remaining=deductible_left,
                    coinsurance=side.coinsurance, oop_remaining=oop_left,
                    copay=[side.copays.get(kind) for kind in types],
                    copay_after_deductible=not side.copay_bypasses_deductible), strict=True):
                shares[i] = (share.deductible_part, share.coinsurance_part, share.copay_part)
    priced = []
    for i, (line, charge, allowed_cents, schedule_id) in enumerate(rows):
        if i in shares:
            ded, coins, copay = shares[i]
            balance = charge - allowed_cents if network == "out" else 0
            priced.append(_line(line, network, years[i], charge, allowed_cents, schedule_id,
                                plan=allowed_cents - ded - coins - copay,
                                patient=ded + coins + copay + balance, balance=balance,
                                parts=(ded, coins, copay)))
        elif network == "in":  # not covered: the patient pays the contracted amount
            priced.append(_line(line, network, years[i], charge, allowed_cents, schedule_id,
                                plan=0, patient=allowed_cents))
        else:  # not covered out of network: the patient owes the practice's charge
            priced.append(_line(line, network, years[i], charge, 0, schedule_id,
                                plan=0, patient=charge))
    return CourseEstimate(tuple(priced), network)


def _charge(charges: Sequence[FeeTable], line: BilledLine, default: int) -> int:
    """The practice's fee for ``line`` when a private-pay schedule is in force, else
    ``default`` (an in-network estimate needs only the plan's schedule)."""
    try:
        return amount(table_on(charges, line.service_date), line.code) * line.units
    except ValueError:
        return default


def _oon_allowed(line: BilledLine, charge: int, fees: FeeTable, allowed: Sequence[FeeTable],
                 benefits: Benefits | None) -> tuple[int, int | None]:
    """(allowed cents, schedule id) out of network: the plan's schedule in force, else a
    share of the charge; never more than the charge (0 when the plan pays nothing there)."""
    if benefits is not None and benefits.out_of_network is None:
        return 0, fees.schedule_id
    if allowed:
        table = table_on(allowed, line.service_date)
        return min(amount(table, line.code) * line.units, charge), table.schedule_id
    share = benefits.oon_allowed_share if benefits else None
    if share is None:
        raise ValueError("out of network needs an out-of-network fee schedule or the share "
                         "of the charge the plan allows")
    return min(cents_at_rate(charge, share), charge), fees.schedule_id


def _line(line: BilledLine, network: str, year: date | None, charge: int, allowed: int,
          schedule_id: int | None, *, plan: int, patient: int, balance: int = 0,
          parts: tuple[int, int, int] = (0, 0, 0)) -> PricedLine:
    return PricedLine(line.service_date, line.code, label(line.code), line.units, network, year,
                      charge, allowed, plan, patient, balance, *parts, schedule_id,
                      line.clinician_id, line.clinician_name)
