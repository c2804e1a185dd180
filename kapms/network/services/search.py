"""Matching against the directory: eligibility in indexed SQL, ranking in Python.

SQL keeps only therapists who pass every eligibility rule (an office inside a bounding
box stands in for the distance); Python then checks the exact distance, looks up the
weekly availability of the short list and ranks it with ``matching.rank``. When nobody
is eligible, the criteria are applied one by one to name the one that emptied the list,
and relaxed requests show the nearest alternatives.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import lazyload

from kapms.auth.models import User
from kapms.database import utcnow
from kapms.network import matching
from kapms.network.cities import needs_for_diagnosis
from kapms.network.matching import CRITERIA, Candidate, MatchRequest, MatchResult
from kapms.network.models import (
    AvailabilitySlot,
    ClinicianLicence,
    ClinicianPlan,
    ClinicianProfile,
    Referral,
)
from kapms.patients.models import CareTeamMember

DEFAULT_LIMIT = 20
ALTERNATIVES_LIMIT = 3


@dataclass
class Alternative:
    """A relaxed request that finds someone, e.g. out of network or telehealth."""

    key: str
    title: str
    results: list[MatchResult]


@dataclass
class MatchOutcome:
    """Ranked matches, how many were eligible, and the explanation when none were."""

    request: MatchRequest
    results: list[MatchResult]
    eligible_count: int
    emptied_by: str | None = None
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def emptied_by_label(self) -> str | None:
        """The criterion that emptied the list, in words."""
        return self.emptied_by and matching.CRITERION_LABELS[self.emptied_by]


def places_taken_expr(user_id=ClinicianProfile.user_id, role=ClinicianProfile.kind):
    """The places a clinician has taken in ``role``: active care-team rows plus offers not
    yet answered (an open offer holds its place, so five offers cannot fill one place).

    Correlated to ClinicianProfile by default; pass plain values for one clinician.
    """
    members = (select(func.count(CareTeamMember.id))
               .where(CareTeamMember.user_id == user_id, CareTeamMember.role == role,
                      CareTeamMember.active.is_(True)))
    offers = (select(func.count(Referral.id))
              .where(Referral.clinician_id == user_id, Referral.role == role,
                     Referral.open_at(utcnow())))  # a lapsed offer holds no place
    if user_id is ClinicianProfile.user_id:
        members, offers = members.correlate(ClinicianProfile), offers.correlate(ClinicianProfile)
    return members.scalar_subquery() + offers.scalar_subquery()


def days_to_opening_expr(today):
    """Correlated: days from ``today`` to the profile's next weekly slot (1-7), or NULL.

    Computed in SQL so ranking a long list needs no second query; the modulo keeps it
    portable between SQLite and PostgreSQL.
    """
    return (select(func.min((AvailabilitySlot.weekday - today.weekday() + 6) % 7 + 1))
            .where(AvailabilitySlot.profile_id == ClinicianProfile.id)
            .correlate(ClinicianProfile).scalar_subquery())


def criterion_conditions(req: MatchRequest) -> dict[str, object]:
    """One SQL condition per eligibility criterion (mirrors matching.failed_criteria)."""
    licensed = select(ClinicianLicence.profile_id).where(
        ClinicianLicence.state == req.state, ClinicianLicence.expires_on >= req.today)
    if req.plan_id is not None:
        insurance = ClinicianProfile.id.in_(
            select(ClinicianPlan.profile_id).where(ClinicianPlan.plan_id == req.plan_id))
    else:
        insurance = ClinicianProfile.accepts_private_pay.is_(True)
    office = false()
    if req.latitude is not None and req.longitude is not None:
        lat0, lat1, lon0, lon1 = matching.bounding_box(
            req.latitude, req.longitude, req.max_distance_miles)
        office = and_(ClinicianProfile.in_office.is_(True),
                      ClinicianProfile.latitude.between(lat0, lat1),
                      ClinicianProfile.longitude.between(lon0, lon1))
    tele = ClinicianProfile.telehealth.is_(True)
    modality = {"in_office": office, "telehealth": tele}.get(req.modality, or_(tele, office))
    return {
        "licence": ClinicianProfile.id.in_(licensed),
        "kap": ClinicianProfile.kap_trained_on.is_not(None),
        "accepting": ClinicianProfile.accepting_new.is_(True),
        "capacity": places_taken_expr() < ClinicianProfile.capacity,
        "insurance": insurance,
        "modality": modality,
    }


def _base(kind: str):
    return [ClinicianProfile.kind == kind, User.active.is_(True)]


def _rows(session, req: MatchRequest, criteria, kind: str = "therapist", *,
          user_id: int | None = None):
    """Profiles passing ``criteria`` in SQL, then the exact distance in Python (only
    ``user_id``'s profile when given)."""
    conds = criterion_conditions(req)
    plan_hit = (ClinicianProfile.id.in_(select(ClinicianPlan.profile_id)
                                        .where(ClinicianPlan.plan_id == req.plan_id))
                if req.plan_id is not None else false())
    query = (select(ClinicianProfile.id, ClinicianProfile.user_id, User.full_name,
                    User.credentials, ClinicianProfile.specialties, ClinicianProfile.languages,
                    ClinicianProfile.in_office, ClinicianProfile.latitude,
                    ClinicianProfile.longitude, ClinicianProfile.telehealth,
                    ClinicianProfile.private_pay_rate_cents, ClinicianProfile.capacity,
                    places_taken_expr().label("places_taken"), plan_hit.label("in_network"),
                    days_to_opening_expr(req.today).label("days_to_opening"))
             .join(User, User.id == ClinicianProfile.user_id)
             .where(*_base(kind), *(conds[c] for c in criteria)))
    if user_id is not None:
        query = query.where(ClinicianProfile.user_id == user_id)
    rows = []
    for row in session.execute(query):
        distance = matching.office_distance(req, row) if req.modality != "telehealth" else None
        if "modality" in criteria and not matching.modality_ok(req, row, distance):
            continue  # the box was only a prefilter; this office is out of reach
        rows.append((row, distance))
    return rows


@lru_cache(maxsize=4096)
def _vocabulary(text: str, lower: bool) -> frozenset[str]:
    """A comma-separated column as a set; cached, as the same lists recur across rows."""
    return frozenset((x.strip().lower() if lower else x) for x in text.split(",") if x)


def _candidates(req: MatchRequest, rows) -> list[Candidate]:
    """Turn SQL rows into ranking candidates."""
    candidates = []
    today, reach = req.today, req.max_distance_miles
    for row, distance in rows:
        # Unpacked once: attribute access on a Row costs more than the rest of the loop.
        (_, user_id, full_name, credentials, specialties, languages, _, _, _, telehealth,
         rate, capacity, places_taken, in_network, days) = row
        candidates.append(Candidate(
            clinician_id=user_id,
            name=f"{full_name}, {credentials}" if credentials else full_name,
            specialties=_vocabulary(specialties, False), languages=_vocabulary(languages, True),
            distance_miles=distance if distance is not None and distance <= reach else None,
            telehealth=telehealth,
            next_available=None if days is None else today + timedelta(days=days),
            in_network=bool(in_network), private_pay_rate_cents=rate,
            open_places=max(0, capacity - places_taken)))
    return candidates


def patient_request(patient, today, *, private_pay: bool = False,
                    max_distance_miles: float = matching.RADIUS_MILES) -> MatchRequest:
    """The match request a patient's record makes: state, plan (none when they pay
    privately), the modality wanted, location, needs from the diagnosis, language."""
    return MatchRequest(
        state=patient.state, plan_id=None if private_pay else patient.plan_id, today=today,
        modality=patient.care_modality, latitude=patient.latitude,
        longitude=patient.longitude, max_distance_miles=max_distance_miles,
        needs=frozenset(needs_for_diagnosis(patient.diagnosis_code)),
        language=patient.preferred_language)


def match_reasons(session, req: MatchRequest, clinician_id: int) -> tuple[str, ...]:
    """Why one therapist fits ``req``, in words (as the match list says it); empty when
    they have no therapist profile."""
    rows = _rows(session, req, (), user_id=clinician_id)
    candidates = _candidates(req, rows)
    return matching.score_candidate(req, candidates[0]).reasons if candidates else ()


def eligible_clinician_ids(session, req: MatchRequest) -> set[int]:
    """User ids of every eligible therapist, unranked and unlimited."""
    return {row.user_id for row, _ in _rows(session, req, CRITERIA)}


def match_request(session, req: MatchRequest, *, limit: int | None = DEFAULT_LIMIT,
                  explain: bool = True) -> MatchOutcome:
    """Eligible therapists ranked by fit; an explanation and alternatives when none."""
    rows = _rows(session, req, CRITERIA)
    results = matching.rank(req, _candidates(req, rows), limit)
    outcome = MatchOutcome(req, results, len(rows))
    if not rows and explain:
        outcome.emptied_by = explain_empty(session, req)
        outcome.alternatives = alternatives(session, req)
    return outcome


def explain_empty(session, req: MatchRequest) -> str | None:
    """Apply the criteria one at a time; the first after which nobody is left."""
    for i, criterion in enumerate(CRITERIA):
        if not _rows(session, req, CRITERIA[:i + 1]):
            return criterion
    return None


def alternatives(session, req: MatchRequest) -> list[Alternative]:
    """Nearest options when nobody is eligible: each relaxes one thing."""
    options = []
    if req.plan_id is not None:
        options.append(("out_of_network", "Out of network (the patient pays privately)",
                        replace(req, plan_id=None)))
    if req.modality == "in_office":
        options.append(("telehealth", "Telehealth instead of in person",
                        replace(req, modality="telehealth")))
    if req.modality != "telehealth" and req.latitude is not None:
        farther = min(req.max_distance_miles * 3, matching.MAX_RADIUS_MILES)
        options.append(("farther", f"In person up to {farther:.0f} miles away",
                        replace(req, max_distance_miles=farther)))
    found = []
    for key, title, relaxed in options:
        outcome = match_request(session, relaxed, limit=ALTERNATIVES_LIMIT, explain=False)
        if outcome.results:
            found.append(Alternative(key, title, outcome.results))
    waitlist = [c for c in CRITERIA if c not in ("accepting", "capacity")]
    rows = _rows(session, req, waitlist)
    if rows:
        results = matching.rank(req, _candidates(req, rows), ALTERNATIVES_LIMIT)
        found.append(Alternative("waitlist", "Full or not taking new patients now (waitlist)",
                                 results))
    return found


# What the care-team doors require, as matching criteria (kapms.network.eligibility says it
# in full; the account is the base condition of every query).
TEAM_CRITERIA = {"therapist": ("licence", "kap", "accepting", "capacity", "insurance"),
                 "prescriber": ("licence", "accepting", "capacity", "insurance")}


# The lists of eligible clinicians show a name and places taken: the profile's licences,
# plans and weekly slots (loaded with every profile by default) stay unloaded.
PROFILE_ONLY = (lazyload(ClinicianProfile.licences), lazyload(ClinicianProfile.plan_rows),
                lazyload(ClinicianProfile.availability))


def _passing(req: MatchRequest, role: str, wanted, name: str | None) -> list:
    """SQL conditions: a profile of ``role`` passing the ``wanted`` criteria (and whose
    name contains ``name``); the query joins User."""
    conds = criterion_conditions(req)
    where = [*_base(role), *(conds[c] for c in wanted)]
    if name:
        where.append(func.lower(User.full_name).contains(name.strip().lower(),
                                                         autoescape=True))
    return where


def _profiles():
    return select(ClinicianProfile.id).join(User, User.id == ClinicianProfile.user_id)


def count_eligible(session, req: MatchRequest, role: str, *, name: str | None = None) -> int:
    """How many clinicians may join a care team in ``role`` for ``req`` (for paging)."""
    return session.scalar(_profiles().with_only_columns(func.count())
                          .where(*_passing(req, role, TEAM_CRITERIA[role], name)))


def eligible_clinicians(session, req: MatchRequest, role: str, *, limit: int = 50,
                        explain: bool = True, offset: int = 0, name: str | None = None,
                        excluding=()) -> tuple[list[tuple[ClinicianProfile, int]], str | None]:
    """Clinicians who may join a care team in ``role`` for ``req`` (licence, training for
    therapists, plan or private pay, accepting, room): (profile, places taken), fewest
    taken first, a page of ``limit`` from ``offset`` (``name``: part of the name;
    ``excluding``: user ids left out, e.g. the team's members). When nobody may (and
    ``explain``), also the criterion that emptied it."""
    criteria = TEAM_CRITERIA[role]
    taken = places_taken_expr().label("places_taken")
    rows = [(profile, n) for profile, n in session.execute(
        select(ClinicianProfile, taken).join(User, User.id == ClinicianProfile.user_id)
        .where(*_passing(req, role, criteria, name),
               ClinicianProfile.user_id.not_in(list(excluding))).options(*PROFILE_ONLY)
        .order_by(taken, User.full_name, ClinicianProfile.id).limit(limit).offset(offset))]
    emptied_by = None
    if not rows and explain:  # the first criterion after which nobody is left, at once
        left = session.execute(select(*(
            _profiles().where(*_passing(req, role, criteria[:i + 1], name)).exists()
            for i in range(len(criteria))))).one()
        emptied_by = next((c for c, anyone in zip(criteria, left, strict=True)
                           if not anyone), None)
    return rows, emptied_by


def team_choices(session, req: MatchRequest, *, limit: int = 50) -> list[tuple[str, User]]:
    """The clinicians who may join a care team for ``req``: (role, user), prescribers
    first, then therapists, each role fewest places taken first and at most ``limit`` of
    it (as ``eligible_clinicians`` ranks them), in one statement that loads no profile."""
    conds = criterion_conditions(req)
    eligible = or_(*(and_(*_base(role), *(conds[c] for c in criteria))
                     for role, criteria in TEAM_CRITERIA.items()))
    ranked = (select(ClinicianProfile.user_id, ClinicianProfile.kind,
                     func.row_number().over(
                         partition_by=ClinicianProfile.kind,
                         order_by=(places_taken_expr(), User.full_name, ClinicianProfile.id)
                     ).label("rank"))
              .join(User, User.id == ClinicianProfile.user_id).where(eligible).subquery())
    query = (select(ranked.c.kind, User).join(User, User.id == ranked.c.user_id)
             .where(ranked.c.rank <= limit).order_by(ranked.c.kind, ranked.c.rank))
    return [(kind, user) for kind, user in session.execute(query)]
@dataclass(frozen=True)
class EligiblePage:
    """One page of the clinicians who may join a patient's team in ``role`` (fewest places
    taken first; ``name``: part of the name searched for)."""

    role: str
    rows: list  # (ClinicianProfile, places taken)
    page: int
    has_next: bool
    name: str | None = None


def eligible_page(session, req: MatchRequest, role: str, *, page: int = 1, per_page: int = 10,
                  name: str | None = None, excluding=()) -> EligiblePage:
    """Page ``page`` of ``eligible_clinicians`` in one statement (one row past the page
    says whether another follows; no count of the whole list)."""
    rows, _ = eligible_clinicians(session, req, role, limit=per_page + 1,
                                  offset=(page - 1) * per_page, explain=False, name=name,
                                  excluding=excluding)
    return EligiblePage(role, rows[:per_page], page, len(rows) > per_page, name)

