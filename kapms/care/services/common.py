"""Helpers shared by the care services: who may act, loading sessions within scope."""

from sqlalchemy import inspect
from sqlalchemy.orm import defaultload, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from kapms.care.models import CareSession, ProgressNote
from kapms.errors import NotFound, PermissionDenied
from kapms.patients.access import CLINICAL
from kapms.patients.models import Patient
from kapms.patients.services import get_patient

# A list of sessions shows each one's time, kind, patient, and at most whether its note is
# signed or its dosing flagged: the dosing record's vitals, events, check-ins and
# amendments, the note's addenda and the patient's care team, which each session would
# otherwise load with it, wait until something reads them.
LISTED = (defaultload(CareSession.dosing).lazyload("*"),
          defaultload(CareSession.note).lazyload(ProgressNote.addenda),
          defaultload(CareSession.patient).lazyload(Patient.care_team))


def on_team(actor, patient, role: str | None = None) -> bool:
    """True when ``actor`` is an active care-team member (as ``role`` when given)."""
    return any(m.user_id == actor.id and (role is None or m.role == role)
               for m in patient.care_team)


def require_team(actor, patient, role: str | None = None, *, what: str) -> None:
    """Refuse (403) unless the actor is on the patient's care team (as ``role``)."""
    if not on_team(actor, patient, role):
        who = f"the patient's {role}" if role else "the patient's care team"
        raise PermissionDenied(f"Only {who} can {what}.")


# A session page shows the session with its dosing record and note: one statement. The
# patient is loaded by get_patient (with its care team), and then found in the session.
WITH_RECORD = (joinedload(CareSession.dosing), joinedload(CareSession.note),
               lazyload(CareSession.patient))


def get_care_session(session, actor, session_id: int, options=WITH_RECORD) -> CareSession:
    """A care session whose patient the actor may see clinically; 404 otherwise.

    The patient is loaded through get_patient, so scoping and the read audit are the
    patient domain's. ``options``: what to load with the session (default: its dosing
    record and note).
    """
    care_session = session.get(CareSession, session_id, options=options)
    if care_session is None:
        raise NotFound("No such session.")
    patient = get_patient(session, actor, care_session.patient_id, need=CLINICAL)
    if "patient" in inspect(care_session).unloaded:
        # The same row: keep it as the session's patient rather than read it again.
        set_committed_value(care_session, "patient", patient)
    return care_session


def field_for(message: str, fields: tuple[tuple[str, str], ...], default: str | None) -> str | None:
    """The form field a rule's refusal belongs to: the first (words, field) whose words
    appear in the message, else ``default``."""
    return next((name for words, name in fields if words in message), default)
