"""The care-team eligibility rule's words (kapms/network/eligibility.py): every refusal and
every reason as the coordinator reads it (docs/network.md, "The eligibility rule"), and the
licence's last valid day (valid through its expiry date)."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from kapms.network.eligibility import ClinicianStanding, Placement, assess

DAY = date(2026, 11, 24)
GOOD = ClinicianStanding(name="Maya Okafor", active=True, holds_role=True, has_profile=True,
                         licences=(("CA", date(2027, 6, 30)),), kap_trained=True,
                         plan_ids=frozenset({7}), accepts_private_pay=True,
                         accepting_new=True, capacity=3, load=1)
INSURED = Placement(state="CA", plan_id=7, plan_label="Aetna PPO")


def messages(clinician=GOOD, placement=INSURED, role="therapist", **kw) -> list[str]:
    return [r.message for r in assess(clinician, placement, role, DAY, **kw).refusals]


@pytest.mark.parametrize("changes, message", [
    ({"active": False}, "Maya Okafor's account is deactivated."),
    ({"holds_role": False}, "Maya Okafor is not an active therapist."),
    ({"kap_trained": False}, "Maya Okafor is not KAP-trained."),
    ({"accepting_new": False}, "Maya Okafor is not accepting new patients."),
    ({"load": 3}, "Maya Okafor is at capacity (3 of 3 places taken, counting offers not yet "
                  "answered)."),
    ({"has_profile": False},
     "Maya Okafor has no directory profile (licences, training and plans unknown)."),
])
def test_each_refusal_in_words(changes, message):
    assert messages(replace(GOOD, **changes)) == [message]


def test_a_lapsed_licence_names_its_expiry():
    lapsed = replace(GOOD, licences=(("CA", date(2026, 11, 23)), ("CA", date(2025, 1, 31)),
                                     ("OR", date(2027, 1, 1))))
    assert messages(lapsed) == [
        "Maya Okafor holds no current licence in CA (it expired on Nov 23, 2026)."]


def test_no_licence_in_the_state_names_where_the_clinician_is_licensed():
    elsewhere = replace(GOOD, licences=(("WA", DAY), ("OR", DAY + timedelta(days=1)),
                                        ("NV", DAY - timedelta(days=1))))
    assert messages(elsewhere) == [
        "Maya Okafor holds no current licence in CA (licensed in OR, WA)."]
    nowhere = replace(GOOD, licences=(("NV", DAY - timedelta(days=1)),))
    assert messages(nowhere) == ["Maya Okafor holds no current licence in CA (no current licence)."]


def test_the_licence_counts_through_its_expiry_day():
    today = replace(GOOD, licences=(("CA", DAY), ("CA", date(2026, 1, 1))))
    found = assess(today, INSURED, "therapist", DAY)
    assert found.eligible and found.basis[0] == "Licensed in CA until Nov 24, 2026"


def test_the_latest_current_licence_is_the_one_named():
    two = replace(GOOD, licences=(("CA", date(2027, 6, 30)), ("CA", date(2028, 6, 30)),
                                  ("OR", date(2029, 1, 1))))
    assert assess(two, INSURED, "therapist", DAY).basis[0] == "Licensed in CA until Jun 30, 2028"


def test_coverage_in_words():
    out_of_network = replace(GOOD, plan_ids=frozenset({8}))
    assert messages(out_of_network) == [
        "Maya Okafor is not in network with Aetna PPO (offer it as private pay if the patient "
        "agrees to pay out of network)."]
    unnamed = Placement(state="CA", plan_id=9)
    assert messages(out_of_network, unnamed) == [
        "Maya Okafor is not in network with the patient's plan (offer it as private pay if the "
        "patient agrees to pay out of network)."]
    no_cash = replace(GOOD, accepts_private_pay=False)
    assert messages(no_cash, Placement(state="CA", plan_id=None)) == [
        "Maya Okafor does not accept private pay."]
    assert messages(no_cash, Placement(state="CA", plan_id=8, private_pay=True)) == [
        "Maya Okafor does not accept private pay."]
    # In network with the plan is enough, whatever was agreed about paying.
    assert messages(no_cash, Placement(state="CA", plan_id=7, private_pay=True)) == []


def test_reasons_in_words():
    assert assess(GOOD, INSURED, "therapist", DAY).basis == (
        "Licensed in CA until Jun 30, 2027", "KAP-trained", "In network with Aetna PPO",
        "1 of 3 places taken")
    self_pay = Placement(state="CA", plan_id=None)
    assert assess(GOOD, self_pay, "prescriber", DAY).basis == (
        "Licensed in CA until Jun 30, 2027", "Accepts private pay", "1 of 3 places taken")
    # Insured but paying this clinician privately: private pay is the basis, not the plan.
    agreed = Placement(state="CA", plan_id=8, plan_label="Kaiser", private_pay=True)
    assert "Accepts private pay" in assess(GOOD, agreed, "therapist", DAY).basis


def test_without_the_profile_criterion_the_rest_is_still_checked():
    found = assess(replace(GOOD, has_profile=False, kap_trained=False), INSURED, "therapist",
                   DAY, criteria=("kap",))
    assert [r.criterion for r in found.refusals] == ["kap"]
