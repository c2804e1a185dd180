"""Staff emails for a new referral offer, a new safety alert, and an intake sent with a
yes to thoughts of ending one's life.

They follow the records, whichever service wrote them: when a flush inserts a referral
offer or a suicidal-ideation alert, or sends such an intake, it is noted, and just before
that transaction commits the emails are queued in it (so they go out only if it commits).
The email names no patient and no detail: it says that something waits in KAPMS and links
to the sign-in page.
"""

from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from kapms.auth.models import User, UserRole
from kapms.intake.models import IntakeResponse
from kapms.intake.services import crisis_answer
from kapms.measures.models import SafetyAlert
from kapms.network.models import Referral
from kapms.outbox.services import queue_message
from kapms.patients.models import CareTeamMember


def _queue_team_emails(session, kind: str, patient_id: int, subject_id: int) -> int:
    """One email of ``kind`` to each active clinician on the patient's care team; to the
    active admins when no clinician is on it yet (a patient waiting for a referral must
    not go unheard)."""
    recipients = session.scalars(
        select(User).join(CareTeamMember, CareTeamMember.user_id == User.id)
        .where(CareTeamMember.patient_id == patient_id,
               CareTeamMember.active.is_(True), User.active.is_(True))).unique().all() \
        or session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                           .where(UserRole.role == "admin", User.active.is_(True))).all()
    return sum(queue_message(session, kind=kind, recipient=user.email, user_id=user.id,
                             patient_id=patient_id, subject_id=subject_id,
                             dedupe_key=f"{kind}:{subject_id}:{user.id}")
               is not None for user in recipients)


def queue_alert_emails(session, alert: SafetyAlert) -> int:
    """One email to each active clinician on the patient's care team."""
    return _queue_team_emails(session, "staff_safety_alert", alert.patient_id, alert.id)


def _just_sent(row) -> bool:
    return isinstance(row, IntakeResponse) and crisis_answer(row) \
        and bool(inspect(row).attrs.submitted_at.history.added)


def queue_offer_email(session, offer: Referral) -> bool:
    """One email to the clinician the offer is made to."""
    user = session.get(User, offer.clinician_id)
    if user is None or not user.active:
        return False
    return queue_message(session, kind="staff_referral_offer", recipient=user.email,
                         user_id=user.id, subject_id=offer.id,
                         dedupe_key=f"staff_referral_offer:{offer.id}") is not None


_NOTED = "kapms_staff_emails_due"


@sa_event.listens_for(Session, "after_flush")
def _note_new_records(session, flush_context) -> None:
    noted = [o for o in session.new if isinstance(o, SafetyAlert)
             or (isinstance(o, Referral) and o.status == "offered")]
    noted += [o for o in (*session.new, *session.dirty) if _just_sent(o)]
    if noted:
        session.info.setdefault(_NOTED, []).extend(noted)


@sa_event.listens_for(Session, "before_commit")
def _queue_staff_emails(session) -> None:
    for record in session.info.pop(_NOTED, []):
        if isinstance(record, SafetyAlert):
            queue_alert_emails(session, record)
        elif isinstance(record, IntakeResponse):
            _queue_team_emails(session, "staff_intake_crisis", record.patient_id, record.id)
        else:
            queue_offer_email(session, record)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_NOTED, None)
