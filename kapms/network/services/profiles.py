"""Directory profiles: reading, validating and saving a clinician's entry.

A clinician edits their own profile; an admin edits anyone's. Licences, plans and weekly
availability are replaced as a whole from the submitted lists, which keeps the form and
the CSV import to a single save path.
"""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from kapms import clinic_time
from kapms.audit.services import record
from kapms.auth.models import User, UserRole
from kapms.errors import ConflictError, NotFound, PermissionDenied, RuleViolation
from kapms.insurance.models import InsurancePlan
from kapms.network.models import (
    PROFILE_KINDS,
    SPECIALTIES,
    AvailabilitySlot,
    ClinicianLicence,
    ClinicianPlan,
    ClinicianProfile,
)
from kapms.network.npi import valid_npi
from kapms.network.services.search import PROFILE_ONLY, places_taken_expr
from kapms.patients.models import CareTeamMember, Patient

MAX_CAPACITY = 500


@dataclass
class ProfileData:
    """A profile as plain values, from the form or a CSV row."""

    kind: str = "therapist"
    npi: str | None = None
    kap_course: str | None = None
    kap_trained_on: date | None = None
    accepts_private_pay: bool = False
    private_pay_rate_cents: int | None = None
    in_office: bool = False
    office_address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    telehealth: bool = False
    specialties: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["English"])
    accepting_new: bool = True
    capacity: int = 10
    licences: list[tuple[str, str, str, date]] = field(default_factory=list)
    plan_ids: list[int] = field(default_factory=list)
    availability: list[tuple[int, time, time]] = field(default_factory=list)


def profile_for(session, user_id: int) -> ClinicianProfile | None:
    """The directory profile of a user, if any."""
    return session.scalar(select(ClinicianProfile).where(ClinicianProfile.user_id == user_id))


def has_profile(session, user_id: int) -> bool:
    """Whether the user has a directory profile (one statement, nothing loaded)."""
    return bool(session.scalar(select(exists().where(ClinicianProfile.user_id == user_id))))


def weekly_availability(session, user_id: int) -> list[AvailabilitySlot]:
    """The user's weekly open blocks from their directory profile (none without one), by
    weekday and time: one statement, without the rest of the profile."""
    return weekly_availabilities(session, [user_id]).get(user_id, [])


def weekly_availabilities(session, user_ids) -> dict[int, list[AvailabilitySlot]]:
    """``weekly_availability`` of several users, by user id, from one statement (a user
    without a profile or open blocks is absent)."""
    if not user_ids:
        return {}
    found: dict[int, list[AvailabilitySlot]] = {}
    for user_id, slot in session.execute(
            select(ClinicianProfile.user_id, AvailabilitySlot).join(ClinicianProfile)
            .where(ClinicianProfile.user_id.in_(list(user_ids)))
            .order_by(AvailabilitySlot.weekday, AvailabilitySlot.starts_at)):
        found.setdefault(user_id, []).append(slot)
    return found


def get_clinician(session, user_id: int) -> User:
    """A user who holds a clinician role, or NotFound."""
    user = session.get(User, user_id)
    if user is None or not user.has_role(*PROFILE_KINDS):
        raise NotFound("No such clinician.")
    return user


def profile_data(profile: ClinicianProfile) -> ProfileData:
    """The plain values of a saved profile (to prefill forms and export)."""
    return ProfileData(
        kind=profile.kind, npi=profile.npi, kap_course=profile.kap_course,
        kap_trained_on=profile.kap_trained_on, accepts_private_pay=profile.accepts_private_pay,
        private_pay_rate_cents=profile.private_pay_rate_cents, in_office=profile.in_office,
        office_address=profile.office_address, latitude=profile.latitude,
        longitude=profile.longitude, telehealth=profile.telehealth,
        specialties=profile.specialty_list, languages=profile.language_list,
        accepting_new=profile.accepting_new, capacity=profile.capacity,
        licences=[(x.licence_type, x.number, x.state, x.expires_on) for x in profile.licences],
        plan_ids=[p.id for p in profile.plans],
        availability=[(s.weekday, s.starts_at, s.ends_at) for s in profile.availability])


class ProfileRefused(RuleViolation):
    """A profile with problems: every one of them, each naming its field."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(" ".join(message for _, message in problems), problems[0][0])
        self.problems = problems


def profile_problems(session, user: User | None, data: ProfileData) -> list[tuple[str, str]]:
    """Every way the profile contradicts itself or the directory, as (field, message).

    ``user`` None: a new account that will be given the profile's role (CSV import).
    """
    problems = []

    def refuse(field: str, message: str) -> None:
        problems.append((field, message))

    if data.kind not in PROFILE_KINDS or (user is not None and not user.has_role(data.kind)):
        refuse("kind", f"{user.full_name if user else 'The clinician'} does not hold the "
                       f"{data.kind} role.")
    if data.npi and not valid_npi(data.npi):
        refuse("npi", "An NPI is 10 digits with a valid check digit.")
    elif data.npi:
        holder = session.scalar(select(User.full_name).join(
            ClinicianProfile, ClinicianProfile.user_id == User.id).where(
            ClinicianProfile.npi == data.npi,
            ClinicianProfile.user_id != (user.id if user else None)))
        if holder is not None:
            refuse("npi", f"NPI {data.npi} is already listed for {holder}; an NPI belongs "
                          "to one clinician.")
    if data.kap_trained_on and not data.kap_course:
        refuse("kap_course", "Name the KAP training course.")
    if data.kap_trained_on and data.kap_trained_on > clinic_time.today():
        refuse("kap_trained_on", "The KAP training date is in the future.")
    if data.in_office and not (data.office_address and data.latitude is not None
                               and data.longitude is not None):
        refuse("office_address", "In-office care needs the office address and coordinates.")
    if data.accepts_private_pay and not data.private_pay_rate_cents:
        refuse("private_pay_rate", "Give the private pay rate.")
    if not 0 <= data.capacity <= MAX_CAPACITY:
        refuse("capacity", f"Capacity must be between 0 and {MAX_CAPACITY}.")
    unknown = [s for s in data.specialties if s not in SPECIALTIES]
    if unknown:
        refuse("specialties", f"Unknown specialty {unknown[0]}.")
    if data.plan_ids:
        found = session.scalar(select(func.count()).select_from(InsurancePlan)
                               .where(InsurancePlan.id.in_(set(data.plan_ids))))
        if found != len(set(data.plan_ids)):
            refuse("plan_ids", "An accepted plan is not in the plan list.")
    if any(end <= start for _, start, end in data.availability):
        refuse("availability", "An availability block ends before it starts.")
    return problems


def save_profile(session, actor, user: User, data: ProfileData, *,
                 version: int | None = None) -> ClinicianProfile:
    """Create or replace ``user``'s directory profile.

    ``version`` is the profile version the form was based on; a newer saved version
    means someone else changed it meanwhile (ConflictError).
    """
    if actor.id != user.id and not actor.has_role("admin"):
        raise PermissionDenied("Only the clinician or an admin can edit this profile.")
    problems = profile_problems(session, user, data)
    if problems:
        raise ProfileRefused(problems)
    profile = profile_for(session, user.id)
    created = profile is None
    if created:
        profile = ClinicianProfile(user_id=user.id)
        session.add(profile)
    elif version is not None and version != profile.version:
        raise ConflictError("Someone else saved this profile meanwhile; reload and try again.")
    for name in ("kind", "npi", "kap_course", "kap_trained_on", "accepts_private_pay",
                 "private_pay_rate_cents", "in_office", "office_address", "latitude",
                 "longitude", "telehealth", "accepting_new", "capacity"):
        setattr(profile, name, getattr(data, name))
    profile.specialties = ",".join(data.specialties)
    profile.languages = ",".join(data.languages) or "English"
    profile.licences = [ClinicianLicence(licence_type=t, number=n, state=s, expires_on=e)
                        for t, n, s, e in data.licences]
    # Keep rows of plans still accepted: the unit of work inserts before it deletes, so
    # re-adding the same plan as a new row would trip the (profile, plan) unique constraint.
    kept = {row.plan_id: row for row in profile.plan_rows}
    profile.plan_rows = [kept.get(pid) or ClinicianPlan(plan_id=pid)
                         for pid in dict.fromkeys(data.plan_ids)]
    profile.availability = [AvailabilitySlot(weekday=d, starts_at=a, ends_at=b)
                            for d, a, b in data.availability]
    try:  # the unique NPI catches two saves racing; the caller rolls back
        session.flush()
    except StaleDataError:
        raise ConflictError("Someone else saved this profile meanwhile; reload and try "
                            "again.") from None
    except IntegrityError:
        raise ProfileRefused([("npi", f"NPI {data.npi} was just listed for another "
                                      "clinician; an NPI belongs to one clinician.")]) from None
    record(session, actor, "create" if created else "update", "clinician_profile", profile.id,
           detail=f"user {user.id}")
    return profile


def list_profiles(session, *, kind: str | None = None, state: str | None = None,
                  name: str | None = None, page: int = 1, per_page: int = 50):
    """One page of directory rows (profile, places taken: patients plus open offers), by
    name, and the number of profiles matching."""
    query = (select(ClinicianProfile, places_taken_expr().label("places_taken"))
             .join(User, User.id == ClinicianProfile.user_id))
    if kind:
        query = query.where(ClinicianProfile.kind == kind)
    if state:
        query = query.where(ClinicianProfile.id.in_(
            select(ClinicianLicence.profile_id).where(ClinicianLicence.state == state)))
    if name:
        query = query.where(func.lower(User.full_name).like(f"%{name.strip().lower()}%"))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(User.full_name, ClinicianProfile.id).limit(per_page)
                           .offset((max(page, 1) - 1) * per_page)).all()
    return rows, total


def clinicians_without_profile(session, *, limit: int = 50) -> list[User]:
    """Active therapists and prescribers not yet in the directory, by name (the first
    ``limit``)."""
    has_profile = select(ClinicianProfile.user_id)
    return session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_(PROFILE_KINDS),
                                          User.active.is_(True), User.id.not_in(has_profile))
        .distinct().order_by(User.full_name).limit(limit)).all()


@dataclass(frozen=True)
class LicenceWarning:
    """A licence that expires soon (or has expired while its holder still has patients in
    that state), with no later licence in the state on file."""

    profile: ClinicianProfile
    licence: ClinicianLicence
    days_left: int  # negative once expired
    patients_in_state: int  # the holder's active care-team places with patients there


def licence_warnings(session, today: date, within_days: int, *, limit: int = 50
                     ) -> list[LicenceWarning]:
    """Licences expiring within ``within_days`` of ``today`` (or already expired while the
    holder is on care teams in that state), soonest first; a renewal already entered (a
    later licence in the same state) silences the warning."""
    horizon = today + timedelta(days=within_days)
    renewed = aliased(ClinicianLicence)
    patients_there = (select(func.count(CareTeamMember.id))
                      .join(Patient, Patient.id == CareTeamMember.patient_id)
                      .where(CareTeamMember.user_id == ClinicianProfile.user_id,
                             CareTeamMember.active.is_(True),
                             Patient.state == ClinicianLicence.state)
                      .correlate(ClinicianProfile, ClinicianLicence).scalar_subquery())
    rows = session.execute(
        select(ClinicianProfile, ClinicianLicence, patients_there)
        .join(ClinicianLicence, ClinicianLicence.profile_id == ClinicianProfile.id)
        .where(ClinicianLicence.expires_on <= horizon,
               or_(ClinicianLicence.expires_on >= today, patients_there > 0),
               ~exists().where(renewed.profile_id == ClinicianLicence.profile_id,
                               renewed.state == ClinicianLicence.state,
                               renewed.expires_on > horizon))
        .order_by(ClinicianLicence.expires_on, ClinicianProfile.id).limit(limit)
        .options(*PROFILE_ONLY)).all()  # the warned licence is in the row
    return [LicenceWarning(profile, licence, (licence.expires_on - today).days, count)
            for profile, licence, count in rows]
