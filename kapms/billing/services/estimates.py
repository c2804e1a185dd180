"""Whole-course estimates: the course laid out over its months, coded as the practice bills,
priced line by line with the fee schedules in force on each date, split plan year by plan
year with the patient's benefits, in their network and, on request, in the other one beside
it; saved as numbered versions.

An estimate is only computed from facts on file: an insured patient with no benefits
recorded for their plan gets a clear refusal, not a guess. A self-pay patient is priced on
the private-pay schedule (patient pays every line) and pointed to the Good Faith Estimate.
Each recomputation saves a new version; old versions stay readable and unchanged.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from kapms.audit.services import record
from kapms.billing.business_days import us_federal_holidays_between
from kapms.billing.course import code_course, course_visits, low_high_plans, price_course
from kapms.billing.models import SETTINGS, Estimate, EstimateLine
from kapms.billing.services import DEFAULT_POLICY, Policy, care_link
from kapms.billing.services.benefits import benefits_as_of, to_benefits
from kapms.billing.services.fees import fee_tables, has_schedule_on
from kapms.errors import NotFound, RuleViolation
from kapms.patients.access import BILLING
from kapms.patients.services import get_patient

TEMPLATE_DOSINGS = (6, 8)  # low / high dosings of the typical course (source 003)
SESSION_MINUTES = (45, 60)  # 90834 / 90837
DOSING_MINUTES = (60, 90, 120, 150, 180)  # dosing sessions last 1-3 hours
MAX_START_DISTANCE_DAYS = 731  # a course starts within two years of today (typos like 2062)


@dataclass(frozen=True)
class EstimateRequest:
    """What staff choose: the course's start and basis, session and dosing lengths, where
    dosings happen, and whether to price the other network beside the patient's own."""

    start_date: date
    basis: str = "template"  # "template" (6-8 dosings) or "plan" (the treatment plan's count)
    session_minutes: int = 60  # preparation and integration sessions
    dosing_minutes: int = 120
    dosing_setting: str = "office"
    compare_networks: bool = False


_LOOK_UP = object()  # missing_facts: the current benefits are not known yet


def missing_facts(session, patient, on: date, benefits=_LOOK_UP) -> str | None:
    """Why an estimate cannot be computed for the patient today, or None when it can.
    ``benefits``: the patient's current benefits when the caller has read them already."""
    plan_id = patient.plan_id
    if benefits is _LOOK_UP:
        benefits = benefits_as_of(session, patient, on) if plan_id is not None else None
    if plan_id is not None and benefits is None:
        return (f"No benefits on file for {patient.full_name}'s plan "
                f"({patient.plan.label}). Enter the benefits first; an estimate is not "
                "computed without them.")
    if not has_schedule_on(session, plan_id, on):
        who = patient.plan.label if plan_id else "private pay"
        return f"No fee schedule for {who} in effect on {on:%b %d, %Y}; an admin adds one."
    return None


def check_request(request: EstimateRequest, today: date) -> None:
    """The choices an estimate (or a GFE) may be made with."""
    if abs((request.start_date - today).days) > MAX_START_DISTANCE_DAYS:
        raise RuleViolation("Choose a start date within two years of today.", field="start_date")
    if request.session_minutes not in SESSION_MINUTES:
        raise RuleViolation("Choose a session length from the list.", field="session_minutes")
    if request.dosing_minutes not in DOSING_MINUTES:
        raise RuleViolation("Choose a dosing length from the list.", field="dosing_minutes")
    if request.dosing_setting not in SETTINGS:
        raise RuleViolation("Choose where dosings happen.", field="dosing_setting")
    if request.basis not in ("template", "plan"):
        raise RuleViolation("Choose the course template or the treatment plan.", field="basis")


def create_estimate(session, actor, patient, request: EstimateRequest, today: date,
                    policy: Policy = DEFAULT_POLICY) -> Estimate:
    """Price the course for ``patient`` and save it as the next version.

    Benefits are the latest recorded as of ``today``; every line is priced by the schedule in
    force on its own date. Raises RuleViolation when benefits or a schedule are missing, or
    when the plan basis is chosen and there is no treatment plan.
    """
    check_request(request, today)
    benefits_row = None
    if not patient.self_pay:
        benefits_row = benefits_as_of(session, patient, today)
        if benefits_row is None:
            raise RuleViolation(missing_facts(session, patient, today) or "No benefits on file.")
    if request.basis == "plan":
        planned = care_link.treatment_plan_dosings(session, patient.id)
        if not planned:
            raise RuleViolation("There is no treatment plan with dosings yet; use the course "
                                "template.", field="basis")
        dosings = (planned, planned)
    else:
        dosings = TEMPLATE_DOSINGS
    plans = low_high_plans(request.dosing_minutes, request.session_minutes,
                           request.dosing_setting, dosings)
    start = request.start_date
    holidays = us_federal_holidays_between(start, start + timedelta(days=400))
    visits = {name: course_visits(plan, start, months=policy.course_months, holidays=holidays)
              for name, plan in zip(("low", "high"), plans, strict=True)}
    end = max(v.service_date for scenario in visits.values() for v in scenario)
    own = "self" if benefits_row is None else ("in" if benefits_row.in_network else "out")
    networks = [own] + ([{"in": "out", "out": "in"}[own]]
                        if request.compare_networks and own != "self" else [])
    charges = fee_tables(session, None, start, end)
    benefits = to_benefits(benefits_row) if benefits_row else None
    priced = {}
    for network in networks:
        allowed = (fee_tables(session, patient.plan_id, start, end, network)
                   if network != "self" else [])
        rules = allowed if network == "in" else charges
        for name, scenario in visits.items():
            try:
                lines = code_course(scenario, rules, policy.bill_held_dosings)
                priced[name, network] = price_course(lines, network=network, charges=charges,
                                                     allowed=allowed, benefits=benefits)
            except ValueError as error:
                raise RuleViolation(_pricing_message(patient, network, str(error)),
                                    field="start_date") from None

    version = (session.scalar(select(func.max(Estimate.version))
                              .where(Estimate.patient_id == patient.id)) or 0) + 1
    first_schedule = priced["low", own].lines[0].schedule_id
    estimate = Estimate(
        patient_id=patient.id, version=version, basis=request.basis, start_date=start,
        self_pay=patient.self_pay, in_network=benefits_row.in_network if benefits_row else None,
        compare_networks=len(networks) > 1, dosing_setting=request.dosing_setting,
        course_months=policy.course_months, low_dosings=plans[0].dosings,
        high_dosings=plans[1].dosings, session_minutes=request.session_minutes,
        dosing_minutes=request.dosing_minutes,
        low_therapy_minutes=plans[0].therapist_minutes,
        high_therapy_minutes=plans[1].therapist_minutes, schedule_id=first_schedule,
        benefits_id=benefits_row.id if benefits_row else None,
        plan_label=patient.plan.label if patient.plan else "Self-pay",
        created_by_id=getattr(actor, "id", None))
    position = 0
    for (scenario, network), course in priced.items():
        for line in course.lines:
            estimate.lines.append(EstimateLine(
                scenario=scenario, network=network, position=position, service_date=line.date,
                plan_year_start=line.plan_year, code=line.code, units=line.units,
                charge_cents=line.charge, allowed_cents=line.allowed, plan_cents=line.plan,
                patient_cents=line.patient, balance_bill_cents=line.balance_bill,
                deductible_cents=line.deductible, coinsurance_cents=line.coinsurance,
                copay_cents=line.copay, schedule_id=line.schedule_id))
            position += 1
    session.add(estimate)
    session.flush()
    record(session, actor, "create", "estimate", estimate.id, patient_id=patient.id,
           detail=f"version {version}")
    return estimate


def _pricing_message(patient, network: str, error: str) -> str:
    """A refusal that says which schedule is missing."""
    if network == "self" or "private" in error:
        who = "private pay (the practice's fees)"
    elif network == "out":
        who = f"{patient.plan.label} out of network"
    else:
        who = patient.plan.label
    if error.startswith("no fee schedule in force on "):
        day = date.fromisoformat(error.rsplit(" ", 1)[1])
        return (f"No fee schedule for {who} in force on {day:%b %d, %Y}, a date of this "
                "course; an admin adds one.")
    return f"The fee schedules cannot price this course ({who}): {error}."


def get_estimate(session, actor, estimate_id: int, *, action: str = "view") -> Estimate:
    """Load an estimate the actor may see (through the patient's scope), auditing the read.

    ``action`` is "view" for the page and "print" for the PDF.
    """
    estimate = session.get(Estimate, estimate_id)
    if estimate is None:
        raise NotFound("No such estimate.")
    get_patient(session, actor, estimate.patient_id, need=BILLING, audit=False)
    record(session, actor, action, "estimate", estimate.id, patient_id=estimate.patient_id,
           detail=f"version {estimate.version}")
    return estimate


def latest_estimate(session, patient_id: int) -> Estimate | None:
    """The patient's newest estimate with its lines, in one statement, or None."""
    found = session.scalars(select(Estimate).where(Estimate.patient_id == patient_id)
                            .options(joinedload(Estimate.lines))
                            .order_by(Estimate.version.desc()).limit(1)).unique().all()
    return found[0] if found else None


def patient_estimates(session, patient_id: int) -> list[Estimate]:
    """The patient's estimates with their lines, newest version first, in one query (callers
    audit the page they show)."""
    return session.scalars(select(Estimate).where(Estimate.patient_id == patient_id)
                           .options(joinedload(Estimate.lines))
                           .order_by(Estimate.version.desc())).unique().all()
