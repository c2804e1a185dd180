"""The network in the browser, on the demo clinic: the coordinators' queue, a referral from
the queue through matching to the therapist's acceptance, the prescriber accepting a
colleague's invitation, and a care-team member flagged as no longer eligible."""

import re

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def test_coordinator_queue_shows_who_waits_with_their_needs(page):
    sign_in(page, "admin")
    assert "waiting for a therapist or prescriber" in page.get_by_test_id("waiting-link") \
        .inner_text()
    page.get_by_test_id("main-nav").get_by_role("link", name="Waiting patients").click()
    rows = page.get_by_test_id("waiting-row")
    lucia = rows.filter(has_text="Lucia Romero")
    for expected in ("Depression", "Telehealth", "Spanish", "Self-pay", "Find a therapist",
                     "Find a prescriber"):
        assert expected in lucia.inner_text(), expected
    owen = rows.filter(has_text="Owen Brooks")
    assert "Invitation to Daniel Reyes, PMHNP-BC (prescriber): Offered" in owen.inner_text()
    assert "Find a therapist" not in owen.inner_text()  # Jordan Lee is his therapist
    page.get_by_role("link", name="Need a prescriber").click()
    assert "Owen Brooks" in page.get_by_test_id("waiting-queue").inner_text()


def test_admin_refers_noah_from_the_queue_and_therapist_accepts(page):
    sign_in(page, "admin")
    page.get_by_test_id("main-nav").get_by_role("link", name="Waiting patients").click()
    noah = page.get_by_test_id("waiting-row").filter(has_text="Noah Williams")
    assert "Urgent" in noah.inner_text() and "PTSD" in noah.inner_text()
    noah.get_by_role("link", name="Find a therapist").click()

    results = page.get_by_test_id("match-results")
    maya = results.get_by_test_id("match-result").filter(has_text="Maya Okafor")
    assert "Specialises in PTSD" in maya.inner_text()
    assert "In network with the patient's plan" in maya.inner_text()
    maya.get_by_role("button", name="Offer to Maya Okafor").click()

    panel = page.get_by_test_id("referral-panel")
    assert "Referral to Maya Okafor, LMFT as therapist — Offered" in panel.inner_text()
    sign_out(page)

    sign_in(page, "therapist")
    offer = page.get_by_test_id("pending-offer").filter(has_text="Noah W.")
    offer.get_by_role("link", name="Review referral").click()
    assert page.get_by_test_id("offer-status").inner_text() == "Offered"
    needs = page.get_by_test_id("offer-needs").inner_text()
    assert "PTSD, Trauma" in needs and "Urgent" in needs and "English" in needs
    assert "Specialises in PTSD" in page.get_by_test_id("offer-reasons").inner_text()
    page.get_by_role("button", name="Accept referral").click()

    assert page.get_by_test_id("patient-name").inner_text() == "Noah Williams"
    team = page.get_by_test_id("care-team").inner_text()
    assert "Maya Okafor" in team and "Accepted a coordinator's referral" in team
    assert page.get_by_test_id("patient-stage").inner_text() == "Medical intake"
    page.goto("/")
    assert "Noah W." not in page.get_by_test_id("referral-offers").inner_text()


def test_prescriber_accepts_a_colleagues_invitation(page):
    sign_in(page, "prescriber")
    invitation = page.get_by_test_id("pending-offer").filter(has_text="Owen B.")
    assert "Invitation from Jordan Lee" in invitation.inner_text()
    invitation.get_by_role("link", name="Review invitation").click()
    assert "Invited by Jordan Lee" in page.get_by_test_id("offer-reasons").inner_text()
    page.get_by_role("button", name="Accept invitation").click()
    page.wait_for_url(re.compile(r".*/patients/\d+$"))
    assert page.get_by_test_id("patient-name").inner_text() == "Owen Brooks"
    team = page.get_by_test_id("care-team").inner_text()
    assert "Daniel Reyes" in team and "Accepted a colleague's invitation" in team


def test_a_member_no_longer_eligible_is_flagged(page):
    sign_in(page, "admin")
    page.get_by_test_id("main-nav").get_by_role("link", name="Patients", exact=True).click()
    page.get_by_role("link", name="Morales, Elena").click()
    ana = page.get_by_test_id("care-team-member").filter(has_text="Ana Silva")
    assert "No longer eligible" in ana.inner_text()
    assert "is not in network with Blue Shield of California" in ana.inner_text()
    page.get_by_test_id("care-team-panel").get_by_role("link", name="History and changes") \
        .click()
    assert "Remove or transfer Ana Silva" in page.get_by_test_id("team-members").inner_text()
