"""Matching against the directory in SQL: each eligibility rule, ranking, empty results."""

from datetime import timedelta

from kapms.network.matching import MatchRequest
from kapms.network.services.referrals import offer_referral
from kapms.network.services.search import (
    eligible_clinician_ids,
    eligible_clinicians,
    match_request,
)
from tests.factories import make_user
from tests.network.helpers import (
    OAKLAND,
    SACRAMENTO,
    SF,
    TODAY,
    fill_caseload,
    make_clinician,
    make_patient,
    make_plan,
)


def request(plan=None, **kw) -> MatchRequest:
    values = dict(state="CA", plan_id=plan.id if plan else None, today=TODAY,
                  modality="telehealth", latitude=SF[0], longitude=SF[1],
                  max_distance_miles=25.0)
    values.update(kw)
    return MatchRequest(**values)


def test_an_eligible_therapist_is_found(db):
    plan = make_plan(db)
    ok = make_clinician(db, plans=[plan])
    assert eligible_clinician_ids(db, request(plan)) == {ok.id}


def test_expired_licence_does_not_count(db):
    plan = make_plan(db)
    make_clinician(db, plans=[plan], expires=TODAY - timedelta(days=1))
    still = make_clinician(db, plans=[plan], expires=TODAY)
    assert eligible_clinician_ids(db, request(plan)) == {still.id}


def test_licence_in_a_different_state_does_not_count(db):
    plan = make_plan(db)
    make_clinician(db, plans=[plan], states=("OR",))
    both = make_clinician(db, plans=[plan], states=("OR", "CA"))
    assert eligible_clinician_ids(db, request(plan)) == {both.id}
    assert len(eligible_clinician_ids(db, request(plan, state="OR"))) == 2


def test_full_capacity_excludes_until_a_place_frees(db):
    plan = make_plan(db)
    full = make_clinician(db, plans=[plan], capacity=2)
    fill_caseload(db, full, 2)
    assert eligible_clinician_ids(db, request(plan)) == set()
    fill_caseload(db, make_clinician(db, kind="prescriber"), 3, role="prescriber")
    from kapms.patients.models import CareTeamMember

    db.query(CareTeamMember).filter_by(user_id=full.id).first().active = False
    db.flush()
    assert eligible_clinician_ids(db, request(plan)) == {full.id}


def test_plan_not_accepted_and_private_pay(db):
    aetna, cigna = make_plan(db), make_plan(db, "Cigna", "LocalPlus")
    in_network = make_clinician(db, plans=[aetna])
    cash = make_clinician(db, plans=[], accepts_private_pay=True, private_pay_rate_cents=18000)
    assert eligible_clinician_ids(db, request(cigna)) == set()
    assert eligible_clinician_ids(db, request(aetna)) == {in_network.id}
    assert eligible_clinician_ids(db, request(None)) == {cash.id}


def test_not_kap_trained_or_not_accepting_or_inactive(db):
    plan = make_plan(db)
    make_clinician(db, plans=[plan], kap_course=None, kap_trained_on=None)
    make_clinician(db, plans=[plan], accepting_new=False)
    gone = make_clinician(db, plans=[plan])
    gone.active = False
    db.flush()
    assert eligible_clinician_ids(db, request(plan)) == set()


def test_modality_and_distance(db):
    plan = make_plan(db)
    office = dict(in_office=True, office_address="1 Broadway", plans=[plan])
    near = make_clinician(db, telehealth=False, latitude=OAKLAND[0], longitude=OAKLAND[1],
                          **office)
    far = make_clinician(db, telehealth=False, latitude=SACRAMENTO[0],
                         longitude=SACRAMENTO[1], **office)
    tele = make_clinician(db, plans=[plan], telehealth=True)
    assert eligible_clinician_ids(db, request(plan, modality="in_office")) == {near.id}
    assert eligible_clinician_ids(db, request(plan, modality="in_office",
                                              max_distance_miles=100)) == {near.id, far.id}
    assert eligible_clinician_ids(db, request(plan, modality="telehealth")) == {tele.id}
    assert eligible_clinician_ids(db, request(plan, modality="either")) == {near.id, tele.id}


def test_ranked_results_explain_themselves(db):
    plan = make_plan(db)
    fit = make_clinician(db, name="Fit Therapist", plans=[plan], specialties=["ptsd"],
                         languages=["English", "Spanish"])
    make_clinician(db, name="Other Therapist", plans=[plan], specialties=["grief"])
    outcome = match_request(db, request(plan, needs=frozenset({"ptsd"}), language="Spanish"))
    assert [r.candidate.clinician_id for r in outcome.results][0] == fit.id
    assert outcome.eligible_count == 2 and outcome.emptied_by is None
    top = outcome.results[0]
    assert "Speaks Spanish" in top.reasons and "In network with the patient's plan" in top.reasons
    assert outcome.results[1].lacks[0] == "No listed specialty in PTSD"


def test_nobody_eligible_names_the_criterion_and_alternatives(db):
    aetna, cigna = make_plan(db), make_plan(db, "Cigna", "LocalPlus")
    cash = make_clinician(db, name="Cash Only", plans=[aetna], accepts_private_pay=True,
                          private_pay_rate_cents=20000)
    outcome = match_request(db, request(cigna))
    assert outcome.results == [] and outcome.emptied_by == "insurance"
    assert "plan" in outcome.emptied_by_label
    alt = {a.key: a for a in outcome.alternatives}
    assert [r.candidate.clinician_id for r in alt["out_of_network"].results] == [cash.id]
    assert "Private pay $200 per session" in alt["out_of_network"].results[0].reasons


def test_nobody_in_reach_offers_telehealth_and_farther(db):
    plan = make_plan(db)
    far = make_clinician(db, plans=[plan], in_office=True, office_address="Capitol Mall",
                         latitude=SACRAMENTO[0], longitude=SACRAMENTO[1], telehealth=True)
    outcome = match_request(db, request(plan, modality="in_office", max_distance_miles=30))
    assert outcome.emptied_by == "modality"
    keys = [a.key for a in outcome.alternatives]
    assert keys == ["telehealth", "farther"]
    assert all(a.results[0].candidate.clinician_id == far.id for a in outcome.alternatives)


def test_empty_by_licence_and_waitlist(db):
    plan = make_plan(db)
    make_clinician(db, plans=[plan], states=("NY",))
    assert match_request(db, request(plan)).emptied_by == "licence"
    busy = make_clinician(db, plans=[plan], accepting_new=False)
    outcome = match_request(db, request(plan))
    assert outcome.emptied_by == "accepting"
    waitlist = [a for a in outcome.alternatives if a.key == "waitlist"][0]
    assert waitlist.results[0].candidate.clinician_id == busy.id


def test_prescribers_by_the_care_team_rule(db):
    plan = make_plan(db)
    ca = make_clinician(db, kind="prescriber", states=("CA", "OR"), capacity=2, plans=[plan])
    make_clinician(db, kind="prescriber", states=("WA",), plans=[plan])
    full = make_clinician(db, kind="prescriber", states=("CA",), capacity=1, plans=[plan])
    fill_caseload(db, full, 1, role="prescriber")
    make_clinician(db, kind="prescriber", states=("CA",))  # not in network with the plan

    def ids(state, plan_id):
        rows, emptied_by = eligible_clinicians(
            db, MatchRequest(state=state, plan_id=plan_id, today=TODAY), "prescriber")
        return [p.user_id for p, _ in rows], emptied_by

    assert ids("CA", plan.id) == ([ca.id], None)
    assert ids("OR", plan.id) == ([ca.id], None)
    assert ids("NY", plan.id) == ([], "licence")
    assert ids("WA", None) == ([], "insurance")  # nobody takes private pay


def test_an_open_offer_holds_a_place(db):
    """Capacity counts offers not yet answered, in matching as at the door."""
    plan = make_plan(db)
    therapist = make_clinician(db, plans=[plan], capacity=1)
    assert eligible_clinician_ids(db, request(plan)) == {therapist.id}
    admin = make_user(db, roles=("admin",))
    offer_referral(db, admin, make_patient(db, plan=plan), therapist, "therapist", today=TODAY)
    assert eligible_clinician_ids(db, request(plan)) == set()


def test_next_opening_is_computed_in_sql_like_the_pure_rule(db):
    from datetime import time

    from kapms.network.matching import next_open_date

    for weekdays in ([1], [2, 5], [0, 6], []):
        clinician = make_clinician(db, availability=[(d, time(9), time(10)) for d in weekdays])
        outcome = match_request(db, request(None, modality="telehealth"))
        assert outcome.results == []  # nobody takes self-pay; use the plan-free waitlist
        from kapms.network.matching import CRITERIA
        from kapms.network.services.search import _candidates, _rows

        rows = [r for r in _rows(db, request(None), [c for c in CRITERIA if c != "insurance"])
                if r[0].user_id == clinician.id]
        [candidate] = _candidates(request(None), rows)
        assert candidate.next_available == next_open_date(set(weekdays), TODAY)
