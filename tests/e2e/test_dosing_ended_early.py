"""A dosing that cannot end in a discharge, on a tablet: a therapist checks the patient in,
gives the dose, then the patient is transferred to emergency care; the record closes with
what happened, where to and the real monitoring time, and the prescriber is told.

The patient is made for this test through the care services (the demo's one dosing today is
the one tests/e2e/test_dosing_day.py runs)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from kapms.care.models import PrescriberReview
from kapms.config import Config
from kapms.extensions import db
from tests.care.factories import make_team, ready_for_dosing, session_for
from tests.consent.helpers import sign_everything
from tests.e2e.conftest import fill_password
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e
TABLET = {"width": 820, "height": 1180}


@pytest.fixture
def transfer_case(live_app):
    """A cleared, prepared patient whose office dosing began 90 minutes ago."""
    with live_app.app_context():
        team = make_team(db.session)
        # The demo's consents (kapms.consent): no clearance nor dosing without them.
        sign_everything(db.session, team.therapist, team.patient)
        ready_for_dosing(db.session, team)
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=90)
        cs = session_for(db.session, team, "dosing", start)
        db.session.commit()
        yield team.therapist.email, cs.id, team.patient.id
        db.session.remove()


def test_a_dosing_closed_early_by_an_emergency_transfer(browser, live_server, live_app,
                                                        transfer_case):
    email, session_id, patient_id = transfer_case
    context = browser.new_context(base_url=live_server, viewport=TABLET, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    now = datetime.now(ZoneInfo(Config.CLINIC_TIMEZONE))

    def at(minutes_ago: int) -> str:
        return f"{now - timedelta(minutes=minutes_ago):%H:%M}"

    fill_password(page, email, DEFAULT_PASSWORD)
    page.goto(f"/care/sessions/{session_id}/dosing")
    form = page.get_by_test_id("check-in-form")
    form.get_by_label("Checked in at").fill(at(85))
    for group in ("Benzodiazepines today", "Other sedative-hypnotics today", "Stimulants today",
                  "MAOIs today"):
        form.get_by_role("group", name=group).locator("label", has_text="No").click()
    for label, value in (("Pre-dose systolic", "126"), ("Pre-dose diastolic", "80"),
                         ("Pre-dose heart rate", "74")):
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_test_id("dosing-status")).to_have_text("Cleared to dose")
    dose = page.get_by_test_id("administration-form")
    dose.get_by_label("Product").select_option("ketamine_sl_lozenge")
    dose.get_by_label("Route").select_option("sublingual")
    dose.get_by_label("Dose (mg)").fill("200")
    dose.get_by_label("Lot number").fill("KX-77")
    dose.get_by_label("Time given").fill(at(80))
    dose.get_by_role("button", name="Record the dose").click()
    expect(page.get_by_test_id("dosing-status")).to_have_text("Monitoring")

    # The patient is not stable: close the session early, honestly.
    page.get_by_test_id("end-early-open").click()
    end = page.get_by_test_id("end-early-form")
    end.get_by_test_id("end-kind").locator("label", has_text="Transferred to emergency care") \
        .click()
    end.get_by_label("Ended at").fill(at(50))
    end.get_by_label("What happened").fill("Chest tightness, BP 188/112; 911 called.")
    end.get_by_role("button", name="Close the session early").click()
    expect(end.get_by_text("Say where the patient was transferred")).to_be_visible()  # refused
    end = page.get_by_test_id("end-early-form")
    end.get_by_test_id("end-kind").locator("label", has_text="Transferred to emergency care") \
        .click()
    end.get_by_label("Transferred to (emergency transfer)").fill("Alta Bates ED")
    end.get_by_label("What happened").fill("Chest tightness, BP 188/112; 911 called.")
    end.get_by_role("button", name="Close the session early").click()
    expect(page.get_by_text("Session closed: transferred to emergency care after 30 minutes"))\
        .to_be_visible()
    expect(page.get_by_test_id("dosing-status")).to_have_text("Ended early")
    expect(page.get_by_test_id("end-early-summary")).to_contain_text("Alta Bates ED")
    expect(page.get_by_test_id("vitals-due")).to_contain_text("not reached")
    context.close()
    with live_app.app_context():
        [review] = db.session.query(PrescriberReview).filter_by(patient_id=patient_id).all()
        assert review.kind == "ended_early" and review.reviewed_at is None
        assert "Alta Bates ED after 30 minutes" in review.summary
        db.session.remove()
