"""An admin creates an account in the browser; the new person signs in with it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import current_code, email_to, fill_password, link_path, sign_in

pytestmark = pytest.mark.e2e


def test_admin_creates_a_user_who_can_then_sign_in(page):
    sign_in(page, "admin")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Email").fill("robin.hale@clinic.example.org")
    page.get_by_label("Full name").fill("Robin Hale")
    page.get_by_label("Credentials").fill("LPC")
    page.get_by_label("Billing staff").check()
    page.get_by_label("Initial password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Use at least 12 characters")).to_be_visible()
    page.get_by_label("Initial password").fill("harbor lights at dusk")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account created for Robin Hale.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    page.get_by_label("Email").fill("robin.hale@clinic.example.org")
    page.get_by_label("Password").fill("harbor lights at dusk")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.get_by_test_id("roles")).to_contain_text("Billing staff")


def test_new_prescriber_sets_up_the_authenticator_app_at_first_sign_in(page):
    """A role that requires a second factor: the QR code and the key as text, then a code
    from the app, then the recovery codes, then the app."""
    sign_in(page, "admin")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Email").fill("kai.moreno@clinic.example.org")
    page.get_by_label("Full name").fill("Kai Moreno")
    page.get_by_label("Prescriber").check()
    page.get_by_label("Initial password").fill("violet canyon at noon")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("button", name="Sign out").click()

    fill_password(page, "kai.moreno@clinic.example.org", "violet canyon at noon")
    page.wait_for_url("**/login/set-up-second-factor")
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(current_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_test_id("roles")).to_contain_text("Prescriber")
    page.get_by_role("link", name="Kai Moreno").click()
    expect(page.get_by_test_id("mfa-status")).to_contain_text("On since")


def test_admin_reset_mails_a_link_the_person_chooses_a_password_with(page, live_app):
    sign_in(page, "admin")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("row", name="Ana Silva").get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_text("A password reset was sent to ana.silva@demo.kapms.test")) \
        .to_be_visible()
    expect(page.get_by_test_id("one-time-code")).to_have_count(0)  # the admin sees no code
    page.get_by_role("button", name="Sign out").click()

    email = email_to(live_app, "ana.silva@demo.kapms.test", "Reset your")
    page.goto(link_path(email))
    page.get_by_label("New password").fill("sea glass and cedar")
    page.get_by_label("Repeat the password").fill("sea glass and cedar")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_text("Your password is set.")).to_be_visible()
    fill_password(page, "ana.silva@demo.kapms.test", "sea glass and cedar")
    expect(page.get_by_test_id("roles")).to_contain_text("Therapist")
