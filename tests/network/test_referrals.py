"""Offers: a coordinator's referral or a colleague's invitation; accept (care team, capacity,
audited as the clinician), decline, withdraw."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.errors import NotFound, PermissionDenied, RuleViolation
from kapms.network.matching import MatchRequest
from kapms.network.models import Referral
from kapms.network.services import referrals
from kapms.network.services.search import eligible_clinician_ids
from tests.network.helpers import TODAY, fill_caseload, make_clinician, make_patient


def plan_of(patient):
    return patient.plan


def therapist_expiry(db, therapist):
    from kapms.network.services import profile_for

    return profile_for(db, therapist.id).licences[0].expires_on


def test_accept_adds_to_care_team_and_counts_capacity(db, setup):
    admin, therapist, patient, plan = setup
    req = MatchRequest(state="CA", plan_id=plan.id, today=TODAY, modality="telehealth")
    assert eligible_clinician_ids(db, req) == {therapist.id}
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", note="PTSD",
                                     today=TODAY)
    assert referrals.pending_offers(db, therapist) == [offer]
    assert eligible_clinician_ids(db, req) == set()  # the open offer holds the one place
    referrals.accept_referral(db, therapist, offer, today=TODAY)
    assert offer.status == "accepted" and offer.responded_at is not None
    [member] = patient.care_team
    assert (member.user_id, member.joined_via, member.added_by_id) == (
        therapist.id, "referral", therapist.id)
    assert f"Licensed in CA until {therapist_expiry(db, therapist):%b %d, %Y}" in member.basis
    assert eligible_clinician_ids(db, req) == set()  # capacity 1 is now used by the patient
    events = db.scalars(select(AuditEvent).where(AuditEvent.patient_id == patient.id)).all()
    assert any("offered" in (e.detail or "") for e in events)
    accepted = [e for e in events if "accepted" in (e.detail or "") or e.entity_type == "care_team"]
    assert len(accepted) == 2 and {e.user_id for e in accepted} == {therapist.id}


def test_double_accept_and_answering_closed_offers_are_refused(db, setup):
    admin, therapist, patient, _ = setup
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    referrals.accept_referral(db, therapist, offer, today=TODAY)
    with pytest.raises(RuleViolation, match="already accepted"):
        referrals.accept_referral(db, therapist, offer, today=TODAY)
    other = make_patient(db, plan=plan_of(patient))
    second = referrals.offer_referral(db, admin, other, make_clinician(
        db, plans=[plan_of(patient)]), "therapist", today=TODAY)
    referrals.withdraw_referral(db, admin, second)
    with pytest.raises(RuleViolation, match="already withdrawn"):
        referrals.accept_referral(db, second.clinician, second, today=TODAY)


def test_decline_needs_a_reason_and_closes_the_offer(db, setup):
    admin, therapist, patient, _ = setup
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    with pytest.raises(RuleViolation, match="why"):
        referrals.decline_referral(db, therapist, offer, "  ")
    referrals.decline_referral(db, therapist, offer, "No evening availability")
    assert offer.status == "declined" and offer.decline_reason == "No evening availability"
    with pytest.raises(RuleViolation, match="already declined"):
        referrals.accept_referral(db, therapist, offer, today=TODAY)
    assert patient.care_team == []
    # Once declined, the coordinator may offer the patient to someone else.
    referrals.offer_referral(db, admin, patient, make_clinician(db, plans=[plan_of(patient)]),
                             "therapist", today=TODAY)


def test_offer_rules(db, setup):
    admin, therapist, patient, plan = setup
    with pytest.raises(PermissionDenied):
        referrals.offer_referral(db, therapist, patient, therapist, "therapist", today=TODAY)
    oregon = make_clinician(db, states=("OR",), plans=[plan])
    with pytest.raises(RuleViolation, match="holds no current licence in CA"):
        referrals.offer_referral(db, admin, patient, oregon, "therapist", today=TODAY)
    lapsed = make_clinician(db, expires=TODAY - timedelta(days=1), plans=[plan])
    with pytest.raises(RuleViolation, match="expired on"):
        referrals.offer_referral(db, admin, patient, lapsed, "therapist", today=TODAY)
    with pytest.raises(RuleViolation, match="not an active prescriber"):
        referrals.offer_referral(db, admin, patient, therapist, "prescriber", today=TODAY)
    referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    with pytest.raises(RuleViolation, match="open therapist offer"):
        referrals.offer_referral(db, admin, patient, make_clinician(db, plans=[plan]),
                                 "therapist", today=TODAY)


def test_only_the_offered_clinician_answers_and_sees_it(db, setup):
    admin, therapist, patient, _ = setup
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    stranger = make_clinician(db)
    with pytest.raises(PermissionDenied):
        referrals.accept_referral(db, stranger, offer, today=TODAY)
    with pytest.raises(NotFound):
        referrals.get_referral(db, stranger, offer.id)
    assert referrals.get_referral(db, therapist, offer.id) is offer


def test_accept_at_capacity_is_refused(db, setup):
    admin, therapist, patient, _ = setup
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    fill_caseload(db, therapist, 1)  # the one place went elsewhere meanwhile
    with pytest.raises(RuleViolation, match=r"at capacity \(1 of 1 places taken"):
        referrals.accept_referral(db, therapist, offer, today=TODAY)
    assert offer.status == "offered"


def test_prescriber_referral_needs_licence_and_plan(db, setup):
    admin, _, patient, plan = setup
    outside = make_clinician(db, kind="prescriber", states=("CA", "OR"))
    with pytest.raises(RuleViolation, match="not in network with Aetna"):
        referrals.offer_referral(db, admin, patient, outside, "prescriber", today=TODAY)
    prescriber = make_clinician(db, kind="prescriber", states=("CA", "OR"), plans=[plan],
                                kap_course=None, kap_trained_on=None)  # no KAP rule for them
    offer = referrals.offer_referral(db, admin, patient, prescriber, "prescriber", today=TODAY)
    referrals.accept_referral(db, prescriber, offer, today=TODAY)
    assert patient.members("prescriber") == [prescriber]


def test_accept_refused_when_the_patient_got_a_clinician_meanwhile(db, setup):
    from kapms.network.services.care_teams import assign_member

    admin, therapist, patient, plan = setup
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    assign_member(db, admin, patient, make_clinician(db, plans=[plan]), "therapist", day=TODAY)
    with pytest.raises(RuleViolation, match="already has a therapist"):
        referrals.accept_referral(db, therapist, offer, today=TODAY)


def test_concurrent_answer_is_a_conflict_not_a_double(db, setup):
    from sqlalchemy import update

    from kapms.errors import ConflictError

    admin, therapist, patient, _ = setup
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    db.flush()
    # Another request answers meanwhile: the row's version moves on under our feet.
    db.execute(update(Referral).where(Referral.id == offer.id)
               .values(status="withdrawn", version=Referral.version + 1)
               .execution_options(synchronize_session=False))
    with pytest.raises(ConflictError):
        referrals.accept_referral(db, therapist, offer, today=TODAY)


def test_the_database_allows_one_open_offer_per_patient_and_role(db, setup):
    """The service checks first; the unique index catches two coordinators at once."""
    from sqlalchemy.exc import IntegrityError

    _, clinician, patient, _ = setup
    db.add(Referral(patient_id=patient.id, clinician_id=clinician.id, role="therapist",
                    status="declined"))
    db.add(Referral(patient_id=patient.id, clinician_id=clinician.id, role="therapist"))
    db.flush()  # a declined one beside an open one is fine
    db.add(Referral(patient_id=patient.id, clinician_id=clinician.id, role="therapist"))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
