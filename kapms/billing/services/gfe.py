"""Good Faith Estimates for uninsured and self-pay patients (No Surprises Act,
45 CFR 149.610).

A GFE covers the expected course (recurring services up to 12 months may share one GFE):
the same course an estimate lays out (:mod:`kapms.billing.course`), with the dosing length
and setting given, coded as the practice bills (so a 3-hour dosing is 3 hours of monitoring
when the practice's schedule bills dosings per hour) and priced on the private-pay schedule
in force on each date. Lines are grouped by provider (the care-team clinician who gives the
service, with their NPI), service code and charge, with quantity, dates and diagnosis. The
deadline for giving it is computed in business days from the scheduling (or request) date,
skipping federal holidays. Every NPI printed is checked (check digit) before it is issued.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kapms.audit.services import record
from kapms.billing.business_days import gfe_due_date, us_federal_holidays_between
from kapms.billing.course import CoursePlan, code_course, course_visits, price_course
from kapms.billing.models import SETTINGS, GfeLine, GoodFaithEstimate
from kapms.billing.services import DEFAULT_POLICY, Policy, Practice, require_npis
from kapms.billing.services.clinicians import npi_by_user
from kapms.billing.services.estimates import DOSING_MINUTES, MAX_START_DISTANCE_DAYS
from kapms.billing.services.fees import fee_tables, schedule_on
from kapms.errors import NotFound, RuleViolation
from kapms.icd10 import ICD10_LABELS
from kapms.patients.access import BILLING
from kapms.patients.services import get_patient

PRIMARY_SERVICE = "Ketamine-assisted psychotherapy course, starting with a medical intake visit"
DEFAULT_SEPARATELY_SCHEDULED = (
    "Laboratory tests, medical consultations with other providers, and any maintenance "
    "dosing after this course are not included; they are scheduled separately and those "
    "providers give their own Good Faith Estimates.")
MAX_DOSINGS = 18  # the longest program in the sources (6, 12 or 18 sessions)


@dataclass(frozen=True)
class GfeRequest:
    """What staff enter to issue a GFE."""

    primary_service_date: date
    scheduled_on: date | None
    requested_on: date | None
    dosings: int = 8
    diagnosis_code: str | None = None
    separately_scheduled: str = DEFAULT_SEPARATELY_SCHEDULED
    self_pay_election: bool = False  # an insured patient chose not to use their insurance
    dosing_minutes: int = 120
    dosing_setting: str = "office"


def _check(patient, request: GfeRequest, today: date) -> str:
    """Refuse what a GFE may not be issued with; returns the diagnosis code."""
    if patient.plan_id is not None and not request.self_pay_election:
        raise RuleViolation(f"{patient.full_name} has insurance on file. A Good Faith Estimate "
                            "is for uninsured patients or those choosing not to use insurance: "
                            "tick the self-pay choice if they made it.",
                            field="self_pay_election")
    if abs((request.primary_service_date - today).days) > MAX_START_DISTANCE_DAYS:
        raise RuleViolation("Choose a service date within two years of today.",
                            field="primary_service_date")
    for name in ("scheduled_on", "requested_on"):
        given = getattr(request, name)
        if given is not None and abs((given - today).days) > MAX_START_DISTANCE_DAYS:
            raise RuleViolation("Choose a date within two years of today.", field=name)
    if not 1 <= request.dosings <= MAX_DOSINGS:
        raise RuleViolation(f"Dosings must be between 1 and {MAX_DOSINGS}.", field="dosings")
    if request.dosing_minutes not in DOSING_MINUTES:
        raise RuleViolation("Choose a dosing length from the list.", field="dosing_minutes")
    if request.dosing_setting not in SETTINGS:
        raise RuleViolation("Choose where dosings happen.", field="dosing_setting")
    dx = (request.diagnosis_code or patient.diagnosis_code or "").strip().upper()
    if dx not in ICD10_LABELS:
        raise RuleViolation("Choose a diagnosis code from the list.", field="diagnosis_code")
    return dx


def create_gfe(session, actor, patient, request: GfeRequest, practice: Practice,
               today: date, policy: Policy = DEFAULT_POLICY) -> GoodFaithEstimate:
    """Issue a GFE for ``patient`` and save everything it prints."""
    dx = _check(patient, request, today)
    start = request.primary_service_date
    holidays = us_federal_holidays_between(min(filter(None, [request.scheduled_on,
                                                             request.requested_on, start])),
                                           start + timedelta(days=400))
    try:
        issue_by = gfe_due_date(request.scheduled_on, start, request.requested_on, holidays)
    except ValueError as error:
        raise RuleViolation(_deadline_message(str(error)), field="scheduled_on") from None
    schedule = schedule_on(session, None, start)
    if schedule is None:
        raise RuleViolation(f"No private-pay fee schedule in effect on {start:%b %d, %Y}; an "
                            "admin adds one.", field="primary_service_date")
    team = {m.role: m.user for m in patient.care_team}
    npis = npi_by_user(session, [u.id for u in team.values()])
    who = {role: (team[role].id, team[role].display_name) if role in team else
           (None, f"The patient's {role} (not yet named)") for role in ("therapist", "prescriber")}
    require_npis(("the practice", practice.npi),
                 *((user.display_name, npis.get(user.id)) for user in team.values()))
    plan = CoursePlan(dosings=request.dosings, dosing_minutes=request.dosing_minutes,
                      dosing_setting=request.dosing_setting)
    visits = course_visits(plan, start, months=policy.course_months, holidays=holidays,
                           therapist=who["therapist"], prescriber=who["prescriber"])
    if visits[-1].service_date > _add_year(start):
        raise RuleViolation("A single GFE may cover recurring services for up to 12 months.")
    charges = fee_tables(session, None, start, visits[-1].service_date)
    try:
        priced = price_course(code_course(visits, charges, policy.bill_held_dosings),
                              network="self", charges=charges)
    except ValueError as error:
        raise RuleViolation(f"The private-pay fees cannot price this course: {error}.",
                            field="primary_service_date") from None
    gfe = GoodFaithEstimate(
        patient_id=patient.id, patient_name=patient.full_name, patient_dob=patient.date_of_birth,
        primary_service=PRIMARY_SERVICE, primary_service_date=start,
        scheduled_on=request.scheduled_on, requested_on=request.requested_on,
        issue_by=issue_by, issued_on=today, diagnosis_codes=dx,
        separately_scheduled=request.separately_scheduled.strip() or DEFAULT_SEPARATELY_SCHEDULED,
        provider_name=practice.name, provider_npi=practice.npi, provider_tin=practice.tin,
        provider_location=practice.address,
        clinicians=_clinicians(team.values(), npis),
        dosings=request.dosings, dosing_minutes=request.dosing_minutes,
        dosing_setting=request.dosing_setting, schedule_id=schedule.id,
        created_by_id=getattr(actor, "id", None))
    groups: dict = {}
    for line in priced.lines:
        key = (line.clinician_id, line.clinician_name, line.code, line.charge // line.units)
        groups.setdefault(key, []).append(line)
    for position, ((clinician_id, name, code, unit), group) in enumerate(groups.items()):
        quantity = sum(line.units for line in group)
        gfe.lines.append(GfeLine(
            position=position, code=code, description=group[0].label, diagnosis_code=dx,
            quantity=quantity, unit_cents=unit, charge_cents=unit * quantity,
            first_date=group[0].date, last_date=group[-1].date, clinician_id=clinician_id,
            provider_name=name, provider_npi=npis.get(clinician_id)))
    session.add(gfe)
    session.flush()
    record(session, actor, "create", "gfe", gfe.id, patient_id=patient.id)
    return gfe


def _clinicians(users, npis: dict) -> str:
    """The care team by name with individual NPIs where on file, as printed."""
    names = [u.display_name + (f" (NPI {npis[u.id]})" if u.id in npis else "") for u in users]
    return "; ".join(names)[:500]


def _deadline_message(error: str) -> str:
    if "needs a scheduling date or a request date" in error:
        return "Enter the date the service was scheduled or the date the patient asked."
    return "The service date must not be before the scheduling date."


def _add_year(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


def coverage_end(gfe: GoodFaithEstimate) -> date:
    """The last day a GFE's recurring services can reach (12 months from the first)."""
    return _add_year(gfe.primary_service_date)


def get_gfe(session, actor, gfe_id: int, *, action: str = "view") -> GoodFaithEstimate:
    """Load a GFE through the patient's scope, auditing the view or print (its NPIs are
    checked again before it prints)."""
    gfe = session.get(GoodFaithEstimate, gfe_id)
    if gfe is None:
        raise NotFound("No such Good Faith Estimate.")
    get_patient(session, actor, gfe.patient_id, need=BILLING, audit=False)
    if action == "print":
        require_npis(("the practice", gfe.provider_npi),
                     *((line.provider_name, line.provider_npi) for line in gfe.lines))
    record(session, actor, action, "gfe", gfe.id, patient_id=gfe.patient_id)
    return gfe


def patient_gfes(session, patient_id: int) -> list[GoodFaithEstimate]:
    """The patient's GFEs with their lines, newest first, in one query."""
    return session.scalars(select(GoodFaithEstimate)
                           .where(GoodFaithEstimate.patient_id == patient_id)
                           .options(joinedload(GoodFaithEstimate.lines))
                           .order_by(GoodFaithEstimate.id.desc())).unique().all()
