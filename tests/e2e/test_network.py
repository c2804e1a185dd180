"""An admin finds a therapist for a demo patient and refers them; the therapist accepts."""

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_admin_refers_noah_and_therapist_accepts(page):
    sign_in(page, "admin")
    page.get_by_test_id("main-nav").get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Williams, Noah").click()
    page.get_by_test_id("referral-panel").get_by_role("link", name="Find a therapist").click()

    results = page.get_by_test_id("match-results")
    maya = results.get_by_test_id("match-result").filter(has_text="Maya Okafor")
    assert "Specialises in PTSD" in maya.inner_text()
    assert "In network with the patient's plan" in maya.inner_text()
    maya.get_by_role("button", name="Offer to Maya Okafor").click()

    panel = page.get_by_test_id("referral-panel")
    assert "Maya Okafor, LMFT — Offered" in panel.inner_text()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "therapist")
    offers = page.get_by_test_id("referral-offers")
    offers.get_by_role("link", name="Review offer").click()
    assert page.get_by_test_id("offer-status").inner_text() == "Offered"
    page.get_by_role("button", name="Accept referral").click()

    assert page.get_by_test_id("patient-name").inner_text() == "Noah Williams"
    assert "Maya Okafor" in page.get_by_test_id("care-team").inner_text()
    assert page.get_by_test_id("patient-stage").inner_text() == "Medical intake"
    assert "Accepted" in page.get_by_test_id("referral-panel").inner_text()
    page.goto("/")
    assert "No pending offers." in page.get_by_test_id("referral-offers").inner_text()
