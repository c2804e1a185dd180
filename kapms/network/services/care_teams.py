"""Joining a care team: the one writer of care-team places, and the doors that use it.

Doors: an admin assigns a clinician directly (``assign_member``), a therapist registers their
own client (``join_own_client``), a clinician accepts an offer (``kapms.network.services.
referrals.accept_offer``, a coordinator's referral or a colleague's invitation). Each checks
the one eligibility rule (kapms.network.services.eligibility) first; only an admin may
override a refusal, and the reason is kept on the place. Leaving the team is in
``departures``. The caller refreshes the patient's stage (kapms.care.services.refresh_stage).
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from kapms import clinic_time
from kapms.audit.services import record
from kapms.errors import PermissionDenied, RuleViolation
from kapms.network.eligibility import Assessment
from kapms.network.services.eligibility import require_eligible
from kapms.patients.models import CARE_TEAM_ROLES, JOINED_VIA, CareTeamMember


def insert_or_refuse(session, row, refusal: str) -> None:
    """Add and flush ``row``; when a unique index refuses it (a double submit, or a race the
    checks before missed) raise RuleViolation(``refusal``). The request then rolls back."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise RuleViolation(refusal) from None


def add_place(session, actor, patient, clinician, role: str, *, via: str,
              assessment: Assessment, override_reason: str | None = None,
              private_pay: bool = False) -> CareTeamMember:
    """Write the care-team place once eligibility has been decided (by the doors below).

    Records how the clinician joined and why (the eligibility reasons, or the override),
    audited as the acting user.
    """
    if role not in CARE_TEAM_ROLES or via not in JOINED_VIA:
        raise RuleViolation(f"Unknown care-team role or way of joining: {role}, {via}.")
    if any(m.user_id == clinician.id and m.role == role for m in patient.care_team):
        raise RuleViolation(f"{clinician.full_name} is already on the care team as {role}.")
    member = CareTeamMember(
        patient_id=patient.id, user_id=clinician.id, role=role, added_by_id=actor.id,
        joined_via=via, basis="\n".join(assessment.basis) or None,
        override_reason=override_reason, private_pay=private_pay)
    insert_or_refuse(session, member, f"{clinician.full_name} was just added to the care team "
                                      f"as {role}; reload the page.")
    session.expire(patient, ["care_team"])
    detail = f"added {role} user {clinician.id} ({via})"
    if override_reason:
        detail += f"; eligibility overridden: {assessment.message()} Reason: {override_reason}"
    record(session, actor, "update", "care_team", member.id, patient_id=patient.id,
           detail=detail)
    return member


def assign_member(session, actor, patient, clinician, role: str, *, day: date | None = None,
                  private_pay: bool = False, override_reason: str | None = None
                  ) -> CareTeamMember:
    """An admin puts ``clinician`` on the team at once (the patient page, registration).

    An ineligible clinician is refused with every reason unless the admin gives an
    override reason.
    """
    if not actor.has_role("admin"):
        raise PermissionDenied("Only an admin assigns clinicians directly; care-team members "
                               "invite colleagues, who then accept.")
    day = day or clinic_time.today()
    found, overridden = require_eligible(session, actor, clinician, patient, role, day,
                                         override_reason=override_reason,
                                         private_pay=private_pay)
    return add_place(session, actor, patient, clinician, role, via="assignment",
                     assessment=found, override_reason=overridden, private_pay=private_pay)


def join_own_client(session, actor, patient, *, day: date | None = None) -> CareTeamMember:
    """A therapist joins the team of the client they registered (their own decision, so
    "not accepting new patients" does not stop them; the other criteria do)."""
    if not actor.has_role("therapist"):
        raise PermissionDenied(f"{actor.full_name} is not a therapist.")
    day = day or clinic_time.today()
    found, _ = require_eligible(session, actor, actor, patient, "therapist", day,
                                own_decision=True)
    return add_place(session, actor, patient, actor, "therapist", via="registration",
                     assessment=found)


def team_history(session, patient) -> list[CareTeamMember]:
    """Every place the patient's team has had, current and ended, newest first."""
    return session.scalars(select(CareTeamMember).where(CareTeamMember.patient_id == patient.id)
                           .options(joinedload(CareTeamMember.added_by),  # each is named
                                    joinedload(CareTeamMember.removed_by),
                                    joinedload(CareTeamMember.successor))
                           .order_by(CareTeamMember.added_at.desc(),
                                     CareTeamMember.id.desc())).all()
