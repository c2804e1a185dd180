"""Benefits per patient coverage, kept as history: each verification is a new record, and
the latest one as of a date (for the patient's current plan) is the one an estimate uses.

A verification says the plan year (its first day; usually 1 January) and what has been met
in it so far, in network and, when the plan has them, out of network."""

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kapms.audit.services import record
from kapms.billing.cost_share import require_cents, require_rate
from kapms.billing.course import Benefits, NetworkBenefits, plan_year_of
from kapms.billing.models import BenefitsRecord
from kapms.errors import RuleViolation


@dataclass(frozen=True)
class BenefitsEntry:
    """What billing staff read off the payer's verification (cents; rates as fractions)."""

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
    plan_year_start: date | None = None  # default: 1 January of the year of ``as_of``
    oon_covered: bool = False
    oon_deductible_cents: int = 0
    oon_deductible_met_cents: int = 0
    oon_coinsurance: Decimal | None = None
    oon_oop_max_cents: int = 0
    oon_oop_met_cents: int = 0
    oon_allowed_share: Decimal | None = None  # None: the out-of-network fee schedule


def _check_side(deductible: int, met: int, oop_max: int, oop_met: int, prefix: str) -> None:
    """One network's amounts: met within each maximum, the maximum not below the deductible."""
    for name, value in (("deductible", deductible), ("deductible_met", met),
                        ("oop_max", oop_max), ("oop_met", oop_met)):
        require_cents(prefix + name, value)
    if met > deductible:
        raise RuleViolation("The amount met is more than the deductible.",
                            field=prefix + "deductible_met")
    if oop_met > oop_max:
        raise RuleViolation("The amount met is more than the out-of-pocket maximum.",
                            field=prefix + "oop_met")
    if oop_max < deductible:
        raise RuleViolation("The out-of-pocket maximum is below the deductible; please check.",
                            field=prefix + "oop_max")


def add_benefits(session, actor, patient, entry: BenefitsEntry) -> BenefitsRecord:
    """Record a verification of the patient's benefits for their current plan."""
    if patient.plan_id is None:
        raise RuleViolation(f"{patient.full_name} is self-pay: there are no plan benefits to "
                            "record. Use a Good Faith Estimate instead.")
    _check_side(entry.deductible_cents, entry.deductible_met_cents, entry.oop_max_cents,
                entry.oop_met_cents, "")
    for name in ("copay_office_visit_cents", "copay_psychotherapy_cents",
                 "copay_monitoring_cents"):
        if getattr(entry, name) is not None:
            require_cents(name, getattr(entry, name))
    require_rate("coinsurance", entry.coinsurance)
    anchor = entry.plan_year_start or date(entry.as_of.year, 1, 1)
    if anchor > entry.as_of or plan_year_of(entry.as_of, anchor) != anchor:
        raise RuleViolation("The plan year must be the one the benefits were verified in: "
                            "its first day on or before the verification, less than a year "
                            "before it.", field="plan_year_start")
    if entry.oon_covered:
        _check_side(entry.oon_deductible_cents, entry.oon_deductible_met_cents,
                    entry.oon_oop_max_cents, entry.oon_oop_met_cents, "oon_")
        if entry.oon_coinsurance is None:
            raise RuleViolation("Enter the out-of-network coinsurance.", field="oon_coinsurance")
        require_rate("oon_coinsurance", entry.oon_coinsurance)
        if entry.oon_allowed_share is not None:
            require_rate("oon_allowed_share", entry.oon_allowed_share)
    values = asdict(entry) | {"plan_year_start": anchor}
    row = BenefitsRecord(patient_id=patient.id, plan_id=patient.plan_id,
                         created_by_id=getattr(actor, "id", None), **values)
    session.add(row)
    session.flush()
    record(session, actor, "create", "benefits", row.id, patient_id=patient.id)
    return row


def benefits_as_of(session, patient, on: date) -> BenefitsRecord | None:
    """The latest benefits recorded for the patient's current plan as of ``on``, or None
    (:func:`current_in` picks the same record from a history already read)."""
    if patient.plan_id is None:
        return None
    return session.scalar(select(BenefitsRecord).where(
        BenefitsRecord.patient_id == patient.id, BenefitsRecord.plan_id == patient.plan_id,
        BenefitsRecord.as_of <= on,
    ).order_by(BenefitsRecord.as_of.desc(), BenefitsRecord.id.desc()).limit(1))


def current_in(history: list[BenefitsRecord], patient, on: date) -> BenefitsRecord | None:
    """:func:`benefits_as_of` from ``history`` (:func:`benefits_history`, newest first)."""
    if patient.plan_id is None:
        return None
    return next((b for b in history if b.plan_id == patient.plan_id and b.as_of <= on), None)


def benefits_history(session, actor, patient) -> list[BenefitsRecord]:
    """Every benefits record of the patient, newest first, with who entered it (audited
    read)."""
    rows = session.scalars(select(BenefitsRecord).where(BenefitsRecord.patient_id == patient.id)
                           .options(joinedload(BenefitsRecord.created_by))
                           .order_by(BenefitsRecord.as_of.desc(), BenefitsRecord.id.desc())).all()
    record(session, actor, "view", "benefits", None, patient_id=patient.id,
           detail=f"{len(rows)} records")
    return rows


def to_benefits(row: BenefitsRecord) -> Benefits:
    """The pricing library's view of a benefits record: the plan year, each network's cost
    sharing (copays by service type), what the plan does not cover."""
    copays = {kind: cents for kind, cents in (
        ("office_visit", row.copay_office_visit_cents),
        ("psychotherapy", row.copay_psychotherapy_cents),
        ("monitoring", row.copay_monitoring_cents)) if cents is not None}
    not_covered = frozenset() if row.medication_covered else frozenset({"medication"})
    inside = NetworkBenefits(
        deductible=row.deductible_cents, deductible_met=row.deductible_met_cents,
        coinsurance=Decimal(row.coinsurance), oop_max=row.oop_max_cents,
        oop_met=row.oop_met_cents, copays=copays,
        copay_bypasses_deductible=row.copay_bypasses_deductible, not_covered=not_covered)
    outside = None
    if row.oon_covered:
        outside = NetworkBenefits(
            deductible=row.oon_deductible_cents, deductible_met=row.oon_deductible_met_cents,
            coinsurance=Decimal(row.oon_coinsurance), oop_max=row.oon_oop_max_cents,
            oop_met=row.oon_oop_met_cents, not_covered=not_covered)
    share = None if row.oon_allowed_share is None else Decimal(row.oon_allowed_share)
    return Benefits(row.plan_year_start, inside, outside, oon_allowed_share=share)
