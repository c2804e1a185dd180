"""Offers of a place on a care team, and the invited clinician's answer.

Two kinds, one lifecycle: a coordinator (admin) refers a waiting patient to a clinician
(``offer_referral``), or a care-team member invites a colleague (``invite_colleague``). The
offer is checked against the eligibility rule when it is made (an admin may override with a
reason, which the offer keeps) and again when the clinician accepts; while it is open it
holds a place against the clinician's capacity. Accepting joins the care team as the
accepting clinician (audited as them); declining needs a reason; the coordinator, or the
colleague who invited, may withdraw an open offer. Every step is audited with the patient.

An offer unanswered for OFFER_EXPIRY_DAYS lapses (``expires_at``): from then on it holds no
place, cannot be answered or withdrawn, and shows as expired to both sides. The daily
``flask network expire-offers`` (``expire_offers``) records the lapse; a new offer for the
same place records a lapsed one first, so nothing waits for the command.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import select, union_all
from sqlalchemy.orm import defaultload, joinedload, lazyload
from sqlalchemy.orm.exc import StaleDataError

from kapms import clinic_time
from kapms.audit.services import record
from kapms.config import Config
from kapms.database import utcnow
from kapms.errors import ConflictError, NotFound, PermissionDenied, RuleViolation
from kapms.network.eligibility import Assessment
from kapms.network.models import Referral
from kapms.network.services import search
from kapms.network.services.care_teams import add_place, insert_or_refuse
from kapms.network.services.eligibility import assess, require_eligible
from kapms.patients.models import CARE_TEAM_ROLES, Patient

OPEN = "offered"


def _check_offer(session, actor, patient, clinician, role: str, kind: str, day: date, *,
                 private_pay: bool, override_reason: str | None
                 ) -> tuple[Assessment, str | None]:
    if role not in CARE_TEAM_ROLES:
        raise RuleViolation(f"Unknown care-team role: {role}.")
    if any(m.user_id == clinician.id and m.role == role for m in patient.care_team):
        raise RuleViolation(f"{clinician.full_name} is already on the care team as {role}.")
    if kind == "referral" and patient.members(role):
        raise RuleViolation(f"{patient.full_name} already has a {role}.")
    pending = session.scalar(select(Referral).where(
        Referral.patient_id == patient.id, Referral.role == role, Referral.status == OPEN))
    if pending is not None and not pending.is_open:  # lapsed: record it, the place is free
        _lapse(session, actor, pending, "recorded when a new offer was made")
        pending = None
    if pending is not None:
        raise RuleViolation(f"{patient.full_name} already has an open {role} offer to "
                            f"{pending.clinician.full_name}; withdraw it first.")
    return require_eligible(session, actor, clinician, patient, role, day,
                            override_reason=override_reason, private_pay=private_pay)


def _lapse(session, actor, offer: Referral, how: str) -> None:
    offer.status, offer.responded_at = "expired", offer.expires_at
    _flush(session)
    record(session, actor, "update", "referral", offer.id, patient_id=offer.patient_id,
           detail=f"expired unanswered ({how})")


def _open(session, actor, patient, clinician, role: str, kind: str, *, note, reasons,
          private_pay: bool, override_reason: str | None, expiry_days: int) -> Referral:
    if not 1 <= expiry_days <= 365:
        raise ValueError("OFFER_EXPIRY_DAYS must be 1 to 365")
    now = utcnow()
    offer = Referral(patient_id=patient.id, clinician_id=clinician.id, role=role, kind=kind,
                     note=(note or "").strip()[:500] or None, offered_by_id=actor.id,
                     reasons="\n".join(reasons) or None, private_pay=private_pay,
                     override_reason=override_reason, offered_at=now,
                     expires_at=now + timedelta(days=expiry_days))
    insert_or_refuse(session, offer, f"{patient.full_name} was just offered to someone else; "
                                     "reload to see the open offer.")
    detail = f"{kind}: offered to {role} user {clinician.id}"
    if override_reason:
        detail += f"; eligibility overridden: {override_reason}"
    record(session, actor, "create", "referral", offer.id, patient_id=patient.id,
           detail=detail)
    return offer


def offer_referral(session, actor, patient, clinician, role: str, *, note: str | None = None,
                   today: date | None = None, private_pay: bool = False,
                   override_reason: str | None = None,
                   expiry_days: int = Config.OFFER_EXPIRY_DAYS) -> Referral:
    """A coordinator (admin) offers a waiting ``patient`` to ``clinician`` as ``role``.

    The offer keeps why this clinician: the match reasons for the patient's request
    (therapists) and the eligibility found.
    """
    today = today or clinic_time.today()
    if not actor.has_role("admin"):
        raise PermissionDenied("Only a network coordinator (admin) can make referrals.")
    found, overridden = _check_offer(session, actor, patient, clinician, role, "referral",
                                     today, private_pay=private_pay,
                                     override_reason=override_reason)
    reasons = list(found.basis)
    if role == "therapist":
        request = search.patient_request(patient, today, private_pay=private_pay)
        reasons = list(search.match_reasons(session, request, clinician.id)) + reasons
    return _open(session, actor, patient, clinician, role, "referral", note=note,
                 reasons=reasons, private_pay=private_pay, override_reason=overridden,
                 expiry_days=expiry_days)


def invite_colleague(session, actor, patient, clinician, role: str, *, note: str | None = None,
                     today: date | None = None,
                     expiry_days: int = Config.OFFER_EXPIRY_DAYS) -> Referral:
    """A care-team member invites a colleague; the colleague accepts or declines.

    The colleague must be eligible: a clinician cannot override (ask a coordinator).
    """
    today = today or clinic_time.today()
    if not any(m.user_id == actor.id for m in patient.care_team):
        raise PermissionDenied("Only a member of the care team can invite a colleague.")
    found, _ = _check_offer(session, actor, patient, clinician, role, "invitation", today,
                            private_pay=False, override_reason=None)
    return _open(session, actor, patient, clinician, role, "invitation", note=note,
                 reasons=[f"Invited by {actor.display_name}", *found.basis],
                 private_pay=False, override_reason=None, expiry_days=expiry_days)


def get_referral(session, actor, referral_id: int) -> Referral:
    """An offer the actor may see (the clinician it was made to, whoever made it, or an
    admin); the read is audited."""
    referral = session.get(Referral, referral_id)
    if referral is None or not (actor.has_role("admin") or actor.id in (
            referral.clinician_id, referral.offered_by_id)):
        record(session, actor, "view", "referral", referral_id, outcome="denied")
        raise NotFound("No such offer.")
    record(session, actor, "view", "referral", referral.id, patient_id=referral.patient_id)
    return referral


def _answerable(referral: Referral, actor) -> None:
    if referral.clinician_id != actor.id:
        raise PermissionDenied("Only the clinician it was offered to can answer this offer.")
    if referral.state == "expired":
        raise RuleViolation(f"This offer expired unanswered on "
                            f"{clinic_time.local_date(referral.expires_at):%b %d, %Y}; it "
                            "cannot be accepted or declined now. Ask whoever made it to "
                            "offer it again.")
    if referral.status != OPEN:
        raise RuleViolation(f"This offer was already {referral.status_label.lower()}; "
                            "it cannot be answered again.")


def _flush(session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError("This offer changed meanwhile; reload the page.") from None


def accept_referral(session, actor, referral: Referral, *, today: date | None = None) -> None:
    """The invited clinician accepts: eligibility is checked again (their capacity, their
    licence today), then they join the care team, audited as themselves."""
    today = today or clinic_time.today()
    _answerable(referral, actor)
    patient = referral.patient
    if referral.kind == "referral" and patient.members(referral.role):
        raise RuleViolation(f"{patient.full_name} already has a {referral.role} now; ask "
                            "the coordinator.")
    check = dict(own_decision=True, private_pay=referral.private_pay,
                 excluding_offer_id=referral.id)
    if referral.override_reason:  # an admin's recorded override carries over
        found = assess(session, actor, patient, referral.role, today, **check)
    else:
        found, _ = require_eligible(session, actor, actor, patient, referral.role, today,
                                    **check)
    referral.status, referral.responded_at = "accepted", utcnow()
    _flush(session)
    why = Assessment(found.refusals, tuple(referral.reason_lines) or found.basis)
    add_place(session, actor, patient, actor, referral.role, via=referral.kind, assessment=why,
              override_reason=referral.override_reason, private_pay=referral.private_pay)
    record(session, actor, "update", "referral", referral.id, patient_id=patient.id,
           detail="accepted; joined the care team")


def decline_referral(session, actor, referral: Referral, reason: str) -> None:
    """Decline with a reason the coordinator (or the inviting colleague) will read."""
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
    """Take back an unanswered offer: the coordinator, or the colleague who invited."""
    if not (actor.has_role("admin") or (referral.kind == "invitation"
                                        and referral.offered_by_id == actor.id)):
        raise PermissionDenied("Only a coordinator, or the colleague who invited, can "
                               "withdraw this offer.")
    if not referral.is_open:
        raise RuleViolation(f"This offer was already {referral.status_label.lower()}.")
    referral.status, referral.responded_at = "withdrawn", utcnow()
    _flush(session)
    record(session, actor, "update", "referral", referral.id, patient_id=referral.patient_id,
           detail="withdrawn")


def pending_offers(session, actor) -> list[Referral]:
    """Open offers made to the actor, oldest first, with who made each (the home lists
    them: one statement, not the patients' care teams)."""
    return session.scalars(select(Referral).where(
        Referral.clinician_id == actor.id, Referral.open_at(utcnow()))
        .options(joinedload(Referral.offered_by),
                 defaultload(Referral.patient).lazyload(Patient.care_team))
        .order_by(Referral.offered_at)).all()


def patient_referrals(session, patient) -> list[Referral]:
    """Every offer of a patient, newest first, with who made it (the caller has loaded
    the patient, so it is not read again)."""
    return session.scalars(select(Referral).where(Referral.patient_id == patient.id)
                           .options(lazyload(Referral.patient), joinedload(Referral.offered_by))
                           .order_by(Referral.offered_at.desc(), Referral.id.desc())).all()


def coordinator_queue(session, *, limit: int = 20) -> tuple[list[Referral], list[Referral]]:
    """For coordinators: open offers (oldest first) and recent declines (newest first)."""
    open_ids = (select(Referral.id).where(Referral.open_at(utcnow()))
                .order_by(Referral.offered_at, Referral.id).limit(limit).subquery())
    declined_ids = (select(Referral.id).where(Referral.status == "declined")
                    .order_by(Referral.responded_at.desc(), Referral.id.desc()).limit(limit)
                    .subquery())
    shown = session.scalars(  # both lists in one statement; the patients' names only
        select(Referral).where(Referral.id.in_(union_all(select(open_ids.c.id),
                                                         select(declined_ids.c.id))))
        .options(defaultload(Referral.patient).lazyload(Patient.care_team))).all()
    open_offers = sorted((r for r in shown if r.status != "declined"),
                         key=lambda r: (r.offered_at, r.id))
    declined = sorted((r for r in shown if r.status == "declined"),
                      key=lambda r: (r.responded_at or r.offered_at, r.id), reverse=True)
    return open_offers, declined


def expire_offers(session, actor, now: datetime | None = None) -> int:
    """Record every offer unanswered past its expiry as expired (the daily command; the
    clock acts, so ``actor`` is None there). Returns how many lapsed."""
    now = now or utcnow()
    lapsed = session.scalars(select(Referral).where(
        Referral.status == OPEN, Referral.expires_at <= now).order_by(Referral.id)).all()
    for offer in lapsed:
        _lapse(session, actor, offer, "daily expiry")
    return len(lapsed)
