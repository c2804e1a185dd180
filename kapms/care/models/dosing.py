"""What a dosing session records."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.care.constants import (
    PRODUCTS,
    ROUTES,
)
from kapms.care.models.sessions import CareSession
from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db


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
