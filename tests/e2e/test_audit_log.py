"""An admin reads the audit log in the browser: filter by patient name, follow a row to the
patient, export the range as CSV - and finds their own viewing in the log."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_admin_filters_the_log_by_patient_name_and_exports_it(page):
    sign_in(page, "admin")
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Patient").fill("Elena")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**patient=Elena**")
    table = page.get_by_test_id("audit-table")
    expect(table.get_by_role("link", name="Elena Morales").first).to_be_visible()
    expect(table.get_by_role("link", name="Marcus Johnson")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export these events (CSV)").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("when (UTC),user,action") and "Marcus" not in text
    table.get_by_role("link", name="Elena Morales").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Elena Morales")
    page.goto("/admin/audit/?action=export")
    expect(page.get_by_test_id("audit-table").get_by_text("audit_log").first).to_be_visible()
