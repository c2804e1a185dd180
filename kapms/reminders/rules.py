"""When reminders are due (pure rules over plain values, no database).

- An appointment: from ``lead`` before its start until it starts (booked later than
  that: at once). Moved appointments get their own reminder (the key holds the start).
- Outstanding consents, intake and measures: at most once every ``repeat_days`` days,
  from the clinic's reminder hour on, while they stay outstanding (the key holds the
  period, so a rerun in the same period adds nothing).
- An installment: ``days_before`` days before it is due, and once when it is overdue.
"""

from datetime import date, datetime, timedelta

EPOCH = date(2020, 1, 1)


def appointment_due(start: datetime, now: datetime, lead: timedelta) -> bool:
    """True when an appointment's reminder should go out now."""
    return start - lead <= now < start


def appointment_key(session_id: int, start: datetime) -> str:
    """One reminder per appointment and start time."""
    return f"session_reminder:{session_id}:{start.strftime('%Y%m%dT%H%M')}"


def period(today: date, repeat_days: int) -> int:
    """The reminder period ``today`` falls in (periods of ``repeat_days`` days)."""
    return (today - EPOCH).days // max(repeat_days, 1)


def outstanding_key(kind: str, patient_id: int, today: date, repeat_days: int) -> str:
    """One reminder of an outstanding ``kind`` per patient and period."""
    return f"{kind}:{patient_id}:{period(today, repeat_days)}"


def installment_reminder(due_date: date, unpaid: int, today: date,
                         days_before: int) -> str | None:
    """"installment_due", "installment_overdue" or None for one installment today."""
    if unpaid <= 0:
        return None
    if due_date < today:
        return "installment_overdue"
    if due_date <= today + timedelta(days=days_before):
        return "installment_due"
    return None
