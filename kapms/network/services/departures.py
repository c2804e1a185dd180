"""Leaving a care team: removal and transfer, with a reason, an effective day and the
patient's scheduled sessions handed over (kapms.care.services.team_changes).

Only a coordinator (admin) records it. The place is ended, not deleted, so the team's
history stays; access to the patient ends when the change is recorded. The effective day is
today or earlier (a departure is recorded when it happens: an access rule waiting on a
future date that nobody applies would leak). Sessions from that day on go to the successor
(a transfer, or another team member of the same role) or are cancelled with the notice for
the patient. Everything happens in one transaction: a refused step saves nothing.
"""

from dataclasses import dataclass
from datetime import date

from kapms import clinic_time
from kapms.audit.services import record
from kapms.care.services.stage import refresh_stage
from kapms.care.services.team_changes import HandOver, hand_over_sessions
from kapms.database import utcnow
from kapms.errors import PermissionDenied, RuleViolation
from kapms.network.services.care_teams import add_place
from kapms.network.services.eligibility import require_eligible
from kapms.patients.models import CareTeamMember

SESSION_CHOICES = ("reassign", "cancel")


@dataclass(frozen=True)
class Departure:
    """What a coordinator decides when a clinician leaves a patient's care team."""

    reason: str
    effective: date
    sessions: str = "cancel"  # reassign (to ``reassign_to``) or cancel with ``notice``
    notice: str = ""
    reassign_to_id: int | None = None  # another member of the same role (removal)


def _check(actor, member: CareTeamMember, departure: Departure, today: date) -> str:
    if not actor.has_role("admin"):
        raise PermissionDenied("Only a network coordinator (admin) changes care teams.")
    if not member.active:
        raise RuleViolation(f"{member.user.full_name} has already left this care team.")
    reason = (departure.reason or "").strip()
    if not reason:
        raise RuleViolation("Say why the clinician leaves the care team.", "reason")
    if departure.effective > today:
        raise RuleViolation("Record a departure on or after the day it takes effect: access "
                            "ends when it is recorded.", "effective")
    if departure.effective < clinic_time.local_date(member.added_at):
        raise RuleViolation("The effective day is before the clinician joined.", "effective")
    if departure.sessions not in SESSION_CHOICES:
        raise RuleViolation("Choose what happens to the scheduled sessions.", "sessions")
    if departure.sessions == "cancel" and not (departure.notice or "").strip():
        raise RuleViolation("Write the notice the patient gets for cancelled sessions.",
                            "notice")
    return reason[:500]


def _end(session, actor, member: CareTeamMember, departure: Departure, reason: str,
         handover: HandOver, successor) -> None:
    # The relationships, not their ids: a page may have loaded them already (as None).
    member.active, member.removed_at, member.removed_by = False, utcnow(), actor
    member.ends_on, member.removal_reason = departure.effective, reason
    member.successor = successor
    member.handover = handover.describe(successor.full_name if successor else None)[:300]
    session.flush()
    session.expire(member.patient, ["care_team"])
    record(session, actor, "update", "care_team", member.id, patient_id=member.patient_id,
           detail=f"removed {member.role} user {member.user_id} effective "
                  f"{departure.effective.isoformat()}: {reason}. {member.handover}")
    refresh_stage(session, member.patient)  # the last of a role leaving: back to waiting


def remove_member(session, actor, member: CareTeamMember, departure: Departure, *,
                  today: date | None = None) -> CareTeamMember:
    """End ``member``'s place; their sessions go to another member of the same role or are
    cancelled with notice."""
    today = today or clinic_time.today()
    reason = _check(actor, member, departure, today)
    patient, successor = member.patient, None
    if departure.sessions == "reassign":
        successor = next((m.user for m in patient.care_team if m.role == member.role
                          and m.user_id == departure.reassign_to_id
                          and m.user_id != member.user_id), None)
        if successor is None:
            raise RuleViolation(f"Choose another {member.role} on the care team to take the "
                                "sessions over, or cancel them with notice.", "reassign_to")
    handover = hand_over_sessions(session, actor, patient, member.user, member.role,
                                  effective=departure.effective, successor=successor,
                                  notice=departure.notice.strip())
    _end(session, actor, member, departure, reason, handover, successor)
    return member


def transfer_member(session, actor, member: CareTeamMember, successor, departure: Departure,
                    *, today: date | None = None, private_pay: bool = False,
                    override_reason: str | None = None) -> CareTeamMember:
    """Replace ``member`` by ``successor`` in the same role: the successor must be eligible
    (or an admin overrides with a reason), joins at once and takes the scheduled sessions
    over (``departure.sessions`` "cancel" cancels them instead). Returns the new place."""
    today = today or clinic_time.today()
    reason = _check(actor, member, departure, today)
    if successor.id == member.user_id:
        raise RuleViolation("Transfer to someone else, or keep the clinician.", "successor_id")
    patient = member.patient
    found, overridden = require_eligible(session, actor, successor, patient, member.role,
                                         today, override_reason=override_reason,
                                         private_pay=private_pay)
    place = add_place(session, actor, patient, successor, member.role, via="transfer",
                      assessment=found, override_reason=overridden, private_pay=private_pay)
    keep = departure.sessions == "reassign"
    handover = hand_over_sessions(session, actor, patient, member.user, member.role,
                                  effective=departure.effective,
                                  successor=successor if keep else None,
                                  notice=departure.notice.strip())
    _end(session, actor, member, departure, reason, handover, successor)
    return place
