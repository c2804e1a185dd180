"""Every page each role can reach passes axe-core (no serious or critical violation, nor the
rules tests/e2e/axe.py adds), on a desktop (1366x768) and a tablet (820x1180) viewport.

The walk follows the navigation and every link from there (patients, sessions, notes,
estimates, claims, the directory, referrals, outcomes, the audit log, admin pages...),
visiting up to two instances of each page, so the demo records' different states are seen.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e import axe
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

ROLES = ["therapist", "prescriber", "billing", "admin"]


@pytest.fixture
def axe_page(page):
    """The test's page with axe-core loaded on every document."""
    axe.install(page.context)
    return page


def _report(problems) -> str:
    return f"{len(problems)} accessibility failures:\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_passes_axe(axe_page, live_server, role):
    sign_in(axe_page, role)
    problems, visited = [], []
    for path in axe.walk(axe_page, live_server):
        visited.append(path)
        problems += axe.check(axe_page, where=f"{role} {path}")
    assert len(visited) > 10, visited  # the walk really went somewhere
    assert not problems, _report(problems)


def test_pages_before_sign_in_pass_axe(axe_page):
    problems = []
    axe_page.goto("/login")
    problems += axe.check(axe_page, where="login")
    axe_page.get_by_label("Email").fill("nobody@demo.kapms.test")
    axe_page.get_by_label("Password").fill("not the right password")
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Sign in").click()
    problems += axe.check(axe_page, where="login refused")
    axe_page.goto("/no-such-page")
    problems += axe.check(axe_page, where="404 page")
    assert not problems, _report(problems)


def test_pages_reached_by_a_form_pass_axe(axe_page, browser):
    """What the walk cannot reach by links: a refused form, the confirmation step (with and
    without JavaScript), a self-report link just created, and the patient's questionnaire."""
    page, problems = axe_page, []
    sign_in(page, "therapist")
    page.goto("/patients/?q=avery")
    page.get_by_role("link", name="Chen, Avery").click()
    patient_url = page.url
    page.get_by_role("link", name="Schedule a session").click()
    page.get_by_role("button", name="Schedule", exact=True).click()  # nothing filled in
    expect(page.get_by_text("Choose the kind of session.")).to_be_visible()
    problems += axe.check(page, where="schedule form refused")

    page.goto(patient_url)
    panel = page.get_by_test_id("measures-panel")
    panel.get_by_label("Instrument").select_option("GAD-7")  # not recorded yet for Avery
    panel.get_by_role("button", name="Create link").click()
    link = page.get_by_test_id("self-report-url").input_value()
    problems += axe.check(page, where="self-report link created")

    page.goto(patient_url)  # Avery's medical intake, booked for tomorrow in the demo
    page.get_by_test_id("sessions").get_by_role("link", name="Medical intake").click()
    cancel = page.get_by_label("Reason for cancelling")
    cancel.fill("Checking the page")
    page.get_by_role("button", name="Cancel session").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    problems += axe.check(page, where="confirmation dialog")
    page.get_by_role("dialog").get_by_role("button", name="No, go back").click()
    expect(page.get_by_role("dialog")).to_be_hidden()

    # Without JavaScript the confirmation is a page of its own: the form sent as a browser
    # without scripts sends it (form.submit() fires no submit event, so no dialog).
    with page.expect_navigation():
        cancel.evaluate("(el) => el.form.submit()")
    expect(page.get_by_test_id("confirm-step")).to_be_visible()
    problems += axe.check(page, where="confirmation page")

    # The patient's side: the questionnaire behind the link (no account).
    patient = browser.new_context()
    axe.install(patient)
    form = patient.new_page()
    form.goto(link)
    expect(form.get_by_test_id("self-report-form")).to_be_visible()
    problems += axe.check(form, where="self-report questionnaire")
    patient.close()
    assert not problems, _report(problems)
