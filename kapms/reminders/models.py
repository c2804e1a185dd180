"""The patient's reminder choices, and the marker of each day's run of the daily
reminders (so several workers run them once)."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db


class ReminderOptOut(db.Model):
    """A kind of reminder a person turned off (every kind is on until turned off)."""

    __tablename__ = "reminder_opt_outs"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DailyRun(db.Model):
    """The daily reminders of one clinic day were planned (the first worker to insert
    the day's row plans them; the others find it there)."""

    __tablename__ = "reminder_daily_runs"

    day: Mapped[date] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    queued: Mapped[int] = mapped_column(default=0)
