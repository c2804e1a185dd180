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


NETWORKS = {"in": "In network", "out": "Out of network"}
DOSING_BILLED_AS = {"monitoring": "In-office monitoring per hour (0820T-0822T)",
                    "psychotherapy": "Psychotherapy time code (90832-90837)"}
SETTINGS = {"office": "In the office", "telehealth": "By telehealth", "home": "At home (telehealth)"}


class FeeSchedule(db.Model):
    """Amounts per service code for one plan and network (or private pay: plan empty, the
    practice's own fees), valid from ``effective_from`` to ``effective_to`` inclusive
    (open-ended when empty). ``dosing_billed_as`` says how a dosing is billed under it."""

    __tablename__ = "fee_schedules"
    __table_args__ = (Index("ix_fee_schedules_plan_from", "plan_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_plans.id"))
    network: Mapped[str] = mapped_column(String(3), default="in", server_default="in")
    dosing_billed_as: Mapped[str] = mapped_column(String(15), default="monitoring",
                                                  server_default="monitoring")
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
        if self.plan is None:
            return "Private pay"
        return self.plan.label + (" (out of network)" if self.network == "out" else "")

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
    # First day of the plan year holding ``as_of``: deductible and maximum start again on
    # its anniversaries, and the amounts met below are for this plan year.
    plan_year_start: Mapped[date]
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
    # Out-of-network benefits (none when ``oon_covered`` is false: the plan pays nothing).
    oon_covered: Mapped[bool] = mapped_column(default=False, server_default="0")
    oon_deductible_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    oon_deductible_met_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    oon_coinsurance: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    oon_oop_max_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    oon_oop_met_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    # Allowed amount out of network as a share of the charge; empty: the plan's
    # out-of-network fee schedule sets it.
    oon_allowed_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
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
    in_network: Mapped[bool | None]  # the patient's network (None: self-pay)
    compare_networks: Mapped[bool] = mapped_column(default=False, server_default="0")
    dosing_setting: Mapped[str] = mapped_column(String(10), default="office",
                                                server_default="office")
    course_months: Mapped[int] = mapped_column(default=5, server_default="5")
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

    @property
    def network(self) -> str:
        """The network of the patient's own estimate: "in", "out" or "self"."""
        if self.self_pay:
            return "self"
        return "in" if self.in_network else "out"

    @property
    def networks(self) -> list[str]:
        """The networks priced: the patient's own first, then the other when compared."""
        other = {"in": "out", "out": "in"}.get(self.network)
        return [self.network] + ([other] if self.compare_networks and other else [])

    def scenario(self, name: str, network: str | None = None) -> list["EstimateLine"]:
        """The lines of the "low" or "high" scenario in a network (default: the patient's
        own), in date order."""
        network = network or self.network
        return [line for line in self.lines if line.scenario == name and line.network == network]

    def total(self, name: str, column: str, network: str | None = None) -> int:
        """Sum of ``column`` ("allowed_cents", "plan_cents", "patient_cents" ...) in a
        scenario and network."""
        return sum(getattr(line, column) for line in self.scenario(name, network))

    def plan_years(self, name: str, network: str | None = None) -> list[tuple[date | None, list]]:
        """The scenario's lines grouped by plan year, in order: [(plan year start, lines)]."""
        groups: dict = {}
        for line in self.scenario(name, network):
            groups.setdefault(line.plan_year_start, []).append(line)
        return list(groups.items())


class EstimateLine(db.Model):
    """One priced, dated line of an estimate scenario (amounts copied at pricing time)."""

    __tablename__ = "estimate_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    estimate_id: Mapped[int] = mapped_column(ForeignKey("estimates.id"), index=True)
    scenario: Mapped[str] = mapped_column(String(4))  # "low" / "high"
    network: Mapped[str] = mapped_column(String(4), default="in", server_default="in")
    position: Mapped[int]
    service_date: Mapped[date]
    plan_year_start: Mapped[date | None]  # None for self-pay
    code: Mapped[str] = mapped_column(String(16))
    units: Mapped[int]
    charge_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    allowed_cents: Mapped[int]
    plan_cents: Mapped[int]
    patient_cents: Mapped[int]  # cost share plus balance bill
    balance_bill_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    deductible_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    coinsurance_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    copay_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("fee_schedules.id"))

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
    dosing_minutes: Mapped[int] = mapped_column(default=120, server_default="120")
    dosing_setting: Mapped[str] = mapped_column(String(10), default="office",
                                                server_default="office")
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

    def by_provider(self) -> list[tuple[int | None, str, str | None, int]]:
        """(clinician id, provider name, NPI, expected charges) per provider, in line order."""
        totals: dict = {}
        for line in self.lines:
            key = (line.clinician_id, line.provider_name, line.provider_npi)
            totals[key] = totals.get(key, 0) + line.charge_cents
        return [(*key, cents) for key, cents in totals.items()]


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
    # The provider expected to give the service (the care-team clinician of its role).
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    provider_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    provider_npi: Mapped[str | None] = mapped_column(String(10))

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


CLAIM_STATUSES = {"draft": "Draft", "submitted": "Submitted", "paid": "Paid",
                  "denied": "Denied"}


class Claim(db.Model):
    """A professional claim to the patient's payer: one rendering clinician, one date of
    service (or several when the payer takes them batched), lines made from the care record.

    Who is billed, who billed and the charges are copied in when the claim is made, so its
    CMS-1500 and 837P read the same later. ``status``: draft -> submitted -> paid / denied;
    the payer's payment is posted by hand (or from an 835), leaving the patient's share.
    """

    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_patient_status", "patient_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("insurance_plans.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    # the payer and the insured, as billed
    payer_name: Mapped[str] = mapped_column(String(120))
    payer_code: Mapped[str] = mapped_column(String(20))
    plan_name: Mapped[str] = mapped_column(String(120))
    member_id: Mapped[str] = mapped_column(String(40))
    patient_name: Mapped[str] = mapped_column(String(200))
    patient_first: Mapped[str] = mapped_column(String(80))
    patient_last: Mapped[str] = mapped_column(String(80))
    patient_dob: Mapped[date]
    patient_address: Mapped[str] = mapped_column(String(200))
    patient_city: Mapped[str] = mapped_column(String(100))
    patient_state: Mapped[str] = mapped_column(String(2))
    patient_postal_code: Mapped[str] = mapped_column(String(10))
    diagnosis_code: Mapped[str] = mapped_column(String(10))
    # the billing provider (the practice) and the rendering clinician
    billing_name: Mapped[str] = mapped_column(String(200))
    billing_npi: Mapped[str] = mapped_column(String(10))
    billing_tin: Mapped[str] = mapped_column(String(20))
    billing_address: Mapped[str] = mapped_column(String(300))
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rendering_name: Mapped[str] = mapped_column(String(200))
    rendering_first: Mapped[str] = mapped_column(String(80))
    rendering_last: Mapped[str] = mapped_column(String(80))
    rendering_npi: Mapped[str] = mapped_column(String(10))
    first_date: Mapped[date]
    last_date: Mapped[date]
    charge_cents: Mapped[int]
    # set when the payer answers
    allowed_cents: Mapped[int | None]
    paid_cents: Mapped[int | None]  # paid by the payer
    patient_share_cents: Mapped[int | None]  # deductible, coinsurance, copay: the patient owes it
    adjustment_cents: Mapped[int | None]  # written off (contractual): charge - allowed
    denial_reason: Mapped[str | None] = mapped_column(String(200))
    payer_reference: Mapped[str | None] = mapped_column(String(80))  # check / EFT / claim no.
    posted_on: Mapped[date | None]
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Bumped by every change of status, so two clerks cannot both post one claim.
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship()
    lines: Mapped[list["ClaimLine"]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", lazy="selectin",
        order_by="ClaimLine.position")

    __mapper_args__ = {"version_id_col": version}

    @property
    def number(self) -> str:
        """The claim's number (the patient control number on the 837P and box 26)."""
        return f"KAP{self.id:07d}"

    @property
    def status_label(self) -> str:
        """The status in words."""
        return CLAIM_STATUSES.get(self.status, self.status)


class ClaimLine(db.Model):
    """One service line of a claim, made from one visit of the care record."""

    __tablename__ = "claim_lines"
    __table_args__ = (Index("ix_claim_lines_session", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    position: Mapped[int]
    session_id: Mapped[int | None]  # the care session it bills (care's id, not a foreign key)
    service_date: Mapped[date]
    code: Mapped[str] = mapped_column(String(16))
    modifier: Mapped[str] = mapped_column(String(2), default="")
    units: Mapped[int]
    place_of_service: Mapped[str] = mapped_column(String(2))
    charge_cents: Mapped[int]

    claim: Mapped[Claim] = relationship(back_populates="lines")


class GfeWatchLine(db.Model):
    """One provider of a patient's latest Good Faith Estimate: expected and billed charges,
    kept current when the care record, the GFE or the practice's fees change
    (kapms.billing.services.watch), so the dashboards read the flagged ones with an index
    instead of pricing every self-pay patient's record on each request.

    ``over_cents`` is billed minus expected (negative while below): the dispute threshold
    and the watch margin are settings, applied when the watch is read.
    """

    __tablename__ = "gfe_watch_lines"
    __table_args__ = (Index("ix_gfe_watch_lines_over", "over_cents", "primary_service_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    gfe_id: Mapped[int] = mapped_column(ForeignKey("good_faith_estimates.id"), index=True)
    primary_service_date: Mapped[date]
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    provider_name: Mapped[str] = mapped_column(String(200))
    estimated_cents: Mapped[int]
    billed_cents: Mapped[int]
    over_cents: Mapped[int]
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
