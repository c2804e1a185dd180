"""The patient portal in a real browser: a billing user invites Noah; the email arrives
(the worker writes it to the mail folder); on a phone Noah chooses a password, signs a
consent, fills the intake and answers a PHQ-9. And a dosing is refused while a required
consent is unsigned, until a clinician records the paper signature."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kapms.care.models import CareSession
from kapms.extensions import db
from kapms.patients.models import Patient
from tests.e2e.conftest import email_to, fill_password, link_path, record_paper_signature, sign_in

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}


def _patient_id(live_app, first_name: str) -> int:
    with live_app.app_context():
        return db.session.scalar(select(Patient.id).where(Patient.first_name == first_name))


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_invitation_to_portal_consent_intake_and_phq9_on_a_phone(page, browser, live_server,
                                                                 live_app):
    noah = _patient_id(live_app, "Noah")
    sign_in(page, "billing")
    page.goto(f"/patients/{noah}")
    panel = page.get_by_test_id("portal-panel")
    expect(panel).to_contain_text("Not invited yet")
    panel.get_by_label("Patient's email").fill("noah.williams@example.com")
    panel.get_by_role("button", name="Invite to the portal").click()
    expect(page.get_by_text("Invitation sent to noah.williams@example.com")).to_be_visible()

    email = email_to(live_app, "noah.williams@example.com", "patient portal")
    assert "Williams" not in email["Subject"]
    path = link_path(email)

    phone = browser.new_context(base_url=live_server, **PHONE)
    phone.set_default_timeout(10_000)
    mobile = phone.new_page()
    mobile.goto(path)
    expect(mobile.get_by_role("heading", name="Choose your password")).to_be_visible()
    mobile.get_by_label("New password").fill("tidepool lantern morning")
    mobile.get_by_label("Repeat the password").fill("tidepool lantern morning")
    mobile.get_by_role("button", name="Set my password").click()
    expect(mobile.get_by_text("Your password is set.")).to_be_visible()
    fill_password(mobile, "noah.williams@example.com", "tidepool lantern morning")
    expect(mobile.get_by_role("heading", name="Hello Noah")).to_be_visible()
    assert _no_sideways_scroll(mobile)

    todo = mobile.get_by_test_id("todo")
    todo.get_by_role("listitem").filter(has_text="Financial responsibility") \
        .get_by_role("link", name="Read and sign").click()
    expect(mobile.get_by_test_id("consent-text")).to_contain_text("I am responsible")
    mobile.get_by_label("Type your full name").fill("Noah Williams")
    mobile.get_by_label("I have read this document and I agree to it").check()
    mobile.get_by_role("button", name="Sign").click()
    expect(mobile.get_by_text("Signed: Financial responsibility agreement")).to_be_visible()
    expect(mobile.get_by_test_id("signed")).to_contain_text("Financial responsibility")
    mobile.get_by_role("link", name="Back").click()

    mobile.get_by_test_id("todo").get_by_role("link", name="Fill in").click()
    for group in mobile.get_by_role("radiogroup").all():
        group.get_by_text("No", exact=True).click()
    mobile.get_by_label("Medicines you take now").fill("Sertraline 50 mg daily")
    mobile.get_by_label("Emergency contact: name").fill("Ava Williams")
    mobile.get_by_label("Emergency contact: phone").fill("408-555-0177")
    assert _no_sideways_scroll(mobile)
    mobile.get_by_role("button", name="Send to my care team").click()
    expect(mobile.get_by_text("your answers were sent to your care team")).to_be_visible()

    mobile.get_by_test_id("todo").get_by_role("listitem").filter(has_text="PHQ-9") \
        .get_by_role("link", name="Answer").click()
    items = mobile.locator("fieldset.measure-item")
    expect(items).to_have_count(9)
    for n in range(9):  # a tap anywhere on an answer's row chooses it, even its far end
        row = items.nth(n).locator(".form-check-inline").filter(has_text="Several days")
        width = row.bounding_box()["width"]
        row.click(position={"x": width - 6, "y": 6})
        expect(row.get_by_role("radio")).to_be_checked()
    assert _no_sideways_scroll(mobile)
    mobile.get_by_role("button", name="Send my answers").click()
    expect(mobile.get_by_text("Thank you: your answers were sent")).to_be_visible()
    expect(mobile.get_by_test_id("todo")).not_to_contain_text("PHQ-9")
    phone.close()

    # Item 9 above 0 raised the alert: the care team's emails say no more than that.
    with live_app.app_context():
        from kapms.measures.models import SafetyAlert
        assert db.session.scalar(select(SafetyAlert.item9_answer).where(
            SafetyAlert.patient_id == noah)) == 1


def test_a_dosing_is_refused_until_the_required_consent_is_signed(page, live_app):
    marcus = _patient_id(live_app, "Marcus")
    with live_app.app_context():
        dosing = db.session.scalar(select(CareSession.id).where(
            CareSession.patient_id == marcus, CareSession.kind == "dosing",
            CareSession.status == "scheduled"))
    sign_in(page, "therapist")
    page.goto(f"/care/sessions/{dosing}")
    block = page.get_by_test_id("dosing-block")
    expect(block).to_contain_text("Dosing refused until consent is signed")
    expect(block).to_contain_text("KAP informed consent (version 2)")

    page.goto(f"/patients/{marcus}")
    record_paper_signature(page, "KAP informed consent")

    page.goto(f"/care/sessions/{dosing}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "consent" not in (page.get_by_test_id("dosing-block").all_inner_texts() or [""])[0]
