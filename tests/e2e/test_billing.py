"""Billing staff enter benefits, estimate the course, agree a payment plan, take a payment
and download the superbill, in a real browser against the demo network."""

import io
import re

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_benefits_estimate_plan_payment_and_superbill(page):
    sign_in(page, "billing")
    page.get_by_test_id("main-nav").get_by_role("link", name="Billing").click()
    page.get_by_role("link", name="Avery Chen").click()
    assert page.get_by_test_id("no-benefits").is_visible()

    page.get_by_role("link", name="Enter benefits").click()
    page.get_by_label("Deductible ($)", exact=True).fill("500.00")
    page.get_by_label("Deductible met so far ($)").fill("100")
    page.get_by_label("Coinsurance (%)").fill("20")
    page.get_by_label("Out-of-pocket maximum ($)").fill("3000")
    page.get_by_label("Out-of-pocket met so far ($)").fill("100")
    page.get_by_label("Copay: medical visits ($)").fill("30")
    page.get_by_label("Verification reference").fill("AET-E2E-1")
    page.get_by_role("button", name="Save benefits").click()
    assert page.get_by_text("Benefits saved.").is_visible()
    assert page.get_by_test_id("benefits-table").get_by_text("$500.00 ($100.00)").is_visible()

    page.get_by_role("link", name="New estimate").click()
    page.get_by_role("button", name="Compute estimate").click()
    assert page.get_by_text("Estimate version 1 saved.").is_visible()
    summary = page.get_by_test_id("estimate-range").inner_text()
    low, high = re.findall(r"\$[\d,]+\.\d\d", summary)[:2]
    assert page.get_by_test_id("total-high").inner_text() == high
    assert page.get_by_test_id("total-low").inner_text() == low

    page.get_by_role("link", name="Make a payment plan").click()
    assert page.get_by_label("Balance ($)").input_value() == high.replace("$", "").replace(",", "")
    assert page.get_by_label("Upfront payment ($)").input_value() == "120.00"
    page.get_by_label("Monthly installments").fill("6")
    page.get_by_role("button", name="Create plan").click()
    assert page.get_by_text("Payment plan created.").is_visible()
    assert page.get_by_test_id("plan-total").inner_text() == high

    page.get_by_label("Amount ($)").fill("120.00")
    page.get_by_label("Reference").fill("Visa 1111")
    page.get_by_role("button", name="Record payment").click()
    assert page.get_by_text("Payment recorded.").is_visible()
    assert page.get_by_test_id("plan-paid").inner_text() == "$120.00"
    assert page.get_by_test_id("plan-payments").get_by_text("Visa 1111").is_visible()

    # An overpayment is refused with a clear message.
    page.get_by_label("Amount ($)").fill("99999.00")
    page.get_by_role("button", name="Record payment").click()
    assert page.get_by_text("overpayment is not recorded").is_visible()
    assert page.get_by_test_id("plan-paid").inner_text() == "$120.00"

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


def _pdf_text(download) -> str:
    with open(download.path(), "rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
