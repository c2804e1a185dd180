"""The care-team eligibility rule as pure functions: each criterion alone, the standing
subset, the clinician's own decision, what an admin may override, the reasons in words."""

from dataclasses import replace
from datetime import date, timedelta

from kapms.network.eligibility import (
    JOINING,
    STANDING,
    ClinicianStanding,
    Placement,
    assess,
    covers,
    has_active_licence,
    has_room,
)

DAY = date(2026, 11, 24)
GOOD = ClinicianStanding(name="Maya Okafor", active=True, holds_role=True, has_profile=True,
                         licences=(("CA", DAY + timedelta(days=30)),), kap_trained=True,
                         plan_ids=frozenset({7}), accepts_private_pay=False,
                         accepting_new=True, capacity=3, load=2)
INSURED = Placement(state="CA", plan_id=7, plan_label="Aetna — PPO")


def failing(clinician=GOOD, placement=INSURED, role="therapist", **kw) -> list[str]:
    return [r.criterion for r in assess(clinician, placement, role, DAY, **kw).refusals]


def test_an_eligible_clinician_and_why():
    found = assess(GOOD, INSURED, "therapist", DAY)
    assert found.eligible and found.refusals == ()
    assert found.basis == ("Licensed in CA until Dec 24, 2026", "KAP-trained",
                           "In network with Aetna — PPO", "2 of 3 places taken")


def test_each_criterion_alone_refuses():
    assert failing(replace(GOOD, active=False)) == ["account"]
    assert failing(replace(GOOD, holds_role=False)) == ["account"]
    assert failing(replace(GOOD, licences=(("OR", DAY + timedelta(days=9)),))) == ["licence"]
    assert failing(replace(GOOD, licences=(("CA", DAY - timedelta(days=1)),))) == ["licence"]
    assert failing(replace(GOOD, licences=(("CA", DAY),))) == []  # valid through its date
    assert failing(replace(GOOD, kap_trained=False)) == ["kap"]
    assert failing(replace(GOOD, plan_ids=frozenset({8}))) == ["coverage"]
    assert failing(replace(GOOD, accepting_new=False)) == ["accepting"]
    assert failing(replace(GOOD, load=3)) == ["capacity"]
    assert failing(replace(GOOD, load=2, capacity=2)) == ["capacity"]


def test_no_profile_is_one_reason_not_five():
    bare = ClinicianStanding(name="New Person", active=True, holds_role=True, has_profile=False)
    assert failing(bare) == ["profile"]
    # ... but the licence alone (a prescription) is judged on the licences there are.
    assert failing(bare, criteria=("licence",), role="prescriber") == ["licence"]


def test_kap_training_is_for_therapists_only():
    untrained = replace(GOOD, kap_trained=False)
    assert failing(untrained, role="prescriber") == []
    assert "KAP-trained" not in assess(GOOD, INSURED, "prescriber", DAY).basis


def test_coverage_in_network_or_private_pay():
    self_pay = Placement(state="CA", plan_id=None)
    assert failing(placement=self_pay) == ["coverage"]
    payer = replace(GOOD, accepts_private_pay=True, plan_ids=frozenset())
    assert failing(payer, self_pay) == []
    assert failing(payer) == ["coverage"]  # insured, out of network...
    assert failing(payer, replace(INSURED, private_pay=True)) == []  # ...unless they agree
    assert "Accepts private pay" in assess(payer, self_pay, "therapist", DAY).basis
    assert covers({7}, False, 7, False) and not covers({7}, False, None, True)
    assert covers(set(), True, None, True) and not covers(set(), True, 7, False)


def test_the_clinicians_own_decision_waives_only_accepting():
    closed = replace(GOOD, accepting_new=False)
    assert failing(closed, own_decision=True) == []
    assert failing(replace(closed, load=3), own_decision=True) == ["capacity"]


def test_standing_criteria_ignore_room_but_see_lapses_and_dropped_plans():
    full_and_closed = replace(GOOD, accepting_new=False, load=9)
    assert failing(full_and_closed, criteria=STANDING) == []
    assert failing(replace(GOOD, plan_ids=frozenset()), criteria=STANDING) == ["coverage"]
    lapsed = replace(GOOD, licences=(("CA", DAY - timedelta(days=3)),))
    assert failing(lapsed, criteria=STANDING) == ["licence"]
    assert set(STANDING) < set(JOINING)


def test_every_reason_is_said_and_only_the_account_cannot_be_overridden():
    bad = replace(GOOD, licences=(("NY", DAY + timedelta(days=9)),), kap_trained=False,
                  plan_ids=frozenset(), load=3)
    found = assess(bad, INSURED, "therapist", DAY)
    assert [r.criterion for r in found.refusals] == ["licence", "kap", "coverage", "capacity"]
    assert found.message() == (
        "Maya Okafor holds no current licence in CA (licensed in NY). "
        "Maya Okafor is not KAP-trained. "
        "Maya Okafor is not in network with Aetna — PPO (offer it as private pay if the "
        "patient agrees to pay out of network). "
        "Maya Okafor is at capacity (3 of 3 places taken, counting offers not yet answered).")
    assert found.overridable
    assert not assess(replace(bad, active=False), INSURED, "therapist", DAY).overridable
    expired = replace(GOOD, licences=(("CA", date(2026, 11, 1)),))
    assert "expired on Nov 01, 2026" in assess(expired, INSURED, "therapist", DAY).message()


def test_shared_predicates():
    assert has_active_licence((("CA", DAY),), "CA", DAY)
    assert not has_active_licence((("CA", DAY),), "CA", DAY + timedelta(days=1))
    assert not has_active_licence((("OR", DAY),), "CA", DAY)
    assert has_room(3, 2) and not has_room(3, 3) and not has_room(0, 0)
