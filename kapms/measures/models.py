"""Administrations of outcome measures, safety alerts, self-report links and licensed text.

Every administration stores, next to its raw answers, the derived values the network
reports aggregate (total, PHQ-9 item 3, MBI-GS subscale *sums*, flags as booleans). They
are computed once at write time by kapms.measures.scoring, so the reports are plain SQL
GROUP BY queries. MBI-GS subscales are stored as integer sums (mean = sum / item count),
which keeps every threshold comparison in SQL exact.

An administration entered in error is never deleted: a clinician marks it void
(``voided_at``, ``voided_by_id``, ``void_reason``) and it stays for the audit trail. A
voided row no longer counts anywhere: the point is free to record again (the uniqueness
of patient/instrument/point holds over live rows only), the schedule and charts ignore it
and the network reports leave it out (:data:`LIVE`).
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.auth.models import User
from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db
from kapms.measures.instruments import MBIGS
from kapms.patients.models import Patient

# Measurement points, in treatment order, with the words the clinic uses.
POINTS = {
    "baseline": "Baseline",
    "after_dosing_2": "After dosing 2",
    "after_dosing_4": "After dosing 4",
    "after_dosing_6": "After dosing 6",
    "follow_up": "Follow-up",
}
SOURCES = ("clinician", "self_report")
END_POINT = "after_dosing_6"  # a patient with this point recorded completed the course
# the points of the course after baseline: "all scheduled points" completers have each one
COURSE_POINTS = ("after_dosing_2", "after_dosing_4", END_POINT)
VOID_REASON_MAX = 500
# SQL condition of the rows that count (not entered in error), for the partial unique index.
LIVE = "voided_at IS NULL"
# MBI-GS subscale -> the column holding its integer sum
SUBSCALE_SUM_COLUMNS = {"exhaustion": "exhaustion_sum", "cynicism": "cynicism_sum",
                        "professional_efficacy": "efficacy_sum"}


class Administration(db.Model):
    """One completed questionnaire for one patient at one measurement point."""

    __tablename__ = "measure_administrations"
    __table_args__ = (
        # One live answer set per instrument and point: a double submit is refused, and
        # the reports can join a point to the baseline unambiguously. Rows entered in
        # error are left out, so the point can be recorded again after a correction.
        Index("ux_measure_administrations_live_point", "patient_id", "instrument", "point",
              unique=True, sqlite_where=text(LIVE), postgresql_where=text(LIVE)),
        # The network report scans one instrument's later points and looks up each
        # patient's baseline. Covering every column the report aggregates lets SQLite
        # answer both from this index alone, without a table lookup per row: about 5x
        # faster on 100,000 patients (bench/MEASURES.md). voided_at is in it because the
        # report keeps live rows only: SQLite does not treat a partial index's WHERE as
        # answered by the index, so without the column every row needs a table lookup.
        Index("ix_measure_administrations_report", "instrument", "point", "patient_id",
              "given_on", "total", "item3", "item9", "exhaustion_sum", "cynicism_sum",
              "efficacy_sum", "burnout", "end_recorded", "all_points_recorded", "voided_at"),
        # A patient's administrations in date order (patient page, trends, record form),
        # those entered in error included: the live-point key is partial, so it serves
        # no such read, and without this index both databases scan the whole table
        # (bench/SCALE.md, cause 7).
        Index("ix_measure_administrations_patient", "patient_id", "given_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    instrument: Mapped[str] = mapped_column(String(10))
    point: Mapped[str] = mapped_column(String(20))
    given_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default="clinician")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: patient
    answers: Mapped[str] = mapped_column(String(80))  # comma-separated integers, item order
    # Derived at write time (see module docstring).
    total: Mapped[int | None] = mapped_column(Integer)  # None for MBI-GS
    severity: Mapped[str] = mapped_column(String(30))
    item3: Mapped[int | None] = mapped_column(Integer)  # PHQ-9 sleep item
    item9: Mapped[int | None] = mapped_column(Integer)  # PHQ-9 suicidal-ideation item
    # MBI-GS subscale sums (SUBSCALE_SUM_COLUMNS; items in instruments.MBIGS.subscales)
    exhaustion_sum: Mapped[int | None] = mapped_column(Integer)
    cynicism_sum: Mapped[int | None] = mapped_column(Integer)
    efficacy_sum: Mapped[int | None] = mapped_column(Integer)
    suicidal_ideation: Mapped[bool] = mapped_column(Boolean, default=False)
    burnout: Mapped[bool | None] = mapped_column(Boolean)  # MBI-GS source-002 threshold
    dsm5_criteria_met: Mapped[bool | None] = mapped_column(Boolean)  # PCL-5
    # Baseline rows only: the same instrument's after-dosing-6 is recorded, i.e. the patient
    # is a completer. Kept current by record_administration whichever is recorded first,
    # so the report filters completers on a column instead of a lookup per row.
    end_recorded: Mapped[bool | None] = mapped_column(Boolean)
    # Baseline rows only, kept current the same way: every point of COURSE_POINTS is
    # recorded (the "all scheduled points" completer definition).
    all_points_recorded: Mapped[bool | None] = mapped_column(Boolean)
    # Entered in error (see the module docstring): when, by whom and why.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(String(VOID_REASON_MAX))

    patient: Mapped[Patient] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])
    # The suicidal-ideation alert this PHQ-9 raised, if any (one at most).
    safety_alert: Mapped["SafetyAlert | None"] = relationship(back_populates="administration")

    @property
    def is_voided(self) -> bool:
        """True once marked as entered in error."""
        return self.voided_at is not None

    @property
    def answer_list(self) -> list[int]:
        """The answers as integers in item order."""
        return [int(a) for a in self.answers.split(",")]

    @property
    def point_label(self) -> str:
        """The measurement point in words."""
        return POINTS.get(self.point, self.point)

    @property
    def subscale_means(self) -> dict[str, float | None]:
        """MBI-GS subscale means rounded to 2 decimals for display (None elsewhere)."""
        cent = Decimal("0.01")
        means = {}
        for name, items in MBIGS.subscales.items():
            total = getattr(self, SUBSCALE_SUM_COLUMNS[name])
            means[name] = None if total is None else \
                float((Decimal(total) / len(items)).quantize(cent, ROUND_HALF_UP))
        return means


class SafetyAlert(db.Model):
    """A suicidal-ideation alert (PHQ-9 item 9 above 0), open until a clinician
    acknowledges it with a note."""

    __tablename__ = "measure_safety_alerts"
    __table_args__ = (Index("ix_measure_safety_alerts_open", "patient_id", "acknowledged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    administration_id: Mapped[int] = mapped_column(
        ForeignKey("measure_administrations.id"), unique=True)
    item9_answer: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledgement_note: Mapped[str | None] = mapped_column(Text)
    # Two clinicians acknowledging at once: the second save is refused, not lost.
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship()
    administration: Mapped[Administration] = relationship(back_populates="safety_alert")
    acknowledged_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        """True until acknowledged."""
        return self.acknowledged_at is None


class SelfReportLink(db.Model):
    """A single-use, expiring link through which a patient fills one measure themselves.

    Only the SHA-256 of the token is stored, so the database never holds a usable link.
    """

    __tablename__ = "measure_self_report_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(10))
    point: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("measure_administrations.id"))

    patient: Mapped[Patient] = relationship()

    @property
    def point_label(self) -> str:
        """The measurement point in words."""
        return POINTS.get(self.point, self.point)

    def status(self, now: datetime) -> str:
        """"used", "revoked", "expired" or "open" at ``now``."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "open"


class LicensedItemText(db.Model):
    """Item wording of a licensed instrument (MBI-GS), loaded by a clinic holding a licence."""

    __tablename__ = "measure_item_texts"
    __table_args__ = (UniqueConstraint("instrument", "item_number",
                                       name="uq_measure_item_texts_instrument_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument: Mapped[str] = mapped_column(String(10))
    item_number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
