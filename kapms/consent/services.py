"""Consent verbs: admins publish documents and versions; patients sign in the portal;
clinicians record paper signatures; the care path asks what is still unsigned (no Flask;
flush, never commit; every read and write of a patient's consent audited).

The rule of the care path: a dosing is refused while a document required before clearance
or before the first dosing, which concerns this dosing, is unsigned
(``dosing_check``, registered with the care services' dosing preconditions).
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from kapms import clinic_time
from kapms.audit.services import record
from kapms.consent import rules
from kapms.consent.models import (
    APPLIES_TO,
    REQUIRED_BEFORE,
    ConsentDocument,
    ConsentSignature,
    ConsentVersion,
)
from kapms.database import utcnow
from kapms.errors import ConflictError, DomainError, NotFound, PermissionDenied, RuleViolation
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient

TITLE_MAX = 160
BODY_MAX = 100_000
NEWER_VERSION = ("A newer version of this document was published while you were reading. "
                 "Nothing was signed: read the new version below and sign it.")


@dataclass(frozen=True)
class ToSign:
    """A document the patient still has to sign, and the version to sign."""

    document: ConsentDocument
    version: ConsentVersion

    @property
    def required(self) -> bool:
        """True when it is required (before clearance or before the first dosing)."""
        return bool(self.document.required_before)


# --- admins: documents and versions --------------------------------------------------------

def _require_admin(actor) -> None:
    if actor is None or not actor.has_role("admin"):
        raise PermissionDenied("Only a network admin keeps consent documents.")


def _check_settings(title: str, required_before: str, applies_to: str) -> str:
    title = " ".join((title or "").split())
    if not title or len(title) > TITLE_MAX:
        raise DomainError(f"Give the document a title (up to {TITLE_MAX} characters).",
                          field="title")
    if required_before not in REQUIRED_BEFORE or applies_to not in APPLIES_TO:
        raise DomainError("Choose when it is required and whom it concerns.",
                          field="required_before")
    return title


def _check_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip() + "\n"
    if len(body.strip()) < 20 or len(body) > BODY_MAX:
        raise DomainError("Write the document's text (Markdown).", field="body")
    return body


def list_documents(session, *, active_only: bool = False) -> list[ConsentDocument]:
    """Every consent document by title (no patient data)."""
    # With their versions in the same statement (a handful each; to_sign reads them all).
    query = (select(ConsentDocument).options(joinedload(ConsentDocument.versions))
             .order_by(ConsentDocument.title))
    if active_only:
        query = query.where(ConsentDocument.active.is_(True))
    return list(session.scalars(query).unique())


def get_document(session, document_id: int) -> ConsentDocument:
    """One document, or NotFound."""
    document = session.get(ConsentDocument, document_id)
    if document is None:
        raise NotFound("No such document.")
    return document


def create_document(session, actor, *, title: str, required_before: str, applies_to: str,
                    body: str, now: datetime | None = None) -> ConsentDocument:
    """A new document with its first version (always material)."""
    _require_admin(actor)
    title = _check_settings(title, required_before, applies_to)
    body = _check_body(body)
    if session.scalar(select(ConsentDocument.id).where(ConsentDocument.title == title)):
        raise ConflictError("A document with this title already exists.", field="title")
    document = ConsentDocument(title=title, required_before=required_before,
                               applies_to=applies_to, active=True, created_at=now or utcnow())
    try:
        with session.begin_nested():
            session.add(document)
            session.flush()
    except IntegrityError as error:
        raise ConflictError("A document with this title already exists.",
                            field="title") from error
    record(session, actor, "create", "consent_document", document.id, detail=title)
    _add_version(session, actor, document, body, True, None, now)
    return document


def update_document(session, actor, document: ConsentDocument, *, title: str,
                    required_before: str, applies_to: str, active: bool) -> ConsentDocument:
    """Change a document's title, requirement, scope or whether it is in use (its text
    changes only by a new version)."""
    _require_admin(actor)
    title = _check_settings(title, required_before, applies_to)
    document.title, document.required_before = title, required_before
    document.applies_to, document.active = applies_to, active
    session.flush()
    record(session, actor, "update", "consent_document", document.id,
           detail=f"required_before={required_before or 'none'}, applies_to={applies_to}, "
                  f"active={active}")
    return document


def publish_version(session, actor, document: ConsentDocument, *, body: str, material: bool,
                    change_note: str | None, expected_number: int,
                    now: datetime | None = None) -> ConsentVersion:
    """Publish a new wording. ``material``: everyone who signed before signs again.
    ``expected_number``: the version the admin edited from (a stale edit is refused)."""
    _require_admin(actor)
    body = _check_body(body)
    current = document.current
    if current is None or current.number != expected_number:
        raise ConflictError("Someone published a version meanwhile. Nothing was saved: "
                            "reload the page and make your change again.")
    if rules.text_hash(body) == current.sha256:
        raise DomainError("The text is the same as the current version.", field="body")
    note = " ".join((change_note or "").split())[:300] or None
    return _add_version(session, actor, document, body, material, note, now)


def _add_version(session, actor, document, body, material, note, now) -> ConsentVersion:
    number = (document.current.number + 1) if document.current else 1
    version = ConsentVersion(document_id=document.id, number=number, body=body,
                             sha256=rules.text_hash(body), material=material or number == 1,
                             change_note=note, published_at=now or utcnow(),
                             published_by_id=getattr(actor, "id", None))
    try:
        with session.begin_nested():
            session.add(version)
            session.flush()
    except IntegrityError as error:  # two admins publishing at once: one wins
        raise ConflictError("Someone published a version meanwhile. Reload the page.") \
            from error
    session.expire(document, ["versions"])
    record(session, actor, "create", "consent_version", version.id,
           detail=f"{document.title} v{number}" + (" (material)" if version.material else ""))
    return version


def get_version(session, version_id: int) -> ConsentVersion:
    """One published version, or NotFound."""
    version = session.get(ConsentVersion, version_id)
    if version is None:
        raise NotFound("No such document version.")
    return version


# --- what a patient has signed and must sign ------------------------------------------------

def _signed_numbers(session, patient_id: int, signatures=None) -> dict[int, set[int]]:
    rows = session.execute(
        select(ConsentVersion.document_id, ConsentVersion.number)
        .join(ConsentSignature, ConsentSignature.version_id == ConsentVersion.id)
        .where(ConsentSignature.patient_id == patient_id)).all() if signatures is None else [
        (s.version.document_id, s.version.number) for s in signatures]
    signed: dict[int, set[int]] = {}
    for document_id, number in rows:
        signed.setdefault(document_id, set()).add(number)
    return signed


def to_sign(session, patient_id: int, *, remote: bool | None, stages=None,
            signatures=None, documents=None) -> list[ToSign]:
    """The active documents the patient must (or, when not required, may) sign now, with
    the version to sign. ``remote``: whether a dosing by telehealth or at home concerns
    them; ``stages``: only documents required at these stages (e.g. {"clearance"});
    ``signatures`` and ``documents``: every signature of the patient and the active
    documents, when the caller has read them (``patient_consents``).
    Caller checked access."""
    signed = _signed_numbers(session, patient_id, signatures)
    if documents is None:
        documents = list_documents(session, active_only=True)
    result = []
    for document in documents:
        if stages is not None and document.required_before not in stages:
            continue
        if not rules.concerns(document.applies_to, remote):
            continue
        number = rules.version_to_sign(((v.number, v.material) for v in document.versions),
                                       signed.get(document.id, set()))
        if number is not None:
            result.append(ToSign(document, next(v for v in document.versions
                                                if v.number == number)))
    return result


def signatures_for(session, actor, patient) -> list[ConsentSignature]:
    """Every signature of the patient, newest first (``patient`` loaded through
    get_patient; the read is audited)."""
    # Each with its version and document (the title shown, and what to_sign reads).
    rows = list(session.scalars(select(ConsentSignature)
                                .where(ConsentSignature.patient_id == patient.id)
                                .options(joinedload(ConsentSignature.version)
                                         .joinedload(ConsentVersion.document))
                                .order_by(ConsentSignature.signed_at.desc())))
    record(session, actor, "view", "consent_signature", None, patient_id=patient.id,
           detail=f"{len(rows)} signatures")
    return rows


def patient_consents(session, actor, patient) -> tuple[list[ConsentSignature],
                                                       list[ConsentDocument]]:
    """Every signature of the patient, newest first, and the documents in use by title, in
    one statement: each document with all its versions, each signature with its version
    and document (``patient`` loaded through get_patient; the read is audited)."""
    signed_documents = (select(ConsentVersion.document_id)
                        .join(ConsentSignature, ConsentSignature.version_id == ConsentVersion.id)
                        .where(ConsentSignature.patient_id == patient.id))
    rows = session.execute(
        select(ConsentDocument, ConsentSignature)
        .join(ConsentDocument.versions)
        .outerjoin(ConsentSignature, and_(ConsentSignature.version_id == ConsentVersion.id,
                                          ConsentSignature.patient_id == patient.id))
        # A retired document is read only for its title on the patient's signatures; all
        # its versions come with it, so no document's versions are read in part.
        .where(or_(ConsentDocument.active.is_(True), ConsentDocument.id.in_(signed_documents)))
        .options(contains_eager(ConsentDocument.versions),
                 contains_eager(ConsentSignature.version).contains_eager(ConsentVersion.document))
        .order_by(ConsentDocument.title, ConsentVersion.number)).unique().all()
    documents = list(dict.fromkeys(document for document, _ in rows))
    signatures = sorted((s for _, s in rows if s is not None), key=lambda s: s.signed_at,
                        reverse=True)
    record(session, actor, "view", "consent_signature", None, patient_id=patient.id,
           detail=f"{len(signatures)} signatures")
    return signatures, [d for d in documents if d.active]


def get_signature(session, actor, signature_id: int) -> ConsentSignature:
    """One signature the actor may see (their own as a patient, their patient's as a
    clinician on the care team or an admin); someone else's answers NotFound."""
    signature = session.get(ConsentSignature, signature_id)
    if signature is None:
        raise NotFound("No such signature.")
    get_patient(session, actor, signature.patient_id, need=CLINICAL, audit=False)
    record(session, actor, "view", "consent_signature", signature.id,
           patient_id=signature.patient_id)
    return signature


# --- signing -----------------------------------------------------------------------------------

def _current_for_signing(session, version_id: int) -> ConsentVersion:
    version = get_version(session, version_id)
    if not version.document.active:
        raise RuleViolation("This document is no longer in use.")
    if version.document.current.id != version.id:
        raise ConflictError(NEWER_VERSION)
    return version


def _save_signature(session, actor, signature: ConsentSignature, detail: str):
    try:
        with session.begin_nested():  # a double submit signs once
            session.add(signature)
            session.flush()
    except IntegrityError as error:
        raise ConflictError("This version is already signed.") from error
    record(session, actor, "sign", "consent_signature", signature.id,
           patient_id=signature.patient_id, detail=detail)
    return signature


def sign(session, actor, patient, version_id: int, *, typed_name: str, agreed: bool,
         shown_sha256: str, ip: str | None, user_agent: str | None,
         now: datetime | None = None) -> ConsentSignature:
    """The patient signs the version they were shown, in the portal.

    Refused unless the actor is this patient's own account, the version is still the
    current one and its text is exactly what was shown (``shown_sha256``), "I agree" is
    ticked and the typed name is the patient's."""
    if not (actor.has_role("patient") and actor.patient_id == patient.id):
        raise PermissionDenied("Only the patient signs in the portal.")
    version = _current_for_signing(session, version_id)
    if shown_sha256 != version.sha256:
        raise ConflictError(NEWER_VERSION)
    if not agreed:
        raise RuleViolation("Tick “I agree” to sign.", field="agree")
    typed = " ".join((typed_name or "").split())
    if not rules.name_matches(typed, patient.first_name, patient.last_name):
        raise RuleViolation(f"Type your full name as on your record: {patient.full_name}.",
                            field="typed_name")
    signature = ConsentSignature(
        patient_id=patient.id, version_id=version.id, method="portal", typed_name=typed[:200],
        agreed=True, signed_at=now or utcnow(), ip_address=(ip or "")[:45] or None,
        user_agent=(user_agent or "")[:300] or None, text_sha256=version.sha256,
        user_id=actor.id)
    return _save_signature(session, actor, signature,
                           f"{version.document.title} v{version.number} in the portal")


def record_paper_signature(session, actor, patient, version_id: int, *, typed_name: str,
                           signed_on: date, witness: str,
                           now: datetime | None = None) -> ConsentSignature:
    """A clinician on the care team records that the patient signed the current version
    on paper, on ``signed_on``, witnessed by ``witness``."""
    if not actor.has_role("therapist", "prescriber"):
        raise PermissionDenied("Only a clinician on the care team records a paper signature.")
    get_patient(session, actor, patient.id, need=CLINICAL, audit=False)
    version = _current_for_signing(session, version_id)
    typed = " ".join((typed_name or "").split())
    if not rules.name_matches(typed, patient.first_name, patient.last_name):
        raise RuleViolation(f"Enter the name as signed on the paper: {patient.full_name}.",
                            field="typed_name")
    witness = " ".join((witness or "").split())
    if not witness:
        raise RuleViolation("Name who witnessed the signature.", field="witness")
    if signed_on > clinic_time.today():
        raise RuleViolation("The date signed cannot be in the future.", field="signed_on")
    if signed_on < clinic_time.local_date(version.published_at):
        raise RuleViolation("This version did not exist yet on that date.", field="signed_on")
    signature = ConsentSignature(
        patient_id=patient.id, version_id=version.id, method="paper", typed_name=typed[:200],
        agreed=True, signed_at=now or utcnow(), text_sha256=version.sha256, user_id=actor.id,
        paper_signed_on=signed_on, witness=witness[:200])
    return _save_signature(session, actor, signature,
                           f"{version.document.title} v{version.number} on paper")


# --- the care path's rules ---------------------------------------------------------------------

def unsigned_required(session, patient_id: int, *, remote: bool,
                      stages=("clearance", "first_dosing")) -> list[str]:
    """Titles (with version) of the required documents concerning this patient that are
    not signed (caller checked access)."""
    return [f"{t.document.title} (version {t.version.number})"
            for t in to_sign(session, patient_id, remote=remote, stages=set(stages))]


def dosing_check(session, care_session, at=None) -> str | None:
    """A dosing precondition (kapms.care): every required document that concerns this
    dosing (the chaperone agreement only for a telehealth or at-home one) is signed."""
    dosing = getattr(care_session, "dosing", None)
    remote = rules.is_remote(care_session.modality, getattr(dosing, "setting", None))
    titles = unsigned_required(session, care_session.patient_id, remote=remote)
    message = rules.refusal(titles)
    return f"Dosing refused until consent is signed. {message}" if message else None


def clearance_block(session, patient_id: int) -> str | None:
    """Why the prescriber may not clear the patient yet (documents required before
    clearance, unsigned), or None."""
    message = rules.refusal(unsigned_required(session, patient_id, remote=False,
                                              stages=("clearance",)))
    return f"Clearing refused until consent is signed. {message}" if message else None
