"""Each role signs in, sees its own navigation, and signs out."""

import re

import pytest
from playwright.sync_api import expect

from kapms.auth.demo import DEMO_TOTP_SECRETS as SECRETS
from tests.e2e.conftest import current_code, demo_login, enter_code, fill_password, sign_in

pytestmark = pytest.mark.e2e

EXPECTED_NAV = {
    "admin": {"must": ["Users", "Audit log"], "must_not": []},
    "therapist": {"must": [], "must_not": ["Users", "Audit log"]},
    "prescriber": {"must": [], "must_not": ["Users", "Audit log"]},
    "billing": {"must": [], "must_not": ["Users", "Audit log"]},
}


@pytest.mark.parametrize("role", sorted(EXPECTED_NAV))
def test_role_signs_in_sees_navigation_and_signs_out(page, role):
    sign_in(page, role)
    nav = page.get_by_test_id("main-nav")
    for label in EXPECTED_NAV[role]["must"]:
        expect(nav.get_by_role("link", name=label)).to_have_count(1)
    for label in EXPECTED_NAV[role]["must_not"]:
        expect(nav.get_by_role("link", name=label)).to_have_count(0)
    from kapms.auth.models import ROLE_LABELS

    expect(page.get_by_test_id("roles")).to_contain_text(ROLE_LABELS[role])
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_message(page):
    page.goto("/login")
    page.get_by_label("Email").fill("billing@demo.kapms.test")
    page.get_by_label("Password").fill("not the right password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Email or password is not correct.")).to_be_visible()


def test_prescriber_signs_in_with_a_code_from_the_authenticator_app(page):
    """The two-step sign-in as a person does it, without a remembered browser."""
    email, password = demo_login("prescriber")
    fill_password(page, email, password)
    page.wait_for_url("**/login/code")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code", exact=True).fill("000000" if current_code(SECRETS["prescriber"]) != "000000"
                                   else "111111")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not correct.")).to_be_visible()
    enter_code(page, SECRETS["prescriber"])
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.get_by_test_id("roles")).to_contain_text("Prescriber")


def test_next_page_survives_the_code_step_and_hostile_next_stays_on_site(page, live_server):
    email, password = demo_login("admin")
    page.goto("/login?next=/%09/evil.example")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    enter_code(page, SECRETS["admin"])
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.url.startswith(live_server)
