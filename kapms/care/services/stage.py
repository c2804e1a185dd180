"""Keeping ``Patient.stage`` current, and the patient page's timeline and next steps.

``refresh_stage`` is the one place the stage is derived from the records and stored; every
care service that changes the path calls it.
"""

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kapms import clinic_time
from kapms.care import path
from kapms.care.constants import NOT_HELD_STATUSES
from kapms.care.models import CareSession, Clearance, DosingRecord, ProgressNote
from kapms.care.rules import Thresholds, clearance_is_current
from kapms.care.services.common import LISTED
from kapms.database import utcnow


def latest_clearance(session, patient_id: int) -> Clearance | None:
    """The patient's most recent clearance decision (any decision), or None; its plan
    versions come in the same statement."""
    found = session.scalars(select(Clearance).where(Clearance.patient_id == patient_id)
                            .options(joinedload(Clearance.plans))
                            .order_by(Clearance.decided_at.desc(), Clearance.id.desc())
                            .limit(1)).unique().all()
    return found[0] if found else None


def is_current(clearance: Clearance | None, day: date) -> bool:
    """The clearance is cleared, unrevoked and its current plan not expired on ``day``."""
    return bool(clearance and clearance_is_current(
        clearance.decision, clearance.plan.expires_on if clearance.plan else None,
        clearance.revoked_at is not None, day))


def current_clearance(session, patient_id: int, today=None) -> Clearance | None:
    """The latest clearance if it is current (cleared, not expired, not revoked)."""
    clearance = latest_clearance(session, patient_id)
    return clearance if is_current(clearance, today or clinic_time.today()) else None


def _record_rows(session, patient_id: int):
    """The patient's sessions in one statement, oldest first: kind, status, start, the
    dosing record's outcome, maintenance flag and clearance, and the note's status. Every
    path fact and the count of unsigned notes come from these rows."""
    return session.execute(
        select(CareSession.kind, CareSession.status, CareSession.scheduled_start,
               DosingRecord.outcome, DosingRecord.maintenance, DosingRecord.clearance_id,
               ProgressNote.status.label("note_status"))
        .outerjoin(DosingRecord, DosingRecord.session_id == CareSession.id)
        .outerjoin(ProgressNote, ProgressNote.session_id == CareSession.id)
        .where(CareSession.patient_id == patient_id)
        .order_by(CareSession.scheduled_start, CareSession.id)).all()


class _RecordRow(NamedTuple):
    """What ``_record_rows`` reads of one session, taken from a loaded CareSession."""

    kind: str
    status: str
    scheduled_start: datetime
    outcome: str | None
    maintenance: bool | None
    clearance_id: int | None
    note_status: str | None


def _rows_of(sessions) -> list[_RecordRow]:
    """``_record_rows`` from sessions loaded with their dosing records and notes."""
    return [_RecordRow(s.kind, s.status, s.scheduled_start,
                       s.dosing.outcome if s.dosing else None,
                       s.dosing.maintenance if s.dosing else None,
                       s.dosing.clearance_id if s.dosing else None,
                       s.note.status if s.note else None)
            for s in sorted(sessions, key=lambda s: (s.scheduled_start, s.id))]


def _facts(session, patient, today, rows=None
           ) -> tuple[path.PathFacts, Clearance | None, list]:
    """The PathFacts, the latest clearance and the session rows they came from (``rows``:
    already read, e.g. by ``_rows_of``)."""
    latest = latest_clearance(session, patient.id)
    plan = latest.plan if latest and latest.decision == "cleared" else None
    current = is_current(latest, today)
    rows = _record_rows(session, patient.id) if rows is None else rows
    # Administered dosings under the latest clearance (held ones count apart).
    dosed = [r for r in rows if r.outcome == "administered"
             and r.clearance_id == (latest.id if latest else -1)]
    held = sum(r.outcome == "held" for r in rows)

    def completed(kind: str, after=None) -> int:
        return sum(r.kind == kind and r.status == "completed"
                   and (after is None or r.scheduled_start > after) for r in rows)

    first = dosed[0].scheduled_start if dosed else None
    last = dosed[-1].scheduled_start if dosed else None
    course = [d for d in dosed if not d.maintenance]
    course_last = course[-1].scheduled_start if course else None
    facts = path.PathFacts(
        has_care_team=bool(patient.care_team),
        has_prescriber=any(m.role == "prescriber" for m in patient.care_team),
        clearance_decision=latest.decision if latest else None,
        clearance_current=current,
        clearance_days_left=(plan.expires_on - today).days if current else None,
        clearance_revoked=bool(latest and latest.revoked_at),
        plan_count=plan.dosing_count if plan else None,
        maintenance_count=plan.maintenance_dosings if plan else 0,
        completed_preparations=completed("preparation"),
        administered=len(dosed),
        maintenance_administered=len(dosed) - len(course),
        held=held,
        integration_after_last=(last is None or completed("integration", after=last) > 0),
        follow_ups_after_first_dosing=0 if first is None else completed("follow_up", after=first),
        follow_up_after_course=(course_last is not None
                                and completed("follow_up", after=course_last) > 0),
        days_since_first_dosing=(
            None if first is None else (today - clinic_time.local_date(first)).days),
    )
    return facts, latest, rows


def gather_facts(session, patient, today=None) -> path.PathFacts:
    """Collect the PathFacts for ``patient`` from its records, as of ``today``."""
    return _facts(session, patient, today or clinic_time.today())[0]


def refresh_stage(session, patient, today=None) -> str:
    """Derive the patient's stage from the records and store it. Returns the stage."""
    patient.stage = path.derive_stage(gather_facts(session, patient, today))
    session.flush()
    return patient.stage


def patient_sessions(session, patient_id: int) -> list[CareSession]:
    """All of a patient's sessions, newest first, each with its dosing record and note,
    in one statement (the caller has loaded the patient)."""
    return session.scalars(select(CareSession).where(CareSession.patient_id == patient_id)
                           .options(joinedload(CareSession.dosing),
                                    joinedload(CareSession.note), *LISTED)
                           .order_by(CareSession.scheduled_start.desc(),
                                     CareSession.id.desc())).all()


def patient_path(session, patient, thresholds: Thresholds, sessions=None, today=None
                 ) -> dict:
    """Timeline, next steps, upcoming sessions and flags for the patient page, from the
    patient's ``sessions`` (``patient_sessions``, read here unless the caller has them)
    and the latest clearance: two statements."""
    if sessions is None:
        sessions = patient_sessions(session, patient.id)
    facts, latest, rows = _facts(session, patient, today or clinic_time.today(),
                                 _rows_of(sessions))
    now = utcnow()
    oldest_first = sorted(sessions, key=lambda s: (s.scheduled_start, s.id))
    upcoming = [s for s in oldest_first if s.status in ("scheduled", "in_progress")
                and s.scheduled_start >= now][:5]
    flags = [s.dosing for s in reversed(oldest_first)
             if s.dosing and s.dosing.bp_flag is not None]
    unsigned = sum(r.status not in NOT_HELD_STATUSES and r.scheduled_start < now
                   and r.note_status != "signed" for r in rows)
    due = path.next_due(facts, thresholds.follow_up_after_dosing, thresholds.follow_up_days,
                        thresholds.clearance_warning_days)
    if unsigned:
        due.append(f"{unsigned} past session note{'s' if unsigned > 1 else ''} to sign.")
    return {"facts": facts, "stage": path.derive_stage(facts),
            "timeline": path.timeline(facts), "next_due": due,
            "upcoming": upcoming, "flags": flags,
            "clearance": latest}
