"""Good Faith Estimate and superbill pages and PDFs, checked by their printed text."""

from datetime import date

import pytest
from sqlalchemy import func, select

from kapms.audit.models import AuditEvent
from kapms.billing.models import GoodFaithEstimate
from kapms.billing.services import plans as plan_svc
from tests.billing.care_record import CareRecord
from tests.billing.helpers import make_patient, make_plan, make_schedule
from tests.billing.pdftext import pdf_text

CLINIC_TODAY = date(2026, 4, 1)

GFE = {"primary_service_date": "2026-03-16", "scheduled_on": "2026-03-02", "requested_on": "",
       "dosings": "6", "diagnosis_code": "F33.1",
       "separately_scheduled": "Lab work ordered by the prescriber."}


@pytest.fixture
def self_pay(db):
    make_schedule(db, None)
    patient = make_patient(db, diagnosis_code="F33.1")
    db.commit()
    return patient


def audited(db, action, entity_type):
    return db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.entity_type == entity_type))


def test_gfe_pdf_has_every_required_element(client, login_as, db, self_pay):
    login_as("billing")
    response = client.post(f"/billing/patients/{self_pay.id}/gfe/new",
                           data=GFE | {"dosing_minutes": "180", "dosing_setting": "office"})
    assert response.status_code == 302
    gfe = db.scalar(select(GoodFaithEstimate))
    page = client.get(f"/billing/gfe/{gfe.id}").get_data(as_text=True)
    assert "To be given by" in page and "Mar 05, 2026" in page
    text = pdf_text(client.get(f"/billing/gfe/{gfe.id}.pdf"))
    required = [
        # patient name and date of birth
        f"Patient name: {self_pay.full_name}", "Date of birth: May 06, 1985",
        # primary service and date
        "Primary service: Ketamine-assisted psychotherapy course", "Expected date: Mar 16, 2026",
        # itemised services with service and diagnosis codes and expected charges
        "99204", "90837", "0820T", "MED-KETAMINE", "99214", "96127", "F33.1",
        "Expected charge", "Total estimated charges", "$4,540.00",
        # the dosing length it was priced with, and each provider's expected charges
        "6 dosing sessions of 180 minutes each (3.0 hours) in the office",
        "The patient's therapist (not yet named) $4,200.00",
        "The patient's prescriber (not yet named) $340.00",
        # provider name, NPI, TIN, location
        "KAP Demo Network", "1000000004", "94-0000000", "100 Harbor Way",
        # services scheduled separately
        "Services to be scheduled separately", "Lab work ordered by the prescriber.",
        # the four disclaimers
        "Other services may be needed", "This is an estimate, not a contract",
        "right to dispute the bill", "$400.00 or more above this Good Faith Estimate",
        "www.cms.gov/nosurprises", "120 calendar days",
        "Disputing a bill does not affect your care",
    ]
    for expected in required:
        assert expected in text, expected
    assert audited(db, "view", "gfe") == 1 and audited(db, "print", "gfe") == 1


def test_gfe_form_errors(client, login_as, db, self_pay):
    login_as("billing")
    for bad in ({"dosings": "0"}, {"scheduled_on": ""}, {"diagnosis_code": "X99"},
                {"primary_service_date": "2026-02-01"}, {"primary_service_date": "9999-12-31"},
                {"requested_on": "0001-01-01"}):
        response = client.post(f"/billing/patients/{self_pay.id}/gfe/new", data=GFE | bad)
        assert response.status_code == 200, bad
        assert 'is-invalid' in response.get_data(as_text=True), bad
    assert db.scalar(select(func.count()).select_from(GoodFaithEstimate)) == 0


def test_gfe_page_warns_when_the_bill_runs_400_over(client, login_as, db, self_pay):
    record = CareRecord(db, self_pay)
    for day in range(9):  # nine integration sessions where the GFE expected two
        record.visit("integration", date(2026, 3, 16 + day), 60)
    db.commit()
    login_as("billing")
    client.post(f"/billing/patients/{self_pay.id}/gfe/new", data=GFE | {"dosings": "1"})
    gfe = db.scalar(select(GoodFaithEstimate))
    page = client.get(f"/billing/gfe/{gfe.id}").get_data(as_text=True)
    # The therapist's estimate: preparation + integration $300, 2 hours of monitoring $320,
    # ketamine $40 = $660; billed: nine integrations, $1,350: $690 above.
    assert 'data-testid="gfe-overrun"' in page and "$690.00 above" in page
    assert "Maya Okafor, LMFT" in page
    home = client.get("/billing/").get_data(as_text=True)
    assert 'data-testid="gfe-watch-entry"' in home and "$690.00 over: may dispute" in home
    overview = client.get(f"/billing/patients/{self_pay.id}").get_data(as_text=True)
    assert 'data-testid="gfe-overrun-flag"' in overview


def test_superbill_pdf(client, login_as, db):
    make_schedule(db, None)
    patient = make_patient(db, make_plan(db, payer_name="Aetna"), diagnosis_code="F43.10")
    plan = plan_svc.create_plan(db, None, patient, balance_cents=50000, upfront_cents=12000,
                                installments=2, first_due=date(2026, 2, 1))
    plan_svc.record_payment(db, None, plan, amount_cents=12000, paid_on=date(2026, 2, 1),
                            method="card", reference=None, today=date(2026, 2, 1))
    record = CareRecord(db, patient)
    record.clear(date(2026, 2, 2))
    record.visit("preparation", date(2026, 2, 3), 60)
    record.dose(date(2026, 2, 10), 120)
    db.commit()
    login_as("billing")
    response = client.get(f"/billing/patients/{patient.id}/superbill.pdf"
                          "?start=2026-02-01&end=2026-02-28")
    text = pdf_text(response)
    for expected in ("Superbill", "KAP Demo Network", "NPI 1000000004", "TIN 94-0000000",
                     "100 Harbor Way", "Maya Okafor, LMFT", patient.full_name, "Aetna",
                     "Member ID M123", "Feb 03, 2026", "90837", "0820T", "MED-KETAMINE",
                     "F43.10", "$150.00", "$320.00", "$40.00", "$120.00",
                     "Totals $510.00 $120.00", "Balance for this period: $390.00"):
        assert expected in text, expected
    assert audited(db, "print", "superbill") == 1


def test_superbill_with_bad_dates_is_a_friendly_400(client, login_as, db):
    patient = make_patient(db)
    db.commit()
    login_as("billing")
    assert client.get(f"/billing/patients/{patient.id}/superbill.pdf?start=x&end=y"
                      ).status_code == 400
    response = client.get(f"/billing/patients/{patient.id}/superbill.pdf"
                          "?start=2026-03-01&end=2026-01-01", follow_redirects=True)
    assert "The end date is before the start date." in response.get_data(as_text=True)


def test_dashboard_gfe_watch_for_billing_only(client, login_as, db, self_pay):
    record = CareRecord(db, self_pay)
    db.commit()
    login_as("billing")
    client.post(f"/billing/patients/{self_pay.id}/gfe/new", data=GFE | {"dosings": "1"})
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="gfe-watch-panel"' in page and "No self-pay patient" in page
    for day in range(9):
        record.visit("integration", date(2026, 3, 16 + day), 60)
    db.commit()
    page = client.get("/").get_data(as_text=True)
    assert self_pay.full_name in page and "(may dispute)" in page
    client.post("/logout")
    login_as("therapist")
    assert b"gfe-watch-panel" not in client.get("/", follow_redirects=True).data
