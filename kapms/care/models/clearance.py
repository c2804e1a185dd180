"""The prescriber's records: clearances with their treatment plan, prescriber profiles and
Schedule III prescriptions."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.auth.models import User
from kapms.care.constants import (
    DECISIONS,
    PRODUCTS,
    ROUTES,
)
from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db


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
    """A prescriber's medical intake decision and the treatment plan it carries."""

    __tablename__ = "clearances"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # key (constants.CONTRAINDICATIONS) -> {"yes": bool, "notes": str}
    screen: Mapped[dict] = mapped_column(JSON, default=dict)
    co_medications: Mapped[dict] = mapped_column(JSON, default=dict)  # key -> bool
    co_medication_notes: Mapped[str | None] = mapped_column(Text)
    bp_systolic: Mapped[int | None]
    bp_diastolic: Mapped[int | None]
    heart_rate: Mapped[int | None]
    spo2: Mapped[int | None]
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    # The treatment plan (cleared only).
    dosing_count: Mapped[int | None]
    product: Mapped[str | None] = mapped_column(String(40))
    route: Mapped[str | None] = mapped_column(String(20))
    dose_mg: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    expires_on: Mapped[date | None]
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    prescriber: Mapped[User] = relationship(foreign_keys=[prescriber_id], lazy="joined")
    __mapper_args__ = {"version_id_col": version}

    @property
    def decision_label(self) -> str:
        """The decision in words."""
        return DECISIONS.get(self.decision, self.decision)

    @property
    def product_label(self) -> str:
        """The product in words."""
        return PRODUCTS.get(self.product or "", self.product or "—")

    @property
    def route_label(self) -> str:
        """The route in words."""
        return ROUTES.get(self.route or "", self.route or "—")


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
