"""What the patient tells the clinic through the portal about a dosing: the chaperone
(peer treatment monitor) who will sit with them for a telehealth or at-home dosing. The
dosing record keeps what the clinician confirms at check-in; this is the patient's side,
given ahead so the care team can reach the chaperone."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db


class ChaperoneNomination(db.Model):
    """The chaperone a patient named for one upcoming remote dosing."""

    __tablename__ = "chaperone_nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("care_sessions.id"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    phone: Mapped[str] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
