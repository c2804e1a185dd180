"""An admin registers a patient in the browser and assigns a therapist from the list of the
therapists eligible for the patient's state and coverage (found, not picked from everyone)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_admin_registers_with_an_eligible_therapist(page):
    sign_in(page, "admin")
    page.goto("/patients/new")
    expect(page.get_by_test_id("no-therapists")).to_contain_text("Enter the state")
    for label, value in (("First name", "Iris"), ("Last name", "Quill"),
                         ("Date of birth", "1990-06-07"), ("Address", "9 Oak St"),
                         ("City", "Oakland"), ("State", "CA"), ("ZIP code", "94610")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Therapist's name").fill("park")
    page.get_by_test_id("find-therapists").click()
    choices = page.get_by_test_id("therapist-choices")
    expect(choices.get_by_test_id("therapist-choice")).to_have_count(1)
    choices.get_by_label("Ethan Park, PhD", exact=False).check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Iris Quill registered.")).to_be_visible()
    expect(page.get_by_test_id("care-team")).to_contain_text("Ethan Park")
