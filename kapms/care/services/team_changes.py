"""What happens to a patient's scheduled sessions when a clinician leaves the care team.

Called by the network's departures service (kapms.network.services.departures) inside the
same transaction: the leaving clinician's scheduled sessions with the patient from the
effective day on are moved to another team member of the same role (same time, with the
scheduling checks, so a double booking refuses the whole change) or cancelled with the
notice given to the patient as the reason. Each session change is audited by the care
services it goes through.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from kapms import clinic_time
from kapms.care.models import CareSession
from kapms.care.services.sessions import KIND_ROLE, cancel_session, reschedule_session


@dataclass(frozen=True)
class HandOver:
    """How many sessions were moved to the successor and how many were cancelled."""

    moved: int = 0
    cancelled: int = 0

    def describe(self, successor_name: str | None) -> str:
        """In words, for the care-team history."""
        if not (self.moved or self.cancelled):
            return "No scheduled sessions to hand over."
        parts = []
        if self.moved:
            parts.append(f"{self.moved} scheduled session(s) moved to {successor_name}")
        if self.cancelled:
            parts.append(f"{self.cancelled} cancelled with notice")
        return "; ".join(parts) + "."


def sessions_to_hand_over(session, patient, clinician, role: str, effective: date
                          ) -> list[CareSession]:
    """``clinician``'s scheduled sessions of ``role``'s kinds with ``patient`` starting on
    or after the clinic day ``effective``, earliest first."""
    start = datetime.combine(effective, time(), clinic_time.zone()).astimezone(UTC)
    kinds = [kind for kind, kind_role in KIND_ROLE.items() if kind_role == role]
    return session.scalars(select(CareSession).where(
        CareSession.patient_id == patient.id, CareSession.clinician_id == clinician.id,
        CareSession.status == "scheduled", CareSession.kind.in_(kinds),
        CareSession.scheduled_start >= start).order_by(CareSession.scheduled_start)).all()


def hand_over_sessions(session, actor, patient, leaving, role: str, *, effective: date,
                       successor=None, notice: str) -> HandOver:
    """Move ``leaving``'s sessions from ``effective`` on to ``successor`` (already on the
    team in ``role``), or cancel them with ``notice`` when there is no successor."""
    moved = cancelled = 0
    for care_session in sessions_to_hand_over(session, patient, leaving, role, effective):
        if successor is not None:
            reschedule_session(session, actor, care_session,
                               start=care_session.scheduled_start,
                               duration_minutes=care_session.duration_minutes,
                               modality=care_session.modality, clinician=successor,
                               expected_version=care_session.version)
            moved += 1
        else:
            cancel_session(session, actor, care_session, notice)
            cancelled += 1
    return HandOver(moved, cancelled)
