"""Each role signs in, sees its own navigation, and signs out."""

import pytest

from tests.e2e.conftest import sign_in

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
        assert nav.get_by_role("link", name=label).count() == 1
    for label in EXPECTED_NAV[role]["must_not"]:
        assert nav.get_by_role("link", name=label).count() == 0
    from kapms.auth.models import ROLE_LABELS

    assert ROLE_LABELS[role] in page.get_by_test_id("roles").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("You are signed out.").is_visible()
    page.goto("/")
    assert "/login" in page.url


def test_wrong_password_shows_message(page):
    page.goto("/login")
    page.get_by_label("Email").fill("billing@demo.kapms.test")
    page.get_by_label("Password").fill("not the right password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Email or password is not correct.").is_visible()
