"""The prescriber's records: clearances with their treatment plan, prescriber profiles and
Schedule III prescriptions."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.auth.models import User
from kapms.care.constants import (
    DECISIONS,
    PRODUCTS,
    ROUTES,
)
from kapms.care.rules import mg
from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db
from kapms.patients.models import Patient


class PrescriberProfile(db.Model):
    """What a prescription must print about its prescriber (21 CFR 1306.05(a)).

    Kept in the care domain (not on users) because only prescribers have one.
    """

    __tablename__ = "prescriber_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    dea_number: Mapped[str] = mapped_column(String(9))
    practice_address: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Clearance(db.Model):
    """A prescriber's medical intake decision; a cleared one carries a treatment plan,
    kept as numbered versions (``plans``; the last is current)."""

    __tablename__ = "clearances"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # key (constants.CONTRAINDICATIONS) -> {"yes": bool, "notes": str}; an item missing
    # from an old record was not asked.
    screen: Mapped[dict] = mapped_column(JSON, default=dict)
    co_medications: Mapped[dict] = mapped_column(JSON, default=dict)  # key -> bool
    co_medication_notes: Mapped[str | None] = mapped_column(Text)
    bp_systolic: Mapped[int | None]
    bp_diastolic: Mapped[int | None]
    heart_rate: Mapped[int | None]
    spo2: Mapped[int | None]
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    # Baseline measures not on record when the decision was made (shown as a warning).
    baseline_measures_missing: Mapped[str | None] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    prescriber: Mapped[User] = relationship(foreign_keys=[prescriber_id], lazy="joined")
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    plans: Mapped[list["PlanVersion"]] = relationship(
        back_populates="clearance", lazy="selectin", order_by="PlanVersion.number")
    __mapper_args__ = {"version_id_col": version}

    @property
    def decision_label(self) -> str:
        """The decision in words."""
        return DECISIONS.get(self.decision, self.decision)

    @property
    def plan(self) -> "PlanVersion | None":
        """The current plan version (None unless cleared)."""
        return self.plans[-1] if self.plans else None


class PlanVersion(db.Model):
    """One version of a clearance's treatment plan. A change is a new version with its
    reason; old versions are kept, and each dosing records the version it was checked
    against. ``maintenance_dosings`` authorises maintenance dosing after the course."""

    __tablename__ = "care_plan_versions"
    # Two approvals racing for the same next number: the second is refused (a conflict).
    __table_args__ = (UniqueConstraint("clearance_id", "number",
                                       name="uq_care_plan_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clearance_id: Mapped[int] = mapped_column(ForeignKey("clearances.id"), index=True)
    number: Mapped[int]
    dosing_count: Mapped[int]
    maintenance_dosings: Mapped[int] = mapped_column(default=0)
    product: Mapped[str] = mapped_column(String(40))
    route: Mapped[str] = mapped_column(String(20))
    dose_mg: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    expires_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    clearance: Mapped[Clearance] = relationship(back_populates="plans")
    created_by: Mapped[User] = relationship(lazy="joined")

    @property
    def product_label(self) -> str:
        """The product in words."""
        return PRODUCTS.get(self.product, self.product)

    @property
    def route_label(self) -> str:
        """The route in words."""
        return ROUTES.get(self.route, self.route)

    def summary(self) -> str:
        """The plan in one line, e.g. "6 dosings · Ketamine ... · Sublingual · 200 mg"."""
        extra = f" + {self.maintenance_dosings} maintenance" if self.maintenance_dosings else ""
        return (f"{self.dosing_count} dosings{extra} · {self.product_label} · "
                f"{self.route_label} · {mg(self.dose_mg)} mg · expires {self.expires_on:%b %d, %Y}")


class PlanChangeRequest(db.Model):
    """A therapist's request to change the plan (e.g. a higher dose), decided by the
    prescriber: approved as a new plan version, or declined with a note."""

    __tablename__ = "care_plan_requests"
    __table_args__ = (
        # One open request per patient: a double submit cannot file two.
        Index("ux_care_plan_requests_open", "patient_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    clearance_id: Mapped[int] = mapped_column(ForeignKey("clearances.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("care_sessions.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # What should change (None: unchanged).
    dosing_count: Mapped[int | None]
    product: Mapped[str | None] = mapped_column(String(40))
    route: Mapped[str | None] = mapped_column(String(20))
    dose_mg: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open/approved/declined
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("care_plan_versions.id"))
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship(lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    __mapper_args__ = {"version_id_col": version}

    def proposal(self) -> str:
        """What the request asks for, in words."""
        parts = []
        if self.product:
            parts.append(PRODUCTS.get(self.product, self.product))
        if self.route:
            parts.append(ROUTES.get(self.route, self.route))
        if self.dose_mg:
            parts.append(f"{mg(self.dose_mg)} mg")
        if self.dosing_count:
            parts.append(f"{self.dosing_count} dosings")
        return ", ".join(parts) or "—"


class Prescription(db.Model):
    """A ketamine (Schedule III) prescription as recorded, with 1306.05 fields snapshotted."""

    __tablename__ = "prescriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_on: Mapped[date]
    patient_name: Mapped[str] = mapped_column(String(200))
    patient_address: Mapped[str] = mapped_column(String(400))
    drug_name: Mapped[str] = mapped_column(String(120))
    strength: Mapped[str] = mapped_column(String(60))
    dosage_form: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[int]
    directions: Mapped[str] = mapped_column(Text)
    refills_authorized: Mapped[int] = mapped_column(default=0)
    prescriber_name: Mapped[str] = mapped_column(String(200))
    prescriber_address: Mapped[str] = mapped_column(String(300))
    prescriber_dea: Mapped[str] = mapped_column(String(9))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    refills: Mapped[list["PrescriptionRefill"]] = relationship(
        lazy="selectin", order_by="PrescriptionRefill.dispensed_on")


class PrescriptionRefill(db.Model):
    """One refill dispensed against a prescription."""

    __tablename__ = "prescription_refills"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    dispensed_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
