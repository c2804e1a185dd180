"""Planning reminders into the outbox, and each person's choice of reminders (no Flask;
flush, never commit).

``plan_appointments`` runs every minute (cheap: one indexed range of appointments);
``plan_daily`` runs once per clinic day, from the reminder hour on, whichever worker gets
there first. Both go through the outbox's dedupe keys, so running them twice queues each
reminder once. Only patients who use the portal (they chose a password) get reminders, at
their account's email, and only of the kinds they have not turned off.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from kapms import clinic_time
from kapms.audit.services import record
from kapms.auth.models import PasswordToken, User, UserRole
from kapms.billing.models import PaymentPlan
from kapms.billing.services.plans import ledger
from kapms.care.models import CareSession
from kapms.consent.services import to_sign
from kapms.database import utcnow
from kapms.intake.services import latest_submitted
from kapms.measures.models import Administration
from kapms.measures.services import measure_schedule
from kapms.outbox.services import queue_message
from kapms.patients.models import Patient
from kapms.reminders import rules
from kapms.reminders.models import DailyRun, ReminderOptOut

# The reminders a patient may turn off, in the words of their settings page.
PATIENT_KINDS = {
    "session_reminder": "Appointment reminders (with a calendar file)",
    "measure_due": "Questionnaires to fill in",
    "consent_outstanding": "Documents to sign",
    "intake_outstanding": "Health questionnaire to complete",
    "installment_reminder": "Payment reminders (3 days before, and when overdue)",
}
INSTALLMENT_KINDS = ("installment_due", "installment_overdue")
PRE_CLEARANCE_STAGES = ("referral", "intake", "deferred")


@dataclass(frozen=True)
class Settings:
    """The clinic's reminder settings (kapms/config.py)."""

    session_hours: int = 24
    installment_days: int = 3
    repeat_days: int = 3
    hour: int = 9

    @classmethod
    def from_config(cls, config) -> "Settings":
        """From an app config mapping."""
        return cls(int(config["SESSION_REMINDER_HOURS"]),
                   int(config["INSTALLMENT_REMINDER_DAYS"]),
                   int(config["REMINDER_REPEAT_DAYS"]), int(config["REMINDER_HOUR"]))


def preference_kind(kind: str) -> str:
    """The setting a message kind is governed by (both installment kinds by one)."""
    return "installment_reminder" if kind in INSTALLMENT_KINDS else kind


# --- choices ---------------------------------------------------------------------------------

def turned_off(session, user_id: int) -> set[str]:
    """The kinds of reminder this person turned off."""
    return set(session.scalars(select(ReminderOptOut.kind)
                               .where(ReminderOptOut.user_id == user_id)))


def wants(session, user_id: int | None, kind: str) -> bool:
    """True unless the person turned this kind of reminder off."""
    return user_id is None or preference_kind(kind) not in turned_off(session, user_id)


def save_choices(session, actor, kinds_on) -> set[str]:
    """The person keeps ``kinds_on`` and turns every other reminder kind off."""
    kinds_on = set(kinds_on) & set(PATIENT_KINDS)
    off = set(PATIENT_KINDS) - kinds_on
    current = {row.kind: row for row in session.scalars(
        select(ReminderOptOut).where(ReminderOptOut.user_id == actor.id))}
    for kind, row in current.items():
        if kind not in off:
            session.delete(row)
    for kind in off - set(current):
        session.add(ReminderOptOut(user_id=actor.id, kind=kind))
    session.flush()
    record(session, actor, "update", "reminder_choices", actor.id,
           detail="off: " + (", ".join(sorted(off)) or "none"))
    return off


# --- who gets reminders ------------------------------------------------------------------------

def _portal_users():
    """Active patient accounts that chose a password (they can sign in)."""
    accepted = exists().where(PasswordToken.user_id == User.id,
                              PasswordToken.used_at.is_not(None))
    return (select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "patient", User.active.is_(True),
                   User.patient_id.is_not(None), accepted | User.last_login_at.is_not(None)))


def _queue(session, user: User, kind: str, key: str, *, subject_id=None, params=None,
           now=None) -> int:
    if not wants(session, user.id, kind):
        return 0
    return int(queue_message(session, kind=kind, recipient=user.email, user_id=user.id,
                             patient_id=user.patient_id, subject_id=subject_id,
                             params=params or {}, dedupe_key=key, now=now) is not None)


# --- appointments (every minute) -----------------------------------------------------------

def plan_appointments(session, settings: Settings, *, now: datetime | None = None) -> int:
    """Queue the reminder of every appointment starting within the lead time."""
    now = now or utcnow()
    lead = timedelta(hours=settings.session_hours)
    users = _portal_users().subquery()
    rows = session.execute(
        select(CareSession, User).join(User, User.patient_id == CareSession.patient_id)
        .where(User.id.in_(select(users.c.id)), CareSession.status == "scheduled",
               CareSession.scheduled_start > now, CareSession.scheduled_start <= now + lead)
        .order_by(CareSession.scheduled_start)).all()
    queued = 0
    for care_session, user in rows:
        if rules.appointment_due(care_session.scheduled_start, now, lead):
            queued += _queue(session, user, "session_reminder",
                             rules.appointment_key(care_session.id,
                                                   care_session.scheduled_start),
                             subject_id=care_session.id,
                             params={"start": care_session.scheduled_start.isoformat()},
                             now=now)
    return queued


# --- the daily reminders ---------------------------------------------------------------------

def claim_day(session, day: date, now: datetime) -> bool:
    """True for the one caller that gets to plan ``day``'s daily reminders."""
    try:
        with session.begin_nested():
            session.add(DailyRun(day=day, started_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


def plan_daily(session, settings: Settings, *, now: datetime | None = None,
               force: bool = False) -> int:
    """Once per clinic day from the reminder hour on (``force``: now, e.g. the demo):
    outstanding consents, intake and measures, and installments due soon or overdue."""
    now = now or utcnow()
    local = now.astimezone(clinic_time.zone())
    if not force and (local.hour < settings.hour or not claim_day(session, local.date(), now)):
        return 0
    today = local.date()
    queued = 0
    for user in session.scalars(_portal_users()):
        queued += plan_outstanding(session, user, settings, today, now)
    queued += plan_installments(session, settings, today, now)
    run = session.get(DailyRun, today)
    if run is not None:
        run.queued = queued
    session.flush()
    return queued


def plan_outstanding(session, user: User, settings: Settings, today: date,
                     now: datetime) -> int:
    """Remind one patient of what is waiting for them in the portal."""
    patient = session.get(Patient, user.patient_id)
    queued = 0
    for kind, waiting in (("consent_outstanding", consents_waiting(session, patient.id)),
                          ("intake_outstanding", intake_waiting(session, patient)),
                          ("measure_due", measures_waiting(session, patient))):
        if waiting:
            queued += _queue(session, user, kind, rules.outstanding_key(
                kind, patient.id, today, settings.repeat_days), now=now)
    return queued


def remote_dosing_booked(session, patient_id: int) -> bool:
    """True when a telehealth dosing is booked (the chaperone agreement concerns it)."""
    return session.scalar(select(CareSession.id).where(
        CareSession.patient_id == patient_id, CareSession.kind == "dosing",
        CareSession.status == "scheduled", CareSession.modality == "telehealth")
        .limit(1)) is not None


def consents_waiting(session, patient_id: int) -> int:
    """How many required documents the patient has to sign."""
    return sum(1 for t in to_sign(session, patient_id,
                                  remote=remote_dosing_booked(session, patient_id))
               if t.required)


def intake_waiting(session, patient) -> bool:
    """True before clearance while the patient has not sent the intake."""
    return patient.stage in PRE_CLEARANCE_STAGES and latest_submitted(session,
                                                                      patient.id) is None


def measures_waiting(session, patient) -> int:
    """How many questionnaires are due (not audited: nobody reads them here)."""
    rows = list(session.scalars(select(Administration).where(
        Administration.patient_id == patient.id)))
    return sum(len(row.due) for row in measure_schedule(session, patient, rows))


def plan_installments(session, settings: Settings, today: date, now: datetime) -> int:
    """Remind portal patients of installments due within the notice, or overdue."""
    users = {u.patient_id: u for u in session.scalars(_portal_users())}
    if not users:
        return 0
    queued = 0
    for plan in session.scalars(select(PaymentPlan).where(
            PaymentPlan.status == "open", PaymentPlan.patient_id.in_(list(users)))):
        states = ledger(plan, today).installments
        by_number = {i.number: i for i in plan.installments}
        for state in states:
            kind = rules.installment_reminder(state.due_date, state.unpaid, today,
                                              settings.installment_days)
            if kind is not None:
                installment = by_number[state.number]
                queued += _queue(session, users[plan.patient_id], kind,
                                 f"{kind}:{installment.id}", subject_id=installment.id,
                                 now=now)
    return queued
