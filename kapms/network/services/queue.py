"""The coordinators' work queue: patients waiting for a therapist or a prescriber.

A patient waits for a role when nobody holds it on their care team and their course is not
complete. They have waited since the last member of that role left, or since they were
registered. Oldest first, with what the coordinator needs to match them (diagnosis
category, modality wanted, language, urgency, coverage) and the open or last-declined offer.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import aliased

from kapms import clinic_time
from kapms.audit.services import record
from kapms.errors import PermissionDenied
from kapms.network.cities import needs_for_diagnosis
from kapms.network.models import Referral
from kapms.network.vocabulary import SPECIALTIES
from kapms.patients.models import CARE_TEAM_ROLES, CareTeamMember, Patient

PER_PAGE = 25


@dataclass
class WaitingPatient:
    """One patient on the queue and what they wait for."""

    patient: Patient
    roles: tuple[str, ...]  # therapist and/or prescriber
    waiting_since: datetime
    offers: list[Referral]  # open offers, and for a role without one the last decline

    @property
    def needs(self) -> list[str]:
        """The diagnosis category as the directory's specialties, in words."""
        return [SPECIALTIES[k] for k in needs_for_diagnosis(self.patient.diagnosis_code)]

    def waiting_days(self, today: date) -> int:
        """Whole days waited, counted in clinic days."""
        return (today - clinic_time.local_date(self.waiting_since)).days


def _has(role: str):
    member = aliased(CareTeamMember)
    return exists().where(member.patient_id == Patient.id, member.role == role,
                          member.active.is_(True))


def _left(role: str):
    """When the last member of ``role`` left (NULL if none ever did)."""
    member = aliased(CareTeamMember)
    return (select(func.max(member.removed_at))
            .where(member.patient_id == Patient.id, member.role == role,
                   member.active.is_(False))
            .correlate(Patient).scalar_subquery())


def waiting_patients(session, actor, *, role: str | None = None, page: int = 1,
                     per_page: int = PER_PAGE) -> tuple[list[WaitingPatient], int]:
    """One page of the queue (coordinators only) and the number of waiting patients.

    ``role`` limits it to patients waiting for a therapist or for a prescriber. The read is
    audited once, with the patients shown.
    """
    if not actor.has_role("admin"):
        raise PermissionDenied("The waiting queue is for network coordinators.")
    roles = (role,) if role in CARE_TEAM_ROLES else CARE_TEAM_ROLES
    since = {r: func.coalesce(_left(r), Patient.created_at) for r in roles}
    missing = {r: ~_has(r) for r in roles}
    if len(roles) == 1:
        waited, lacks_any = since[roles[0]], missing[roles[0]]
    else:  # waiting since the earlier start among the roles they lack
        t, p = since["therapist"], since["prescriber"]
        waited = case((missing["therapist"] & missing["prescriber"], case((t <= p, t), else_=p)),
                      (missing["therapist"], t), else_=p)
        lacks_any = missing["therapist"] | missing["prescriber"]
    query = select(Patient, waited.label("since")).where(Patient.stage != "completed",
                                                         lacks_any)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(waited, Patient.id)
                           .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    offers = _offers(session, [p.id for p, _ in rows])
    result = []
    for patient, since_at in rows:
        lacking = tuple(r for r in roles if not patient.members(r))
        mine = offers.get(patient.id, [])
        shown = [o for o in mine if o.is_open]
        for r in lacking:  # without an open offer, the last decline or lapse says why
            if not any(o.role == r for o in shown):
                shown += [o for o in mine if o.role == r
                          and o.state in ("declined", "expired")][:1]
        result.append(WaitingPatient(patient, lacking, since_at, shown))
    record(session, actor, "view", "waiting_queue", None,
           detail=f"page {page}: patients {','.join(str(p.id) for p, _ in rows)}"[:500])
    return result, total


def _offers(session, patient_ids: list[int]) -> dict[int, list[Referral]]:
    """The offers of these patients, newest first, by patient."""
    by_patient: dict[int, list[Referral]] = {}
    if patient_ids:
        for offer in session.scalars(select(Referral).where(Referral.patient_id.in_(
                patient_ids)).order_by(Referral.offered_at.desc(), Referral.id.desc())):
            by_patient.setdefault(offer.patient_id, []).append(offer)
    return by_patient


def waiting_count(session) -> int:
    """How many patients wait for a therapist or a prescriber (the dashboard's link)."""
    return session.scalar(select(func.count(Patient.id)).where(
        Patient.stage != "completed", ~_has("therapist") | ~_has("prescriber")))
