"""Care-team offers lapse unanswered after OFFER_EXPIRY_DAYS: a lapsed offer holds no place,
cannot be accepted, declined or withdrawn, shows as expired to both sides, and the daily
command (or a new offer for the same place) records the lapse."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.database import utcnow
from kapms.errors import RuleViolation
from kapms.network.matching import MatchRequest
from kapms.network.models import Referral
from kapms.network.services import referrals
from kapms.network.services.search import eligible_clinician_ids
from tests.network.helpers import TODAY, make_clinician, make_patient


def _lapse(offer, db):
    """Move the offer's expiry into the past (as if its days had gone by)."""
    offer.expires_at = utcnow() - timedelta(minutes=1)
    db.flush()


def test_an_offer_expires_after_the_setting(db, setup):
    admin, therapist, patient, _ = setup
    before = utcnow()
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY,
                                     expiry_days=3)
    assert before + timedelta(days=3) <= offer.expires_at <= utcnow() + timedelta(days=3)
    assert offer.is_open and offer.status_label == "Offered"
    with pytest.raises(ValueError):
        referrals.offer_referral(db, admin, make_patient(db, plan=patient.plan),
                                 make_clinician(db, plans=[patient.plan]), "therapist",
                                 today=TODAY, expiry_days=0)


def test_a_lapsed_offer_holds_no_place_and_cannot_be_answered(db, setup):
    admin, therapist, patient, plan = setup
    req = MatchRequest(state="CA", plan_id=plan.id, today=TODAY, modality="telehealth")
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    assert eligible_clinician_ids(db, req) == set()  # the open offer holds the one place
    _lapse(offer, db)
    assert offer.state == "expired" and offer.status_label == "Expired" and not offer.is_open
    assert eligible_clinician_ids(db, req) == {therapist.id}  # the place is free again
    assert referrals.pending_offers(db, therapist) == []
    assert referrals.coordinator_queue(db)[0] == []
    for answer in (lambda: referrals.accept_referral(db, therapist, offer, today=TODAY),
                   lambda: referrals.decline_referral(db, therapist, offer, "Full")):
        with pytest.raises(RuleViolation, match="expired unanswered"):
            answer()
    with pytest.raises(RuleViolation, match="already expired"):
        referrals.withdraw_referral(db, admin, offer)
    assert offer.status == "offered" and patient.care_team == []


def test_the_daily_command_records_the_lapse_once(app, db, setup):
    admin, therapist, patient, _ = setup
    other = make_patient(db, plan=patient.plan)
    lapsed = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    still_open = referrals.offer_referral(
        db, admin, other, make_clinician(db, plans=[patient.plan]), "therapist", today=TODAY)
    _lapse(lapsed, db)
    db.commit()
    result = app.test_cli_runner().invoke(args=["network", "expire-offers"])
    assert result.exit_code == 0 and "1 unanswered offer expired" in result.output
    db.expire_all()
    assert db.get(Referral, lapsed.id).status == "expired"
    assert db.get(Referral, lapsed.id).responded_at == db.get(Referral, lapsed.id).expires_at
    assert db.get(Referral, still_open.id).status == "offered"
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "referral",
                                                  AuditEvent.entity_id == str(lapsed.id),
                                                  AuditEvent.action == "update")).all()
    assert event.user_id is None and "daily expiry" in event.detail
    assert "0 unanswered offers expired" in app.test_cli_runner().invoke(
        args=["network", "expire-offers"]).output


def test_a_new_offer_for_the_place_records_the_lapsed_one(db, setup):
    admin, therapist, patient, plan = setup
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    _lapse(offer, db)
    other = make_clinician(db, plans=[plan])
    again = referrals.offer_referral(db, admin, patient, other, "therapist", today=TODAY)
    assert offer.status == "expired" and again.is_open
    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "referral",
                                                 AuditEvent.entity_id == str(offer.id))).all()
    assert any(e.user_id == admin.id and "new offer" in (e.detail or "") for e in events)


def test_both_sides_see_the_expiry(client, login, db, setup):
    admin, therapist, patient, _ = setup
    offer = referrals.offer_referral(db, admin, patient, therapist, "therapist", today=TODAY)
    db.commit()
    login(therapist)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="offer-expires"' in home
    page = client.get(f"/network/offers/{offer.id}").get_data(as_text=True)
    assert 'data-testid="offer-expiry"' in page and "Accept referral" in page
    _lapse(offer, db)
    db.commit()
    page = client.get(f"/network/offers/{offer.id}").get_data(as_text=True)
    assert "expired unanswered" in page and "Accept referral" not in page
    refused = client.post(f"/network/offers/{offer.id}/accept", follow_redirects=True)
    assert "expired unanswered" in refused.get_data(as_text=True)
    client.post("/logout")
    login(admin)
    team = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Expired" in team
