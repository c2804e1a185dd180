"""Every door into a care team refuses an ineligible clinician with a plain reason, unless an
admin overrides it with a recorded reason; prescriptions need a licence where the patient is.

Doors: matching, a coordinator's referral, an admin's direct assignment, a colleague's
invitation, a therapist registering their own client, an admin registering with a
therapist, the clinician accepting (checked again), and a transfer's successor
(tests/network/test_departures.py).
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.care import services as care
from kapms.errors import PermissionDenied, RuleViolation
from kapms.network.matching import MatchRequest
from kapms.network.services import care_teams, referrals
from kapms.network.services.search import eligible_clinician_ids, eligible_clinicians
from kapms.patients.services import PatientInput, register_patient
from tests.factories import make_user
from tests.network.helpers import TODAY, make_clinician, make_patient, make_plan


@pytest.fixture
def clinic(db):
    """A CA patient on Aetna, an admin, and clinicians each failing one criterion."""
    plan = make_plan(db)
    c = type("Clinic", (), {})()
    c.plan, c.admin = plan, make_user(db, roles=("admin",))
    c.patient = make_patient(db, plan=plan)
    c.eligible = make_clinician(db, name="Ellie Gibble", plans=[plan])
    c.new_yorker = make_clinician(db, name="Nora York", states=("NY",), plans=[plan])
    c.untrained = make_clinician(db, name="Una Trained", plans=[plan], kap_course=None,
                                 kap_trained_on=None)
    c.out_of_network = make_clinician(db, name="Otto Network")
    c.full = make_clinician(db, name="Phil Full", plans=[plan], capacity=0)
    return c


def ineligible(c):
    return {c.new_yorker: "holds no current licence in CA", c.untrained: "is not KAP-trained",
            c.out_of_network: "is not in network with Aetna", c.full: "is at capacity"}


def test_matching_lists_only_eligible_clinicians(db, clinic):
    req = MatchRequest(state="CA", plan_id=clinic.plan.id, today=TODAY, modality="telehealth")
    assert eligible_clinician_ids(db, req) == {clinic.eligible.id}
    rows, _ = eligible_clinicians(db, req, "therapist")  # the patient page's list
    assert [p.user_id for p, _ in rows] == [clinic.eligible.id]


def test_direct_assignment_refuses_with_the_reason_unless_overridden(db, clinic):
    for clinician, reason in ineligible(clinic).items():
        with pytest.raises(RuleViolation, match=reason) as refused:
            care_teams.assign_member(db, clinic.admin, clinic.patient, clinician, "therapist",
                                     day=TODAY)
        assert refused.value.field == "override_reason"  # the form asks for the override
    assert clinic.patient.care_team == []
    member = care_teams.assign_member(db, clinic.admin, clinic.patient, clinic.new_yorker,
                                      "therapist", day=TODAY,
                                      override_reason="Moving to CA; licence pending")
    assert member.override_reason == "Moving to CA; licence pending"
    assert member.joined_via == "assignment" and member.added_by_id == clinic.admin.id
    detail = db.scalar(select(AuditEvent.detail).where(AuditEvent.entity_type == "care_team"))
    assert "holds no current licence in CA" in detail and "Moving to CA" in detail
    ok = care_teams.assign_member(db, clinic.admin, clinic.patient, clinic.eligible,
                                  "therapist", day=TODAY)
    assert ok.override_reason is None and "KAP-trained" in ok.basis


def test_only_admins_assign_and_a_deactivated_account_is_never_overridden(db, clinic):
    member = make_clinician(db)
    with pytest.raises(PermissionDenied):
        care_teams.assign_member(db, member, clinic.patient, clinic.eligible, "therapist",
                                 day=TODAY)
    clinic.eligible.active = False
    with pytest.raises(RuleViolation, match="account is deactivated") as refused:
        care_teams.assign_member(db, clinic.admin, clinic.patient, clinic.eligible,
                                 "therapist", day=TODAY, override_reason="Please")
    assert refused.value.field is None


def test_private_pay_is_an_agreement_the_place_keeps(db, clinic):
    payer = make_clinician(db, accepts_private_pay=True, private_pay_rate_cents=15000)
    with pytest.raises(RuleViolation, match="not in network"):
        care_teams.assign_member(db, clinic.admin, clinic.patient, payer, "therapist",
                                 day=TODAY)
    member = care_teams.assign_member(db, clinic.admin, clinic.patient, payer, "therapist",
                                      day=TODAY, private_pay=True)
    assert member.private_pay and "Accepts private pay" in member.basis


def test_referral_refuses_unless_overridden_and_the_override_carries_to_acceptance(db, clinic):
    for clinician, reason in ineligible(clinic).items():
        with pytest.raises(RuleViolation, match=reason):
            referrals.offer_referral(db, clinic.admin, clinic.patient, clinician, "therapist",
                                     today=TODAY)
    offer = referrals.offer_referral(db, clinic.admin, clinic.patient, clinic.untrained,
                                     "therapist", today=TODAY,
                                     override_reason="Training completes next week")
    referrals.accept_referral(db, clinic.untrained, offer, today=TODAY)
    [member] = clinic.patient.care_team
    assert member.override_reason == "Training completes next week"


def test_acceptance_checks_again(db, clinic):
    lapsing = make_clinician(db, plans=[clinic.plan], expires=TODAY + timedelta(days=30))
    offer = referrals.offer_referral(db, clinic.admin, clinic.patient, lapsing, "therapist",
                                     today=TODAY)
    later = TODAY + timedelta(days=31)  # the licence lapsed before the answer
    with pytest.raises(RuleViolation, match="expired on"):
        referrals.accept_referral(db, lapsing, offer, today=later)
    assert offer.status == "offered" and clinic.patient.care_team == []


def test_invitation_by_a_member_needs_an_eligible_colleague_and_acceptance(db, clinic):
    maya = make_clinician(db, plans=[clinic.plan])
    care_teams.assign_member(db, clinic.admin, clinic.patient, maya, "therapist", day=TODAY)
    prescriber = make_clinician(db, kind="prescriber", plans=[clinic.plan])
    oregon_prescriber = make_clinician(db, kind="prescriber", states=("OR",),
                                       plans=[clinic.plan])
    with pytest.raises(PermissionDenied):  # only members invite
        referrals.invite_colleague(db, clinic.eligible, clinic.patient, prescriber,
                                   "prescriber", today=TODAY)
    with pytest.raises(RuleViolation, match="holds no current licence in CA") as refused:
        referrals.invite_colleague(db, maya, clinic.patient, oregon_prescriber, "prescriber",
                                   today=TODAY)
    assert refused.value.field is None  # clinicians cannot override
    invitation = referrals.invite_colleague(db, maya, clinic.patient, prescriber,
                                            "prescriber", note="Intake please", today=TODAY)
    assert invitation.kind == "invitation" and clinic.patient.members("prescriber") == []
    assert invitation.reason_lines[0] == f"Invited by {maya.display_name}"
    referrals.accept_referral(db, prescriber, invitation, today=TODAY)
    [member] = [m for m in clinic.patient.care_team if m.role == "prescriber"]
    assert member.joined_via == "invitation" and member.added_by_id == prescriber.id


def test_the_inviter_may_withdraw_their_invitation(db, clinic):
    maya = make_clinician(db, plans=[clinic.plan])
    care_teams.assign_member(db, clinic.admin, clinic.patient, maya, "therapist", day=TODAY)
    invitation = referrals.invite_colleague(db, maya, clinic.patient, clinic.eligible,
                                            "therapist", today=TODAY)
    with pytest.raises(PermissionDenied):
        referrals.withdraw_referral(db, clinic.eligible, invitation)
    referrals.withdraw_referral(db, maya, invitation)
    assert invitation.status == "withdrawn"


def _input(**kw) -> PatientInput:
    values = dict(first_name="Rosa", last_name="Diaz", date_of_birth=date(1987, 2, 3),
                  address_line1="5 Elm St", city="Oakland", state="CA", postal_code="94610")
    values.update(kw)
    return PatientInput(**values)


def test_registration_is_a_door_too(db, clinic):
    db.commit()
    with pytest.raises(RuleViolation, match="holds no current licence in CA"):
        register_patient(db, clinic.new_yorker, _input(plan_id=clinic.plan.id, member_id="M1"))
    db.rollback()  # as the request would: nothing half-saved
    with pytest.raises(RuleViolation, match="is not in network with Aetna"):
        register_patient(db, clinic.admin, _input(plan_id=clinic.plan.id, member_id="M1"),
                         therapist=clinic.out_of_network)
    db.rollback()
    closed = make_clinician(db, plans=[clinic.plan], accepting_new=False)
    patient = register_patient(db, closed, _input(last_name="Own", plan_id=clinic.plan.id,
                                                  member_id="M2"))
    [member] = patient.care_team  # their own client: "not accepting" is their call
    assert member.joined_via == "registration" and member.user_id == closed.id


def test_prescriptions_need_a_current_licence_in_the_patients_state(db, clinic):
    """21 CFR 1306.03: registered (licensed) where the patient is, on the issue date."""
    therapist = make_clinician(db, plans=[clinic.plan])
    expires = TODAY + timedelta(days=30)
    oregon = make_clinician(db, kind="prescriber", states=("OR",), plans=[clinic.plan])
    patient = make_patient(db, plan=clinic.plan)
    for user, role in ((therapist, "therapist"), (oregon, "prescriber")):
        care_teams.assign_member(db, clinic.admin, patient, user, role, day=TODAY,
                                 override_reason="Consulting psychiatrist")
    care.save_prescriber_profile(db, oregon, "AB1234563", "1 Clinic Way, Portland OR")
    data = care.PrescriptionInput(issued_on=TODAY, drug_name="Ketamine HCl", strength="100 mg",
                                  dosage_form="sublingual troche", quantity=6,
                                  directions="One troche as directed in session")
    with pytest.raises(RuleViolation, match=r"no current licence in CA.*1306\.03"):
        care.record_prescription(db, oregon, patient, data)
    california = make_clinician(db, kind="prescriber", states=("CA",), expires=expires,
                                plans=[clinic.plan])
    care_teams.assign_member(db, clinic.admin, patient, california, "prescriber", day=TODAY)
    care.save_prescriber_profile(db, california, "AB1234563", "1 Clinic Way, Oakland CA")
    assert care.record_prescription(db, california, patient, data).prescriber_id == \
        california.id
    late = care.PrescriptionInput(**{**data.__dict__, "issued_on": expires + timedelta(1)})
    with pytest.raises(RuleViolation, match="expired on"):
        care.record_prescription(db, california, patient, late)
