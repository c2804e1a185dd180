"""Whole-course estimates: priced from a course template or the patient's treatment plan,
through the patient's fee schedule and benefits, saved as numbered versions.

An estimate is only computed from facts on file: an insured patient with no benefits
recorded for their plan gets a clear refusal, not a guess. A self-pay patient is priced on
the private-pay schedule (patient pays every line) and pointed to the Good Faith Estimate.
Each recomputation saves a new version; old versions stay readable and unchanged.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from kapms.audit.services import record
from kapms.billing.business_days import us_federal_holidays_between
from kapms.billing.course import course_template, expand_course, price_course, therapy_minutes
from kapms.billing.models import Estimate, EstimateLine
from kapms.billing.services import care_link
from kapms.billing.services.benefits import benefits_as_of, to_benefits
from kapms.billing.services.fees import schedule_on
from kapms.errors import NotFound, RuleViolation
from kapms.patients.access import BILLING
from kapms.patients.services import get_patient

TEMPLATE_DOSINGS = (6, 8)  # low / high dosings of the default course (source 003)
LOW_PREPARATION, HIGH_PREPARATION = 1, 3  # fewer vs more therapy hours
SESSION_MINUTES = (45, 60)  # 90834 / 90837
DOSING_MINUTES = (60, 90, 120, 150, 180)  # dosing sessions last 1-3 hours
MAX_START_DISTANCE_DAYS = 731  # a course starts within two years of today (typos like 2062)


@dataclass(frozen=True)
class EstimateRequest:
    """What staff choose: the course's start, its basis, and how dosings are monitored."""

    start_date: date
    basis: str = "template"  # "template" (6-8 dosings) or "plan" (the treatment plan's count)
    in_office_monitoring: bool = False
    session_minutes: int = 60  # preparation and integration sessions
    dosing_minutes: int = 120


def missing_facts(session, patient, on: date) -> str | None:
    """Why an estimate cannot be computed for the patient today, or None when it can."""
    plan_id = patient.plan_id
    if plan_id is not None and benefits_as_of(session, patient, on) is None:
        return (f"No benefits on file for {patient.full_name}'s plan "
                f"({patient.plan.label}). Enter the benefits first; an estimate is not "
                "computed without them.")
    if schedule_on(session, plan_id, on) is None:
        who = patient.plan.label if plan_id else "private pay"
        return f"No fee schedule for {who} in effect on {on:%b %d, %Y}; an admin adds one."
    return None


def create_estimate(session, actor, patient, request: EstimateRequest, today: date) -> Estimate:
    """Price the course for ``patient`` and save it as the next version.

    Benefits are the latest recorded as of ``today``; the fee schedule is the one in effect
    on the course's start date. Raises RuleViolation when either is missing, or when the
    plan basis is chosen and there is no treatment plan.
    """
    if abs((request.start_date - today).days) > MAX_START_DISTANCE_DAYS:
        raise RuleViolation("Choose a start date within two years of today.", field="start_date")
    if request.session_minutes not in SESSION_MINUTES:
        raise RuleViolation("Choose a session length from the list.", field="session_minutes")
    if request.dosing_minutes not in DOSING_MINUTES:
        raise RuleViolation("Choose a dosing length from the list.", field="dosing_minutes")
    if request.basis not in ("template", "plan"):
        raise RuleViolation("Choose the course template or the treatment plan.", field="basis")
    benefits_row = None
    if not patient.self_pay:
        benefits_row = benefits_as_of(session, patient, today)
        if benefits_row is None:
            raise RuleViolation(missing_facts(session, patient, today) or "No benefits on file.")
    schedule = schedule_on(session, patient.plan_id, request.start_date)
    if schedule is None:
        who = patient.plan.label if patient.plan_id else "private pay"
        raise RuleViolation(f"No fee schedule for {who} in effect on "
                            f"{request.start_date:%b %d, %Y}; an admin adds one.",
                            field="start_date")

    if request.basis == "plan":
        planned = care_link.treatment_plan_dosings(session, patient.id)
        if not planned:
            raise RuleViolation("There is no treatment plan with dosings yet; use the course "
                                "template.", field="basis")
        low_dosings = high_dosings = planned
    else:
        low_dosings, high_dosings = TEMPLATE_DOSINGS
    holidays = us_federal_holidays_between(request.start_date,
                                           request.start_date + timedelta(days=400))
    benefits = to_benefits(benefits_row) if benefits_row else None
    priced, minutes = {}, {}
    for scenario, dosings, preparation in (("low", low_dosings, LOW_PREPARATION),
                                           ("high", high_dosings, HIGH_PREPARATION)):
        template = course_template(dosings=dosings, preparation=preparation,
                                   dosing_minutes=request.dosing_minutes,
                                   session_minutes=request.session_minutes,
                                   in_office_monitoring=request.in_office_monitoring)
        minutes[scenario] = therapy_minutes(template)
        lines = expand_course(template, request.start_date, holidays=holidays)
        try:
            priced[scenario] = price_course(lines, schedule.amounts(), benefits)
        except ValueError as error:  # a code missing from an old schedule
            raise RuleViolation(f"The fee schedule cannot price this course: {error}.") from None

    version = (session.scalar(select(func.max(Estimate.version))
                              .where(Estimate.patient_id == patient.id)) or 0) + 1
    estimate = Estimate(
        patient_id=patient.id, version=version, basis=request.basis,
        start_date=request.start_date, self_pay=patient.self_pay,
        in_network=benefits_row.in_network if benefits_row else None,
        in_office_monitoring=request.in_office_monitoring, low_dosings=low_dosings,
        high_dosings=high_dosings, session_minutes=request.session_minutes,
        dosing_minutes=request.dosing_minutes, low_therapy_minutes=minutes["low"],
        high_therapy_minutes=minutes["high"], schedule_id=schedule.id,
        benefits_id=benefits_row.id if benefits_row else None,
        plan_label=patient.plan.label if patient.plan else "Self-pay",
        created_by_id=getattr(actor, "id", None))
    position = 0
    for scenario, course in priced.items():
        for line in course.lines:
            estimate.lines.append(EstimateLine(
                scenario=scenario, position=position, service_date=line.date, code=line.code,
                units=line.units, allowed_cents=line.allowed, plan_cents=line.plan,
                patient_cents=line.patient))
            position += 1
    session.add(estimate)
    session.flush()
    record(session, actor, "create", "estimate", estimate.id, patient_id=patient.id,
           detail=f"version {version}")
    return estimate


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


def patient_estimates(session, patient_id: int) -> list[Estimate]:
    """The patient's estimates, newest version first (callers audit the page they show)."""
    return session.scalars(select(Estimate).where(Estimate.patient_id == patient_id)
                           .order_by(Estimate.version.desc())).all()
