"""Good Faith Estimates for uninsured and self-pay patients (No Surprises Act,
45 CFR 149.610), and the check that a bill stays within $400 of one (149.620).

A GFE covers the expected course (recurring services up to 12 months may share one GFE),
priced on the private-pay schedule in effect on the primary service date. Lines are grouped
by service code with their quantity, dates and diagnosis code. The deadline for giving it is
computed in business days from the scheduling (or request) date, skipping federal holidays.
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from sqlalchemy import select

from kapms.audit.services import record
from kapms.billing.business_days import gfe_due_date, us_federal_holidays_between
from kapms.billing.codes import label
from kapms.billing.coding import code_visits
from kapms.billing.course import course_template, expand_course
from kapms.billing.models import GfeLine, GoodFaithEstimate
from kapms.billing.plan_ledger import exceeds_estimate
from kapms.billing.services import Practice, care_link
from kapms.billing.services.clinicians import npi_by_user
from kapms.billing.services.fees import get_schedule, schedule_on
from kapms.errors import NotFound, RuleViolation
from kapms.icd10 import ICD10_LABELS
from kapms.patients.access import BILLING
from kapms.patients.services import get_patient

PRIMARY_SERVICE = "Ketamine-assisted psychotherapy course, starting with a medical intake visit"
DEFAULT_SEPARATELY_SCHEDULED = (
    "Laboratory tests, medical consultations with other providers, and any maintenance "
    "dosing after this course are not included; they are scheduled separately and those "
    "providers give their own Good Faith Estimates.")


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


def create_gfe(session, actor, patient, request: GfeRequest, practice: Practice,
               today: date) -> GoodFaithEstimate:
    """Issue a GFE for ``patient`` and save everything it prints."""
    if patient.plan_id is not None and not request.self_pay_election:
        raise RuleViolation(f"{patient.full_name} has insurance on file. A Good Faith Estimate "
                            "is for uninsured patients or those choosing not to use insurance: "
                            "tick the self-pay choice if they made it.",
                            field="self_pay_election")
    if abs((request.primary_service_date - today).days) > 731:
        raise RuleViolation("Choose a service date within two years of today.",
                            field="primary_service_date")
    for name in ("scheduled_on", "requested_on"):
        given = getattr(request, name)
        if given is not None and abs((given - today).days) > 731:
            raise RuleViolation("Choose a date within two years of today.", field=name)
    if not 1 <= request.dosings <= 18:
        raise RuleViolation("Dosings must be between 1 and 18.", field="dosings")
    dx = (request.diagnosis_code or patient.diagnosis_code or "").strip().upper()
    if dx not in ICD10_LABELS:
        raise RuleViolation("Choose a diagnosis code from the list.", field="diagnosis_code")
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
    amounts = schedule.amounts()
    lines = expand_course(course_template(dosings=request.dosings), start, holidays=holidays)
    if lines and lines[-1].date > _add_year(start):
        raise RuleViolation("A single GFE may cover recurring services for up to 12 months.")
    grouped: OrderedDict[str, list] = OrderedDict()
    for line in lines:
        grouped.setdefault(line.code, []).append(line)

    gfe = GoodFaithEstimate(
        patient_id=patient.id, patient_name=patient.full_name, patient_dob=patient.date_of_birth,
        primary_service=PRIMARY_SERVICE, primary_service_date=start,
        scheduled_on=request.scheduled_on, requested_on=request.requested_on,
        issue_by=issue_by, issued_on=today, diagnosis_codes=dx,
        separately_scheduled=request.separately_scheduled.strip() or DEFAULT_SEPARATELY_SCHEDULED,
        provider_name=practice.name, provider_npi=practice.npi, provider_tin=practice.tin,
        provider_location=practice.address,
        clinicians=_clinicians(session, patient),
        dosings=request.dosings, schedule_id=schedule.id,
        created_by_id=getattr(actor, "id", None))
    for position, (code, group) in enumerate(grouped.items()):
        quantity = sum(line.units for line in group)
        gfe.lines.append(GfeLine(
            position=position, code=code, description=label(code), diagnosis_code=dx,
            quantity=quantity, unit_cents=amounts[code], charge_cents=amounts[code] * quantity,
            first_date=group[0].date, last_date=group[-1].date))
    session.add(gfe)
    session.flush()
    record(session, actor, "create", "gfe", gfe.id, patient_id=patient.id)
    return gfe


def _clinicians(session, patient) -> str:
    """The care team by name with individual NPIs where on file, as printed."""
    npis = npi_by_user(session, [m.user_id for m in patient.care_team])
    names = [m.user.display_name + (f" (NPI {npis[m.user_id]})" if m.user_id in npis else "")
             for m in patient.care_team]
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


def get_gfe(session, actor, gfe_id: int, *, action: str = "view") -> GoodFaithEstimate:
    """Load a GFE through the patient's scope, auditing the view or print."""
    gfe = session.get(GoodFaithEstimate, gfe_id)
    if gfe is None:
        raise NotFound("No such Good Faith Estimate.")
    get_patient(session, actor, gfe.patient_id, need=BILLING, audit=False)
    record(session, actor, action, "gfe", gfe.id, patient_id=gfe.patient_id)
    return gfe


def patient_gfes(session, patient_id: int) -> list[GoodFaithEstimate]:
    """The patient's GFEs, newest first."""
    return session.scalars(select(GoodFaithEstimate)
                           .where(GoodFaithEstimate.patient_id == patient_id)
                           .order_by(GoodFaithEstimate.id.desc())).all()


@dataclass(frozen=True)
class BillCheck:
    """Billed charges so far against a GFE's total (cents)."""

    estimate_cents: int
    billed_cents: int
    over_threshold: bool

    @property
    def over_by_cents(self) -> int:
        """How far the bill is above the estimate (0 when below)."""
        return max(self.billed_cents - self.estimate_cents, 0)


def bill_check(session, gfe: GoodFaithEstimate, threshold_cents: int, until: date,
               zone: tzinfo) -> BillCheck:
    """Price the care sessions billed since the GFE's first service on the GFE's schedule,
    and say whether they exceed the estimate by ``threshold_cents`` or more (149.620).

    One provider (the practice) issues and bills, so the per-provider comparison is the whole
    bill against the whole estimate.
    """
    amounts = get_schedule(session, gfe.schedule_id).amounts()
    visits = care_link.visits(session, gfe.patient_id, gfe.primary_service_date, until, zone)
    billed = sum(amounts.get(line.code, 0) * line.units for line in code_visits(visits))
    return BillCheck(gfe.total_cents, billed,
                     exceeds_estimate(gfe.total_cents, billed, threshold_cents))
