"""Billing records: fee schedules, benefits, saved estimates, Good Faith Estimates, payment
plans and payments. Money is integer cents everywhere; rates are Numeric, never float.

Saved documents (estimates, GFEs) copy the amounts they were priced with into their own
lines, so a later fee schedule or benefits change never rewrites one already given.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.auth.models import User
from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db
from kapms.insurance.models import InsurancePlan
from kapms.patients.models import Patient

PAYMENT_METHODS = {
    "card": "Credit or debit card",
    "hsa": "HSA / FSA card",
    "ach": "Bank transfer",
    "check": "Check",
    "cash": "Cash",
}


class FeeSchedule(db.Model):
    """Allowed amounts per service code for one plan (or private pay: plan empty), valid
    from ``effective_from`` to ``effective_to`` inclusive (open-ended when empty)."""

    __tablename__ = "fee_schedules"
    __table_args__ = (Index("ix_fee_schedules_plan_from", "plan_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_plans.id"))
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    plan: Mapped[InsurancePlan | None] = relationship(lazy="joined")
    lines: Mapped[list["FeeScheduleLine"]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", lazy="selectin",
        order_by="FeeScheduleLine.code")

    @property
    def label(self) -> str:
        """Whose schedule this is, in words."""
        return self.plan.label if self.plan else "Private pay"

    def amounts(self) -> dict[str, int]:
        """Allowed cents per unit by service code."""
        return {line.code: line.allowed_cents for line in self.lines}


class FeeScheduleLine(db.Model):
    """The allowed amount (cents per unit) of one service code in a fee schedule."""

    __tablename__ = "fee_schedule_lines"
    __table_args__ = (UniqueConstraint("schedule_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedules.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    allowed_cents: Mapped[int]

    schedule: Mapped[FeeSchedule] = relationship(back_populates="lines")


class BenefitsRecord(db.Model):
    """A patient's plan benefits as verified on ``as_of``. Never edited: a new record is
    added each time, and the latest one as of a date is the one used."""

    __tablename__ = "benefits_records"
    __table_args__ = (Index("ix_benefits_patient_as_of", "patient_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_plans.id"))
    as_of: Mapped[date]
    in_network: Mapped[bool] = mapped_column(default=True)
    deductible_cents: Mapped[int] = mapped_column(default=0)
    deductible_met_cents: Mapped[int] = mapped_column(default=0)
    coinsurance: Mapped[Decimal] = mapped_column(Numeric(5, 4))  # fraction, e.g. 0.2000
    oop_max_cents: Mapped[int] = mapped_column(default=0)
    oop_met_cents: Mapped[int] = mapped_column(default=0)
    copay_office_visit_cents: Mapped[int | None]
    copay_psychotherapy_cents: Mapped[int | None]
    copay_monitoring_cents: Mapped[int | None]
    copay_bypasses_deductible: Mapped[bool] = mapped_column(default=True)
    medication_covered: Mapped[bool] = mapped_column(default=False)
    reference: Mapped[str | None] = mapped_column(String(80))  # call reference from the payer
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    plan: Mapped[InsurancePlan | None] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    @property
    def deductible_remaining_cents(self) -> int:
        """What is left of the deductible (never below zero)."""
        return max(self.deductible_cents - self.deductible_met_cents, 0)

    @property
    def oop_remaining_cents(self) -> int:
        """What is left before the out-of-pocket maximum (never below zero)."""
        return max(self.oop_max_cents - self.oop_met_cents, 0)


class Estimate(db.Model):
    """One version of a patient's whole-course estimate, with a low and a high scenario.

    ``benefits_id`` is empty for a self-pay estimate (private-pay schedule, patient pays all).
    """

    __tablename__ = "estimates"
    __table_args__ = (UniqueConstraint("patient_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    version: Mapped[int]
    basis: Mapped[str] = mapped_column(String(20))  # "template" or "plan"
    start_date: Mapped[date]
    self_pay: Mapped[bool]
    in_network: Mapped[bool | None]
    in_office_monitoring: Mapped[bool] = mapped_column(default=False)
    low_dosings: Mapped[int]
    high_dosings: Mapped[int]
    session_minutes: Mapped[int] = mapped_column(default=60)  # preparation / integration
    dosing_minutes: Mapped[int] = mapped_column(default=120)
    low_therapy_minutes: Mapped[int] = mapped_column(default=0)  # therapist time per scenario
    high_therapy_minutes: Mapped[int] = mapped_column(default=0)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedules.id"))
    benefits_id: Mapped[int | None] = mapped_column(ForeignKey("benefits_records.id"))
    plan_label: Mapped[str] = mapped_column(String(260))  # coverage as it was when priced
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    patient: Mapped[Patient] = relationship()
    benefits: Mapped[BenefitsRecord | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    lines: Mapped[list["EstimateLine"]] = relationship(
        back_populates="estimate", cascade="all, delete-orphan", lazy="selectin",
        order_by="EstimateLine.position")

    def scenario(self, name: str) -> list["EstimateLine"]:
        """The lines of the "low" or "high" scenario, in date order."""
        return [line for line in self.lines if line.scenario == name]

    def total(self, name: str, column: str) -> int:
        """Sum of ``column`` ("allowed_cents", "plan_cents", "patient_cents") in a scenario."""
        return sum(getattr(line, column) for line in self.scenario(name))


class EstimateLine(db.Model):
    """One priced, dated line of an estimate scenario (amounts copied at pricing time)."""

    __tablename__ = "estimate_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    estimate_id: Mapped[int] = mapped_column(ForeignKey("estimates.id"), index=True)
    scenario: Mapped[str] = mapped_column(String(4))  # "low" / "high"
    position: Mapped[int]
    service_date: Mapped[date]
    code: Mapped[str] = mapped_column(String(16))
    units: Mapped[int]
    allowed_cents: Mapped[int]
    plan_cents: Mapped[int]
    patient_cents: Mapped[int]

    estimate: Mapped[Estimate] = relationship(back_populates="lines")


class GoodFaithEstimate(db.Model):
    """A Good Faith Estimate for an uninsured or self-pay patient (45 CFR 149.610).

    Everything printed is copied in at issue time (names, NPI, TIN, amounts), so the PDF
    reads the same years later, as the rule's record-keeping expects.
    """

    __tablename__ = "good_faith_estimates"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    patient_name: Mapped[str] = mapped_column(String(200))
    patient_dob: Mapped[date]
    primary_service: Mapped[str] = mapped_column(String(200))
    primary_service_date: Mapped[date]
    scheduled_on: Mapped[date | None]
    requested_on: Mapped[date | None]
    issue_by: Mapped[date | None]  # latest date the rule allows for giving it
    issued_on: Mapped[date]
    diagnosis_codes: Mapped[str] = mapped_column(String(100))
    separately_scheduled: Mapped[str] = mapped_column(Text)
    provider_name: Mapped[str] = mapped_column(String(200))
    provider_npi: Mapped[str] = mapped_column(String(10))
    provider_tin: Mapped[str] = mapped_column(String(20))
    provider_location: Mapped[str] = mapped_column(String(300))
    clinicians: Mapped[str] = mapped_column(String(500))  # care team by name, as issued
    dosings: Mapped[int]
    schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedules.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    patient: Mapped[Patient] = relationship()
    lines: Mapped[list["GfeLine"]] = relationship(
        back_populates="gfe", cascade="all, delete-orphan", lazy="selectin",
        order_by="GfeLine.position")

    @property
    def total_cents(self) -> int:
        """The expected charges in total."""
        return sum(line.charge_cents for line in self.lines)


class GfeLine(db.Model):
    """One expected service of a Good Faith Estimate: grouped by code, with its charge."""

    __tablename__ = "gfe_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    gfe_id: Mapped[int] = mapped_column(ForeignKey("good_faith_estimates.id"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(200))
    diagnosis_code: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int]
    unit_cents: Mapped[int]
    charge_cents: Mapped[int]
    first_date: Mapped[date]
    last_date: Mapped[date]

    gfe: Mapped[GoodFaithEstimate] = relationship(back_populates="lines")


class PaymentPlan(db.Model):
    """An agreed balance paid as an upfront amount and monthly installments."""

    __tablename__ = "payment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    estimate_id: Mapped[int | None] = mapped_column(ForeignKey("estimates.id"))
    balance_cents: Mapped[int]
    upfront_cents: Mapped[int]
    installment_count: Mapped[int]
    first_due: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="open")  # open / closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Bumped by every payment, so two clerks cannot both take the last installment.
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship()
    estimate: Mapped[Estimate | None] = relationship()
    installments: Mapped[list["PlanInstallment"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", lazy="selectin",
        order_by="PlanInstallment.number")
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="plan", lazy="selectin", order_by="(Payment.paid_on, Payment.id)")

    __mapper_args__ = {"version_id_col": version}

    @property
    def paid_cents(self) -> int:
        """Everything paid against the plan so far."""
        return sum(p.amount_cents for p in self.payments if p.voided_at is None)


class PlanInstallment(db.Model):
    """One scheduled amount of a plan; number 0 is the upfront payment."""

    __tablename__ = "plan_installments"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id"), index=True)
    number: Mapped[int]
    due_date: Mapped[date]
    amount_cents: Mapped[int]

    plan: Mapped[PaymentPlan] = relationship(back_populates="installments")


class Payment(db.Model):
    """Money received from a patient, recorded by staff against a payment plan."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_patient_paid_on", "patient_id", "paid_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("payment_plans.id"), index=True)
    amount_cents: Mapped[int]
    paid_on: Mapped[date]
    method: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A mistaken entry is voided, never deleted, so the ledger keeps its history.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(String(200))

    plan: Mapped[PaymentPlan | None] = relationship(back_populates="payments")

    @property
    def method_label(self) -> str:
        """The payment method in words."""
        return PAYMENT_METHODS.get(self.method, self.method)
