"""The therapist network: directory profiles of clinicians and referral offers.

A profile belongs to one user (therapist or prescriber). Licences, accepted plans and weekly
availability are child rows so the matcher can filter them with indexed SQL. Specialties and
languages are only used to rank the short list, so they are stored as short comma-separated
vocabularies on the profile. The count of active patients is never stored: it is derived
from active care-team rows, so it can never drift from the care teams themselves.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, and_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.auth.models import User
from kapms.config import Config
from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db
from kapms.insurance.models import InsurancePlan
from kapms.network.vocabulary import (  # noqa: F401  (re-exported for callers)
    LICENCE_TYPES,
    OFFER_KINDS,
    PROFILE_KINDS,
    REFERRAL_STATUSES,
    SPECIALTIES,
    WEEKDAYS,
)
from kapms.patients.models import Patient


class ClinicianProfile(db.Model):
    """A clinician's entry in the network directory."""

    # No index on the matching columns here: the plan starts from the licence index (the
    # most selective criterion) and reaches profiles by primary key (bench/NETWORK.md).
    __tablename__ = "clinician_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # therapist or prescriber
    # One NPI identifies one provider (45 CFR 162.410): never two profiles.
    npi: Mapped[str | None] = mapped_column(String(10), unique=True)
    kap_course: Mapped[str | None] = mapped_column(String(200))
    kap_trained_on: Mapped[date | None]  # empty: not KAP-trained
    accepts_private_pay: Mapped[bool] = mapped_column(default=False)
    private_pay_rate_cents: Mapped[int | None]
    in_office: Mapped[bool] = mapped_column(default=False)
    office_address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    telehealth: Mapped[bool] = mapped_column(default=False)
    specialties: Mapped[str] = mapped_column(String(300), default="")  # keys, comma-separated
    languages: Mapped[str] = mapped_column(String(200), default="English")  # comma-separated
    accepting_new: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int] = mapped_column(default=10)  # maximum active KAP patients
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # The clinician and an admin may edit the same profile: an old form must not win.
    version: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship(lazy="joined")
    licences: Mapped[list["ClinicianLicence"]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", lazy="selectin",
        order_by="ClinicianLicence.state")
    plan_rows: Mapped[list["ClinicianPlan"]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", lazy="selectin")
    availability: Mapped[list["AvailabilitySlot"]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", lazy="selectin",
        order_by="(AvailabilitySlot.weekday, AvailabilitySlot.starts_at)")

    __mapper_args__ = {"version_id_col": version}

    @property
    def specialty_list(self) -> list[str]:
        """Specialty keys in vocabulary order."""
        keys = set(filter(None, self.specialties.split(",")))
        return [k for k in SPECIALTIES if k in keys]

    @property
    def language_list(self) -> list[str]:
        """Languages spoken, as entered."""
        return [x for x in self.languages.split(",") if x]

    @property
    def plans(self) -> list[InsurancePlan]:
        """Plans accepted, by label."""
        return sorted((r.plan for r in self.plan_rows), key=lambda p: p.label)

    def __repr__(self) -> str:
        return f"<ClinicianProfile {self.id} user={self.user_id}>"


class ClinicianLicence(db.Model):
    """A professional licence in one state; it counts only until it expires."""

    __tablename__ = "clinician_licences"
    __table_args__ = (
        # Eligibility looks up "a licence in state S not expired on day D for profile P".
        Index("ix_clinician_licences_match", "state", "profile_id", "expires_on"),
        # The admin's licence warnings read the licences expiring (or expired) by a day.
        Index("ix_clinician_licences_expiry", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("clinician_profiles.id", ondelete="CASCADE"), index=True)
    licence_type: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(2))
    expires_on: Mapped[date]

    profile: Mapped[ClinicianProfile] = relationship(back_populates="licences")


class ClinicianPlan(db.Model):
    """An insurance plan the clinician is in network with."""

    __tablename__ = "clinician_plans"
    __table_args__ = (
        UniqueConstraint("profile_id", "plan_id"),
        Index("ix_clinician_plans_match", "plan_id", "profile_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("clinician_profiles.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("insurance_plans.id"))

    profile: Mapped[ClinicianProfile] = relationship(back_populates="plan_rows")
    plan: Mapped[InsurancePlan] = relationship(lazy="joined")


class AvailabilitySlot(db.Model):
    """A weekly open block, in the clinician's local time (e.g. Tue 09:00-12:00)."""

    __tablename__ = "clinician_availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("clinician_profiles.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 = Monday, as date.weekday()
    starts_at: Mapped[time]
    ends_at: Mapped[time]

    profile: Mapped[ClinicianProfile] = relationship(back_populates="availability")

    @property
    def label(self) -> str:
        """E.g. "Tue 09:00-12:00"."""
        return f"{WEEKDAYS[self.weekday]} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


def default_offer_expiry() -> datetime:
    """An offer made without an explicit expiry lapses after the default setting."""
    return utcnow() + timedelta(days=Config.OFFER_EXPIRY_DAYS)


class Referral(db.Model):
    """An offer of a place on a patient's care team, and the invited clinician's answer.

    A coordinator's referral (``kind`` "referral") or a care-team colleague's invitation
    ("invitation"); either way the clinician accepts or declines it, and it counts against
    their capacity until answered.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_clinician_status", "clinician_id", "status"),
        Index("ix_referrals_patient_status", "patient_id", "status"),
        # One open offer per patient and role, even when two coordinators click at once.
        Index("uq_referrals_one_open_offer", "patient_id", "role", unique=True,
              sqlite_where=text("status = 'offered'"),
              postgresql_where=text("status = 'offered'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))  # therapist or prescriber
    kind: Mapped[str] = mapped_column(String(20), default="referral")  # OFFER_KINDS
    status: Mapped[str] = mapped_column(String(20), default="offered")
    note: Mapped[str | None] = mapped_column(String(500))
    # Why this clinician: the match and eligibility reasons when the offer was made.
    reasons: Mapped[str | None] = mapped_column(Text)
    private_pay: Mapped[bool] = mapped_column(default=False)  # the patient pays out of network
    override_reason: Mapped[str | None] = mapped_column(String(500))  # an admin's override
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Unanswered by then, the offer lapses (services set it from OFFER_EXPIRY_DAYS).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=default_offer_expiry)
    # Two tabs accepting the same offer: the second save fails instead of doubling.
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship(lazy="joined")
    clinician: Mapped[User] = relationship(foreign_keys=[clinician_id], lazy="joined")
    offered_by: Mapped[User | None] = relationship(foreign_keys=[offered_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def state(self) -> str:
        """The status as of now: an offer unanswered past its expiry is "expired" even
        before the daily command records it."""
        if self.status == "offered" and self.expires_at <= utcnow():
            return "expired"
        return self.status

    @property
    def is_open(self) -> bool:
        """Offered, and not expired: it may be answered and holds a place."""
        return self.state == "offered"

    @classmethod
    def open_at(cls, now: datetime):
        """SQL: the offer is open at ``now`` (offered and not yet expired)."""
        return and_(cls.status == "offered", cls.expires_at > now)

    @property
    def status_label(self) -> str:
        """The status in words (as of now)."""
        return REFERRAL_STATUSES.get(self.state, self.state)

    @property
    def kind_label(self) -> str:
        """Referral or invitation."""
        return OFFER_KINDS.get(self.kind, self.kind)

    @property
    def reason_lines(self) -> list[str]:
        """The recorded match and eligibility reasons, one per line."""
        return [line for line in (self.reasons or "").splitlines() if line]
