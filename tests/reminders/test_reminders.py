"""Reminders on schedule: appointments within the lead time (once, again when moved, not
when turned off or cancelled), the daily run (once a day, from the reminder hour), what
waits in the portal, installments due in 3 days and overdue; minimum-necessary text."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from kapms import clinic_time
from kapms.billing.services.plans import create_plan
from kapms.care import services as care
from kapms.outbox.models import OutboxMessage
from kapms.reminders import rules, services
from kapms.reminders.services import Settings
from tests.care.factories import make_team, session_for
from tests.factories import make_patient_account, make_user
from tests.outbox.helpers import send_due

SETTINGS = Settings()


@pytest.mark.parametrize("hours_before, due", [(25, False), (24, True), (2, True), (0, False)])
def test_an_appointment_reminder_is_due_within_the_lead_time(hours_before, due):
    start = datetime(2026, 5, 4, 17, tzinfo=UTC)
    now = start - timedelta(hours=hours_before)
    assert rules.appointment_due(start, now, timedelta(hours=24)) is due


@pytest.mark.parametrize("due_on, unpaid, expected", [
    (date(2026, 5, 7), 5000, "installment_due"), (date(2026, 5, 8), 5000, None),
    (date(2026, 5, 4), 5000, "installment_due"), (date(2026, 5, 3), 5000, "installment_overdue"),
    (date(2026, 5, 3), 0, None)])
def test_installment_reminders(due_on, unpaid, expected):
    assert rules.installment_reminder(due_on, unpaid, date(2026, 5, 4), 3) == expected


def test_outstanding_reminders_repeat_once_per_period():
    keys = {rules.outstanding_key("measure_due", 7, date(2026, 5, 1) + timedelta(days=d), 3)
            for d in range(9)}
    assert len(keys) in (3, 4)


def _portal_team(db):
    team = make_team(db)
    team.account = make_patient_account(db, team.patient)
    team.account.last_login_at = datetime.now(UTC)
    db.commit()
    return team


def _kinds(db):
    return sorted(db.scalars(select(OutboxMessage.kind)))


def test_an_appointment_is_reminded_once_then_again_when_moved(app, db):
    team = _portal_team(db)
    now = datetime.now(UTC).replace(microsecond=0)
    cs = session_for(db, team, "preparation", now + timedelta(hours=20))
    session_for(db, team, "integration", now + timedelta(hours=30))
    db.commit()
    assert services.plan_appointments(db, SETTINGS, now=now) == 1
    assert services.plan_appointments(db, SETTINGS, now=now) == 0  # a rerun adds nothing
    [email] = send_due(app, db)
    assert email.subject == "Appointment reminder" and email.to == [team.account.email]
    assert "Preparation" not in email.body and team.therapist.full_name not in email.body
    [(name, ics, mimetype)] = email.attachments
    assert name == "appointment.ics" and "SUMMARY:Appointment" in str(ics)
    assert mimetype == "text/calendar" and "Preparation" not in str(ics)
    care.reschedule_session(db, team.therapist, cs, start=now + timedelta(hours=22),
                            duration_minutes=cs.duration_minutes, modality=cs.modality,
                            clinician=cs.clinician, expected_version=cs.version)
    db.commit()
    assert services.plan_appointments(db, SETTINGS, now=now) == 1


def test_a_cancelled_appointment_or_a_kind_turned_off_sends_nothing(app, db):
    team = _portal_team(db)
    now = datetime.now(UTC).replace(microsecond=0)
    cs = session_for(db, team, "preparation", now + timedelta(hours=20))
    db.commit()
    services.plan_appointments(db, SETTINGS, now=now)
    care.cancel_session(db, team.therapist, cs, "Patient unwell")
    db.commit()
    assert send_due(app, db) == []
    assert db.scalar(select(OutboxMessage.status)) == "cancelled"
    services.save_choices(db, team.account, ["measure_due"])
    session_for(db, team, "integration", now + timedelta(hours=10))
    db.commit()
    assert services.plan_appointments(db, SETTINGS, now=now) == 0


def test_the_daily_run_happens_once_a_day_from_the_reminder_hour(app, db):
    team = _portal_team(db)
    day = clinic_time.today()
    early = datetime.combine(day, time(6), clinic_time.zone())
    later = datetime.combine(day, time(10), clinic_time.zone())
    assert services.plan_daily(db, SETTINGS, now=early) == 0
    queued = services.plan_daily(db, SETTINGS, now=later)
    db.commit()
    assert queued == 2 and _kinds(db) == ["intake_outstanding", "measure_due"]
    assert services.plan_daily(db, SETTINGS, now=later + timedelta(hours=1)) == 0
    for email in send_due(app, db):
        assert team.patient.last_name not in email.body and "PHQ" not in email.body


def test_installments_due_in_three_days_and_overdue(app, db):
    soon, late = _portal_team(db), _portal_team(db)
    clerk = make_user(db, roles=["billing"])
    today = clinic_time.today()
    create_plan(db, clerk, soon.patient, balance_cents=30000, upfront_cents=10000,
                installments=2, first_due=today + timedelta(days=2))
    create_plan(db, clerk, late.patient, balance_cents=30000, upfront_cents=10000,
                installments=2, first_due=today - timedelta(days=35))
    db.commit()
    services.plan_installments(db, SETTINGS, today, datetime.now(UTC))
    services.plan_installments(db, SETTINGS, today, datetime.now(UTC))  # once each
    db.commit()
    rows = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.kind, r.user_id) for r in rows] == [
        ("installment_due", soon.account.id), ("installment_overdue", late.account.id),
        ("installment_overdue", late.account.id)]
    emails = send_due(app, db)
    assert "A payment of $100.00" in emails[0].body and "is due on" in emails[0].body
    assert "was due on" in emails[1].body
