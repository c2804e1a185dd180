"""Billing pages: access, forms that refuse bad input, the patient-page panel, auditing."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kapms.audit.models import AuditEvent
from kapms.billing.models import BenefitsRecord, Estimate, Payment
from kapms.billing.services import plans as plan_svc
from kapms.web.access import required_roles
from tests.billing.helpers import make_benefits, make_patient, make_plan, make_schedule
from tests.factories import add_member

CLINIC_TODAY = date(2026, 2, 10)

BENEFITS = {"as_of": "2026-01-05", "in_network": "1", "deductible": "500.00",
            "deductible_met": "200", "coinsurance": "20", "oop_max": "1000",
            "oop_met": "200", "copay_office_visit": "25", "copay_psychotherapy": "",
            "copay_monitoring": "", "copay_bypasses_deductible": "y", "reference": "REF-1"}


@pytest.fixture
def insured(db):
    plan = make_plan(db)
    make_schedule(db, plan, dosing_billed_as="psychotherapy")
    make_schedule(db, None)
    patient = make_patient(db, plan)
    db.commit()
    return patient


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def audited(db, action, entity_type):
    return db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.entity_type == entity_type))


def test_every_billing_and_payer_route_declares_its_roles(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("billing.", "insurance.")):
            is_public, roles = required_roles(app, rule.endpoint)
            assert not is_public and roles, rule.endpoint
            expected = {"admin"} if rule.endpoint.startswith("insurance.") else {"billing", "admin"}
            assert set(roles) == expected, rule.endpoint


@pytest.mark.parametrize("role", ["therapist", "prescriber"])
def test_clinicians_cannot_open_billing(client, login_as, insured, role):
    login_as(role)
    assert client.get("/billing/").status_code == 403
    assert client.get(f"/billing/patients/{insured.id}").status_code == 403


def test_billing_staff_cannot_manage_payers(client, login_as):
    login_as("billing")
    assert client.get("/admin/payers/").status_code == 403


def test_unknown_ids_answer_404(client, login_as):
    login_as("billing")
    for url in ("/billing/patients/999", "/billing/estimates/999", "/billing/plans/999",
                "/billing/gfe/999.pdf"):
        assert client.get(url).status_code == 404, url


def test_benefits_form_saves_a_record(client, login_as, db, insured):
    login_as("billing")
    response = client.post(f"/billing/patients/{insured.id}/benefits/new", data=BENEFITS)
    assert response.status_code == 302
    row = db.scalar(select(BenefitsRecord))
    assert (row.deductible_cents, row.deductible_met_cents, row.oop_max_cents) == (
        50000, 20000, 100000)
    assert str(row.coinsurance) in ("0.2000", "0.20", "0.2")
    assert row.copay_office_visit_cents == 2500 and row.copay_psychotherapy_cents is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("deductible", "-5", "Enter an amount"),
    ("deductible", "NaN", "Enter an amount"),
    ("deductible", "Infinity", "Enter an amount"),
    ("deductible", "12.345", "two decimal places"),
    ("deductible", "abc", "Not a valid decimal"),
    ("coinsurance", "150", "percentage from 0 to 100"),
    ("as_of", "2026-13-40", "Not a valid date"),
    ("deductible_met", "600", "more than the deductible"),
])
def test_bad_benefits_input_is_a_form_error_and_nothing_is_saved(client, login_as, db,
                                                                 insured, field, value, message):
    login_as("billing")
    response = client.post(f"/billing/patients/{insured.id}/benefits/new",
                           data=BENEFITS | {field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(db, BenefitsRecord) == 0


def test_estimate_without_benefits_says_so(client, login_as, db, insured):
    login_as("billing")
    page = client.get(f"/billing/patients/{insured.id}/estimates/new").get_data(as_text=True)
    assert "No benefits on file" in page
    response = client.post(f"/billing/patients/{insured.id}/estimates/new",
                           data={"start_date": "2026-02-02", "basis": "template"})
    assert response.status_code == 200 and "No benefits on file" in response.get_data(as_text=True)
    assert count(db, Estimate) == 0


def test_estimate_page_pdf_and_panel(client, login_as, db, insured):
    make_benefits(db, insured)
    db.commit()
    login_as("billing")
    response = client.post(f"/billing/patients/{insured.id}/estimates/new",
                           data={"start_date": "2026-02-02", "basis": "template"})
    assert response.status_code == 302
    estimate = db.scalar(select(Estimate))
    page = client.get(f"/billing/estimates/{estimate.id}").get_data(as_text=True)
    # low and high patient totals, worked out by hand in test_estimates.py
    assert "$930.00" in page and "$1,120.00" in page
    assert 'data-testid="plan-year"' in page and "Plan year from Jan 01, 2026" in page
    from tests.billing.pdftext import pdf_text

    text = pdf_text(client.get(f"/billing/estimates/{estimate.id}.pdf"))
    for expected in (insured.full_name, "Version 1", "$930.00 to $1,120.00", "99204", "90837",
                     "MED-KETAMINE", "99214", "96127", "Plan year from Jan 01, 2026",
                     "Low estimate: 6 dosing sessions, about 19.0 hours",
                     "High estimate: 8 dosing sessions, about 27.0 hours",
                     "Plan pays", "You pay", "deductible $500.00 ($200.00 met)",
                     "not a bill"):
        assert expected in text, expected
    panel = client.get(f"/patients/{insured.id}").get_data(as_text=True)
    assert 'data-testid="billing-panel"' in panel and "$930.00 – $1,120.00" in panel
    assert audited(db, "view", "estimate") == 2  # the page and the panel
    assert audited(db, "print", "estimate") == 1


def test_panel_says_when_benefits_are_missing_and_clinicians_get_no_billing_links(
        client, login_as, db, insured):
    login_as("billing")
    page = client.get(f"/patients/{insured.id}").get_data(as_text=True)
    assert 'data-testid="panel-missing"' in page and "No benefits on file" in page
    assert f"/billing/patients/{insured.id}" in page
    client.post("/logout")
    therapist = login_as("therapist")
    add_member(db, insured, therapist, "therapist")
    db.commit()
    page = client.get(f"/patients/{insured.id}").get_data(as_text=True)
    assert "billing-panel" in page and "/billing/" not in page


def test_plan_from_estimate_and_payments(client, login_as, db, insured):
    make_benefits(db, insured)
    db.commit()
    login_as("billing")
    client.post(f"/billing/patients/{insured.id}/estimates/new",
                data={"start_date": "2026-02-02", "basis": "template"})
    estimate = db.scalar(select(Estimate))
    form = client.get(f"/billing/patients/{insured.id}/plans/new?estimate_id={estimate.id}")
    assert 'value="1120.00"' in form.get_data(as_text=True)  # the high patient share
    assert 'value="120.00"' in form.get_data(as_text=True)  # the default upfront
    response = client.post(f"/billing/patients/{insured.id}/plans/new?estimate_id={estimate.id}",
                           data={"balance": "1120.00", "upfront": "120.00", "installments": "4",
                                 "first_due": "2026-02-02"})
    assert response.status_code == 302
    plan_url = response.headers["Location"]
    plan_id = int(plan_url.rsplit("/", 1)[1])
    ok = client.post(f"/billing/plans/{plan_id}/payments",
                     data={"amount": "120.00", "paid_on": "2026-02-02", "method": "card"})
    assert ok.status_code == 302
    over = client.post(f"/billing/plans/{plan_id}/payments",
                       data={"amount": "1000.01", "paid_on": "2026-02-03", "method": "card"})
    # Refused, and back on the plan page (POST-redirect-GET: a reload sends nothing again),
    # the message once, next to the amount, with what was typed.
    assert over.status_code == 302 and over.location == f"/billing/plans/{plan_id}"
    shown = client.get(over.location).get_data(as_text=True)
    assert shown.count("more than the balance of $1,000.00") == 1
    assert 'value="1000.01"' in shown
    assert count(db, Payment) == 1
    page = client.get(f"/billing/plans/{plan_id}").get_data(as_text=True)
    assert "$120.00" in page and "$1,000.00" in page
    assert "more than the balance" not in page  # shown once, then gone
    from tests.billing.pdftext import pdf_text

    text = pdf_text(client.get(f"/billing/plans/{plan_id}.pdf"))
    for expected in ("Payment plan agreement", insured.full_name, "$1,120.00",
                     "upfront payment of $120.00", "4 monthly installments", "Installment 4",
                     "$250.00", "Balance: $1,000.00", "signature"):
        assert expected in text, expected
    assert audited(db, "view", "payment_plan") >= 1 and audited(db, "print", "payment_plan") == 1


def test_payment_on_a_closed_plan_is_refused_with_a_message(client, login_as, db, insured):
    plan = plan_svc.create_plan(db, None, insured, balance_cents=5000, upfront_cents=5000,
                                installments=0, first_due=date(2026, 1, 1))
    plan_svc.record_payment(db, None, plan, amount_cents=5000, paid_on=date(2026, 1, 1),
                            method="cash", reference=None, today=date(2026, 1, 1))
    db.commit()
    login_as("billing")
    response = client.post(f"/billing/plans/{plan.id}/payments",
                           data={"amount": "1.00", "paid_on": "2026-01-02", "method": "cash"},
                           follow_redirects=True)
    assert "This plan is closed" in response.get_data(as_text=True)
    assert count(db, Payment) == 1


def test_plan_form_for_another_patients_estimate_is_404(client, login_as, db, insured):
    make_benefits(db, insured)
    from kapms.billing.services.estimates import EstimateRequest, create_estimate

    estimate = create_estimate(db, None, insured, EstimateRequest(date(2026, 2, 2)),
                               date(2026, 1, 20))
    other = make_patient(db)
    db.commit()
    login_as("billing")
    assert client.get(f"/billing/patients/{other.id}/plans/new?estimate_id={estimate.id}"
                      ).status_code == 404


@pytest.mark.parametrize(("start", "message"), [
    ("9999-12-31", "Enter a date between"),  # refused at the edge (kapms.web.forms)
    ("0001-01-01", "Enter a date between"),
    ("2062-02-02", "within two years of today")])
def test_far_off_start_dates_are_form_errors_not_crashes(client, login_as, db, insured, start,
                                                         message):
    make_benefits(db, insured)
    db.commit()
    login_as("billing")
    response = client.post(f"/billing/patients/{insured.id}/estimates/new",
                           data={"start_date": start, "basis": "template"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(db, Estimate) == 0


def test_far_off_plan_dates_are_form_errors(client, login_as, db, insured):
    login_as("billing")
    response = client.post(f"/billing/patients/{insured.id}/plans/new",
                           data={"balance": "100", "upfront": "10", "installments": "36",
                                 "first_due": "9999-06-01"})
    assert response.status_code == 200  # refused at the edge (kapms.web.forms)
    assert "Enter a date between" in response.get_data(as_text=True)


def test_dashboard_lists_overdue_plans_for_billing_only(client, login_as, db, insured):
    plan = plan_svc.create_plan(db, None, insured, balance_cents=30000, upfront_cents=10000,
                                installments=2, first_due=date(2026, 1, 1))
    db.commit()
    login_as("billing")
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="overdue-plans"' in page and insured.full_name in page
    assert f"/billing/plans/{plan.id}" in page and "$300.00" in page
    assert audited(db, "view", "payment_plan") == 1
    client.post("/logout")
    login_as("therapist")
    assert b"overdue-plans" not in client.get("/", follow_redirects=True).data


def test_void_a_payment_from_the_plan_page(client, login_as, db, insured):
    plan = plan_svc.create_plan(db, None, insured, balance_cents=30000, upfront_cents=10000,
                                installments=2, first_due=date(2026, 1, 1))
    payment = plan_svc.record_payment(db, None, plan, amount_cents=10000,
                                      paid_on=date(2026, 1, 1), method="cash", reference=None,
                                      today=date(2026, 1, 1))
    db.commit()
    login_as("billing")
    url = f"/billing/plans/{plan.id}/payments/{payment.id}/void"
    refused = client.post(url, data={f"void{payment.id}-reason": ""}, follow_redirects=True)
    assert "Give a reason" in refused.get_data(as_text=True)
    asked = client.post(url, data={f"void{payment.id}-reason": "duplicate entry"})
    assert "Void this payment?" in asked.get_data(as_text=True)  # asks first, no JavaScript
    db.expire_all()
    assert plan.paid_cents == payment.amount_cents  # nothing voided yet
    done = client.post(url, data={f"void{payment.id}-reason": "duplicate entry",
                                  "confirmed": "yes"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Payment voided." in page and "voided: duplicate entry" in page
    db.expire_all()
    assert plan.paid_cents == 0
    assert client.post(f"/billing/plans/{plan.id}/payments/999/void").status_code == 404


def test_billing_staff_find_patients_in_the_one_patient_list(client, login_as, db):
    avery = make_patient(db, first_name="Avery", last_name="Chen")
    make_patient(db, first_name="Grace", last_name="Kim")
    db.commit()
    login_as("billing")
    page = client.get("/patients/?q=aver").get_data(as_text=True)
    assert "Chen, Avery" in page and "Kim, Grace" not in page
    assert f'href="/billing/patients/{avery.id}"' in page
    assert "Avery Chen" not in client.get("/billing/").get_data(as_text=True)


def test_benefits_with_plan_year_and_out_of_network(client, login_as, db, insured):
    login_as("billing")
    data = BENEFITS | {"plan_year_start": "2025-07-01", "oon_covered": "y",
                       "oon_deductible": "1000", "oon_deductible_met": "0",
                       "oon_coinsurance": "40", "oon_oop_max": "6000", "oon_oop_met": "0",
                       "oon_allowed_share": "60"}
    bad = client.post(f"/billing/patients/{insured.id}/benefits/new",
                      data=data | {"plan_year_start": "2026-02-01"})
    assert "The plan year must be the one" in bad.get_data(as_text=True)
    missing = client.post(f"/billing/patients/{insured.id}/benefits/new",
                          data=data | {"oon_coinsurance": ""})
    assert "Enter the out-of-network coinsurance" in missing.get_data(as_text=True)
    assert count(db, BenefitsRecord) == 0
    assert client.post(f"/billing/patients/{insured.id}/benefits/new",
                       data=data).status_code == 302
    row = db.scalar(select(BenefitsRecord))
    assert row.plan_year_start == date(2025, 7, 1) and row.oon_covered
    assert (row.oon_deductible_cents, row.oon_oop_max_cents) == (100000, 600000)
    assert str(row.oon_allowed_share).startswith("0.6")


def test_estimate_page_shows_in_and_out_of_network_side_by_side(client, login_as, db, insured):
    make_benefits(db, insured, oon_covered=True, oon_deductible_cents=100000,
                  oon_deductible_met_cents=0, oon_coinsurance=Decimal("0.4"),
                  oon_oop_max_cents=600000, oon_oop_met_cents=0,
                  oon_allowed_share=Decimal("0.6"))
    db.commit()
    login_as("billing")
    response = client.post(f"/billing/patients/{insured.id}/estimates/new", data={
        "start_date": "2026-02-02", "basis": "template", "dosing_minutes": "180",
        "dosing_setting": "office", "session_minutes": "60", "compare_networks": "y"})
    assert response.status_code == 302
    estimate = db.scalar(select(Estimate))
    page = client.get(f"/billing/estimates/{estimate.id}").get_data(as_text=True)
    assert 'data-testid="network-comparison"' in page
    out_high = estimate.total("high", "patient_cents", "out")
    assert f'data-testid="compare-high-out">{money(out_high)}' in page
    assert 'data-testid="estimate-high-out"' in page and "Balance bill" in page
    from tests.billing.pdftext import pdf_text

    text = pdf_text(client.get(f"/billing/estimates/{estimate.id}.pdf"))
    for expected in ("In and out of network, side by side", "Out of network, high estimate",
                     "Balance bill", money(out_high), "180-minute dosing sessions"):
        assert expected in text, expected


def money(cents):
    from kapms.billing.money import dollars

    return dollars(cents)
