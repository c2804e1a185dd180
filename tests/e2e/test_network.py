"""The network in the browser, on the demo clinic: the coordinators' queue, a referral from
the queue through matching to the therapist's acceptance, the prescriber accepting a
colleague's invitation, and a care-team member flagged as no longer eligible."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def test_coordinator_queue_shows_who_waits_with_their_needs(page):
    sign_in(page, "admin")
    expect(page.get_by_test_id("waiting-link")).to_contain_text(
        "waiting for a therapist or prescriber")
    page.get_by_test_id("main-nav").get_by_role("link", name="Waiting patients").click()
    rows = page.get_by_test_id("waiting-row")
    lucia = rows.filter(has_text="Lucia Romero")
    for expected in ("Depression", "Telehealth", "Spanish", "Self-pay", "Find a therapist",
                     "Find a prescriber"):
        expect(lucia).to_contain_text(expected)
    owen = rows.filter(has_text="Owen Brooks")
    expect(owen).to_contain_text("Invitation to Daniel Reyes, PMHNP-BC (prescriber): Offered")
    expect(owen).not_to_contain_text("Find a therapist")  # Jordan Lee is his therapist
    page.get_by_role("link", name="Need a prescriber").click()
    expect(page.get_by_test_id("waiting-queue")).to_contain_text("Owen Brooks")


def test_admin_refers_noah_from_the_queue_and_therapist_accepts(page):
    sign_in(page, "admin")
    page.get_by_test_id("main-nav").get_by_role("link", name="Waiting patients").click()
    noah = page.get_by_test_id("waiting-row").filter(has_text="Noah Williams")
    expect(noah).to_contain_text("Urgent")
    expect(noah).to_contain_text("PTSD")
    noah.get_by_role("link", name="Find a therapist").click()

    results = page.get_by_test_id("match-results")
    maya = results.get_by_test_id("match-result").filter(has_text="Maya Okafor")
    expect(maya).to_contain_text("Specialises in PTSD")
    expect(maya).to_contain_text("In network with the patient's plan")
    maya.get_by_role("button", name="Offer to Maya Okafor").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, send the offer").click()

    panel = page.get_by_test_id("referral-panel")
    expect(panel).to_contain_text("Referral to Maya Okafor, LMFT as therapist — Offered")
    sign_out(page)

    sign_in(page, "therapist")
    offer = page.get_by_test_id("pending-offer").filter(has_text="Noah W.")
    offer.get_by_role("link", name="Review referral").click()
    expect(page.get_by_test_id("offer-status")).to_have_text("Offered")
    for need in ("PTSD, Trauma", "Urgent", "English"):
        expect(page.get_by_test_id("offer-needs")).to_contain_text(need)
    expect(page.get_by_test_id("offer-reasons")).to_contain_text("Specialises in PTSD")
    page.get_by_role("button", name="Accept referral").click()

    expect(page.get_by_test_id("patient-name")).to_have_text("Noah Williams")
    for shown in ("Maya Okafor", "Accepted a coordinator's referral"):
        expect(page.get_by_test_id("care-team")).to_contain_text(shown)
    expect(page.get_by_test_id("patient-stage")).to_have_text("Medical intake")
    page.goto("/")
    expect(page.get_by_test_id("referral-offers")).not_to_contain_text("Noah W.")


def test_prescriber_accepts_a_colleagues_invitation(page):
    sign_in(page, "prescriber")
    invitation = page.get_by_test_id("pending-offer").filter(has_text="Owen B.")
    expect(invitation).to_contain_text("Invitation from Jordan Lee")
    invitation.get_by_role("link", name="Review invitation").click()
    expect(page.get_by_test_id("offer-reasons")).to_contain_text("Invited by Jordan Lee")
    page.get_by_role("button", name="Accept invitation").click()
    page.wait_for_url(re.compile(r".*/patients/\d+$"))
    expect(page.get_by_test_id("patient-name")).to_have_text("Owen Brooks")
    for shown in ("Daniel Reyes", "Accepted a colleague's invitation"):
        expect(page.get_by_test_id("care-team")).to_contain_text(shown)


def test_a_member_no_longer_eligible_is_flagged(page):
    sign_in(page, "admin")
    page.get_by_test_id("main-nav").get_by_role("link", name="Patients", exact=True).click()
    page.get_by_role("link", name="Morales, Elena").click()
    ana = page.get_by_test_id("care-team-member").filter(has_text="Ana Silva")
    expect(ana).to_contain_text("No longer eligible")
    expect(ana).to_contain_text("is not in network with Blue Shield of California")
    page.get_by_test_id("care-team-panel").get_by_role("link", name="History and changes") \
        .click()
    expect(page.get_by_test_id("team-members")).to_contain_text("Remove or transfer Ana Silva")
