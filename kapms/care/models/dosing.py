"""What a dosing session records, phase by phase, and what the prescriber reviews.

A dosing record is created at check-in and filled in as the session happens: the hold
decision, the administration (checked against a plan version), monitoring (vitals, adverse
events and chaperone check-ins as rows of their own), then discharge. Everything billing
and the network reports aggregate is a column or a row here, never only inside JSON.
Saved values are corrected by amendments (``DosingAmendment``: who, when, why, the old and
the new value), never silently overwritten.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.auth.models import User
from kapms.care.constants import (
    ADVERSE_EVENTS,
    CHECKIN_STATUSES,
    DOSING_SETTINGS,
    END_KINDS,
    PRODUCTS,
    REVIEW_KINDS,
    ROUTES,
    SEVERITIES,
    VITALS_KINDS,
)
from kapms.care.models.clearance import PlanVersion
from kapms.care.models.sessions import CareSession
from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db
from kapms.patients.models import Patient


class DosingRecord(db.Model):
    """One dosing session's record (domain guide; Spravato REMS monitoring form).

    Phases (``phase``, derived): administration (checked in and cleared to dose),
    monitoring (dose given), closed (discharged) or held (closed at check-in or instead
    of the dose). ``outcome`` is None until the dose is given or held.
    """

    __tablename__ = "dosing_records"
    # The network outcome report (kapms/measures/services/care_data.py) reads every
    # dosing's number, outcome, session and flag from this index in the order of the
    # number (the safety section), and the first dosing's route and setting.
    __table_args__ = (Index("ix_dosing_records_number", "dosing_number", "outcome",
                            "session_id", "bp_flag", "route", "setting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("care_sessions.id"), unique=True)
    clearance_id: Mapped[int | None] = mapped_column(ForeignKey("clearances.id"))
    # The plan version the dose was checked against (the current one at check-in for a hold).
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("care_plan_versions.id"))
    # Which dosing of the course this is (under its clearance, counting administered
    # dosings; for a held one the number it would have had); maintenance dosings continue
    # the count and are marked.
    dosing_number: Mapped[int | None]
    maintenance: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str | None] = mapped_column(String(20), index=True)  # administered/held
    hold_reason: Mapped[str | None] = mapped_column(Text)
    # Check-in
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    setting: Mapped[str] = mapped_column(String(20), default="office")
    location: Mapped[str | None] = mapped_column(String(200))
    monitored_by: Mapped[str | None] = mapped_column(String(200))
    monitoring_staff: Mapped[int | None]  # number of staff monitoring the patient
    # Of them, physicians or qualified clinicians (the session's clinician included); the
    # others are clinical staff. None on records made before it was asked.
    monitoring_clinicians: Mapped[int | None]
    chaperone_name: Mapped[str | None] = mapped_column(String(160))
    chaperone_phone: Mapped[str | None] = mapped_column(String(30))
    checkin_interval_minutes: Mapped[int | None]
    co_medications: Mapped[dict] = mapped_column(JSON, default=dict)  # key -> bool (today)
    new_contraindication: Mapped[str | None] = mapped_column(Text)
    # Administration
    product: Mapped[str | None] = mapped_column(String(40))
    route: Mapped[str | None] = mapped_column(String(20))
    dose_mg: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    lot_number: Mapped[str | None] = mapped_column(String(60))
    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    administered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A sedating co-medication taken today: the clinician's reason for dosing anyway.
    sedation_reason: Mapped[str | None] = mapped_column(Text)
    # Monitoring and discharge
    monitoring_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    monitoring_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    monitoring_minutes: Mapped[int | None]
    ready_to_leave_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    discharge_stable: Mapped[bool | None]
    ride_home: Mapped[bool | None]
    no_driving_advised: Mapped[bool | None]
    discharged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bp_flag: Mapped[str | None] = mapped_column(Text)  # set: a post-dose BP rise
    # Closed without a normal discharge (constants.END_KINDS): what happened, and where
    # the patient was taken for an emergency transfer.
    end_kind: Mapped[str | None] = mapped_column(String(30))
    end_reason: Mapped[str | None] = mapped_column(Text)
    transferred_to: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Every phase save carries the version it was based on: a stale one is refused.
    version: Mapped[int] = mapped_column(default=1)

    session: Mapped[CareSession] = relationship(back_populates="dosing")
    plan_version: Mapped[PlanVersion | None] = relationship(lazy="joined")
    vitals: Mapped[list["VitalsReading"]] = relationship(
        back_populates="dosing", lazy="selectin",
        order_by="(VitalsReading.taken_at, VitalsReading.id)")
    adverse_events: Mapped[list["AdverseEvent"]] = relationship(
        back_populates="dosing", lazy="selectin",
        order_by="(AdverseEvent.occurred_at, AdverseEvent.id)")
    checkins: Mapped[list["ChaperoneCheckin"]] = relationship(
        back_populates="dosing", lazy="selectin",
        order_by="(ChaperoneCheckin.at, ChaperoneCheckin.id)")
    amendments: Mapped[list["DosingAmendment"]] = relationship(
        back_populates="dosing", lazy="selectin",
        order_by="(DosingAmendment.amended_at, DosingAmendment.id)")
    __mapper_args__ = {"version_id_col": version}

    @property
    def phase(self) -> str:
        """administration, monitoring, closed or held."""
        if self.outcome == "held":
            return "held"
        if self.outcome is None:
            return "administration"
        return "closed" if self.monitoring_end is not None else "monitoring"

    @property
    def closed(self) -> bool:
        """Discharged or held: the record is only amended from now on."""
        return self.phase in ("closed", "held")

    @property
    def ended_early(self) -> bool:
        """Closed without a normal discharge (emergency transfer, left, ended early)."""
        return self.end_kind is not None

    @property
    def end_kind_label(self) -> str | None:
        """How the session ended early, in words (None: it did not)."""
        return END_KINDS.get(self.end_kind, self.end_kind) if self.end_kind else None

    @property
    def setting_label(self) -> str:
        """The setting in words."""
        return DOSING_SETTINGS.get(self.setting, self.setting)

    @property
    def product_label(self) -> str:
        """The product in words."""
        return PRODUCTS.get(self.product or "", self.product or "—")

    @property
    def route_label(self) -> str:
        """The route in words."""
        return ROUTES.get(self.route or "", self.route or "—")

    def reading(self, kind: str) -> "VitalsReading | None":
        """The first vitals reading of ``kind`` (pre, mid, discharge), if taken."""
        return next((v for v in self.vitals if v.kind == kind), None)


class VitalsReading(db.Model):
    """Blood pressure, heart rate and SpO2 at one moment of a dosing."""

    __tablename__ = "care_dosing_vitals"

    id: Mapped[int] = mapped_column(primary_key=True)
    dosing_id: Mapped[int] = mapped_column(ForeignKey("dosing_records.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # constants.VITALS_KINDS
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    systolic: Mapped[int]
    diastolic: Mapped[int]
    heart_rate: Mapped[int | None]
    spo2: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dosing: Mapped[DosingRecord] = relationship(back_populates="vitals")

    @property
    def kind_label(self) -> str:
        """The reading's kind in words."""
        return VITALS_KINDS.get(self.kind, self.kind)


class AdverseEvent(db.Model):
    """An adverse event during a dosing, recorded as it happens."""

    __tablename__ = "care_adverse_events"
    __table_args__ = (Index("ix_care_adverse_events_kind", "kind", "serious"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dosing_id: Mapped[int] = mapped_column(ForeignKey("dosing_records.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # constants.ADVERSE_EVENTS
    severity: Mapped[str] = mapped_column(String(10))  # constants.SEVERITIES
    serious: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dosing: Mapped[DosingRecord] = relationship(back_populates="adverse_events")

    @property
    def kind_label(self) -> str:
        """The event in words."""
        return ADVERSE_EVENTS.get(self.kind, self.kind)

    @property
    def severity_label(self) -> str:
        """The severity in words."""
        return SEVERITIES.get(self.severity, self.severity)


class ChaperoneCheckin(db.Model):
    """A check-in with the chaperone (peer treatment monitor) of a telehealth or at-home
    dosing: when, by whom, and whether all was well."""

    __tablename__ = "care_chaperone_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    dosing_id: Mapped[int] = mapped_column(ForeignKey("dosing_records.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(10))  # constants.CHECKIN_STATUSES
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dosing: Mapped[DosingRecord] = relationship(back_populates="checkins")

    @property
    def status_label(self) -> str:
        """OK or Concern."""
        return CHECKIN_STATUSES.get(self.status, self.status)


class DosingAmendment(db.Model):
    """A correction of a saved dosing value: who, when, why, the old and the new value."""

    __tablename__ = "care_dosing_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    dosing_id: Mapped[int] = mapped_column(ForeignKey("dosing_records.id"), index=True)
    target: Mapped[str] = mapped_column(String(60))  # e.g. "lot_number", "vitals:12:systolic"
    label: Mapped[str] = mapped_column(String(200))  # the value's name in words
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    amended_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dosing: Mapped[DosingRecord] = relationship(back_populates="amendments")
    amended_by: Mapped[User] = relationship(lazy="joined")


class PrescriberReview(db.Model):
    """Something from a dosing the patient's prescriber must see: a held dosing, a
    blood-pressure rise or a serious adverse event. Open until acknowledged with a note."""

    __tablename__ = "care_reviews"
    __table_args__ = (
        UniqueConstraint("dosing_id", "subject", name="uq_care_reviews_subject"),
        Index("ix_care_reviews_open", "patient_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    dosing_id: Mapped[int] = mapped_column(ForeignKey("dosing_records.id"))
    kind: Mapped[str] = mapped_column(String(20))  # constants.REVIEW_KINDS
    subject: Mapped[str] = mapped_column(String(30))  # "held", "bp_rise", "ae:<id>"
    summary: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship(lazy="joined")
    dosing: Mapped[DosingRecord] = relationship()
    reviewed_by: Mapped[User | None] = relationship()
    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        """What is to be reviewed, in words."""
        return REVIEW_KINDS.get(self.kind, self.kind)
