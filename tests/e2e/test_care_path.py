"""One patient walks the care path in the browser: referral (registered by the demo
therapist, who invites the demo prescriber, who accepts), the consents signed on paper,
clearance by the prescriber (every screen item answered), a preparation session, a dosing
checked in and given today (with the "Now" buttons), an integration booked and
rescheduled; the therapist signs the dosing note and downloads the PDF. The whole dosing
day on a tablet is tests/e2e/test_dosing_day.py."""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from kapms.config import Config
from tests.e2e.conftest import record_paper_signature, sign_in

pytestmark = pytest.mark.e2e


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def schedule(page, patient_url, kind, day, start, minutes, *, took_place=False):
    page.goto(patient_url)
    page.get_by_role("link", name="Schedule a session").click()
    page.get_by_label("Session", exact=True).select_option(kind)
    page.get_by_label("Clinician").select_option(label="Maya Okafor, LMFT (therapist)")
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("Start time").fill(start)
    page.get_by_label("Duration (minutes)").fill(str(minutes))
    if took_place:  # entered after it happened: a booking in the past must say so
        page.get_by_label("It already took place (entered afterwards)").check()
    page.get_by_role("button", name="Schedule", exact=True).click()
    page.wait_for_url(patient_url)


def open_session(page, patient_url, label):
    page.goto(patient_url)
    page.get_by_test_id("sessions").get_by_role("link", name=label, exact=True).click()
    page.wait_for_url("**/care/sessions/*")


def test_patient_walks_the_care_path(page, tmp_path):
    # Referral: the therapist registers her client and invites the prescriber.
    sign_in(page, "therapist")
    expect(page).to_have_url(re.compile(r"/care/calendar"))  # clinicians land on their calendar
    page.goto("/patients/new")
    page.get_by_label("First name").fill("Iris")
    page.get_by_label("Last name").fill("Walker")
    page.get_by_label("Date of birth").fill("1986-04-12")
    page.get_by_label("Address", exact=True).fill("12 Lake St")
    page.get_by_label("City").fill("Oakland")
    page.get_by_label("State").fill("CA")
    page.get_by_label("ZIP code").fill("94610")
    page.get_by_label("Primary diagnosis (ICD-10)").select_option("F33.1")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r".*/patients/\d+$"))
    patient_url = page.url
    expect(page.get_by_test_id("patient-stage")).to_have_text("Medical intake")
    page.get_by_label("Clinician").select_option(label="Daniel Reyes, PMHNP-BC")
    page.get_by_label("Role").select_option("prescriber")
    page.get_by_role("button", name="Invite to care team").click()
    expect(page.get_by_test_id("referral-panel")).to_contain_text("Daniel Reyes")  # invited
    sign_out(page)

    # Clearance by the prescriber, once they accept the invitation (kapms.network): every
    # screen item asked, nothing preselected.
    sign_in(page, "prescriber")
    page.get_by_test_id("pending-offer").filter(has_text="Iris W.").get_by_role("link").click()
    page.get_by_role("button", name="Accept invitation").click()
    page.wait_for_url(patient_url)
    # Iris signed the network's consents on paper at her first visit: clearing her and her
    # dosing both wait for them (kapms.consent).
    page.get_by_role("link", name="Medical intake and clearance").click()
    expect(page.get_by_test_id("consent-clearance-notice")).to_contain_text(
        "Financial responsibility agreement")
    page.goto(patient_url)
    for title in ("Financial responsibility agreement", "KAP informed consent"):
        record_paper_signature(page, title)
    page.get_by_role("link", name="Medical intake and clearance").click()
    expect(page.get_by_test_id("consent-clearance-notice")).to_have_count(0)
    expect(page.get_by_label("Decision")).to_have_value("")
    for row in page.locator("[data-testid^=screen-], [data-testid^=comed-]").all():
        row.locator("label", has_text="No").click()
    page.get_by_label("Systolic BP").fill("122")
    page.get_by_label("Diastolic BP").fill("78")
    page.get_by_label("Heart rate").fill("70")
    page.get_by_label("Decision").select_option("cleared")
    page.get_by_label("Reason", exact=True).fill("No contraindications; good support.")
    page.get_by_label("Dosing sessions in the plan").fill("6")
    page.get_by_label("Product").select_option("ketamine_sl_lozenge")
    page.get_by_label("Route").select_option("sublingual")
    page.get_by_label("Dose (mg)").fill("200")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, record the decision").click()
    page.wait_for_url("**/care/clearances/*")
    expect(page.get_by_test_id("clearance-decision")).to_have_text("Cleared")
    expect(page.get_by_test_id("screen")).to_contain_text("No")
    page.goto(patient_url)
    expect(page.get_by_test_id("patient-stage")).to_have_text("Preparation")
    sign_out(page)

    # The therapist holds a preparation session, then doses today (after the clearance).
    sign_in(page, "therapist")
    zone = ZoneInfo(Config.CLINIC_TIMEZONE)
    now = datetime.now(zone)
    prep, dosing = now - timedelta(hours=4), now - timedelta(hours=2)
    schedule(page, patient_url, "preparation", prep.date().isoformat(), f"{prep:%H:%M}", 50,
             took_place=True)
    schedule(page, patient_url, "dosing", dosing.date().isoformat(), f"{dosing:%H:%M}", 60,
             took_place=True)
    schedule(page, patient_url, "integration", (now + timedelta(days=5)).date().isoformat(),
             "12:00", 50)

    # Booked at noon by mistake: move it to 13:00 (prefilled form, CSRF on).
    open_session(page, patient_url, "Integration")
    page.get_by_test_id("reschedule").click()
    expect(page.get_by_label("Start time")).to_have_value("12:00")
    page.get_by_label("Start time").fill("13:00")
    page.get_by_role("button", name="Save new time").click()
    page.wait_for_url(re.compile(r".*/care/sessions/\d+$"))
    expect(page.get_by_text("Integration session moved.")).to_be_visible()
    expect(page.get_by_test_id("session-title").locator("xpath=..")).to_contain_text("01:00 PM")

    open_session(page, patient_url, "Preparation")
    page.get_by_role("button", name="Mark completed").click()
    expect(page.get_by_test_id("session-status")).to_have_text("Completed")

    open_session(page, patient_url, "Dosing")
    page.get_by_role("link", name="Start the dosing record").click()
    form = page.get_by_test_id("check-in-form")
    form.get_by_role("button", name="Now").click()  # dosing.js: the clinic's time now
    expect(form.get_by_label("Checked in at")).to_have_value(re.compile(r"^\d\d:\d\d$"))
    for group in ("Benzodiazepines today", "Other sedative-hypnotics today", "Stimulants today",
                  "MAOIs today"):
        form.get_by_role("group", name=group).locator("label", has_text="No").click()
    for label, value in (("Pre-dose systolic", "124"), ("Pre-dose diastolic", "78"),
                         ("Pre-dose heart rate", "72"), ("Pre-dose SpO2 %", "98")):
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_test_id("dosing-status")).to_have_text("Cleared to dose")
    dose = page.get_by_test_id("administration-form")
    dose.get_by_label("Product").select_option("ketamine_sl_lozenge")
    dose.get_by_label("Route").select_option("sublingual")
    dose.get_by_label("Dose (mg)").fill("200")
    dose.get_by_label("Lot number").fill("KX-7781")
    dose.get_by_role("button", name="Now").click()
    dose.get_by_role("button", name="Record the dose").click()
    expect(page.get_by_test_id("dosing-status")).to_have_text("Monitoring")
    expect(page.get_by_test_id("vitals-due")).to_contain_text("~40-minute vitals")
    dosing_url = page.url.split("/dosing")[0]

    # Note: draft, sign, download the PDF.
    page.goto(dosing_url)
    page.get_by_label("Progress note").fill("Settled with music; mild dissociation.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Save and sign").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, save and sign").click()
    expect(page.get_by_test_id("signed-by")).to_contain_text("Maya Okafor")
    with page.expect_download() as info:
        page.get_by_test_id("note-pdf").click()
    path = tmp_path / "note.pdf"
    info.value.save_as(path)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    for expected in ("Iris Walker", "Dosing session note", "124/78", "Check-in",
                     "Administration", "KX-7781", "Electronically signed by", "Maya Okafor"):
        assert expected in text, expected
    assert "DRAFT" not in text

    page.goto(patient_url)
    expect(page.get_by_test_id("patient-stage")).to_have_text("Dosing")
    expect(page.get_by_test_id("next-due")).to_contain_text("Integration session after dosing 1.")
