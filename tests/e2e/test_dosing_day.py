"""A whole telehealth dosing on a tablet, phase by phase, as the demo therapist runs Grace's
maintenance dosing today: check-in, the dose, two chaperone check-ins, an adverse event, the ~40-minute
vitals (a blood-pressure rise), discharge; the note's PDF shows every phase with its times.
Then the prescriber's home shows what needs review, and one item is acknowledged."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from kapms.config import Config
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e
TABLET = {"width": 820, "height": 1180}
LAPTOP = {"width": 1366, "height": 768}
# Each visible time input against the width its own content needs (a copy of it at
# max-content width, out of the flow): narrower, and the browser clips it ("--:" or an
# icon only).
CLIPPED_TIME_INPUTS = """() => [...document.querySelectorAll("input[type=time]")]
  .filter((input) => input.offsetParent !== null)
  .filter((input) => {
    const probe = input.cloneNode();
    Object.assign(probe.style, {width: "max-content", minWidth: "0", position: "absolute"});
    input.after(probe);
    const needed = probe.getBoundingClientRect().width;
    probe.remove();
    return input.getBoundingClientRect().width + 0.5 < needed;
  }).map((input) => input.labels[0] ? input.labels[0].textContent.trim() : input.name)"""


def time_inputs_fit(page) -> None:
    """Every time input on the page shows its whole time on a tablet and on a laptop."""
    for viewport in (LAPTOP, TABLET):  # ends on the tablet the test runs on
        page.set_viewport_size(viewport)
        time_inputs = page.locator("input[type=time]:visible")
        expect(time_inputs.first).to_be_visible()
        assert page.evaluate(CLIPPED_TIME_INPUTS) == [], viewport


@pytest.fixture
def tablet(browser, live_server):
    """A tablet-sized, touch-enabled browser context."""
    context = browser.new_context(base_url=live_server, viewport=TABLET, has_touch=True,
                                  accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_a_whole_telehealth_dosing_on_a_tablet(tablet, tmp_path):
    page = tablet
    now = datetime.now(ZoneInfo(Config.CLINIC_TIMEZONE))

    def at(minutes_ago: int) -> str:
        return f"{now - timedelta(minutes=minutes_ago):%H:%M}"

    sign_in(page, "therapist")
    page.get_by_test_id("calendar-session").filter(has_text="Grace Kim") \
        .filter(has_text="Telehealth").first.click()
    page.get_by_role("link", name="Start the dosing record").click()
    page.wait_for_url("**/dosing")
    expect(page.get_by_test_id("plan-in-force")).to_be_visible()

    # 1. Check-in: the setting comes from the session (telehealth), the chaperone, the
    # co-medications (nothing preselected), the pre-dose vitals.
    form = page.get_by_test_id("check-in-form")
    now_button = form.get_by_role("button", name="Now")
    assert now_button.bounding_box()["height"] >= 44  # a large target
    time_inputs_fit(page)
    form.get_by_label("Checked in at").fill(at(100))
    expect(form.get_by_label("Telehealth")).to_be_checked()
    form.get_by_label("Chaperone (peer treatment monitor)").fill("Dana Kim")
    form.get_by_label("Chaperone phone").fill("510-555-0142")
    for group in ("Benzodiazepines today", "Other sedative-hypnotics today", "Stimulants today",
                  "MAOIs today"):
        form.get_by_role("group", name=group).locator("label", has_text="No").click()
    for label, value in (("Pre-dose systolic", "124"), ("Pre-dose diastolic", "78"),
                         ("Pre-dose heart rate", "72"), ("Pre-dose SpO2 %", "98")):
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Checked in: cleared to dose.")).to_be_visible()
    expect(page.get_by_test_id("dosing-status")).to_have_text("Cleared to dose")
    time_inputs_fit(page)  # "Time given"

    # 2. The dose, checked against the plan: 400 mg is refused with a plain message.
    dose = page.get_by_test_id("administration-form")
    dose.get_by_label("Product").select_option("ketamine_sl_lozenge")
    dose.get_by_label("Route").select_option("sublingual")
    dose.get_by_label("Dose (mg)").fill("400")
    dose.get_by_label("Lot number").fill("KX-25-0311")
    dose.get_by_label("Time given").fill(at(95))
    dose.get_by_role("button", name="Record the dose").click()
    expect(page.get_by_text("400 mg is above the plan's dose (200 mg)")).to_be_visible()
    dose = page.get_by_test_id("administration-form")
    dose.get_by_label("Dose (mg)").fill("200")
    dose.get_by_role("button", name="Record the dose").click()
    expect(page.get_by_test_id("dosing-status")).to_have_text("Monitoring")
    expect(page.get_by_test_id("vitals-due")).to_have_attribute("data-state", "overdue")
    time_inputs_fit(page)  # "Time given" and the monitoring forms' times

    # 3. Monitoring: two chaperone check-ins, an adverse event, the ~40-minute vitals.
    for minutes_ago in (80, 65):
        checkin = page.get_by_test_id("chaperone-form")
        expect(checkin.get_by_label("By")).to_have_value("Dana Kim")
        checkin.get_by_label("Time").fill(at(minutes_ago))
        checkin.get_by_role("group", name="Status").locator("label", has_text="OK").click()
        checkin.get_by_role("button", name="Log check-in").click()
        expect(page.get_by_text("Chaperone check-in recorded: OK.")).to_be_visible()
    event = page.get_by_test_id("adverse-event-form")
    event.get_by_label("Adverse event").select_option("anxiety")
    event.get_by_label("Time").fill(at(70))
    event.get_by_role("group", name="Severity").locator("label", has_text="Moderate").click()
    event.get_by_label("Notes").fill("Brief panic at onset; settled with breathing")
    event.get_by_role("button", name="Record adverse event").click()
    expect(page.get_by_text("Adverse event recorded: Anxiety.")).to_be_visible()
    vitals = page.get_by_test_id("vitals-form")
    expect(vitals.get_by_label("~40 minutes")).to_be_checked()
    vitals.get_by_label("Taken at").fill(at(55))
    for label, value in (("Systolic", "166"), ("Diastolic", "96"), ("Heart rate", "84"),
                         ("SpO2 %", "97")):
        vitals.get_by_label(label, exact=True).fill(value)
    vitals.get_by_role("button", name="Save vitals").click()
    expect(page.get_by_test_id("bp-flag")).to_be_visible()  # +42 over pre-dose: flagged
    expect(page.get_by_test_id("vitals-due")).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("checkin-status")).to_contain_text("missed")

    # 4. Discharge after more than the clinic's minimum of monitoring.
    out = page.get_by_test_id("discharge-form")
    for label, value in (("Discharge systolic", "132"), ("Discharge diastolic", "82"),
                         ("Discharge heart rate", "76"), ("Discharge SpO2 %", "98")):
        out.get_by_label(label).fill(value)
    out.get_by_label("Stable for discharge").check()
    out.get_by_label("Safe ride home arranged").check()
    out.get_by_label("Told not to drive until the next day").check()
    out.get_by_label("Discharged at").fill(at(25))
    out.get_by_role("button", name="Discharge and close").click()
    expect(page.get_by_text("Discharged after 70 minutes of monitoring")).to_be_visible()
    expect(page.get_by_test_id("dosing-status")).to_have_text("Closed")
    expect(page.get_by_test_id("discharge-summary")).to_contain_text("70")
    page.screenshot(path=str(tmp_path / "closed.png"), full_page=True)

    # The note and its PDF: every phase with its time.
    page.get_by_role("link", name="session and note").click()
    page.get_by_label("Progress note").fill("Maintenance dosing by telehealth with Dana "
                                            "present; brief anxiety at onset; BP rise "
                                            "reported.")
    page.get_by_role("button", name="Save and sign").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, save and sign").click()
    with page.expect_download() as info:
        page.get_by_test_id("note-pdf").click()
    path = tmp_path / "dosing.pdf"
    info.value.save_as(path)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    times = [(now - timedelta(minutes=m)).strftime("%I:%M %p") for m in (100, 95, 25)]
    for expected in ("Grace Kim", "Dosing session note", "maintenance", "Check-in",
                     "Administration", "Monitoring", "Discharge", "Telehealth", "Dana Kim",
                     "KX-25-0311",
                     "124/78", "166/96", "132/82", "Anxiety", "Moderate",
                     "Chaperone check-ins", "Missed check-ins", "Post-dose blood pressure rise",
                     "70 minutes", *times):
        assert expected in text, expected
    page.get_by_role("button", name="Toggle navigation").click()  # collapsed on a tablet
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")

    # The prescriber's home: today's rise (Grace), Marcus's held dosing, request and follow-up.
    sign_in(page, "prescriber")
    home = page.get_by_test_id("home-review")
    expect(home).to_contain_text("Blood-pressure rise")
    expect(home).to_contain_text("Held dosing")
    expect(page.get_by_test_id("home-requests")).to_contain_text("250 mg")
    expect(page.get_by_test_id("home-follow_ups")).to_contain_text("Marcus Johnson")
    expect(page.get_by_test_id("home-expiring")).to_contain_text("Elena Morales")
    page.get_by_role("link", name="Open the review list").click()
    item = page.get_by_test_id("review-item").filter(has_text="166/96")
    item.get_by_label("Note").fill("Called Grace: BP back to baseline; recheck before any "
                                   "further maintenance.")
    item.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Reviewed and acknowledged.")).to_be_visible()
    expect(page.get_by_test_id("review-item").filter(has_text="166/96")).to_have_count(0)
    expect(page.get_by_test_id("review-reviews")).to_contain_text("Held dosing")
