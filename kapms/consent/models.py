"""Consent documents, their versions and the signatures.

A version is never changed once published (its text and the SHA-256 of that text are what
a patient signs); a new wording is a new version. A signature is never changed or deleted:
both are refused by the ORM here, and the services have no verb that would.
"""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.auth.models import User
from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db

# When a document must be signed by: before the prescriber's clearance, before the first
# dosing, or not required (offered, e.g. a release of information).
REQUIRED_BEFORE = {"clearance": "Before clearance", "first_dosing": "Before the first dosing",
                   "": "Not required"}
# Whom it concerns: every patient, or only dosings by telehealth or at home (the
# chaperone agreement).
APPLIES_TO = {"all": "Every patient", "remote_dosing": "Telehealth or at-home dosings"}
METHODS = {"portal": "Signed in the portal", "paper": "Signed on paper"}


class ConsentDocument(db.Model):
    """A document patients sign (KAP informed consent, financial responsibility, ...)."""

    __tablename__ = "consent_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160), unique=True)
    required_before: Mapped[str] = mapped_column(String(20), default="first_dosing")
    applies_to: Mapped[str] = mapped_column(String(20), default="all")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list["ConsentVersion"]] = relationship(
        back_populates="document", order_by="ConsentVersion.number", lazy="selectin")

    @property
    def current(self) -> "ConsentVersion | None":
        """The latest published version (the one shown for signing)."""
        return self.versions[-1] if self.versions else None

    @property
    def required_label(self) -> str:
        """When it must be signed by, in words."""
        return REQUIRED_BEFORE.get(self.required_before, self.required_before)

    @property
    def applies_label(self) -> str:
        """Whom it concerns, in words."""
        return APPLIES_TO.get(self.applies_to, self.applies_to)


class ConsentVersion(db.Model):
    """One published wording of a document, in Markdown. ``material``: the change asks
    every patient who signed an earlier version to sign again (the first version always
    does); a non-material change (a typo, an address) does not."""

    __tablename__ = "consent_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("consent_documents.id"), index=True)
    number: Mapped[int]
    body: Mapped[str] = mapped_column(Text)  # Markdown, as written and as signed
    sha256: Mapped[str] = mapped_column(String(64))  # of ``body`` as UTF-8
    material: Mapped[bool] = mapped_column(default=True)
    change_note: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[ConsentDocument] = relationship(back_populates="versions")


class ConsentSignature(db.Model):
    """A patient's signature of one version: typed name, "I agree", when, from where and
    the SHA-256 of the text signed; or a paper signature recorded by a clinician with the
    date on the paper and who witnessed it."""

    __tablename__ = "consent_signatures"
    __table_args__ = (UniqueConstraint("patient_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("consent_versions.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    typed_name: Mapped[str] = mapped_column(String(200))
    agreed: Mapped[bool] = mapped_column(default=True)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    text_sha256: Mapped[str] = mapped_column(String(64))
    # The account that signed (the patient's) or recorded the paper (a clinician's).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paper_signed_on: Mapped[date | None]
    witness: Mapped[str | None] = mapped_column(String(200))

    version: Mapped[ConsentVersion] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship()

    @property
    def method_label(self) -> str:
        """How it was signed, in words."""
        return METHODS.get(self.method, self.method)


@event.listens_for(ConsentVersion, "before_update")
@event.listens_for(ConsentSignature, "before_update")
def _refuse_update(mapper, connection, target):
    raise ValueError(f"a published {type(target).__name__} never changes")


@event.listens_for(ConsentVersion, "before_delete")
@event.listens_for(ConsentSignature, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise ValueError(f"a published {type(target).__name__} is never deleted")
