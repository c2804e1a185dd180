"""User accounts and their roles."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    ForeignKey,
    String,
    UniqueConstraint,
    exists,
    false,
    func,
    or_,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db

THERAPIST = "therapist"
PRESCRIBER = "prescriber"
BILLING = "billing"
ADMIN = "admin"
# A patient signs in to the portal and sees their own record only. The role comes with an
# account made by invitation (users.patient_id) and is never combined with a staff role.
PATIENT = "patient"
STAFF_ROLES = (THERAPIST, PRESCRIBER, BILLING, ADMIN)
ROLES = (*STAFF_ROLES, PATIENT)
CLINICIAN_ROLES = (THERAPIST, PRESCRIBER)
ROLE_LABELS = {
    THERAPIST: "Therapist",
    PRESCRIBER: "Prescriber",
    BILLING: "Billing staff",
    ADMIN: "Network admin",
    PATIENT: "Patient",
}


class User(UserMixin, db.Model):
    """A person who signs in: clinician, billing staff, network admin, or a patient to the
    portal (``patient_id``: whose record it is)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str | None] = mapped_column(String(60))  # e.g. "LCSW", "PMHNP-BC"
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on logout and password change: every older session stops being valid.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # After an admin reset the password is a one-time code: it works until it expires, and
    # then only to choose a new password.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Second factor (RFC 6238 TOTP). The last accepted time step refuses a replayed code.
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # encrypted: secret_box
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # A patient's portal account: the one record it may see (one account per patient).
    # use_alter: patients refer to users too (created_by_id); this breaks the cycle for
    # table ordering (create, drop). SET NULL: records are never deleted by the app, but a
    # wipe or restore that removes a patient first leaves an account that sees nothing.
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", use_alter=True, ondelete="SET NULL"), unique=True)

    role_rows: Mapped[list["UserRole"]] = relationship(
        # Loaded when first read (the signed-in user's, once per request): most users a
        # page loads (a session's clinician, a note's author) are shown by name only, and
        # loading every one's roles cost a statement each. Lists that show roles load them
        # with the list (selectinload).
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> frozenset[str]:
        """The roles this person holds."""
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of ``roles``."""
        return bool(self.roles.intersection(roles))

    @property
    def has_second_factor(self) -> bool:
        """True once the person has enrolled an authenticator app."""
        return self.totp_enrolled_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        # The session version is part of the id, so bumping it ends every session.
        return f"{self.id}:{self.session_version}"

    @property
    def display_name(self) -> str:
        """Name with credentials, as printed on notes and prescriptions."""
        return f"{self.full_name}, {self.credentials}" if self.credentials else self.full_name

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    """One role held by one user (a person may hold several)."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="role_rows")


TOKEN_PURPOSES = {"invitation": "Invitation", "reset": "Password reset"}


class PasswordToken(db.Model):
    """A single-use, expiring link to set a password: an invitation to the patient portal
    or a password reset. Only the token's SHA-256 is stored, so a copy of the database
    holds no usable link; a newer token of the same purpose replaces the older ones."""

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Replaced by a newer link, or the account changed its password meanwhile.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def usable(self, now: datetime) -> bool:
        """Not used, not replaced, not expired."""
        return self.used_at is None and self.revoked_at is None and self.expires_at > now


# Whether a portal account's invitation link was used (it is in use from then on: the
# portal's account status). Read when first asked for, or with the account (``undefer``:
# the patient page loads it with the patient).
User.invitation_accepted = column_property(
    exists().where(PasswordToken.user_id == User.id, PasswordToken.purpose == "invitation",
                   PasswordToken.used_at.is_not(None)), deferred=True)


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app (stored as a hash)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RememberedDevice(db.Model):
    """A browser the person chose to trust for a while: its signed cookie stands in for the
    second factor until it expires or is revoked (the token itself is stored as a hash)."""

    __tablename__ = "remembered_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(120))  # the browser, to recognise it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def matching_users(text: str):
    """SQL condition: the user's name or email contains ``text`` (any case; % and _ are
    plain characters)."""
    term = text.strip().lower()
    return or_(func.lower(User.full_name).contains(term, autoescape=True),
               func.lower(User.email).contains(term, autoescape=True))
