"""The intake questionnaire's answers. One row per version of the patient's answers: a
draft the patient edits, then sent (``submitted_at``) and kept as it was; editing after
sending starts a new draft, so the prescriber's decision can always be read against the
answers the patient had given by then."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, and_, exists
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db
from kapms.patients.models import Patient


class IntakeResponse(db.Model):
    """A patient's medical-history answers."""

    __tablename__ = "intake_responses"
    __table_args__ = (Index("ix_intake_responses_patient", "patient_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    # key of the care domain's screen -> True (yes) / False (no); missing: not answered
    contraindications: Mapped[dict] = mapped_column(JSON, default=dict)
    contraindication_details: Mapped[str | None] = mapped_column(Text)
    co_medications: Mapped[dict] = mapped_column(JSON, default=dict)
    medications: Mapped[str | None] = mapped_column(Text)
    allergies: Mapped[str | None] = mapped_column(Text)
    substance_use: Mapped[str | None] = mapped_column(Text)
    prior_ketamine: Mapped[bool | None]
    prior_psychedelics: Mapped[bool | None]
    prior_experience: Mapped[str | None] = mapped_column(Text)
    bp_systolic: Mapped[int | None]
    bp_diastolic: Mapped[int | None]
    emergency_contact_name: Mapped[str | None] = mapped_column(String(160))
    emergency_contact_phone: Mapped[str | None] = mapped_column(String(30))
    emergency_contact_relation: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optimistic locking: a save from an old page (another tab) is refused, not lost.
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def submitted(self) -> bool:
        """True once the patient sent it."""
        return self.submitted_at is not None


def _newest_sent():
    newer = aliased(IntakeResponse)
    return and_(IntakeResponse.patient_id == Patient.id, IntakeResponse.submitted_at.is_not(None),
                ~exists().where(newer.patient_id == IntakeResponse.patient_id,
                                newer.submitted_at.is_not(None), newer.id > IntakeResponse.id))


# The patient's newest sent answers (``services.latest_submitted``), as a relationship of
# the patient so that a page can load them with the patient (the patient page does).
Patient.sent_intake = relationship(IntakeResponse, primaryjoin=_newest_sent, viewonly=True,
                                   uselist=False)
