"""Eligibility for a care team, read from the directory (the rule is kapms.network.eligibility).

Every door into a care team calls ``require_eligible``; the patient page calls
``team_standing`` to flag members who no longer meet the standing criteria; the care domain
calls ``require_prescribing_licence`` before recording a prescription (21 CFR 1306.03: the
prescriber must be authorised in the state where the patient is). Nothing here writes.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from kapms.auth.models import UserRole
from kapms.database import utcnow
from kapms.errors import RuleViolation
from kapms.network import eligibility
from kapms.network.eligibility import (
    JOINING,
    STANDING,
    Assessment,
    ClinicianStanding,
    Placement,
)
from kapms.network.models import ClinicianProfile, Referral
from kapms.network.services.search import places_taken_expr
from kapms.patients.models import CareTeamMember

OVERRIDE_HINT = " An admin may assign them anyway with a recorded override reason."


def placement(patient, *, private_pay: bool = False) -> Placement:
    """The patient's side of eligibility: state, plan and how they pay this clinician."""
    return Placement(state=patient.state, plan_id=patient.plan_id,
                     plan_label=patient.plan.label if patient.plan else None,
                     private_pay=private_pay)


def places_taken(session, user_id: int, role: str, *, excluding_offer_id: int | None = None
                 ) -> int:
    """Care-team places of a clinician in ``role`` plus their open offers; an offer being
    accepted is left out (accepting turns its place into a membership)."""
    taken = session.scalar(select(places_taken_expr(user_id, role))) or 0
    if excluding_offer_id is not None:
        taken -= session.scalar(select(Referral.id).where(
            Referral.id == excluding_offer_id, Referral.open_at(utcnow()))) is not None
    return taken


def clinician_standing(session, clinician, role: str, profile: ClinicianProfile | None = None,
                       *, load: int | None = None, excluding_offer_id: int | None = None,
                       holds_role: bool | None = None) -> ClinicianStanding:
    """What the eligibility rule needs about ``clinician`` in ``role``, from the directory
    (``holds_role``: when the caller read the roles of several clinicians at once)."""
    if profile is None:
        profile = session.scalar(select(ClinicianProfile)
                                 .where(ClinicianProfile.user_id == clinician.id))
    common = dict(name=clinician.full_name, active=clinician.active,
                  holds_role=clinician.has_role(role) if holds_role is None else holds_role)
    if profile is None:
        return ClinicianStanding(has_profile=False, **common)
    if load is None:
        load = places_taken(session, clinician.id, role, excluding_offer_id=excluding_offer_id)
    return ClinicianStanding(
        has_profile=True, licences=tuple((x.state, x.expires_on) for x in profile.licences),
        kap_trained=profile.kap_trained_on is not None,
        plan_ids=frozenset(row.plan_id for row in profile.plan_rows),
        accepts_private_pay=profile.accepts_private_pay, accepting_new=profile.accepting_new,
        capacity=profile.capacity, load=load, **common)


def assess(session, clinician, patient, role: str, day: date, *, criteria=JOINING,
           own_decision: bool = False, private_pay: bool = False,
           excluding_offer_id: int | None = None) -> Assessment:
    """The eligibility of ``clinician`` for ``patient``'s care team as ``role`` on ``day``."""
    standing = clinician_standing(session, clinician, role,
                                  excluding_offer_id=excluding_offer_id)
    return eligibility.assess(standing, placement(patient, private_pay=private_pay), role, day,
                              criteria=criteria, own_decision=own_decision)


def require_eligible(session, actor, clinician, patient, role: str, day: date, *,
                     override_reason: str | None = None, own_decision: bool = False,
                     private_pay: bool = False, excluding_offer_id: int | None = None
                     ) -> tuple[Assessment, str | None]:
    """Refuse an ineligible clinician with every reason (RuleViolation), unless an admin
    overrides with a reason. Returns the assessment and the override reason used (None
    when the clinician is eligible and nothing was overridden)."""
    found = assess(session, clinician, patient, role, day, own_decision=own_decision,
                   private_pay=private_pay, excluding_offer_id=excluding_offer_id)
    if found.eligible:
        return found, None
    reason = (override_reason or "").strip()[:500]
    may_override = found.overridable and actor.has_role("admin")
    if reason and may_override:
        return found, reason
    if may_override:
        raise RuleViolation(found.message() + OVERRIDE_HINT, "override_reason")
    raise RuleViolation(found.message())


def require_prescribing_licence(session, prescriber, patient, day: date) -> None:
    """21 CFR 1306.03: refuse a prescription when the prescriber holds no licence in the
    patient's state that is current on ``day`` (the issue date). Never overridden."""
    found = assess(session, prescriber, patient, "prescriber", day, criteria=("licence",))
    if not found.eligible:
        raise RuleViolation(found.message() + " A prescription needs a current licence in "
                            "the state where the patient is (21 CFR 1306.03).")


@dataclass(frozen=True)
class MemberStanding:
    """A care-team member, why they are there, and what no longer holds (flags)."""

    member: CareTeamMember
    assessment: Assessment

    @property
    def flags(self) -> tuple[str, ...]:
        """What the member no longer meets, in words."""
        return tuple(r.message for r in self.assessment.refusals)


def team_standing(session, patient, day: date) -> list[MemberStanding]:
    """Every active member of ``patient``'s team, checked against the standing criteria
    (a lapsed licence, a plan no longer accepted, training, account) as of ``day``."""
    members = list(patient.care_team)
    ids = [m.user_id for m in members]
    profiles = {p.user_id: p for p in session.scalars(  # licences and plans; no slots
        select(ClinicianProfile).options(lazyload(ClinicianProfile.availability))
        .where(ClinicianProfile.user_id.in_(ids)))} if members else {}
    roles = set(session.execute(select(UserRole.user_id, UserRole.role)  # all in one
                                .where(UserRole.user_id.in_(ids))).tuples()) if members else set()
    result = []
    for member in sorted(members, key=lambda m: (m.role != "therapist", m.added_at)):
        standing = clinician_standing(session, member.user, member.role,
                                      profiles.get(member.user_id), load=0,
                                      holds_role=(member.user_id, member.role) in roles)
        found = eligibility.assess(standing, placement(patient, private_pay=member.private_pay),
                                   member.role, day, criteria=STANDING)
        result.append(MemberStanding(member, found))
    return result
