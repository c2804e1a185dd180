"""What a patient sees and does in their own portal. Every function takes the patient's
account as the actor and reaches the record through get_patient, which answers NotFound
for anyone else's; reads and writes are audited with the patient as the actor.

The portal shows the patient what concerns them and nothing a clinician keeps for the
care team: appointments, not notes; what is due, not scores.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.exc import StaleDataError

from kapms.audit.services import record
from kapms.care.models import CareSession
from kapms.consent.rules import is_remote
from kapms.database import utcnow
from kapms.errors import ConflictError, DomainError, NotFound, PermissionDenied, RuleViolation
from kapms.measures.models import POINTS
from kapms.measures.services import measure_schedule, patient_administrations, record_administration
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient
from kapms.portal.models import ChaperoneNomination

OPEN_STATUSES = ("scheduled", "in_progress")
UPCOMING_LIMIT = 20
STALE = ("This was changed in another window since you opened the page. Nothing was "
         "saved: reload the page and try again.")


def own_patient(session, actor, *, audit: bool = True):
    """The patient record of ``actor``'s portal account (NotFound for any other user)."""
    if not actor.has_role("patient") or actor.patient_id is None:
        raise PermissionDenied("The portal is for patients.")
    return get_patient(session, actor, actor.patient_id, need=CLINICAL, audit=audit)


# --- appointments -------------------------------------------------------------------------

def upcoming_sessions(session, actor, patient, *, now: datetime | None = None,
                      limit: int = UPCOMING_LIMIT) -> list[CareSession]:
    """The patient's scheduled appointments from today on, soonest first."""
    now = now or utcnow()
    # An appointment shows its time, kind, place and clinician; a dosing's record only
    # says whether it is remote and who confirmed the chaperone (its vitals, events and
    # the note stay unloaded, and the patient is the one already read).
    rows = list(session.scalars(
        select(CareSession).where(CareSession.patient_id == patient.id,
                                  CareSession.status.in_(OPEN_STATUSES),
                                  CareSession.scheduled_start >= now - timedelta(hours=3))
        .options(joinedload(CareSession.dosing).lazyload("*"), lazyload(CareSession.note),
                 lazyload(CareSession.patient))
        .order_by(CareSession.scheduled_start).limit(limit)))
    record(session, actor, "view", "care_session", None, patient_id=patient.id,
           detail=f"portal: {len(rows)} upcoming appointments")
    return rows


def own_session(session, actor, patient, session_id: int) -> CareSession:
    """One of the patient's own appointments; anyone else's answers NotFound."""
    care_session = session.get(CareSession, session_id)
    if care_session is None or care_session.patient_id != patient.id:
        record(session, actor, "view", "care_session", session_id, patient_id=patient.id,
               outcome="denied", detail="portal: not the patient's appointment")
        raise NotFound("No such appointment.")
    record(session, actor, "view", "care_session", care_session.id, patient_id=patient.id,
           detail="portal")
    return care_session


def is_remote_dosing(care_session: CareSession) -> bool:
    """A dosing by telehealth or at home: one a chaperone sits in on."""
    dosing = getattr(care_session, "dosing", None)
    return care_session.kind == "dosing" and is_remote(care_session.modality,
                                                       getattr(dosing, "setting", None))


@dataclass(frozen=True)
class Chaperone:
    """Who sits with the patient for a remote dosing, and where that came from."""

    name: str | None
    phone: str | None
    source: str  # "dosing record" (confirmed at check-in), "you" (named in the portal), ""
    version: int | None = None  # of the patient's nomination, for editing


def chaperones_for(session, care_sessions) -> dict[int, Chaperone]:
    """The chaperone of each of these remote dosings, by session id: as confirmed on the
    dosing record at check-in, else as the patient named them (the nominations read in
    one statement; caller checked access)."""
    confirmed = {s.id: s.dosing for s in care_sessions
                 if getattr(getattr(s, "dosing", None), "chaperone_name", None)}
    asked = [s.id for s in care_sessions if s.id not in confirmed]
    nominations = {n.session_id: n for n in session.scalars(select(ChaperoneNomination).where(
        ChaperoneNomination.session_id.in_(asked)))} if asked else {}
    found = {}
    for care_session in care_sessions:
        dosing, nomination = confirmed.get(care_session.id), nominations.get(care_session.id)
        if dosing is not None:
            found[care_session.id] = Chaperone(dosing.chaperone_name, dosing.chaperone_phone,
                                               "dosing record")
        elif nomination is not None:
            found[care_session.id] = Chaperone(nomination.name, nomination.phone, "you",
                                               nomination.version)
        else:
            found[care_session.id] = Chaperone(None, None, "")
    return found


def nominated_chaperone(session, session_id: int) -> tuple[str, str] | None:
    """(name, phone) of the chaperone the patient named for this dosing, if any: the
    check-in form starts from it (the clinician confirms)."""
    row = session.execute(select(ChaperoneNomination.name, ChaperoneNomination.phone).where(
        ChaperoneNomination.session_id == session_id)).first()
    return tuple(row) if row else None


def name_chaperone(session, actor, patient, care_session: CareSession, *, name: str,
                   phone: str, expected_version: int,
                   now: datetime | None = None) -> ChaperoneNomination:
    """The patient names the chaperone of an upcoming telehealth or at-home dosing."""
    if care_session.patient_id != patient.id:
        raise NotFound("No such appointment.")
    if not is_remote_dosing(care_session) or care_session.status != "scheduled":
        raise RuleViolation("A chaperone is named for an upcoming telehealth or at-home "
                            "dosing only.")
    name, phone = " ".join((name or "").split()), " ".join((phone or "").split())
    if not name:
        raise DomainError("Give your chaperone's name.", field="name")
    if sum(c.isdigit() for c in phone) < 7:
        raise DomainError("Give a phone number we can reach your chaperone on.", field="phone")
    nomination = session.scalar(select(ChaperoneNomination).where(
        ChaperoneNomination.session_id == care_session.id))
    if (nomination.version if nomination else 0) != expected_version:
        raise ConflictError(STALE)
    if nomination is None:
        nomination = ChaperoneNomination(session_id=care_session.id, patient_id=patient.id)
        session.add(nomination)
    nomination.name, nomination.phone = name[:160], phone[:30]
    nomination.updated_at, nomination.updated_by_id = now or utcnow(), actor.id
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError(STALE) from error
    record(session, actor, "update", "chaperone_nomination", nomination.id,
           patient_id=patient.id, detail=f"portal: chaperone for session {care_session.id}")
    return nomination


# --- measures ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeasureDue:
    """A questionnaire the patient is asked to fill now."""

    instrument: str
    point: str

    @property
    def point_label(self) -> str:
        """The measurement point in words."""
        return POINTS[self.point]


def measures_due(session, actor, patient) -> list[MeasureDue]:
    """The questionnaires due now, by the measures schedule (what a clinician sees as
    "due" on the patient page)."""
    rows = patient_administrations(session, actor, patient)
    return [MeasureDue(row.instrument, point)
            for row in measure_schedule(session, patient, rows) for point in row.due]


def answer_measure(session, actor, patient, instrument: str, point: str, answers, *,
                   settings, today: date):
    """The patient answers a questionnaire that is due: scored by the measures library,
    a PHQ-9 item 9 above 0 raising the same safety alert as anywhere else."""
    if MeasureDue(instrument, point) not in measures_due(session, actor, patient):
        raise RuleViolation("This questionnaire is not due now (it may just have been "
                            "answered).")
    return record_administration(session, actor, patient, instrument, point, today, answers,
                                 settings=settings, source="self_report", today=today)
