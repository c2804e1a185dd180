"""Patient records and care-team membership."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    func,
    or_,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from kapms.auth.models import User
from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db
from kapms.insurance.models import InsurancePlan
from kapms.patients.identity import person_key

# Where a patient stands on the care path (kept current by the care services).
STAGES = {
    "referral": "Referral",
    "intake": "Medical intake",
    "deferred": "Clearance deferred",
    "not_cleared": "Not cleared",
    "preparation": "Preparation",
    "dosing": "Dosing",
    "follow_up": "Medical follow-up",
    "maintenance": "Maintenance",
    "completed": "Completed",
}
CARE_TEAM_ROLES = ("therapist", "prescriber")
# Optional demographics the network's outcome reports break down by (sex at birth) and the
# care team uses to address the patient (gender identity), after the ONC 2015 Edition
# sexual-orientation-and-gender-identity value sets. Empty means "not recorded".
SEX_AT_BIRTH = {"female": "Female", "male": "Male", "intersex": "Intersex",
                "not_disclosed": "Chose not to disclose"}
GENDER_IDENTITIES = {
    "woman": "Woman", "man": "Man", "transgender_woman": "Transgender woman",
    "transgender_man": "Transgender man", "non_binary": "Non-binary or genderqueer",
    "other": "Another gender identity", "not_disclosed": "Chose not to disclose",
}
# How soon the patient needs a clinician (the coordinators' queue shows it).
URGENCIES = {"routine": "Routine", "soon": "Soon (within 2 weeks)", "urgent": "Urgent"}
# How the patient wants to be seen (the matcher's vocabulary, kapms.network.vocabulary).
CARE_MODALITIES = {"either": "In office or telehealth", "in_office": "In office",
                   "telehealth": "Telehealth"}
# How a clinician came onto a care team.
JOINED_VIA = {
    "registration": "registered their own client",
    "assignment": "assigned by an admin",
    "referral": "accepted a coordinator's referral",
    "invitation": "accepted a colleague's invitation",
    "transfer": "took over in a transfer",
}


class Patient(db.Model):
    """A person in KAP care: demographics, coverage and where they are on the path."""

    __tablename__ = "patients"
    __table_args__ = (
        Index("ix_patients_name", "last_name", "first_name"),
        # One chart per person: the folded name (kapms.patients.identity) and birth date.
        UniqueConstraint("person_key", "date_of_birth", name="uq_patients_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    date_of_birth: Mapped[date]
    sex_at_birth: Mapped[str | None] = mapped_column(String(20))  # SEX_AT_BIRTH key
    gender_identity: Mapped[str | None] = mapped_column(String(30))  # GENDER_IDENTITIES key
    # From first and last name, whoever writes them: the default covers every INSERT (ORM
    # or bulk), the event below every ORM update.
    person_key: Mapped[str] = mapped_column(String(64), default=lambda context: person_key(
        context.get_current_parameters()["first_name"],
        context.get_current_parameters()["last_name"]))
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2), index=True)  # USPS code: licence matching
    postal_code: Mapped[str] = mapped_column(String(10))
    latitude: Mapped[float | None]  # for in-person matching distance; not money
    longitude: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_language: Mapped[str] = mapped_column(String(40), default="English")
    emergency_contact_name: Mapped[str | None] = mapped_column(String(160))
    emergency_contact_phone: Mapped[str | None] = mapped_column(String(30))
    emergency_contact_relation: Mapped[str | None] = mapped_column(String(60))
    diagnosis_code: Mapped[str | None] = mapped_column(String(10))  # ICD-10, e.g. F33.1
    # Coverage: a plan and member id, or self-pay (plan empty).
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_plans.id"), index=True)
    member_id: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20), default="referral", index=True)
    # The care request: how the patient wants to be seen and how soon (matching, the queue).
    care_modality: Mapped[str] = mapped_column(String(20), default="either")
    urgency: Mapped[str] = mapped_column(String(10), default="routine")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Optimistic locking: a save based on an old version is refused, not lost.
    version: Mapped[int] = mapped_column(default=1)

    plan: Mapped[InsurancePlan | None] = relationship(lazy="joined")
    care_team: Mapped[list["CareTeamMember"]] = relationship(
        lazy="selectin",
        primaryjoin="and_(Patient.id == CareTeamMember.patient_id, CareTeamMember.active)",
        viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"

    @property
    def self_pay(self) -> bool:
        """True when the patient has no insurance plan on file."""
        return self.plan_id is None

    @property
    def sex_at_birth_label(self) -> str | None:
        """Sex at birth in words (None when not recorded)."""
        return SEX_AT_BIRTH.get(self.sex_at_birth or "")

    @property
    def gender_identity_label(self) -> str | None:
        """Gender identity in words (None when not recorded)."""
        return GENDER_IDENTITIES.get(self.gender_identity or "")

    @property
    def stage_label(self) -> str:
        """The stage in words."""
        return STAGES.get(self.stage, self.stage)

    @property
    def urgency_label(self) -> str:
        """The urgency in words."""
        return URGENCIES.get(self.urgency, self.urgency)

    @property
    def care_modality_label(self) -> str:
        """The modality wanted, in words."""
        return CARE_MODALITIES.get(self.care_modality, self.care_modality)

    def members(self, role: str) -> list[User]:
        """Active care-team members of ``role``."""
        return [m.user for m in self.care_team if m.role == role]

    def __repr__(self) -> str:
        return f"<Patient {self.id}>"


@event.listens_for(Patient, "before_update")
def _keep_person_key(mapper, connection, patient: Patient) -> None:
    patient.person_key = person_key(patient.first_name, patient.last_name)


class CareTeamMember(db.Model):
    """A clinician's place on a patient's care team, as therapist or prescriber.

    Rows are never deleted: leaving the team ends the row (``active`` false, with the date,
    reason and what happened to the scheduled sessions), so the team's history is kept. A
    clinician may rejoin later as a new row; only one row per person and role is active.
    """

    __tablename__ = "care_team_members"
    __table_args__ = (
        Index("ix_care_team_user_active", "user_id", "active"),
        Index("uq_care_team_active_member", "patient_id", "user_id", "role", unique=True,
              sqlite_where=text("active = 1"), postgresql_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Why the clinician is here: how they joined and the eligibility found at the time.
    joined_via: Mapped[str] = mapped_column(String(20), default="assignment")
    basis: Mapped[str | None] = mapped_column(Text)  # reasons in words, one per line
    override_reason: Mapped[str | None] = mapped_column(String(500))  # an admin's override
    private_pay: Mapped[bool] = mapped_column(default=False)  # out of network, agreed
    # Leaving: when it took effect, who recorded it, why, and what became of the sessions.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_on: Mapped[date | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removal_reason: Mapped[str | None] = mapped_column(String(500))
    handover: Mapped[str | None] = mapped_column(String(300))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    patient: Mapped[Patient] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])
    successor: Mapped[User | None] = relationship(foreign_keys=[successor_id])

    @property
    def joined_via_label(self) -> str:
        """How the clinician joined, in words."""
        return JOINED_VIA.get(self.joined_via, self.joined_via)

    @property
    def basis_lines(self) -> list[str]:
        """The recorded reasons, one per line."""
        return [line for line in (self.basis or "").splitlines() if line]


REVIEW_STATUSES = ("pending", "added", "declined")


class RegistrationReview(db.Model):
    """A registration that matched a chart its author cannot see, waiting for an admin.

    The author is not told that a chart exists (that would reveal the person is a
    patient): an admin compares what they typed with the chart and adds them to its care
    team, or declines. The typed demographics are kept here for that comparison."""

    __tablename__ = "registration_reviews"
    __table_args__ = (
        Index("ux_registration_reviews_pending", "patient_id", "requested_by_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
        Index("ix_registration_reviews_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    date_of_birth: Mapped[date]
    details: Mapped[str] = mapped_column(Text)  # the rest of the form, "label: value" lines
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    patient: Mapped[Patient] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def full_name(self) -> str:
        """The name as the author typed it."""
        return f"{self.first_name} {self.last_name}"


# The patient search (kapms.patients.services.find_patients) matches the start of a name word,
# a member id or a date of birth: each has an index, so a search reads the few matching rows
# however many patients the network has. The name indexes are on the lower-cased name (the
# search is case-insensitive); PostgreSQL's text_pattern_ops lets LIKE 'mor%' use them
# whatever the database's collation.
FIRST_NAME_KEY = func.lower(Patient.first_name)
LAST_NAME_KEY = func.lower(Patient.last_name)
MEMBER_ID_KEY = func.upper(Patient.member_id)
Index("ix_patients_first_name_lower", FIRST_NAME_KEY.label("first_name_lower"),
      postgresql_ops={"first_name_lower": "text_pattern_ops"})
Index("ix_patients_last_name_lower", LAST_NAME_KEY.label("last_name_lower"),
      postgresql_ops={"last_name_lower": "text_pattern_ops"})
Index("ix_patients_member_id_upper", MEMBER_ID_KEY.label("member_id_upper"),
      postgresql_ops={"member_id_upper": "text_pattern_ops"})
Index("ix_patients_date_of_birth", Patient.date_of_birth)


class StartsWith(ColumnElement[bool]):
    """SQL condition: ``key`` (an indexed expression) starts with ``prefix`` (% and _ are
    plain characters), written the way each database uses the index for it.

    PostgreSQL: ``key LIKE 'mor%'`` (served by a text_pattern_ops index). SQLite: the range
    ``key >= 'mor' AND key < 'mos'``, because SQLite's LIKE optimisation never uses an index
    on an expression; with SQLite's binary comparison the range holds exactly the strings
    that start with the prefix.
    """

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition, not a boolean column: no "= 1" on SQLite
    _traverse_internals = [("like", InternalTraversal.dp_clauseelement),
                           ("range", InternalTraversal.dp_clauseelement)]

    def __init__(self, key, prefix: str):
        self.like = key.startswith(prefix, autoescape=True)
        after = _next_string(prefix)
        self.range = and_(key >= prefix, key < after) if after else self.like


def _next_string(prefix: str) -> str | None:
    """The first string after every string that starts with ``prefix`` (None if there is
    none: the prefix ends in the last code point)."""
    code = ord(prefix[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:  # surrogates are not characters: skip them
        code = 0xE000
    return prefix[:-1] + chr(code) if code <= 0x10FFFF else None


@compiles(StartsWith)
def _starts_with_like(element, compiler, **kw):
    return compiler.process(element.like, **kw)


@compiles(StartsWith, "sqlite")
def _starts_with_range(element, compiler, **kw):
    return f"({compiler.process(element.range, **kw)})"


def name_condition(words):
    """SQL condition: every one of ``words`` (lower case) starts the first or the last name
    (% and _ are plain characters), using the name indexes.

    Written as "the first word starts the first name and the others match, or it starts the
    last name and the others match", so that each alternative has an indexed range: SQLite
    reads an OR through indexes only then (the search ORs a name with a member id)."""
    first, *others = words
    rest = [or_(StartsWith(FIRST_NAME_KEY, w), StartsWith(LAST_NAME_KEY, w)) for w in others]
    return or_(and_(StartsWith(FIRST_NAME_KEY, first), *rest),
               and_(StartsWith(LAST_NAME_KEY, first), *rest))
