"""Claims to the patient's payer, made from the care record, and what the payer answers.

* **Making claims.** The billable lines of a date range (:mod:`.charges`: the care record
  coded as the practice bills, charged at the practice's fees) that are on no claim yet
  become claims: one per date of service and rendering clinician, or one per clinician for
  the whole range when the payer takes batched claims (``Payer.batches_claims``). The
  medication line (MED-KETAMINE, the practice's own code, not a HCPCS code) is never
  claimed: it is the patient's. Everything printed is copied onto the claim; every NPI is
  checked; the payer needs its electronic payer id, the patient a member id and diagnosis,
  the clinician an NPI on their directory profile.
* **Status.** draft -> submitted (when its 837P is sent) -> paid or denied, posted by hand
  or from an 835: the allowed amount, what the payer paid, the patient's share (deductible,
  coinsurance, copay) and the adjustment written off (charge - allowed). A denial leaves the
  patient share staff enter (0 when the contract forbids billing the patient). A claim is
  versioned, so two clerks cannot both post it.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.exc import StaleDataError

from kapms.audit.services import record
from kapms.billing.coding import MEDICATION
from kapms.billing.models import Claim, ClaimLine
from kapms.billing.money import dollars
from kapms.billing.services import DEFAULT_POLICY, Policy, Practice, require_npis
from kapms.billing.services.charges import charged_lines
from kapms.billing.services.clinicians import npi_by_user
from kapms.billing.x837 import split_address
from kapms.database import utcnow
from kapms.errors import ConflictError, NotFound, RuleViolation
from kapms.icd10 import ICD10_LABELS
from kapms.patients.access import BILLING
from kapms.patients.services import get_patient

MAX_RANGE_DAYS = 366
MAX_LINES = 50  # lines on one 837P claim
STALE = "This claim was changed by someone else meanwhile; reload it and try again."


def claimed_sessions(session, patient_id: int) -> set[tuple[int | None, str]]:
    """(care session, code) pairs already on a claim of the patient."""
    rows = session.execute(select(ClaimLine.session_id, ClaimLine.code).join(Claim).where(
        Claim.patient_id == patient_id)).all()
    return {(session_id, code) for session_id, code in rows}


def unclaimed(session, patient, start: date, end: date, practice: Practice,
              policy: Policy = DEFAULT_POLICY):
    """The claimable lines from ``start`` to ``end`` on no claim yet (ChargedLine list)."""
    done = claimed_sessions(session, patient.id)
    return [item for item in charged_lines(session, patient.id, start, end, practice.zone, policy,
                                           payer_plan_id=patient.plan_id)
            if item.line.code != MEDICATION
            and (item.line.session_id, item.line.code) not in done]


def _require_claimable(patient) -> None:
    if patient.plan is None:
        raise RuleViolation(f"{patient.full_name} is self-pay: there is no payer to claim from.")
    if not (patient.member_id or "").strip():
        raise RuleViolation("Enter the patient's member id before claiming.")
    if patient.diagnosis_code not in ICD10_LABELS:
        raise RuleViolation("Enter the patient's diagnosis before claiming.")
    if not (patient.plan.payer.payer_code or "").strip():
        raise RuleViolation(f"{patient.plan.payer.name} has no electronic payer id; an admin "
                            "adds it under Payers.")


def create_claims(session, actor, patient, start: date, end: date, practice: Practice,
                  policy: Policy = DEFAULT_POLICY) -> list[Claim]:
    """Turn the unclaimed billable lines of ``start`` to ``end`` into draft claims."""
    if end < start:
        raise RuleViolation("The end date is before the start date.", field="end")
    if (end - start).days > MAX_RANGE_DAYS:
        raise RuleViolation("Choose a range of at most one year.", field="end")
    _require_claimable(patient)
    try:
        street, city, _state, _zip = split_address(practice.address)
    except ValueError:
        raise RuleViolation("The practice address in the settings is not "
                            "'street, city, ST 12345'.") from None
    items = unclaimed(session, patient, start, end, practice, policy)
    if not items:
        raise RuleViolation("Nothing to claim in that range: no billable visits, or all are "
                            "on claims already.")
    missing = [i.line for i in items if i.charge_cents is None]
    if missing:
        raise RuleViolation(f"No practice fee for {missing[0].code} on "
                            f"{missing[0].service_date}; an admin adds a private-pay schedule.")
    npis = npi_by_user(session, {i.line.clinician_id for i in items})
    without = sorted({i.line.clinician_name for i in items if i.line.clinician_id not in npis})
    if without:
        raise RuleViolation(f"No NPI on file for {', '.join(without)}: add it to their "
                            "directory profile before claiming.")
    require_npis(("the practice", practice.npi),
                 *((i.line.clinician_name, npis[i.line.clinician_id]) for i in items))
    batched = patient.plan.payer.batches_claims
    groups: dict = {}
    for item in items:
        key = (item.line.clinician_id,) if batched else (item.line.clinician_id,
                                                          item.line.service_date)
        groups.setdefault(key, []).append(item)
    claims = []
    for group in groups.values():
        for chunk in (group[i:i + MAX_LINES] for i in range(0, len(group), MAX_LINES)):
            claims.append(_claim(patient, chunk, practice, npis, actor))
    session.add_all(claims)
    session.flush()
    for claim in claims:
        record(session, actor, "create", "claim", claim.id, patient_id=patient.id,
               detail=f"{len(claim.lines)} lines, {dollars(claim.charge_cents)}")
    return claims


def _claim(patient, items, practice: Practice, npis: dict, actor) -> Claim:
    first = items[0].line
    user_name = first.clinician_name.split(",")[0].strip()
    rendering_first, _, rendering_last = user_name.rpartition(" ")
    plan = patient.plan
    claim = Claim(
        patient_id=patient.id, plan_id=plan.id, status="draft", payer_name=plan.payer.name,
        payer_code=plan.payer.payer_code.strip(), plan_name=plan.name,
        member_id=patient.member_id.strip(), patient_name=patient.full_name,
        patient_first=patient.first_name, patient_last=patient.last_name,
        patient_dob=patient.date_of_birth,
        patient_address=" ".join(filter(None, [patient.address_line1, patient.address_line2])),
        patient_city=patient.city, patient_state=patient.state,
        patient_postal_code=patient.postal_code, diagnosis_code=patient.diagnosis_code,
        billing_name=practice.name, billing_npi=practice.npi, billing_tin=practice.tin,
        billing_address=practice.address, clinician_id=first.clinician_id,
        rendering_name=first.clinician_name, rendering_first=rendering_first or user_name,
        rendering_last=rendering_last or user_name, rendering_npi=npis[first.clinician_id],
        first_date=min(i.line.service_date for i in items),
        last_date=max(i.line.service_date for i in items),
        charge_cents=sum(i.charge_cents for i in items),
        created_by_id=getattr(actor, "id", None))
    claim.lines = [ClaimLine(position=n, session_id=i.line.session_id,
                             service_date=i.line.service_date, code=i.line.code,
                             modifier=i.line.modifier, units=i.line.units,
                             place_of_service=i.line.place_of_service,
                             charge_cents=i.charge_cents)
                   for n, i in enumerate(items, start=1)]
    return claim


def get_claim(session, actor, claim_id: int, *, action: str = "view") -> Claim:
    """Load a claim through the patient's scope, auditing the read or print (its NPIs are
    checked again before it prints)."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound("No such claim.")
    get_patient(session, actor, claim.patient_id, need=BILLING, audit=False)
    if action == "print":
        require_npis(("the practice", claim.billing_npi), (claim.rendering_name,
                                                           claim.rendering_npi))
    record(session, actor, action, "claim", claim.id, patient_id=claim.patient_id)
    return claim


def patient_claims(session, patient_id: int, *, lines: bool = True) -> list[Claim]:
    """The patient's claims, newest first; with ``lines`` false their lines are not read
    (a list of the claims' totals needs none)."""
    query = select(Claim).where(Claim.patient_id == patient_id)
    if not lines:
        query = query.options(lazyload(Claim.lines))
    return session.scalars(query.order_by(Claim.first_date.desc(), Claim.id.desc())).all()


def claims_page(session, actor, status: str | None, page: int, per_page: int = 25):
    """(claims, total) for the claims list, newest first, optionally of one status."""
    query = select(Claim)
    if status:
        query = query.where(Claim.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Claim.id.desc()).limit(per_page)
                           .offset((page - 1) * per_page)).all()
    for claim in rows:
        record(session, actor, "view", "claim", claim.id, patient_id=claim.patient_id,
               detail="claims list")
    return rows, total


def _flush(session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(STALE) from exc


def submit_claims(session, actor, claims: list[Claim]) -> None:
    """Mark draft claims as submitted (their 837P is what is sent)."""
    for claim in claims:
        if claim.status != "draft":
            raise RuleViolation(f"Claim {claim.number} is already {claim.status_label.lower()}.")
        require_npis(("the practice", claim.billing_npi), (claim.rendering_name,
                                                           claim.rendering_npi))
        claim.status, claim.submitted_at = "submitted", utcnow()
        claim.submitted_by_id = getattr(actor, "id", None)
    _flush(session)
    for claim in claims:
        record(session, actor, "update", "claim", claim.id, patient_id=claim.patient_id,
               detail="submitted")


@dataclass(frozen=True)
class Remittance:
    """What the payer says about one claim (cents)."""

    status: str  # "paid" or "denied"
    allowed_cents: int
    paid_cents: int
    patient_share_cents: int
    posted_on: date
    reference: str | None = None
    denial_reason: str | None = None


def post_remittance(session, actor, claim: Claim, remit: Remittance, today: date) -> Claim:
    """Post the payer's answer to a submitted claim, leaving the patient's share.

    Paid: allowed <= charge and paid + patient share == allowed; the rest of the charge is
    written off. Denied: nothing paid, a reason, and the patient share staff decide.
    """
    if claim.status != "submitted":
        raise RuleViolation("Only a submitted claim can be posted; this one is "
                            f"{claim.status_label.lower()}.")
    if remit.posted_on > today:
        raise RuleViolation("The payment date is in the future.", field="posted_on")
    if min(remit.allowed_cents, remit.paid_cents, remit.patient_share_cents) < 0:
        raise RuleViolation("Amounts cannot be negative.", field="paid")
    charge = claim.charge_cents
    if remit.status == "paid":
        if remit.allowed_cents > charge:
            raise RuleViolation(f"The allowed amount is more than the charge ({dollars(charge)}).",
                                field="allowed")
        if remit.paid_cents + remit.patient_share_cents != remit.allowed_cents:
            raise RuleViolation("What the payer paid and the patient's share must add up to the "
                                f"allowed amount ({dollars(remit.allowed_cents)}).", field="paid")
        allowed = remit.allowed_cents
    elif remit.status == "denied":
        if remit.paid_cents:
            raise RuleViolation("A denied claim has nothing paid.", field="paid")
        if not (remit.denial_reason or "").strip():
            raise RuleViolation("Give the payer's reason for the denial.", field="denial_reason")
        if remit.patient_share_cents > charge:
            raise RuleViolation("The patient's share is more than the charge.",
                                field="patient_share")
        allowed = 0
    else:
        raise RuleViolation("Choose paid or denied.", field="status")
    claim.status = remit.status
    claim.allowed_cents, claim.paid_cents = allowed, remit.paid_cents
    claim.patient_share_cents = remit.patient_share_cents
    claim.adjustment_cents = charge - remit.paid_cents - remit.patient_share_cents
    claim.posted_on, claim.payer_reference = remit.posted_on, (remit.reference or "").strip() or None
    claim.denial_reason = (remit.denial_reason or "").strip()[:200] or None
    _flush(session)
    record(session, actor, "update", "claim", claim.id, patient_id=claim.patient_id,
           detail=f"{remit.status}: paid {dollars(remit.paid_cents)}, patient "
                  f"{dollars(remit.patient_share_cents)}")
    return claim
