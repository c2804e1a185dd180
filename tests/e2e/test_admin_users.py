"""An admin creates an account in the browser; the new person signs in with it."""

import pytest

from tests.e2e.conftest import sign_in

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
