"""The pure matching rules: distance, availability, eligibility and ranking, without a database."""

from datetime import date, timedelta

from kapms.network.matching import (
    Candidate,
    ClinicianFacts,
    MatchRequest,
    bounding_box,
    failed_criteria,
    haversine_miles,
    next_open_date,
    rank,
)

TODAY = date(2026, 11, 24)  # Tuesday


def facts(**kw) -> ClinicianFacts:
    values = dict(clinician_id=1, licences=(("CA", TODAY + timedelta(days=30)),),
                  plan_ids=frozenset({7}), accepts_private_pay=False, kap_trained=True,
                  accepting_new=True, capacity=3, places_taken=0, in_office=False,
                  telehealth=True)
    values.update(kw)
    return ClinicianFacts(**values)


def test_haversine_known_distance():
    # San Francisco to Los Angeles is about 347 miles as the crow flies.
    assert 340 < haversine_miles(37.77, -122.42, 34.05, -118.24) < 355
    assert haversine_miles(1, 2, 1, 2) == 0


def test_bounding_box_contains_the_circle():
    lat0, lat1, lon0, lon1 = bounding_box(45.0, -122.0, 25)
    for bearing_point in [(45.0 + 25 / 69.0, -122.0), (45.0, -122.0 + 25 / (69.0 * 0.7071))]:
        assert lat0 <= bearing_point[0] <= lat1 and lon0 <= bearing_point[1] <= lon1


def test_next_open_date_is_after_today():
    assert next_open_date({1}, TODAY) == TODAY + timedelta(days=7)  # Tuesday -> next Tuesday
    assert next_open_date({2, 4}, TODAY) == TODAY + timedelta(days=1)
    assert next_open_date(set(), TODAY) is None


def test_each_rule_alone_fails_the_clinician():
    req = MatchRequest(state="CA", plan_id=7, today=TODAY, modality="telehealth")
    assert failed_criteria(req, facts()) == []
    expired = (("CA", TODAY - timedelta(days=1)),)
    assert failed_criteria(req, facts(licences=expired)) == ["licence"]
    assert failed_criteria(req, facts(licences=(("CA", TODAY),))) == []  # valid through the day
    assert failed_criteria(req, facts(licences=(("OR", TODAY + timedelta(9)),))) == ["licence"]
    assert failed_criteria(req, facts(kap_trained=False)) == ["kap"]
    assert failed_criteria(req, facts(accepting_new=False)) == ["accepting"]
    assert failed_criteria(req, facts(places_taken=3)) == ["capacity"]
    assert failed_criteria(req, facts(plan_ids=frozenset({8}))) == ["insurance"]
    assert failed_criteria(req, facts(telehealth=False)) == ["modality"]


def test_private_pay_counts_only_for_self_pay():
    insured = MatchRequest(state="CA", plan_id=7, today=TODAY)
    self_pay = MatchRequest(state="CA", plan_id=None, today=TODAY)
    cash_only = facts(plan_ids=frozenset(), accepts_private_pay=True)
    assert failed_criteria(insured, cash_only) == ["insurance"]
    assert failed_criteria(self_pay, cash_only) == []
    assert failed_criteria(self_pay, facts()) == ["insurance"]


def test_in_office_needs_an_office_within_the_distance():
    req = MatchRequest(state="CA", plan_id=7, today=TODAY, modality="in_office",
                       latitude=37.77, longitude=-122.42, max_distance_miles=10)
    near = facts(in_office=True, telehealth=False, latitude=37.80, longitude=-122.27)
    far = facts(in_office=True, latitude=38.58, longitude=-121.49)
    assert failed_criteria(req, near) == []
    assert failed_criteria(req, far) == ["modality"]  # telehealth does not help in_office
    either = MatchRequest(**{**req.__dict__, "modality": "either"})
    assert failed_criteria(either, far) == []  # far office, but telehealth is fine


def test_ranking_order_for_a_hand_built_set():
    req = MatchRequest(state="CA", plan_id=7, today=TODAY, modality="either",
                       latitude=37.77, longitude=-122.42, max_distance_miles=20,
                       needs=frozenset({"ptsd", "sleep"}), language="Spanish")
    soon = TODAY + timedelta(days=1)
    best = Candidate(1, "Best", frozenset({"ptsd", "sleep"}), frozenset({"spanish", "english"}),
                     distance_miles=2.0, next_available=soon)
    half_fit = Candidate(2, "Half", frozenset({"ptsd"}), frozenset({"spanish"}),
                         distance_miles=2.0, next_available=soon)
    no_spanish = Candidate(3, "NoSpanish", frozenset({"ptsd", "sleep"}), frozenset({"english"}),
                           distance_miles=2.0, next_available=soon)
    far_away = Candidate(4, "Far", frozenset({"ptsd", "sleep"}), frozenset({"spanish"}),
                         distance_miles=18.0, next_available=soon)
    late = Candidate(5, "Late", frozenset({"ptsd", "sleep"}), frozenset({"spanish"}),
                     distance_miles=2.0, next_available=TODAY + timedelta(days=7))
    results = rank(req, [no_spanish, late, half_fit, far_away, best])
    assert [r.candidate.name for r in results] == ["Best", "Late", "Far", "Half", "NoSpanish"]
    top = results[0]
    assert "Specialises in PTSD, Sleep" in top.reasons and "Speaks Spanish" in top.reasons
    assert "Office 2.0 miles away" in top.reasons and top.lacks == ()
    assert results[-1].lacks == ("Does not list Spanish",)
    assert "No listed specialty in Sleep" in results[3].lacks


def test_rank_limit_and_ties_are_deterministic():
    req = MatchRequest(state="CA", plan_id=None, today=TODAY, modality="telehealth")
    same = [Candidate(i, name, telehealth=True) for i, name in [(3, "C"), (1, "A"), (2, "B")]]
    assert [r.candidate.name for r in rank(req, same, limit=2)] == ["A", "B"]
    assert "No weekly availability listed" in rank(req, same)[0].lacks


def test_matching_rules_need_no_database():
    import subprocess
    import sys

    code = "import sys, kapms.network.matching; assert 'sqlalchemy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rank_orders_by_score_and_keeps_everyone_once():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kapms.network.vocabulary import SPECIALTIES

    keys = sorted(SPECIALTIES)
    candidate = st.builds(
        Candidate, clinician_id=st.integers(1, 10_000), name=st.sampled_from("ABCDE"),
        specialties=st.frozensets(st.sampled_from(keys)),
        languages=st.frozensets(st.sampled_from(["english", "spanish"])),
        distance_miles=st.one_of(st.none(), st.floats(0, 50)), telehealth=st.booleans(),
        next_available=st.one_of(st.none(), st.integers(1, 7).map(
            lambda d: TODAY + timedelta(days=d))),
        open_places=st.integers(0, 9))

    @settings(max_examples=80, deadline=None)
    @given(st.lists(candidate, max_size=12, unique_by=lambda c: c.clinician_id),
           st.frozensets(st.sampled_from(keys), max_size=3),
           st.one_of(st.none(), st.sampled_from(["English", "Spanish"])),
           st.one_of(st.none(), st.integers(1, 5)))
    def check(candidates, needs, language, limit):
        req = MatchRequest(state="CA", plan_id=None, today=TODAY, needs=needs,
                           language=language, latitude=37.7, longitude=-122.4)
        full = rank(req, candidates)
        assert sorted(r.candidate.clinician_id for r in full) == sorted(
            c.clinician_id for c in candidates)
        scores = [r.score for r in full]
        assert scores == sorted(scores, reverse=True)
        if limit is not None:
            assert rank(req, candidates, limit) == full[:limit]  # the top is the same

    check()
