"""Reading calendars: a clinician's own (or any clinician's, for an admin), the practice
view of every clinician for admins (who coordinate the network), the time a clinician has
taken, and the patients a session can be booked for.

Clinicians see only their own calendar: another clinician's shows patients outside their
care teams. Every patient shown is audited as a calendar read.
"""

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import defaultload, lazyload

from kapms.audit.services import record
from kapms.auth.models import User, UserRole
from kapms.care import booking
from kapms.care.constants import FREED_STATUSES
from kapms.care.models import CareSession
from kapms.errors import NotFound, PermissionDenied
from kapms.patients.access import on_care_team, visible_patients
from kapms.patients.models import Patient

CLINICIAN_ROLES = ("therapist", "prescriber")


def may_view_calendar(actor, clinician_id: int) -> bool:
    """A clinician sees their own calendar; an admin sees anyone's."""
    return actor.id == clinician_id or actor.has_role("admin")


def get_clinician(session, actor, clinician_id: int) -> User:
    """The active therapist or prescriber whose calendar the actor may open (404 for
    anyone else, so ids reveal nothing)."""
    clinician = session.get(User, clinician_id)
    if clinician is None or not clinician.active or not clinician.has_role(*CLINICIAN_ROLES) \
            or not may_view_calendar(actor, clinician_id):
        raise NotFound("No such clinician.")
    return clinician


def _sessions_between(session, clinician_ids, start: datetime, end: datetime):
    # A calendar shows each session's time, kind, status and patient's name: not its
    # dosing record, note or the patient's care team.
    return session.scalars(select(CareSession).where(
        CareSession.clinician_id.in_(list(clinician_ids)), CareSession.scheduled_start >= start,
        CareSession.scheduled_start < end)
        .options(lazyload(CareSession.dosing), lazyload(CareSession.note),
                 defaultload(CareSession.patient).lazyload(Patient.care_team))
        .order_by(CareSession.scheduled_start)).all()


def _shown(session, actor, rows, detail: str) -> list[CareSession]:
    for patient_id in sorted({r.patient_id for r in rows}):
        record(session, actor, "view", "patient", patient_id, patient_id=patient_id,
               detail=detail)
    return list(rows)


def clinician_calendar(session, actor, clinician_ids, start: datetime, end: datetime,
                       detail: str = "calendar") -> list[CareSession]:
    """Sessions of the given clinicians starting in [start, end), cancelled ones included,
    by start; audited as a read of each patient shown."""
    if not all(may_view_calendar(actor, cid) for cid in clinician_ids):
        raise PermissionDenied("Only admins see other clinicians' calendars.")
    if not clinician_ids:
        return []
    return _shown(session, actor, _sessions_between(session, clinician_ids, start, end), detail)


def calendar_and_busy(session, actor, clinician_id: int, start: datetime, end: datetime
                      ) -> tuple[list[CareSession], list[booking.Busy]]:
    """One clinician's calendar (``clinician_calendar``: the sessions starting in
    [start, end), audited alike) and the stretches their sessions take (``busy_times``,
    from a session's longest length before ``start``), read in one statement: a session
    read only for the time it takes is neither returned nor audited."""
    rows, busy = calendars_and_busy(session, actor, [clinician_id], start, end)
    return rows, busy.get(clinician_id, [])


def calendars_and_busy(session, actor, clinician_ids, start: datetime, end: datetime,
                       detail: str = "calendar"
                       ) -> tuple[list[CareSession], dict[int, list[booking.Busy]]]:
    """``calendar_and_busy`` for several clinicians at once (the practice day): their
    sessions starting in [start, end), audited, and the times each clinician's sessions
    take, by clinician id, from one statement."""
    if not all(may_view_calendar(actor, cid) for cid in clinician_ids):
        raise PermissionDenied("Only admins see other clinicians' calendars.")
    if not clinician_ids:
        return [], {}
    rows = _sessions_between(session, clinician_ids, start - booking.MAX_SESSION, end)
    busy: dict[int, list[booking.Busy]] = {}
    for r in rows:
        if r.status not in FREED_STATUSES:
            busy.setdefault(r.clinician_id, []).append(
                booking.Busy(r.scheduled_start, r.duration_minutes))
    return _shown(session, actor, [r for r in rows if r.scheduled_start >= start],
                  detail), busy


def practice_clinicians(session, actor, *, role: str | None = None, name: str = "",
                        page: int = 1, per_page: int = 8) -> tuple[list[User], bool]:
    """A page of the active therapists and prescribers (admins only), by name; optionally
    one role, or those whose name contains ``name``. Returns (clinicians, more follow)."""
    if not actor.has_role("admin"):
        raise PermissionDenied("The practice calendar is for admins.")
    roles = (role,) if role in CLINICIAN_ROLES else CLINICIAN_ROLES
    query = (select(User).where(User.active.is_(True),
                                User.role_rows.any(UserRole.role.in_(roles)))
             .order_by(func.lower(User.full_name), User.id))
    if name.strip():
        query = query.where(func.lower(User.full_name).contains(name.strip().lower(),
                                                                autoescape=True))
    rows = session.scalars(query.offset((max(page, 1) - 1) * per_page)
                           .limit(per_page + 1)).all()
    return rows[:per_page], len(rows) > per_page


def busy_times(session, start: datetime, end: datetime, *, clinician_id: int | None = None,
               patient_id: int | None = None) -> list[booking.Busy]:
    """The stretches of time taken in [start, end) by the clinician's sessions and the
    patient's (either or both; no patient data in the answer)."""
    whose = [CareSession.clinician_id == clinician_id] if clinician_id else []
    whose += [CareSession.patient_id == patient_id] if patient_id else []
    if not whose:
        return []
    rows = session.execute(select(CareSession.scheduled_start, CareSession.duration_minutes)
                           .where(or_(*whose),
                                  CareSession.status.not_in(FREED_STATUSES),
                                  CareSession.scheduled_start < end,
                                  CareSession.scheduled_start >= start - booking.MAX_SESSION)
                           ).all()
    return [booking.Busy(s, m) for s, m in rows]


def bookable_patients(session, actor, clinician: User, *, page: int = 1,
                      per_page: int = 25) -> tuple[list[Patient], bool]:
    """Patients the actor may see on whose care team ``clinician`` is, by name, a page at
    a time (to book a session in the clinician's free time); audited as one search."""
    rows = session.scalars(visible_patients(actor).where(on_care_team(clinician.id))
                           .order_by(Patient.last_name, Patient.first_name, Patient.id)
                           .offset((max(page, 1) - 1) * per_page).limit(per_page + 1)).all()
    record(session, actor, "search", "patient",
           detail=f"care team of clinician {clinician.id}; page {page}; listed: "
                  f"{', '.join(str(p.id) for p in rows[:per_page]) or 'none'}")
    return rows[:per_page], len(rows) > per_page
