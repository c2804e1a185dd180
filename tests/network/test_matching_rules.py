"""Matching's numbers pinned part by part (kapms/network/matching.py).

Each expected score is worked out by hand from the ranking rule in docs/network.md
("Ranking"): 40 x share of needs met, 25 for the language, 20 x closeness of an office within
the distance (or 10 for telehealth), 15 for an opening tomorrow falling to 0 over 14 days, and
1 x open places / 5. Distances and the box are checked against spherical geometry computed here
(R = 3958.8 miles), not against the code's own approximations.
"""

from dataclasses import replace
from datetime import date, timedelta
from math import asin, cos, degrees, pi, radians, sin

import pytest

from kapms.config import Config
from kapms.network.matching import (
    CRITERIA,
    Candidate,
    ClinicianFacts,
    MatchRequest,
    Weights,
    bounding_box,
    failed_criteria,
    haversine_miles,
    modality_ok,
    next_open_date,
    office_distance,
    rank,
    score_candidate,
)

TODAY = date(2026, 11, 24)  # a Tuesday
R = 3958.8
MILES_PER_DEGREE = R * pi / 180  # 69.0941 along a meridian or the equator


def request(**kw) -> MatchRequest:
    return MatchRequest(**{"state": "CA", "plan_id": None, "today": TODAY, **kw})


def score(req: MatchRequest, **kw) -> float:
    return score_candidate(req, Candidate(1, "Ada", **kw)).score


# --- the score, part by part -------------------------------------------------------------

@pytest.mark.parametrize("needs, specialties, expected", [
    ({"ptsd", "sleep", "anxiety"}, {"ptsd", "sleep"}, 26.67),  # 40 x 2/3
    ({"ptsd", "sleep", "anxiety"}, {"ptsd"}, 13.33),  # 40 x 1/3
    ({"ptsd", "sleep"}, {"ptsd", "sleep", "ocd"}, 40.0),  # extra specialties add nothing
    ({"ptsd"}, {"sleep"}, 0.0),
    (set(), {"ptsd"}, 0.0),  # no needs stated: nothing to score
])
def test_specialty_fit_is_40_times_the_share_of_needs_met(needs, specialties, expected):
    assert score(request(needs=frozenset(needs)), specialties=frozenset(specialties)) == expected


def test_language_is_worth_25_in_any_case():
    assert score(request(language="Spanish"), languages=frozenset({"spanish"})) == 25.0
    assert score(request(language="SPANISH"), languages=frozenset({"spanish"})) == 25.0
    assert score(request(language="Spanish"), languages=frozenset({"english"})) == 0.0


@pytest.mark.parametrize("miles, expected", [
    (0.0, 20.0),  # next door: the full 20
    (5.0, 15.0),  # 20 x (1 - 5/20)
    (15.0, 5.0),  # 20 x (1 - 15/20)
    (20.0, 0.0),  # at the edge of the distance: within it, but no closeness left
])
def test_closeness_of_an_office_within_the_distance(miles, expected):
    req = request(modality="in_office", max_distance_miles=20.0)
    assert score(req, distance_miles=miles) == expected


def test_an_office_beyond_the_distance_scores_nothing_and_telehealth_half_the_closeness():
    office_only = request(modality="in_office", max_distance_miles=20.0)
    either = request(modality="either", max_distance_miles=20.0)
    assert score(office_only, distance_miles=20.5) == 0.0
    assert score(office_only, distance_miles=20.5, telehealth=True) == 0.0  # not what was asked
    assert score(either, distance_miles=20.5, telehealth=True) == 10.0  # 20 x 0.5
    assert score(either, telehealth=True) == 10.0
    assert score(request(modality="telehealth"), telehealth=True) == 10.0
    # An office within reach counts as the office, not as telehealth.
    assert score(either, distance_miles=10.0, telehealth=True) == 10.0  # 20 x (1 - 10/20)
    assert score(either, distance_miles=4.0, telehealth=True) == 16.0  # 20 x (1 - 4/20)


def test_a_zero_distance_still_scores_an_office_on_the_spot():
    assert score(request(modality="in_office", max_distance_miles=0.0), distance_miles=0.0) == 20.0


@pytest.mark.parametrize("days_ahead, expected", [
    (1, 15.0),  # tomorrow: the full 15
    (2, 13.93),  # 15 x (1 - 1/14)
    (8, 7.5),  # 15 x (1 - 7/14)
    (14, 1.07),  # 15 x (1 - 13/14)
    (15, 0.0),  # 15 x (1 - 14/14)
    (30, 0.0),  # never below 0
])
def test_availability_decays_over_14_days(days_ahead, expected):
    assert score(request(), next_available=TODAY + timedelta(days=days_ahead)) == expected


@pytest.mark.parametrize("open_places, expected", [(0, 0.0), (1, 0.2), (2, 0.4), (5, 1.0),
                                                   (9, 1.0)])
def test_room_adds_at_most_one_point(open_places, expected):
    assert score(request(), open_places=open_places) == expected


def test_the_parts_add_up_and_round_to_two_decimals():
    req = request(modality="either", max_distance_miles=20.0, language="Spanish",
                  needs=frozenset({"ptsd", "sleep", "anxiety"}))
    c = dict(specialties=frozenset({"ptsd"}), languages=frozenset({"spanish"}),
             distance_miles=5.0, next_available=TODAY + timedelta(days=8), open_places=2)
    # 40/3 + 25 + 15 + 7.5 + 0.4 = 61.2333...
    assert score(req, **c) == 61.23


# --- the reasons in words ----------------------------------------------------------------

def test_reasons_and_lacks_in_words():
    req = request(plan_id=7, modality="either", max_distance_miles=20.0, language="Spanish",
                  needs=frozenset({"sleep", "ptsd", "anxiety"}))
    c = Candidate(1, "Ada", frozenset({"sleep", "ptsd"}), frozenset({"spanish"}),
                  distance_miles=2.04, next_available=TODAY + timedelta(days=1))
    result = score_candidate(req, c)
    assert result.reasons == ("Specialises in PTSD, Sleep", "Speaks Spanish",
                              "Office 2.0 miles away", "Next opening Wed Nov 25",
                              "In network with the patient's plan")
    assert result.lacks == ("No listed specialty in Anxiety",)


def test_telehealth_private_pay_and_missing_availability_in_words():
    req = request(language="French", needs=frozenset({"burnout"}))
    c = Candidate(1, "Ada", telehealth=True, in_network=False, private_pay_rate_cents=18050)
    result = score_candidate(req, c)
    assert result.reasons == ("Offers telehealth", "Private pay $180.50 per session")
    assert result.lacks == ("No listed specialty in Burnout", "Does not list French",
                            "No weekly availability listed")


def test_an_insured_patient_out_of_network_sees_the_private_pay_rate():
    result = score_candidate(request(plan_id=7), Candidate(
        1, "Ada", in_network=False, private_pay_rate_cents=1234500))
    assert result.reasons == ("Private pay $12,345 per session",)
    result = score_candidate(request(), Candidate(1, "Ada", private_pay_rate_cents=18005))
    assert result.reasons == ("Private pay $180.05 per session",)


def test_no_payment_reason_without_a_plan_or_a_rate():
    assert score_candidate(request(), Candidate(1, "Ada")).reasons == ()


def test_scoring_without_words_gives_the_same_score_and_no_text():
    req = request(language="French", needs=frozenset({"burnout", "ptsd"}))
    c = Candidate(1, "Ada", frozenset({"ptsd"}), telehealth=True, open_places=3,
                  next_available=TODAY + timedelta(days=3), private_pay_rate_cents=100)
    quiet = score_candidate(req, c, words=False)
    assert quiet.reasons == () and quiet.lacks == ()
    # 40 x 1/2 + 10 (telehealth) + 15 x (1 - 2/14) + 3/5 = 20 + 10 + 12.857 + 0.6
    assert quiet.score == score_candidate(req, c).score == 43.46


# --- ranking -----------------------------------------------------------------------------

def test_ties_go_to_the_nearer_office_then_the_name_then_the_id():
    req = request(modality="either", max_distance_miles=20.0)
    # Same score (10): an office 10 miles away (20 x 1/2) and telehealth only (10).
    near = Candidate(4, "Zoe", distance_miles=10.0)
    remote_b = Candidate(3, "Bea", telehealth=True)
    remote_a2 = Candidate(2, "Ann", telehealth=True)
    remote_a1 = Candidate(1, "Ann", telehealth=True)
    ranked = rank(req, [remote_b, remote_a2, near, remote_a1])
    assert [r.candidate.clinician_id for r in ranked] == [4, 1, 2, 3]
    assert [r.candidate.clinician_id for r in rank(req, [remote_b, remote_a2, near, remote_a1],
                                                   limit=3)] == [4, 1, 2]
    assert ranked[0].reasons == ("Office 10.0 miles away",)  # words for those shown


def test_a_better_score_beats_a_nearer_office():
    req = request(modality="either", max_distance_miles=20.0, language="Spanish")
    near = Candidate(1, "Near", distance_miles=1.0)  # 19
    speaks = Candidate(2, "Speaks", languages=frozenset({"spanish"}), telehealth=True)  # 35
    assert [r.candidate.name for r in rank(req, [near, speaks])] == ["Speaks", "Near"]


# --- distance and the SQL box ------------------------------------------------------------

def test_haversine_on_a_meridian_and_the_equator():
    assert haversine_miles(0, 0, 1, 0) == pytest.approx(MILES_PER_DEGREE, rel=1e-9)
    assert haversine_miles(0, 0, 0, 1) == pytest.approx(MILES_PER_DEGREE, rel=1e-9)
    assert haversine_miles(10, 20, 13, 20) == pytest.approx(3 * MILES_PER_DEGREE, rel=1e-9)
    assert haversine_miles(0, 0, 0, 180) == pytest.approx(pi * R, rel=1e-9)  # half way round
    assert haversine_miles(37.7, -122.4, 37.7, -122.4) == 0


def test_haversine_along_a_parallel():
    # 60 degrees north, 2 degrees of longitude apart: the great circle, by the spherical law
    # of cosines: cos c = sin^2(60) + cos^2(60) cos(2).
    lat = radians(60)
    c = 2 * asin((cos(lat) ** 2 * sin(radians(2) / 2) ** 2) ** 0.5)
    assert haversine_miles(60, 10, 60, 12) == pytest.approx(c * R, rel=1e-9)
    assert haversine_miles(60, 12, 60, 10) == pytest.approx(c * R, rel=1e-9)


@pytest.mark.parametrize("lat, lon, miles", [(45.0, -122.0, 25), (-45.0, 20.0, 25),
                                             (0.0, 0.0, 50), (61.2, -149.9, 100),
                                             (37.7, -122.4, 5)])
def test_the_box_holds_the_whole_circle_and_little_more(lat, lon, miles):
    lat0, lat1, lon0, lon1 = bounding_box(lat, lon, miles)
    r = miles / R  # the circle's angular radius
    north_south = degrees(r)
    east_west = degrees(asin(sin(r) / cos(radians(lat))))  # widest point of the circle
    assert lat1 - lat == pytest.approx(lat - lat0)
    assert lon1 - lon == pytest.approx(lon - lon0)
    assert north_south <= lat1 - lat <= north_south * 1.01
    assert east_west <= lon1 - lon <= east_west * 1.06


def test_the_box_stays_finite_near_a_pole():
    # The longitude span is taken at 89 degrees at most, so it never divides by cos(90).
    lat0, lat1, lon0, lon1 = bounding_box(89.5, 0.0, 25)
    assert lon1 == pytest.approx(25 / (68.7 * cos(radians(89.0))))
    assert lat1 - 89.5 == pytest.approx(25 / 68.7)


def test_office_distance_needs_both_places_and_an_office():
    req = request(latitude=0.0, longitude=0.0)
    office = ClinicianFacts(1, (), frozenset(), False, True, True, 1, 0, in_office=True,
                            telehealth=False, latitude=1.0, longitude=0.0)
    assert office_distance(req, office) == pytest.approx(MILES_PER_DEGREE)
    assert office_distance(request(latitude=0.0), office) is None
    assert office_distance(request(longitude=0.0), office) is None
    assert office_distance(req, _replace(office, in_office=False)) is None
    assert office_distance(req, _replace(office, latitude=None)) is None
    assert office_distance(req, _replace(office, longitude=None)) is None


def _replace(facts: ClinicianFacts, **changes) -> ClinicianFacts:
    return ClinicianFacts(**{**facts.__dict__, **changes})


def test_modality_within_the_distance():
    office = ClinicianFacts(1, (), frozenset(), False, True, True, 1, 0, in_office=True,
                            telehealth=False, latitude=1.0, longitude=0.0)
    one_degree = MILES_PER_DEGREE
    reach = request(modality="in_office", latitude=0.0, longitude=0.0,
                    max_distance_miles=one_degree + 0.01)
    short = request(modality="in_office", latitude=0.0, longitude=0.0,
                    max_distance_miles=one_degree - 0.01)
    assert modality_ok(reach, office) and not modality_ok(short, office)
    # A distance already computed is used as given; None means no office distance.
    assert modality_ok(short, office, distance=one_degree - 0.01)
    assert modality_ok(reach, office, distance=one_degree + 0.01)  # exactly the distance is fine
    assert not modality_ok(reach, office, distance=None)
    tele = _replace(office, telehealth=True, in_office=False)
    assert modality_ok(request(modality="telehealth"), tele)
    assert not modality_ok(request(modality="telehealth"), office)
    assert modality_ok(request(modality="either"), tele)
    assert modality_ok(_replace_request(reach, modality="either"), office)
    assert not modality_ok(_replace_request(short, modality="either"), office)


def _replace_request(req: MatchRequest, **changes) -> MatchRequest:
    return MatchRequest(**{**req.__dict__, **changes})


def test_wants_office_needs_a_location_and_a_modality_allowing_it():
    assert request(modality="either", latitude=1.0).wants_office
    assert request(modality="in_office", latitude=1.0).wants_office
    assert not request(modality="telehealth", latitude=1.0).wants_office
    assert not request(modality="in_office").wants_office


def test_every_failed_criterion_in_order():
    req = request(plan_id=7, modality="in_office", latitude=0.0, longitude=0.0)
    nothing = ClinicianFacts(1, (("OR", TODAY),), frozenset({8}), True, False, False, 2, 2,
                             in_office=False, telehealth=True)
    assert failed_criteria(req, nothing) == list(CRITERIA)


@pytest.mark.parametrize("weekdays, expected", [
    ({0}, date(2026, 11, 30)),  # Monday: six days on
    ({1}, date(2026, 12, 1)),  # Tuesday: today does not count, a week on
    ([2, 6], date(2026, 11, 25)),  # the first of several
    ((5, 3), date(2026, 11, 26)),
    ({7}, None),  # no such weekday
])
def test_next_open_date(weekdays, expected):
    assert next_open_date(weekdays, TODAY) == expected


def test_every_missing_specialty_is_named_and_unknown_ones_as_they_are():
    req = request(needs=frozenset({"sleep", "anxiety", "yoga"}))
    result = score_candidate(req, Candidate(1, "Ada", frozenset({"ptsd"})))
    assert result.lacks[0] == "No listed specialty in Anxiety, Sleep, yoga"


def test_a_half_mile_distance_is_scored_on_its_own_scale():
    req = request(modality="in_office", max_distance_miles=0.5)
    assert score(req, distance_miles=0.25) == 10.0  # 20 x (1 - 0.25/0.5)


def test_telehealth_only_is_not_satisfied_by_an_office_nearby():
    office = ClinicianFacts(1, (), frozenset(), False, True, True, 1, 0, in_office=True,
                            telehealth=False, latitude=0.0, longitude=0.0)
    req = request(modality="telehealth", latitude=0.0, longitude=0.0)
    assert not modality_ok(req, office)


def test_the_ranking_weights_are_settings():
    assert Weights() == Weights.from_config({
        f"MATCH_WEIGHT_{name}": getattr(Config, f"MATCH_WEIGHT_{name}")
        for name in ("SPECIALTY", "LANGUAGE", "DISTANCE", "AVAILABILITY", "ROOM")})
    language_first = Weights(specialty=1.0, language=100.0)
    req = request(needs=frozenset({"ptsd"}), language="Spanish", weights=language_first)
    speaks = Candidate(1, "Ana", frozenset(), languages=frozenset({"spanish"}))
    specialist = Candidate(2, "Ben", frozenset({"ptsd"}))
    assert [r.candidate.name for r in rank(req, [specialist, speaks])] == ["Ana", "Ben"]
    assert [r.candidate.name for r in rank(replace(req, weights=Weights()),
                                           [speaks, specialist])] == ["Ben", "Ana"]
