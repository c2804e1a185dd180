"""Referrals: a coordinator offers a patient to a clinician, who accepts or declines.

Accepting puts the clinician on the care team (which is what counts against capacity) and
moves a patient waiting at "referral" on to medical intake. Every step is audited with the
patient's id. An offer is answered once: accepting an accepted, declined or withdrawn offer
is refused with a message saying what happened to it.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from kapms import clinic_time
from kapms.audit.services import record
from kapms.database import utcnow
from kapms.errors import ConflictError, NotFound, PermissionDenied, RuleViolation
from kapms.network.matching import has_active_licence
from kapms.network.models import Referral
from kapms.network.services.profiles import active_patient_count, profile_for
from kapms.patients.models import CARE_TEAM_ROLES
from kapms.patients.services import add_to_care_team

OPEN = "offered"


def offer_referral(session, actor, patient, clinician, role: str, *, note: str | None = None,
                   today: date | None = None) -> Referral:
    """Offer ``patient`` to ``clinician`` as ``role`` (admins only)."""
    today = today or clinic_time.today()
    if actor is None or not actor.has_role("admin"):
        raise PermissionDenied("Only a network coordinator (admin) can make referrals.")
    if role not in CARE_TEAM_ROLES or not clinician.active or not clinician.has_role(role):
        raise RuleViolation(f"{clinician.full_name} is not an active {role}.")
    profile = profile_for(session, clinician.id)
    if profile is None:
        raise RuleViolation(f"{clinician.full_name} has no directory profile yet.")
    licences = [(x.state, x.expires_on) for x in profile.licences]
    if not has_active_licence(licences, patient.state, today):
        raise RuleViolation(f"{clinician.full_name} has no active licence in {patient.state}.")
    if any(m.user_id == clinician.id and m.role == role for m in patient.care_team):
        raise RuleViolation(f"{clinician.full_name} is already on the care team as {role}.")
    if patient.members(role):
        raise RuleViolation(f"{patient.full_name} already has a {role}.")
    pending = session.scalar(select(Referral).where(
        Referral.patient_id == patient.id, Referral.role == role, Referral.status == OPEN))
    if pending is not None:
        raise RuleViolation(f"{patient.full_name} already has an open {role} offer to "
                            f"{pending.clinician.full_name}; withdraw it first.")
    referral = Referral(patient_id=patient.id, clinician_id=clinician.id, role=role,
                        note=(note or "").strip()[:500] or None, offered_by_id=actor.id)
    try:
        with session.begin_nested():  # a unique index guards the race the check above misses
            session.add(referral)
            session.flush()
    except IntegrityError:
        raise RuleViolation(f"{patient.full_name} was just offered to someone else; "
                            "reload to see the open offer.") from None
    record(session, actor, "create", "referral", referral.id, patient_id=patient.id,
           detail=f"offered to {role} user {clinician.id}")
    return referral


def get_referral(session, actor, referral_id: int) -> Referral:
    """An offer the actor may see (the clinician it was made to, or an admin); audited."""
    referral = session.get(Referral, referral_id)
    if referral is None or not (actor.has_role("admin") or referral.clinician_id == actor.id):
        record(session, actor, "view", "referral", referral_id, outcome="denied")
        raise NotFound("No such referral.")
    record(session, actor, "view", "referral", referral.id, patient_id=referral.patient_id)
    return referral


def _answerable(referral: Referral, actor) -> None:
    if referral.clinician_id != actor.id:
        raise PermissionDenied("Only the clinician it was offered to can answer this offer.")
    if referral.status != OPEN:
        raise RuleViolation(f"This offer was already {referral.status_label.lower()}; "
                            "it cannot be answered again.")


def _flush(session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError("This offer changed meanwhile; reload the page.") from None


def accept_referral(session, actor, referral: Referral, *, today: date | None = None) -> None:
    """Accept: join the care team (counts against capacity); referral -> intake."""
    today = today or clinic_time.today()
    _answerable(referral, actor)
    if referral.patient.members(referral.role):
        raise RuleViolation(f"{referral.patient.full_name} already has a {referral.role} "
                            "now; ask the coordinator.")
    profile = profile_for(session, actor.id)
    if profile is None:
        raise RuleViolation("Set up your directory profile before accepting referrals.")
    if active_patient_count(session, actor.id, referral.role) >= profile.capacity:
        raise RuleViolation("You are at your capacity; raise it in your profile or decline.")
    referral.status, referral.responded_at = "accepted", utcnow()
    _flush(session)
    # The coordinator's offer is the authorisation to join this patient's care team, so
    # the care-team service is called on the system's behalf (the referral audit below
    # names the clinician who accepted).
    add_to_care_team(session, None, referral.patient, actor, referral.role)
    patient = referral.patient
    if patient.stage == "referral":
        patient.stage = "intake"
    _flush(session)
    record(session, actor, "update", "referral", referral.id, patient_id=patient.id,
           detail="accepted; added to care team")


def decline_referral(session, actor, referral: Referral, reason: str) -> None:
    """Decline with a reason the coordinator will read."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("Say why you decline, so the coordinator can refer elsewhere.",
                            "reason")
    _answerable(referral, actor)
    referral.status, referral.responded_at = "declined", utcnow()
    referral.decline_reason = reason[:500]
    _flush(session)
    record(session, actor, "update", "referral", referral.id, patient_id=referral.patient_id,
           detail="declined")


def withdraw_referral(session, actor, referral: Referral) -> None:
    """The coordinator takes back an unanswered offer."""
    if actor is None or not actor.has_role("admin"):
        raise PermissionDenied("Only a network coordinator can withdraw an offer.")
    if referral.status != OPEN:
        raise RuleViolation(f"This offer was already {referral.status_label.lower()}.")
    referral.status, referral.responded_at = "withdrawn", utcnow()
    _flush(session)
    record(session, actor, "update", "referral", referral.id, patient_id=referral.patient_id,
           detail="withdrawn")


def pending_offers(session, actor) -> list[Referral]:
    """Open offers made to the actor, oldest first."""
    return session.scalars(select(Referral).where(
        Referral.clinician_id == actor.id, Referral.status == OPEN)
        .order_by(Referral.offered_at)).all()


def patient_referrals(session, patient) -> list[Referral]:
    """Every referral of a patient, newest first (the caller has loaded the patient)."""
    return session.scalars(select(Referral).where(Referral.patient_id == patient.id)
                           .order_by(Referral.offered_at.desc(), Referral.id.desc())).all()


def coordinator_queue(session, *, limit: int = 20) -> tuple[list[Referral], list[Referral]]:
    """For coordinators: open offers (oldest first) and recent declines (newest first)."""
    open_offers = session.scalars(select(Referral).where(Referral.status == OPEN)
                                  .order_by(Referral.offered_at).limit(limit)).all()
    declined = session.scalars(select(Referral).where(Referral.status == "declined")
                               .order_by(Referral.responded_at.desc()).limit(limit)).all()
    return open_offers, declined
