"""Referral offers: offer, accept (care team, capacity, stage), decline, withdraw."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.errors import NotFound, PermissionDenied, RuleViolation
from kapms.network.matching import MatchRequest
from kapms.network.models import Referral
from kapms.network.services import referrals
from kapms.network.services.search import eligible_clinician_ids
from tests.factories import make_user
from tests.network.helpers import TODAY, fill_caseload, make_clinician, make_patient, make_plan


@pytest.fixture
def setup(db):
    plan = make_plan(db)
    admin = make_user(db, roles=("admin",))
    therapist = make_clinician(db, plans=[plan], capacity=1)
    patient = make_patient(db, plan=plan)
    return admin, therapist, patient, plan


def test_accept_adds_to_care_team_counts_capacity_and_moves_stage(db, setup):
    admin, therapist, patient, plan = setup
    req = MatchRequest(state="CA", plan_id=plan.id, today=TODAY, modality="telehealth")
    assert eligible_clinician_ids(db, req) == {therapist.id}
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", note="PTSD",
                                     today=TODAY)
    assert referrals.pending_offers(db, therapist) == [offer]
    referrals.accept_referral(db, therapist, offer, today=TODAY)
    assert offer.status == "accepted" and offer.responded_at is not None
    assert [m.user_id for m in patient.care_team] == [therapist.id]
    assert patient.stage == "intake"
    assert eligible_clinician_ids(db, req) == set()  # capacity 1 is now used
    actions = db.scalars(select(AuditEvent.detail).where(
        AuditEvent.entity_type == "referral", AuditEvent.patient_id == patient.id)).all()
    assert any("offered" in a for a in actions) and any("accepted" in a for a in actions)


def test_double_accept_and_answering_closed_offers_are_refused(db, setup):
    admin, therapist, patient, _ = setup
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    referrals.accept_referral(db, therapist, offer, today=TODAY)
    with pytest.raises(RuleViolation, match="already accepted"):
        referrals.accept_referral(db, therapist, offer, today=TODAY)
    other = make_patient(db)
    second = referrals.offer_referral(db, admin, other, make_clinician(db), "therapist",
                                      today=TODAY)
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
    assert patient.care_team == [] and patient.stage == "referral"
    # Once declined, the coordinator may offer the patient to someone else.
    referrals.offer_referral(db, admin, patient, make_clinician(db), "therapist", today=TODAY)


def test_offer_rules(db, setup):
    admin, therapist, patient, _ = setup
    with pytest.raises(PermissionDenied):
        referrals.offer_referral(db, therapist, patient, therapist, "therapist", today=TODAY)
    oregon = make_clinician(db, states=("OR",))
    with pytest.raises(RuleViolation, match="no active licence in CA"):
        referrals.offer_referral(db, admin, patient, oregon, "therapist", today=TODAY)
    lapsed = make_clinician(db, expires=TODAY - timedelta(days=1))
    with pytest.raises(RuleViolation, match="no active licence"):
        referrals.offer_referral(db, admin, patient, lapsed, "therapist", today=TODAY)
    with pytest.raises(RuleViolation, match="not an active prescriber"):
        referrals.offer_referral(db, admin, patient, therapist, "prescriber", today=TODAY)
    referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    with pytest.raises(RuleViolation, match="open therapist offer"):
        referrals.offer_referral(db, admin, patient, make_clinician(db), "therapist",
                                 today=TODAY)


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
    fill_caseload(db, therapist, 1)
    with pytest.raises(RuleViolation, match="capacity"):
        referrals.accept_referral(db, therapist, offer, today=TODAY)
    assert offer.status == "offered"


def test_prescriber_assignment_by_state_licence(db, setup):
    admin, _, patient, _ = setup
    prescriber = make_clinician(db, kind="prescriber", states=("CA", "OR"))
    offer = referrals.offer_referral(db, admin, patient, prescriber, "prescriber", today=TODAY)
    referrals.accept_referral(db, prescriber, offer, today=TODAY)
    assert patient.members("prescriber") == [prescriber] and patient.stage == "intake"


def test_accept_refused_when_the_patient_got_a_clinician_meanwhile(db, setup):
    from kapms.patients.services import add_to_care_team

    admin, therapist, patient, _ = setup
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    add_to_care_team(db, admin, patient, make_clinician(db), "therapist")
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
