"""Sessions on the care path and their notes (progress notes, addenda, process notes)."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.auth.models import User
from kapms.care.constants import (
    MODALITIES,
    REPEATS,
    SESSION_KINDS,
    SESSION_STATUSES,
)
from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db
from kapms.patients.models import Patient

if TYPE_CHECKING:  # the dosing module imports this one
    from kapms.care.models.dosing import DosingRecord


class CareSession(db.Model):
    """A scheduled appointment on the care path (preparation, dosing, integration, ...)."""

    __tablename__ = "care_sessions"
    __table_args__ = (
        Index("ix_care_sessions_clinician_start", "clinician_id", "scheduled_start"),
        # The network outcome report (kapms/measures/services/care_data.py): a patient's
        # sessions of a kind in time order (the first dosing), and a dosing session's
        # patient read from a small index instead of the wide table.
        Index("ix_care_sessions_patient_kind_start", "patient_id", "kind", "scheduled_start"),
        Index("ix_care_sessions_id_patient", "id", "patient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scheduled_start: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int]
    modality: Mapped[str] = mapped_column(String(20), default="office")
    location: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    # What actually happened (billing and reports read these): a dosing's check-in to
    # discharge (or to the hold), another session's start and its minutes.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actual_minutes: Mapped[int | None]
    # A medical visit (intake, follow-up): minutes of psychotherapy the prescriber gave
    # within it, separate from the medical part (billing's add-on code reads it).
    psychotherapy_minutes: Mapped[int | None]
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # A no-show or late cancellation: whether the clinic bills it, decided by the clinic's
    # setting when it was recorded (so a later change of the setting rewrites no history).
    missed_billable: Mapped[bool | None]
    # The weekly (or fortnightly...) series it was booked in; each occurrence is a session
    # of its own, moved or cancelled alone.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("care_session_series.id"),
                                                  index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship(lazy="joined")
    clinician: Mapped[User] = relationship(foreign_keys=[clinician_id], lazy="joined")
    series: Mapped["SessionSeries | None"] = relationship(back_populates="sessions")
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


class SessionSeries(db.Model):
    """Sessions booked together as a repeating series (e.g. weekly integration), until a
    date or for a number of occurrences."""

    __tablename__ = "care_session_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    every_weeks: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sessions: Mapped[list[CareSession]] = relationship(
        back_populates="series", order_by="CareSession.scheduled_start")

    @property
    def repeat_label(self) -> str:
        """E.g. "Every 2 weeks"."""
        return REPEATS.get(self.every_weeks, f"Every {self.every_weeks} weeks")


class ClinicianCalendar(db.Model):
    """One row per clinician whose calendar has been booked: scheduling updates it first,
    which takes a row lock (PostgreSQL) or the write lock (SQLite) until the booking
    commits, so two bookings racing for the same clinician run one after the other and
    the second sees the first (no double booking)."""

    __tablename__ = "care_clinician_calendars"

    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    bookings: Mapped[int] = mapped_column(default=0)


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
