"""An admin creates an account in the browser; the new person signs in with it."""

import pytest

from tests.e2e.conftest import current_code, fill_password, sign_in

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
    assert page.get_by_text("Use at least 12 characters").is_visible()
    page.get_by_label("Initial password").fill("harbor lights at dusk")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_text("Account created for Robin Hale.").is_visible()
    page.get_by_role("button", name="Sign out").click()

    page.get_by_label("Email").fill("robin.hale@clinic.example.org")
    page.get_by_label("Password").fill("harbor lights at dusk")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert "Billing staff" in page.get_by_test_id("roles").inner_text()


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
    assert "/login/set-up-second-factor" in page.url
    assert page.get_by_test_id("qr-code").locator("svg").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(current_code(secret))
    page.get_by_role("button", name="Turn on").click()
    assert page.get_by_test_id("recovery-codes").locator("li").count() == 10
    page.get_by_role("link", name="I have saved them").click()
    assert "Prescriber" in page.get_by_test_id("roles").inner_text()
    page.get_by_role("link", name="Kai Moreno").click()
    assert "On since" in page.get_by_test_id("mfa-status").inner_text()


def test_admin_reset_gives_a_one_time_code_the_person_replaces(page):
    sign_in(page, "admin")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("row", name="Ana Silva").get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Reset password").click()
    code = page.get_by_test_id("one-time-code").inner_text()
    page.get_by_role("button", name="Sign out").click()

    fill_password(page, "ana.silva@demo.kapms.test", code)
    assert "/account/password" in page.url
    page.get_by_label("Current password (or your one-time code)").fill(code)
    page.get_by_label("New password", exact=True).fill("sea glass and cedar")
    page.get_by_label("Repeat new password").fill("sea glass and cedar")
    page.get_by_role("button", name="Change password").click()
    fill_password(page, "ana.silva@demo.kapms.test", "sea glass and cedar")
    assert "Therapist" in page.get_by_test_id("roles").inner_text()
