"""Pure matching rules: eligibility, distance, earliest availability and ranking.

Plain dataclasses in, plain results out; no database and no Flask, so the rules are tested
directly. The services filter the directory with indexed SQL that mirrors
``failed_criteria`` (a property test proves the two agree) and hand the short list to
``rank``.
"""

import heapq
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from math import asin, cos, radians, sin, sqrt

from kapms.config import Config
from kapms.network.eligibility import covers, has_active_licence, has_room
from kapms.network.vocabulary import SPECIALTIES

EARTH_RADIUS_MILES = 3958.8
# Criteria in the order they are applied when explaining an empty result.
CRITERIA = ("licence", "kap", "accepting", "capacity", "insurance", "modality")
CRITERION_LABELS = {
    "licence": "an active licence in the patient's state",
    "kap": "KAP training",
    "accepting": "accepting new patients",
    "capacity": "room under their capacity (counting offers not yet answered)",
    "insurance": "the patient's plan (or private pay)",
    "modality": "the requested modality within the distance",
}
AVAILABILITY_HORIZON_DAYS = 14
# The office search radius: asked for unless the user gives one, and never wider than the
# widest (the match form, the service's widened second look and the request share these).
RADIUS_MILES = 25
MAX_RADIUS_MILES = 300


@dataclass(frozen=True)
class Weights:
    """Points for each way a clinician fits (settings MATCH_WEIGHT_*, kapms/config.py)."""

    specialty: float = Config.MATCH_WEIGHT_SPECIALTY
    language: float = Config.MATCH_WEIGHT_LANGUAGE
    distance: float = Config.MATCH_WEIGHT_DISTANCE
    availability: float = Config.MATCH_WEIGHT_AVAILABILITY
    room: float = Config.MATCH_WEIGHT_ROOM

    @classmethod
    def from_config(cls, config) -> "Weights":
        """Build from a Flask config mapping."""
        return cls(**{f.name: float(config[f"MATCH_WEIGHT_{f.name.upper()}"])
                      for f in fields(cls)})


@dataclass(frozen=True)
class MatchRequest:
    """What the patient needs. ``plan_id`` None means self-pay."""

    state: str
    plan_id: int | None
    today: date
    modality: str = "either"
    latitude: float | None = None
    longitude: float | None = None
    max_distance_miles: float = RADIUS_MILES
    needs: frozenset[str] = frozenset()
    language: str | None = None
    weights: Weights = Weights()

    @property
    def wants_office(self) -> bool:
        """True when in-office care is acceptable (in_office or either)."""
        return self.modality in ("in_office", "either") and self.latitude is not None


@dataclass(frozen=True)
class ClinicianFacts:
    """Everything eligibility looks at, for one clinician."""

    clinician_id: int
    licences: tuple[tuple[str, date], ...]  # (state, expires_on)
    plan_ids: frozenset[int]
    accepts_private_pay: bool
    kap_trained: bool
    accepting_new: bool
    capacity: int
    places_taken: int  # care-team rows in the role plus offers not yet answered
    in_office: bool
    telehealth: bool
    latitude: float | None = None
    longitude: float | None = None


@dataclass(slots=True)
class Candidate:
    """An eligible clinician as the ranker sees it (not frozen: built by the thousand,
    and a frozen dataclass's constructor is several times slower)."""

    clinician_id: int
    name: str
    specialties: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()  # lower case
    distance_miles: float | None = None  # None: not an in-office match
    telehealth: bool = False
    next_available: date | None = None
    in_network: bool = True
    private_pay_rate_cents: int | None = None
    open_places: int = 0


@dataclass(frozen=True)
class MatchResult:
    """A ranked candidate with its score and the reasons in words."""

    candidate: Candidate
    score: float
    reasons: tuple[str, ...] = ()
    lacks: tuple[str, ...] = field(default_factory=tuple)


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles."""
    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    a = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * asin(min(1.0, sqrt(a)))


def bounding_box(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; a cheap SQL prefilter.

    Slightly generous (a degree of latitude, and of longitude at the equator, is at least
    68.7 miles; the width is taken at the circle's edge nearer the pole) so the exact
    haversine check afterwards never loses anyone the box should have kept. (69.2 miles for
    longitude made the box narrower than the circle at low latitudes: 37.7N, 5 miles.)
    """
    dlat = miles / 68.7
    dlon = miles / max(1e-6, 68.7 * cos(radians(min(89.0, abs(lat) + dlat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def next_open_date(weekdays, today: date) -> date | None:
    """The first day after ``today`` falling on one of ``weekdays`` (0 = Monday)."""
    days = set(weekdays)
    if not days:
        return None
    for ahead in range(1, 8):
        day = today + timedelta(days=ahead)
        if day.weekday() in days:
            return day
    return None


def office_distance(request: MatchRequest, facts) -> float | None:
    """Miles from the patient to the office, or None when either location is unknown."""
    if request.latitude is None or request.longitude is None:
        return None
    if not facts.in_office or facts.latitude is None or facts.longitude is None:
        return None
    return haversine_miles(request.latitude, request.longitude, facts.latitude, facts.longitude)


def modality_ok(request: MatchRequest, facts, distance: float | None | bool = False) -> bool:
    """True when the clinician offers what the patient asked for.

    ``distance`` may be passed when already computed (None: no office distance).
    """
    if distance is False:
        distance = office_distance(request, facts)
    office_ok = distance is not None and distance <= request.max_distance_miles
    if request.modality == "in_office":
        return office_ok
    if request.modality == "telehealth":
        return facts.telehealth
    return facts.telehealth or office_ok


def failed_criteria(request: MatchRequest, facts: ClinicianFacts) -> list[str]:
    """The CRITERIA this clinician fails for ``request``; empty means eligible."""
    failed = []
    if not has_active_licence(facts.licences, request.state, request.today):
        failed.append("licence")
    if not facts.kap_trained:
        failed.append("kap")
    if not facts.accepting_new:
        failed.append("accepting")
    if not has_room(facts.capacity, facts.places_taken):
        failed.append("capacity")
    if not covers(facts.plan_ids, facts.accepts_private_pay, request.plan_id,
                  request.plan_id is None):
        failed.append("insurance")
    if not modality_ok(request, facts):
        failed.append("modality")
    return failed


def _label(key: str) -> str:
    return SPECIALTIES.get(key, key)


def score_candidate(request: MatchRequest, c: Candidate, *, words: bool = True) -> MatchResult:
    """Score one eligible candidate and say why it fits and what it lacks.

    With ``words`` False only the score is computed: ranking a long list scores everyone
    but writes the explanations for the few shown.
    """
    score, reasons, lacks, w = 0.0, [], [], request.weights
    if request.needs:
        hits = request.needs & c.specialties
        score += w.specialty * len(hits) / len(request.needs)
        if words and hits:
            reasons.append("Specialises in " + ", ".join(_label(k) for k in sorted(hits)))
        if words and len(hits) < len(request.needs):
            missing = sorted(request.needs - c.specialties)
            lacks.append("No listed specialty in " + ", ".join(_label(k) for k in missing))
    if request.language:
        if request.language.lower() in c.languages:
            score += w.language
            words and reasons.append(f"Speaks {request.language}")
        elif words:
            lacks.append(f"Does not list {request.language}")
    if c.distance_miles is not None and c.distance_miles <= request.max_distance_miles:
        closeness = 1 - c.distance_miles / max(request.max_distance_miles, 0.1)
        score += w.distance * closeness
        words and reasons.append(f"Office {c.distance_miles:.1f} miles away")
    elif request.modality != "in_office" and c.telehealth:
        # Telehealth is as close as it gets, but an office nearby is preferred.
        score += w.distance * 0.5
        words and reasons.append("Offers telehealth")
    if c.next_available:
        days = (c.next_available - request.today).days
        score += w.availability * max(0.0, 1 - (days - 1) / AVAILABILITY_HORIZON_DAYS)
        words and reasons.append(f"Next opening {c.next_available:%a %b %d}")
    elif words:
        lacks.append("No weekly availability listed")
    if words and c.in_network and request.plan_id is not None:
        reasons.append("In network with the patient's plan")
    elif words and c.private_pay_rate_cents is not None:
        # Whole cents: a $180.50 rate is not "$180" (nor, rounded half-even, "$181").
        whole, cents = divmod(c.private_pay_rate_cents, 100)
        rate = f"${whole:,}" + (f".{cents:02d}" if cents else "")
        reasons.append(f"Private pay {rate} per session")
    if c.open_places:
        score += w.room * min(c.open_places, 5) / 5
    return MatchResult(c, round(score, 2), tuple(reasons), tuple(lacks))


def rank(request: MatchRequest, candidates, limit: int | None = None) -> list[MatchResult]:
    """Rank eligible candidates by fit, best first; ties by distance then name."""

    def order(result: MatchResult):
        c = result.candidate
        distance = c.distance_miles if c.distance_miles is not None else float("inf")
        return -result.score, distance, c.name, c.clinician_id

    scored = [score_candidate(request, c, words=False) for c in candidates]
    best = sorted(scored, key=order) if limit is None else heapq.nsmallest(limit, scored, order)
    return [score_candidate(request, r.candidate) for r in best]
