"""The demo therapist records a PHQ-9 with item 9 = 1, sees the safety alert, acknowledges
it with a note and opens the patient's trend chart."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_phq9_item9_alert_acknowledged_then_trend_chart(page):
    sign_in(page, "therapist")
    page.goto("/patients/")
    page.get_by_role("link", name="Chen, Avery").click()
    expect(page.get_by_test_id("safety-alert")).to_have_count(0)
    page.get_by_role("link", name="Record PHQ-9").click()

    page.get_by_label("Measurement point").select_option("after_dosing_2")
    for item in range(1, 10):
        page.locator(f"#item_{item}-1").check()  # "Several days" on every item, item 9 too
    page.get_by_role("button", name="Save PHQ-9").click()

    alert = page.get_by_test_id("safety-alert")
    alert.wait_for()
    expect(alert).to_contain_text(re.compile(r"item 9 was answered\s+1"))
    expect(page.get_by_text("PHQ-9 recorded: 9 (mild).")).to_be_visible()
    page.goto("/")
    expect(page.get_by_test_id("dashboard-safety-alerts")).to_contain_text("Avery Chen")
    page.get_by_test_id("dashboard-safety-alerts").get_by_role("link", name="Avery Chen").click()

    page.get_by_label("What was done").fill("Called Avery; safety plan reviewed, no intent.")
    page.get_by_role("button", name="Acknowledge alert").click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    expect(page.get_by_test_id("safety-alert")).to_have_count(0)

    page.get_by_role("link", name="Trend charts").click()
    chart = page.get_by_test_id("trend-PHQ-9").get_by_test_id("trend-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(2)  # baseline and after dosing 2
    expect(page.get_by_test_id("trend-PHQ-9")).to_contain_text("After dosing 2")


def test_phq9_entered_in_error_then_recorded_again(page):
    """With CSRF on: mark Marcus's baseline PHQ-9 as entered in error on the trends page
    (the reason is required), see it struck through, and record the baseline again."""
    sign_in(page, "therapist")
    page.goto("/patients/")
    page.get_by_role("link", name="Johnson, Marcus").click()
    page.get_by_role("link", name="Trend charts").click()
    trend = page.get_by_test_id("trend-PHQ-9")
    trend.get_by_text("Entered in error…").click()
    trend.get_by_label("Why was it entered in error?").fill("Scores of another patient")
    trend.get_by_role("button", name="Mark entered in error").click()
    expect(page.get_by_text("marked as entered in error")).to_be_visible()
    row = page.get_by_test_id("trend-PHQ-9").locator("tr", has_text="entered in error")
    expect(row).to_contain_text("Scores of another patient")
    expect(page.get_by_test_id("trend-PHQ-9").get_by_test_id("trend-chart")).to_have_count(0)

    page.get_by_role("link", name="Back to the patient").click()
    page.get_by_role("link", name="Record PHQ-9").click()
    expect(page.get_by_label("Measurement point")).to_have_value("baseline")
    for item in range(1, 10):
        page.locator(f"#item_{item}-0").check()
    page.get_by_role("button", name="Save PHQ-9").click()
    expect(page.get_by_text("PHQ-9 recorded: 0 (minimal).")).to_be_visible()


def test_the_self_report_link_is_copied_with_its_button(page):
    """The link is shown once, whole, in a read-only box; "Copy link" puts it on the
    clipboard (the browser granted clipboard access, as a person's browser asks)."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "therapist")
    page.goto("/patients/?q=marcus")
    page.get_by_role("link", name="Johnson, Marcus").click()
    panel = page.get_by_test_id("measures-panel")
    panel.get_by_label("Instrument").select_option("GAD-7")
    panel.get_by_role("button", name="Create link").click()
    box = page.get_by_test_id("self-report-url")
    expect(box).to_have_value(re.compile(r"^http://.+/m/.+"))
    expect(box).to_have_attribute("readonly", "")
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == box.input_value()


def test_network_report_then_publishable_summary(page):
    """The admin reads the network's MBI-GS outcomes on the demo's outcome history (all
    scheduled points, by sex at birth), sees every section with its charts, then opens the
    publishable summary, where small cells show "<11" and the methods say why."""
    sign_in(page, "admin")
    page.goto("/outcomes/")
    page.get_by_label("Instrument").select_option("MBI-GS")
    page.get_by_label("Who is counted").select_option("all_points")
    page.get_by_label("Subgroups").select_option("sex")
    page.get_by_role("button", name="Show report").click()
    for key in ("cohort", "trajectory", "effects", "rates", "threshold", "profiles",
                "transitions", "safety", "adverse_events", "subgroups"):
        expect(page.get_by_test_id(f"table-{key}")).to_be_visible()
    expect(page.get_by_test_id("table-cohort")).to_contain_text("all scheduled points")
    charts = page.get_by_test_id("report-chart")
    expect(charts).to_have_count(3)  # means with bands, rates with intervals, profile flows
    expect(charts.first.get_by_test_id("interval-band")).to_have_count(3)
    expect(charts.nth(2).get_by_test_id("flow")).not_to_have_count(0)
    assert "(source" not in page.content()  # the page has loaded: the charts are on it
    page.get_by_role("link", name="Publishable summary").click()
    methods = page.get_by_test_id("summary-methods")
    expect(methods).to_contain_text("Leiter & Maslach (2016)")
    expect(methods).to_contain_text("fewer than 11 patients")
    expect(page.get_by_test_id("table-subgroups")).to_contain_text("<11")  # tiny groups
    href = page.get_by_role("link", name="Download PDF").get_attribute("href")
    pdf = page.request.get(href, timeout=120_000)  # WeasyPrint is slow on a busy machine
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    assert "outcomes-summary-MBI-GS.pdf" in pdf.headers["content-disposition"]
