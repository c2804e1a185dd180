"""The demo therapist records a PHQ-9 with item 9 = 1, sees the safety alert, acknowledges
it with a note and opens the patient's trend chart."""

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_phq9_item9_alert_acknowledged_then_trend_chart(page):
    sign_in(page, "therapist")
    page.goto("/patients/")
    page.get_by_role("link", name="Chen, Avery").click()
    assert page.get_by_test_id("safety-alert").count() == 0
    page.get_by_role("link", name="Record PHQ-9").click()

    page.get_by_label("Measurement point").select_option("after_dosing_2")
    for item in range(1, 10):
        page.locator(f"#item_{item}-1").check()  # "Several days" on every item, item 9 too
    page.get_by_role("button", name="Save PHQ-9").click()

    alert = page.get_by_test_id("safety-alert")
    alert.wait_for()
    assert "item 9 was answered 1" in alert.inner_text().replace("\n", " ")
    assert page.get_by_text("PHQ-9 recorded: 9 (mild).").is_visible()
    page.goto("/")
    assert "Avery Chen" in page.get_by_test_id("dashboard-safety-alerts").inner_text()
    page.get_by_test_id("dashboard-safety-alerts").get_by_role("link", name="Avery Chen").click()

    page.get_by_label("What was done").fill("Called Avery; safety plan reviewed, no intent.")
    page.get_by_role("button", name="Acknowledge alert").click()
    assert page.get_by_text("Alert acknowledged.").is_visible()
    assert page.get_by_test_id("safety-alert").count() == 0

    page.get_by_role("link", name="Trend charts").click()
    chart = page.get_by_test_id("trend-PHQ-9").get_by_test_id("trend-chart")
    assert chart.is_visible()
    assert chart.locator("circle").count() == 2  # baseline and after dosing 2
    assert "After dosing 2" in page.get_by_test_id("trend-PHQ-9").inner_text()


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
    assert page.get_by_text("marked as entered in error").is_visible()
    row = page.get_by_test_id("trend-PHQ-9").locator("tr", has_text="entered in error")
    assert "Scores of another patient" in row.inner_text()
    assert page.get_by_test_id("trend-PHQ-9").get_by_test_id("trend-chart").count() == 0

    page.get_by_role("link", name="Back to the patient").click()
    page.get_by_role("link", name="Record PHQ-9").click()
    assert page.get_by_label("Measurement point").input_value() == "baseline"
    for item in range(1, 10):
        page.locator(f"#item_{item}-0").check()
    page.get_by_role("button", name="Save PHQ-9").click()
    assert page.get_by_text("PHQ-9 recorded: 0 (minimal).").is_visible()


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
        assert page.get_by_test_id(f"table-{key}").is_visible(), key
    assert "all scheduled points" in page.get_by_test_id("table-cohort").inner_text()
    charts = page.get_by_test_id("report-chart")
    assert charts.count() == 3  # means with bands, rates with intervals, profile flows
    assert charts.first.get_by_test_id("interval-band").count() == 3
    assert charts.nth(2).get_by_test_id("flow").count() > 0
    assert "(source" not in page.content()
    page.get_by_role("link", name="Publishable summary").click()
    methods = page.get_by_test_id("summary-methods").inner_text()
    assert "Leiter & Maslach (2016)" in methods and "fewer than 11 patients" in methods
    assert "<11" in page.get_by_test_id("table-subgroups").inner_text()  # tiny groups
    href = page.get_by_role("link", name="Download PDF").get_attribute("href")
    pdf = page.request.get(href, timeout=120_000)  # WeasyPrint is slow on a busy machine
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    assert "outcomes-summary-MBI-GS.pdf" in pdf.headers["content-disposition"]
