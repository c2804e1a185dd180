"""Finding patients within the actor's scope, registering and editing them.

Care-team places are written by kapms.network.services.care_teams (one eligibility rule for
every door); registration uses it for the therapist who registers their own client or the
one an admin assigns.
"""

from dataclasses import dataclass, fields
from datetime import date, timedelta

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from kapms import clinic_time, phone
from kapms.audit.services import record
from kapms.database import utcnow
from kapms.errors import ConflictError, DomainError, NotFound, PermissionDenied
from kapms.icd10 import ICD10_LABELS
from kapms.insurance.models import InsurancePlan
from kapms.network.services import care_teams
from kapms.patients import search
from kapms.patients.access import CLINICAL, categories, visible_patients
from kapms.patients.identity import person_key
from kapms.patients.models import (
    CARE_MODALITIES,
    GENDER_IDENTITIES,
    MEMBER_ID_KEY,
    SEX_AT_BIRTH,
    URGENCIES,
    Patient,
    RegistrationReview,
    StartsWith,
    name_condition,
)


def get_patient(session, actor, patient_id: int, *, need: str = CLINICAL,
                audit: bool = True, options=()) -> Patient:
    """Load a patient the actor may see, auditing the read.

    Someone else's patient answers NotFound (404), exactly like a missing one, so ids
    reveal nothing. ``need`` is the data category the caller is about to show; without
    it the read is refused with PermissionDenied (403) and audited as denied.
    ``options``: loader options for what the caller reads next (e.g. the care team).
    """
    found = session.scalars(visible_patients(actor).where(Patient.id == patient_id)
                            .options(*options)).unique().all()
    patient = found[0] if found else None
    if patient is None:
        record(session, actor, "view", "patient", patient_id, patient_id=patient_id,
               outcome="denied", detail="not on care team or no such patient")
        raise NotFound("No such patient.")
    if need not in categories(actor, patient):
        record(session, actor, "view", "patient", patient_id, patient_id=patient_id,
               outcome="denied", detail=f"{need} data not permitted")
        raise PermissionDenied("Your role does not give access to this part of the record.")
    if audit:
        record(session, actor, "view", "patient", patient.id, patient_id=patient.id,
               detail=need)
    return patient


@dataclass(frozen=True)
class PatientPage:
    """One page of a patient search: the patients (by last name), and whether more follow."""

    query: search.Query
    rows: list[Patient]
    page: int
    per_page: int
    has_next: bool


def find_patients(session, actor, text: str | None = None, *, stage: str | None = None,
                  page: int = 1, per_page: int = 25) -> PatientPage:
    """The actor's patients that ``text`` finds (a name, a date of birth, a phone number or
    a member id: kapms.patients.search), optionally at ``stage``, a page at a time.

    Audited as one search (what was looked at and the ids listed), not as a read of each
    patient listed: a list shows who the patients are, a read opens their record.
    """
    query = search.read_query(text)
    page = max(page, 1)
    rows = session.scalars(search_select(actor, query, stage)
                           .offset((page - 1) * per_page).limit(per_page + 1)).all()
    shown = rows[:per_page]
    record(session, actor, "search", "patient",
           detail=f"by {', '.join(query.kinds()) or 'none (all)'}"
                  f"{f'; stage {stage}' if stage else ''}; page {page}; "
                  f"listed: {', '.join(str(p.id) for p in shown) or 'none'}")
    return PatientPage(query, shown, page, per_page, len(rows) > per_page)


def search_select(actor, query: search.Query, stage: str | None = None):
    """The select of the patients ``query`` finds among the actor's, in list order (by last
    name). A name, member id or date of birth is read through its index (kapms.patients.models);
    a phone number is matched anywhere in the stored number, which reads every visible row."""
    return (visible_patients(actor).where(*_matching(query))
            .where(*([Patient.stage == stage] if stage else []))
            .order_by(Patient.last_name, Patient.first_name, Patient.id))


def _matching(query: search.Query) -> list:
    """SQL conditions for what the query can be (any of them finds a patient)."""
    if query.empty:
        return []
    ways = []
    if query.words:
        ways.append(name_condition(query.words))
    if query.birth_date:
        ways.append(Patient.date_of_birth == query.birth_date)
    if query.phone_digits:
        digits = Patient.phone
        for ch in "()-. +":  # stored as "(510) 555-0110" or "+44 20 7946 0958"
            digits = func.replace(digits, ch, "")
        ways.append(digits.contains(query.phone_digits, autoescape=True))
    if query.member_id:
        ways.append(StartsWith(MEMBER_ID_KEY, query.member_id))
    # Text that can be none of them ("12", "-") finds no one, not everyone.
    return [or_(false(), *ways)]


# --- registration and editing -------------------------------------------------------------

PATIENT_STALE = ("This patient's record was changed by someone else since you opened it. "
                 "Nothing was saved: reload the page and make your change again.")


@dataclass
class PatientInput:
    """Demographics, emergency contact, diagnosis and coverage, as entered on the form."""

    first_name: str
    last_name: str
    date_of_birth: date
    address_line1: str
    city: str
    state: str
    postal_code: str
    sex_at_birth: str | None = None  # models.SEX_AT_BIRTH key
    gender_identity: str | None = None  # models.GENDER_IDENTITIES key
    address_line2: str | None = None
    phone: str | None = None
    email: str | None = None
    preferred_language: str = "English"
    emergency_contact_name: str | None = None
    emergency_contact_phone: str | None = None
    emergency_contact_relation: str | None = None
    diagnosis_code: str | None = None
    plan_id: int | None = None  # None: self-pay
    member_id: str | None = None
    care_modality: str = "either"  # the care request: how they want to be seen
    urgency: str = "routine"  # and how soon (kapms.patients.models.URGENCIES)


def _check_input(session, data: PatientInput) -> None:
    """Refuse what the record must not hold; phone numbers are written in the clinic's one
    form (kapms.phone) on ``data`` itself."""
    for name in ("phone", "emergency_contact_phone"):
        try:
            setattr(data, name, phone.normalise(getattr(data, name)))
        except ValueError as exc:
            raise DomainError(str(exc), field=name) from exc
    if data.diagnosis_code and data.diagnosis_code not in ICD10_LABELS:
        raise DomainError("Choose a diagnosis from the list.", field="diagnosis_code")
    if data.sex_at_birth and data.sex_at_birth not in SEX_AT_BIRTH:
        raise DomainError("Choose a sex at birth from the list.", field="sex_at_birth")
    if data.gender_identity and data.gender_identity not in GENDER_IDENTITIES:
        raise DomainError("Choose a gender identity from the list.", field="gender_identity")
    if data.care_modality not in CARE_MODALITIES or data.urgency not in URGENCIES:
        raise DomainError("Choose how the patient wants to be seen and how urgently.",
                          field="urgency")
    if data.plan_id is not None:
        plan = session.get(InsurancePlan, data.plan_id)
        if plan is None or not plan.active:
            raise DomainError("Choose an insurance plan from the list.", field="plan_id")
        if not (data.member_id or "").strip():
            raise DomainError("An insured patient needs a member id.", field="member_id")
    if data.date_of_birth >= clinic_time.today():
        raise DomainError("The date of birth must be in the past.", field="date_of_birth")


class AlreadyRegistered(DomainError):
    """The person already has a chart, and the actor can see it: ``patient_id`` is that
    chart (the view opens it)."""

    def __init__(self, patient_id: int):
        super().__init__("This person is already registered: here is their chart. Nothing "
                         "new was saved.")
        self.patient_id = patient_id


REVIEW_MESSAGE = ("This registration was sent to a network admin for review before the "
                  "chart opens. Once it is confirmed you are on the care team and the patient "
                  "is in your list.")


def register_patient(session, actor, data: PatientInput,
                     therapist=None) -> Patient | RegistrationReview:
    """Register a patient. A therapist registers their own client (and joins the care team);
    an admin may assign a therapist (or leave a referral without one).

    One chart per person and date of birth (kapms.patients.identity; a unique constraint
    backs it). When the person already has a chart, the answer must not tell someone
    outside its care team that the person is a patient: an actor who can see the chart
    gets AlreadyRegistered (pointing to it); anyone else gets a RegistrationReview for an
    admin (the same one if they send it again). Two registrations racing each other: the
    loser's flush raises IntegrityError, and kapms.web.forms.attempt() runs this again,
    which then takes one of those two ways.
    """
    if actor.has_role("admin"):
        pass
    elif actor.has_role("therapist"):
        therapist = actor
    else:
        raise PermissionDenied("Only therapists and admins register patients.")
    _check_input(session, data)
    existing = session.scalar(select(Patient).where(
        Patient.person_key == person_key(data.first_name, data.last_name),
        Patient.date_of_birth == data.date_of_birth))
    if existing is not None:
        return _registered_before(session, actor, existing, data)
    patient = Patient(**{f.name: getattr(data, f.name) for f in fields(data)},
                      created_by_id=actor.id, stage="referral")
    if patient.plan_id is None:
        patient.member_id = None
    session.add(patient)
    session.flush()
    record(session, actor, "create", "patient", patient.id, patient_id=patient.id)
    # Both are doors into the care team: the eligibility rule applies (kapms.network).
    if therapist is not None and therapist.id == actor.id:
        care_teams.join_own_client(session, actor, patient)
    elif therapist is not None:
        care_teams.assign_member(session, actor, patient, therapist, "therapist")
    return patient


def _registered_before(session, actor, existing: Patient,
                       data: PatientInput) -> RegistrationReview:
    """Point an actor who can see ``existing`` to it; route anyone else to an admin."""
    if session.scalar(visible_patients(actor).where(Patient.id == existing.id)) is not None:
        record(session, actor, "create", "patient", existing.id, patient_id=existing.id,
               outcome="denied", detail="already registered: pointed to the chart")
        raise AlreadyRegistered(existing.id)
    review = session.scalar(select(RegistrationReview).where(
        RegistrationReview.patient_id == existing.id,
        RegistrationReview.requested_by_id == actor.id,
        RegistrationReview.status == "pending"))
    if review is None:
        review = RegistrationReview(
            patient_id=existing.id, requested_by_id=actor.id, first_name=data.first_name,
            last_name=data.last_name, date_of_birth=data.date_of_birth,
            details=_typed_details(data))
        session.add(review)
        session.flush()
        record(session, actor, "create", "registration_review", review.id,
               patient_id=existing.id, detail="matched a chart outside the author's care "
                                              "teams; sent to an admin")
    return review


def _typed_details(data: PatientInput) -> str:
    """What the author typed besides the name and birth date, one "name: value" a line."""
    skip = {"first_name", "last_name", "date_of_birth"}
    return "\n".join(f"{f.name.replace('_', ' ')}: {getattr(data, f.name)}"
                     for f in fields(data)
                     if f.name not in skip and getattr(data, f.name) not in (None, ""))


def pending_reviews(session, actor, *, page: int = 1, per_page: int = 25):
    """Registrations waiting for an admin, oldest first, with the total (admins only)."""
    if not actor.has_role("admin"):
        raise PermissionDenied("Only a network admin reviews registrations.")
    query = select(RegistrationReview).where(RegistrationReview.status == "pending")
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(RegistrationReview.created_at, RegistrationReview.id)
                           .options(joinedload(RegistrationReview.requested_by),
                                    joinedload(RegistrationReview.patient)
                                    .lazyload(Patient.care_team))
                           .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    for review in rows:
        record(session, actor, "view", "registration_review", review.id,
               patient_id=review.patient_id)
    return rows, total


def count_pending_reviews(session) -> int:
    """How many registrations wait for an admin (no patient data: a number)."""
    return session.scalar(select(func.count()).select_from(RegistrationReview).where(
        RegistrationReview.status == "pending"))


def my_reviews(session, actor, *, days: int = 14, limit: int = 10) -> list[RegistrationReview]:
    """The actor's own registrations waiting for review or decided in the last ``days``
    (newest first): what they typed and the decision, never the chart they matched."""
    since = utcnow() - timedelta(days=days)
    return session.scalars(select(RegistrationReview).where(
        RegistrationReview.requested_by_id == actor.id,
        or_(RegistrationReview.status == "pending", RegistrationReview.decided_at >= since))
        .order_by(RegistrationReview.id.desc()).limit(limit)).all()


def decide_review(session, actor, review_id: int, *, add: bool) -> RegistrationReview:
    """An admin adds the author to the matched chart's care team as therapist (``add``)
    or declines. A review is decided once (a conditional UPDATE: two admins deciding at
    once cannot both succeed)."""
    if not actor.has_role("admin"):
        raise PermissionDenied("Only a network admin reviews registrations.")
    review = session.get(RegistrationReview, review_id)
    if review is None:
        raise NotFound("No such registration review.")
    decided = session.execute(
        update(RegistrationReview)
        .where(RegistrationReview.id == review.id, RegistrationReview.status == "pending")
        .values(status="added" if add else "declined", decided_by_id=actor.id,
                decided_at=utcnow())
        .execution_options(synchronize_session=False))
    if decided.rowcount != 1:
        raise ConflictError("This registration was already reviewed.")
    session.refresh(review)
    author = review.requested_by
    if add and author not in review.patient.members("therapist"):
        # The one door for admins (kapms.network): the eligibility rule applies.
        care_teams.assign_member(session, actor, review.patient, author, "therapist")
    record(session, actor, "update", "registration_review", review.id,
           patient_id=review.patient_id, detail=review.status)
    return review


def update_patient(session, actor, patient: Patient, data: PatientInput,
                   expected_version: int) -> Patient:
    """Save an edit made on version ``expected_version``; a stale one is refused."""
    if CLINICAL not in categories(actor, patient):
        raise PermissionDenied("Only the care team or an admin can edit the record.")
    if expected_version != patient.version:
        raise ConflictError(PATIENT_STALE)
    _check_input(session, data)
    for f in fields(data):
        setattr(patient, f.name, getattr(data, f.name))
    if patient.plan_id is None:
        patient.member_id = None
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(PATIENT_STALE) from exc
    record(session, actor, "update", "patient", patient.id, patient_id=patient.id)
    return patient
