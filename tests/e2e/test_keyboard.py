"""Keyboard only: signing in, finding a patient, booking a session from a clinician's free
time, and writing and signing the note, with Tab, arrows, typing and Enter (no clicks).
The focus must always be visible and reach every control in a sensible order.

Pages are opened by following links with the keyboard; `page.goto` only starts a flow.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from kapms import clinic_time
from kapms.config import Config
from tests.e2e.conftest import demo_login

pytestmark = pytest.mark.e2e


def tab_to(page, target, limit: int = 150, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has the focus, as a person would."""
    handle = target.element_handle()
    for _ in range(limit):
        if page.evaluate("(el) => el === document.activeElement", handle):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached {target}")


def focus_ring_visible(page) -> bool:
    """The focused element draws an outline or a box shadow (a visible focus ring)."""
    return page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2)
            || s.boxShadow !== "none";
    }""")


def test_sign_in_with_the_keyboard_skip_link_first(page):
    email, password = demo_login("therapist")
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown once focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()  # the skip link jumped past the bar
    assert focus_ring_visible(page)
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My calendar")).to_be_visible()

    # The navigation bar is dark: its links show an amber ring when focused. (Loaded anew:
    # the redirect after signing in kept the skip link's #main, which starts in the content.)
    page.goto(page.url.split("#")[0])
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    assert focus_ring_visible(page)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert outline == "rgb(246, 196, 83)", outline


def _sign_in(page, role="therapist"):
    email, password = demo_login(role)
    page.goto("/login")
    page.get_by_label("Email").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_find_a_patient_book_from_free_time_then_write_and_sign_the_note(page):
    _sign_in(page)
    # "/" jumps to the search box; suggestions are chosen with the arrow keys.
    page.keyboard.press("/")
    search = page.get_by_role("combobox", name="Search by name, DOB, phone or member ID")
    expect(search).to_be_focused()
    page.keyboard.type("aver")
    option = page.get_by_role("option", name="Avery Chen")
    expect(option).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("patient-name")).to_have_text("Avery Chen")

    # Book a preparation in the therapist's free time (a link fills the form in).
    tab_to(page, page.get_by_role("link", name="Schedule a session"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    free = page.get_by_test_id("open-times").get_by_role(
        "link", name=re.compile(r"with Maya Okafor")).first
    tab_to(page, free)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    kind = page.get_by_label("Session", exact=True)
    expect(page.get_by_label("Start time")).not_to_have_value("")  # filled in by the link
    tab_to(page, kind, backwards=True)
    page.keyboard.type("Prep")  # a select picks the option typed
    expect(kind).to_have_value("preparation")
    tab_to(page, page.get_by_role("button", name="Schedule", exact=True))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Preparation session scheduled.")).to_be_visible()

    # A session that already took place, entered afterwards, completed and noted.
    tab_to(page, page.get_by_role("link", name="Schedule a session"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    day = clinic_time.today() - timedelta(days=5)
    tab_to(page, page.get_by_label("Session", exact=True))
    page.keyboard.type("Prep")
    page.keyboard.press("Tab")
    page.keyboard.type("Maya")  # the clinician
    expect(page.get_by_label("Clinician")).to_have_value(
        page.get_by_label("Clinician").locator("option", has_text="Maya Okafor")
        .get_attribute("value"))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Date", exact=True)).to_be_focused()
    page.keyboard.type(f"{day:%m%d%Y}")
    tab_to(page, page.get_by_label("Start time"))  # past the date's calendar button
    page.keyboard.type("0400PM")
    expect(page.get_by_label("Start time")).to_have_value("16:00")
    tab_to(page, page.get_by_label("It already took place (entered afterwards)"))
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Schedule", exact=True)).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Preparation session scheduled.")).to_be_visible()

    sessions = page.get_by_test_id("sessions")
    past = sessions.get_by_role("row").filter(has_text=f"{day:%b %d, %Y}").get_by_role(
        "link", name="Preparation", exact=True)
    tab_to(page, past)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Mark completed"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("session-status")).to_have_text("Completed")

    note = page.get_by_label("Progress note")
    tab_to(page, note)
    page.keyboard.type("Goals and fears for the first dosing discussed; support at home.")
    tab_to(page, page.get_by_role("button", name="Save and sign"))
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    yes = dialog.get_by_role("button", name="Yes, save and sign")
    expect(yes).to_be_focused()  # the dialog takes the focus
    page.keyboard.press("Escape")  # changed my mind: back to the button, nothing sent
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Save and sign")).to_be_focused()
    page.keyboard.press("Enter")
    expect(yes).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("signed-by")).to_contain_text("Maya Okafor")


def test_the_calendar_moves_with_keys(page):
    _sign_in(page)
    expect(page.get_by_test_id("calendar-period")).to_contain_text("Week of")
    with page.expect_navigation():
        page.keyboard.press("d")
    expect(page.get_by_role("link", name="Day", exact=True)).to_have_attribute(
        "aria-current", "page")
    tomorrow = clinic_time.today() + timedelta(days=1)
    with page.expect_navigation():
        page.keyboard.press("n")
    expect(page.get_by_test_id("calendar-period")).to_contain_text(
        f"{tomorrow:%A %B %d, %Y}")
    assert Config.CLINIC_TIMEZONE  # the clinic's days, not the browser's
