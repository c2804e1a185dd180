"""Care-path records: clearances, prescriptions, sessions, dosing records and notes.

Answers that are lists of yes/no items (contraindication screen, co-medications, adverse
events, chaperone check-ins) are stored as JSON on their record: they are always read and
written with it and never queried item by item. Always assign a new dict/list to change
them (JSON columns do not track in-place mutation).
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.auth.models import User
from kapms.care.constants import (
    DECISIONS,
    MODALITIES,
    PRODUCTS,
    ROUTES,
    SESSION_KINDS,
    SESSION_STATUSES,
)
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


class CareSession(db.Model):
    """A scheduled appointment on the care path (preparation, dosing, integration, ...)."""

    __tablename__ = "care_sessions"
    __table_args__ = (Index("ix_care_sessions_clinician_start", "clinician_id",
                            "scheduled_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scheduled_start: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int]
    modality: Mapped[str] = mapped_column(String(20), default="office")
    location: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    actual_minutes: Mapped[int | None]  # what was actually held (billing uses it)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship(lazy="joined")
    clinician: Mapped[User] = relationship(foreign_keys=[clinician_id], lazy="joined")
    dosing: Mapped["DosingRecord | None"] = relationship(back_populates="session",
                                                         lazy="selectin")
    note: Mapped["ProgressNote | None"] = relationship(back_populates="session", lazy="selectin")
    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        """The kind in words."""
        return SESSION_KINDS.get(self.kind, self.kind)

    @property
    def modality_label(self) -> str:
        """The modality in words."""
        return MODALITIES.get(self.modality, self.modality)

    @property
    def status_label(self) -> str:
        """The status in words."""
        return SESSION_STATUSES.get(self.status, self.status)


class DosingRecord(db.Model):
    """Everything a dosing session records (domain guide; Spravato REMS monitoring form)."""

    __tablename__ = "dosing_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("care_sessions.id"), unique=True)
    clearance_id: Mapped[int | None] = mapped_column(ForeignKey("clearances.id"))
    outcome: Mapped[str] = mapped_column(String(20))  # administered / held
    hold_reason: Mapped[str | None] = mapped_column(Text)
    new_contraindication: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(200))
    monitored_by: Mapped[str | None] = mapped_column(String(200))
    chaperone_name: Mapped[str | None] = mapped_column(String(160))
    chaperone_phone: Mapped[str | None] = mapped_column(String(30))
    checkin_interval_minutes: Mapped[int | None]
    checkins: Mapped[list] = mapped_column(JSON, default=list)  # ISO UTC timestamps
    co_medications: Mapped[dict] = mapped_column(JSON, default=dict)  # key -> bool
    pre_systolic: Mapped[int]
    pre_diastolic: Mapped[int]
    pre_heart_rate: Mapped[int | None]
    pre_spo2: Mapped[int | None]
    mid_systolic: Mapped[int | None]
    mid_diastolic: Mapped[int | None]
    mid_heart_rate: Mapped[int | None]
    mid_spo2: Mapped[int | None]
    discharge_systolic: Mapped[int | None]
    discharge_diastolic: Mapped[int | None]
    discharge_heart_rate: Mapped[int | None]
    discharge_spo2: Mapped[int | None]
    product: Mapped[str | None] = mapped_column(String(40))
    route: Mapped[str | None] = mapped_column(String(20))
    dose_mg: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    lot_number: Mapped[str | None] = mapped_column(String(60))
    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    monitoring_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    monitoring_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    monitoring_minutes: Mapped[int | None]
    ready_to_leave_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # [{"event": key, "severity": key, "serious": bool, "notes": str}]
    adverse_events: Mapped[list] = mapped_column(JSON, default=list)
    discharge_stable: Mapped[bool | None]
    ride_home: Mapped[bool | None]
    no_driving_advised: Mapped[bool | None]
    bp_flag: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[CareSession] = relationship(back_populates="dosing")

    @property
    def product_label(self) -> str:
        """The product in words."""
        return PRODUCTS.get(self.product or "", self.product or "—")

    @property
    def route_label(self) -> str:
        """The route in words."""
        return ROUTES.get(self.route or "", self.route or "—")

    def vitals_rows(self) -> list[tuple[str, int | None, int | None, int | None, int | None]]:
        """(label, systolic, diastolic, heart rate, SpO2) for pre, ~40 min and discharge."""
        return [
            ("Pre-dose", self.pre_systolic, self.pre_diastolic, self.pre_heart_rate,
             self.pre_spo2),
            ("~40 minutes", self.mid_systolic, self.mid_diastolic, self.mid_heart_rate,
             self.mid_spo2),
            ("Before discharge", self.discharge_systolic, self.discharge_diastolic,
             self.discharge_heart_rate, self.discharge_spo2),
        ]


class ProgressNote(db.Model):
    """The session's progress note: a draft its author edits, then signed and locked."""

    __tablename__ = "progress_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("care_sessions.id"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft / signed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    session: Mapped[CareSession] = relationship(back_populates="note")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id], lazy="joined")
    addenda: Mapped[list["Addendum"]] = relationship(lazy="selectin",
                                                     order_by="Addendum.signed_at")
    __mapper_args__ = {"version_id_col": version}

    @property
    def signed(self) -> bool:
        """True once signed (then only addenda)."""
        return self.status == "signed"


class Addendum(db.Model):
    """A signed, time-stamped addition to a signed progress note (never an edit)."""

    __tablename__ = "note_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("progress_notes.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class ProcessNote(db.Model):
    """A psychotherapy (process) note: only its author may ever open it (164.501, 164.508).

    Never shown in PDFs, exports, billing or any other user's page.
    """

    __tablename__ = "process_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("care_sessions.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


__all__ = ["Addendum", "CareSession", "Clearance", "DosingRecord", "Prescription",
           "PrescriberProfile", "PrescriptionRefill", "ProcessNote", "ProgressNote",
           "MODALITIES", "SESSION_KINDS"]
