"""Billing staff enter benefits, estimate the course, agree a payment plan, take a payment
and download the superbill; then find what the demo network shows: a course across
1 January in and out of network, the GFE watch, a GFE with its dosing length and a submitted
claim with its CMS-1500 and 837P; in a real browser against the demo network."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.billing.x12check import validate
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_benefits_estimate_plan_payment_and_superbill(page):
    sign_in(page, "billing")
    # One patient list: billing staff open a patient's billing page from it.
    page.get_by_test_id("main-nav").get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Billing page of Avery Chen").click()
    expect(page.get_by_test_id("no-benefits")).to_be_visible()

    page.get_by_role("link", name="Enter benefits").click()
    page.get_by_label("Deductible ($)", exact=True).fill("500.00")
    page.get_by_label("Deductible met so far ($)").fill("100")
    page.get_by_label("Coinsurance (%)", exact=True).fill("20")
    page.get_by_label("Out-of-pocket maximum ($)", exact=True).fill("3000")
    page.get_by_label("Out-of-pocket met so far ($)").fill("100")
    page.get_by_label("Copay: medical visits ($)").fill("30")
    page.get_by_label("Verification reference").fill("AET-E2E-1")
    page.get_by_role("button", name="Save benefits").click()
    expect(page.get_by_text("Benefits saved.")).to_be_visible()
    expect(page.get_by_test_id("benefits-table").get_by_text("$500.00 ($100.00)")).to_be_visible()

    page.get_by_role("link", name="New estimate").click()
    page.get_by_role("button", name="Compute estimate").click()
    expect(page.get_by_text("Estimate version 1 saved.")).to_be_visible()
    summary = page.get_by_test_id("estimate-range").inner_text()
    low, high = re.findall(r"\$[\d,]+\.\d\d", summary)[:2]
    expect(page.get_by_test_id("total-high")).to_have_text(high)
    expect(page.get_by_test_id("total-low")).to_have_text(low)

    page.get_by_role("link", name="Make a payment plan").click()
    expect(page.get_by_label("Balance ($)")).to_have_value(high.replace("$", "").replace(",", ""))
    expect(page.get_by_label("Upfront payment ($)")).to_have_value("120.00")
    page.get_by_label("Monthly installments").fill("6")
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_text("Payment plan created.")).to_be_visible()
    expect(page.get_by_test_id("plan-total")).to_have_text(high)

    page.get_by_label("Amount ($)").fill("120.00")
    page.get_by_label("Reference").fill("Visa 1111")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("Payment recorded.")).to_be_visible()
    expect(page.get_by_test_id("plan-paid")).to_have_text("$120.00")
    expect(page.get_by_test_id("plan-payments").get_by_text("Visa 1111")).to_be_visible()

    # An overpayment is refused with a clear message.
    page.get_by_label("Amount ($)").fill("99999.00")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("overpayment is not recorded")).to_be_visible()
    expect(page.get_by_test_id("plan-paid")).to_have_text("$120.00")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download agreement (PDF)").click()
    agreement = _pdf_text(download_info.value)
    assert "Payment plan agreement" in agreement and "Avery Chen" in agreement

    page.get_by_role("link", name="Back to billing").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download superbill").click()
    text = _pdf_text(download_info.value)
    for expected in ("Superbill", "Avery Chen", "NPI 1000000004", "TIN 94-0000000",
                     "Aetna — Open Access PPO", "Totals"):
        assert expected in text, expected


def test_demo_course_across_january_watch_gfe_and_a_submitted_claim(page):
    sign_in(page, "billing")
    page.get_by_test_id("main-nav").get_by_role("link", name="Billing").click()
    watch = page.get_by_test_id("gfe-watch")
    expect(watch.get_by_test_id("gfe-watch-entry").filter(has_text="Grace Kim").first
           ).to_be_visible()
    expect(watch).to_contain_text("may dispute")

    # Elena: a course from 1 November, priced plan year by plan year, in and out of network.
    page.goto("/patients/?q=elena")
    page.get_by_role("link", name="Billing page of Elena Morales").click()
    page.get_by_test_id("estimate-list").get_by_role("link", name="Version 1").click()
    years = page.get_by_test_id("estimate-high").get_by_test_id("plan-year")
    expect(years).to_have_count(2)
    expect(years.nth(1)).to_contain_text("start again")
    comparison = page.get_by_test_id("network-comparison")
    inside = _cents(comparison.get_by_test_id("compare-high-in").inner_text())
    outside = _cents(comparison.get_by_test_id("compare-high-out").inner_text())
    assert outside > inside  # out of network costs the patient more (balance billing)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    estimate = _pdf_text(download_info.value)
    assert "your deductible and out-of-pocket maximum start again" in estimate
    assert "In and out of network, side by side" in estimate

    # Lucia's Good Faith Estimate is priced with 3-hour dosings.
    page.goto("/patients/?q=lucia")
    page.get_by_role("link", name="Billing page of Lucia Romero").click()
    page.get_by_role("link", name=re.compile("^Issued")).first.click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    assert "6 dosing sessions of 180 minutes each (3.0 hours)" in _pdf_text(download_info.value)

    # Marcus: a submitted claim, on the CMS-1500 and as an 837P file.
    page.goto("/billing/claims?status=submitted")
    page.get_by_test_id("claims").get_by_role("link").first.click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Submitted")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CMS-1500 (PDF)").click()
    form = _pdf_text(download_info.value)
    assert "HEALTH INSURANCE CLAIM FORM" in form and "Johnson, Marcus" in form
    with page.expect_download() as download_info:
        page.get_by_role("link", name="837P file").click()
    with open(download_info.value.path()) as fh:
        ok, ack = validate(fh.read())
    assert ok, ack


def _cents(text: str) -> int:
    """"$1,234.56" -> 123456."""
    return int(re.sub(r"[$,.]", "", text))


def _pdf_text(download) -> str:
    with open(download.path(), "rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
