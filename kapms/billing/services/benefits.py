"""Benefits per patient coverage, kept as history: each verification is a new record, and
the latest one as of a date (for the patient's current plan) is the one an estimate uses."""

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from kapms.audit.services import record
from kapms.billing.cost_share import require_cents, require_rate
from kapms.billing.course import Benefits
from kapms.billing.models import BenefitsRecord
from kapms.errors import RuleViolation


@dataclass(frozen=True)
class BenefitsEntry:
    """What billing staff read off the payer's verification (cents; coinsurance a fraction)."""

    as_of: date
    in_network: bool
    deductible_cents: int
    deductible_met_cents: int
    coinsurance: Decimal
    oop_max_cents: int
    oop_met_cents: int
    copay_office_visit_cents: int | None = None
    copay_psychotherapy_cents: int | None = None
    copay_monitoring_cents: int | None = None
    copay_bypasses_deductible: bool = True
    medication_covered: bool = False
    reference: str | None = None


def add_benefits(session, actor, patient, entry: BenefitsEntry) -> BenefitsRecord:
    """Record a verification of the patient's benefits for their current plan."""
    if patient.plan_id is None:
        raise RuleViolation(f"{patient.full_name} is self-pay: there are no plan benefits to "
                            "record. Use a Good Faith Estimate instead.")
    for name in ("deductible_cents", "deductible_met_cents", "oop_max_cents", "oop_met_cents"):
        require_cents(name, getattr(entry, name))
    for name in ("copay_office_visit_cents", "copay_psychotherapy_cents",
                 "copay_monitoring_cents"):
        if getattr(entry, name) is not None:
            require_cents(name, getattr(entry, name))
    require_rate("coinsurance", entry.coinsurance)
    if entry.deductible_met_cents > entry.deductible_cents:
        raise RuleViolation("The amount met is more than the deductible.",
                            field="deductible_met")
    if entry.oop_met_cents > entry.oop_max_cents:
        raise RuleViolation("The amount met is more than the out-of-pocket maximum.",
                            field="oop_met")
    if entry.oop_max_cents < entry.deductible_cents:
        raise RuleViolation("The out-of-pocket maximum is below the deductible; please check.",
                            field="oop_max")
    row = BenefitsRecord(patient_id=patient.id, plan_id=patient.plan_id,
                         created_by_id=getattr(actor, "id", None), **asdict(entry))
    session.add(row)
    session.flush()
    record(session, actor, "create", "benefits", row.id, patient_id=patient.id)
    return row


def benefits_as_of(session, patient, on: date) -> BenefitsRecord | None:
    """The latest benefits recorded for the patient's current plan as of ``on``, or None."""
    if patient.plan_id is None:
        return None
    return session.scalar(select(BenefitsRecord).where(
        BenefitsRecord.patient_id == patient.id, BenefitsRecord.plan_id == patient.plan_id,
        BenefitsRecord.as_of <= on,
    ).order_by(BenefitsRecord.as_of.desc(), BenefitsRecord.id.desc()).limit(1))


def benefits_history(session, actor, patient) -> list[BenefitsRecord]:
    """Every benefits record of the patient, newest first (audited read)."""
    rows = session.scalars(select(BenefitsRecord).where(BenefitsRecord.patient_id == patient.id)
                           .order_by(BenefitsRecord.as_of.desc(), BenefitsRecord.id.desc())).all()
    record(session, actor, "view", "benefits", None, patient_id=patient.id,
           detail=f"{len(rows)} records")
    return rows


def to_benefits(row: BenefitsRecord) -> Benefits:
    """The pricing library's view of a benefits record (amounts remaining, copays by type)."""
    copays = {kind: cents for kind, cents in (
        ("office_visit", row.copay_office_visit_cents),
        ("psychotherapy", row.copay_psychotherapy_cents),
        ("monitoring", row.copay_monitoring_cents)) if cents is not None}
    return Benefits(
        in_network=row.in_network,
        deductible_remaining=row.deductible_remaining_cents,
        coinsurance=Decimal(row.coinsurance),
        oop_remaining=row.oop_remaining_cents,
        copays=copays,
        copay_bypasses_deductible=row.copay_bypasses_deductible,
        not_covered=frozenset() if row.medication_covered else frozenset({"medication"}),
    )
