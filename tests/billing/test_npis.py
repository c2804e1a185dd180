"""Clinician NPIs: the check digit, the admin page, and where they are printed."""

from datetime import date

import pytest

from kapms.billing import care_link
from kapms.billing.npi import valid_npi
from kapms.billing.services import Practice
from kapms.billing.services import clinicians as clinician_svc
from kapms.billing.services.gfe import GfeRequest, create_gfe
from kapms.billing.services.superbills import build_superbill
from kapms.errors import RuleViolation
from kapms.patients.services import add_to_care_team
from tests.billing.helpers import FakeSession, make_patient, make_schedule
from tests.factories import make_user

PRACTICE = Practice("Harbor KAP Clinic", "1234567893", "94-1234567", "1 Bay St, Oakland, CA")


@pytest.mark.parametrize(("npi", "ok"), [
    ("1234567893", True), ("1000000004", True), ("1234567890", False), ("123456789", False),
    ("12345678930", False), ("12345678a3", False), ("１２３４５６７８９３", False), (None, False)])
def test_npi_check_digit(npi, ok):
    assert valid_npi(npi) is ok


def test_set_and_clear_an_npi(db):
    therapist = make_user(db, roles=["therapist"])
    clinician_svc.set_npi(db, None, therapist.id, "1987654328")
    assert clinician_svc.npi_by_user(db) == {therapist.id: "1987654328"}
    with pytest.raises(RuleViolation):
        clinician_svc.set_npi(db, None, therapist.id, "1987654320")
    clinician_svc.set_npi(db, None, therapist.id, "")
    assert clinician_svc.npi_by_user(db) == {}


def test_admin_page_sets_npis(client, login_as, db):
    therapist = make_user(db, roles=["therapist"], full_name="Tess Rivera")
    db.commit()
    login_as("admin")
    assert "Tess Rivera" in client.get("/admin/clinician-npis/").get_data(as_text=True)
    bad = client.post(f"/admin/clinician-npis/{therapist.id}",
                      data={f"u{therapist.id}-npi": "1111111111"}, follow_redirects=True)
    assert "valid check digit" in bad.get_data(as_text=True)
    client.post(f"/admin/clinician-npis/{therapist.id}", data={f"u{therapist.id}-npi": "1987654328"})
    assert clinician_svc.npi_by_user(db) == {therapist.id: "1987654328"}


def test_billing_staff_cannot_set_npis(client, login_as):
    login_as("billing")
    assert client.get("/admin/clinician-npis/").status_code == 403


def test_npis_print_on_superbills_and_gfes(db, monkeypatch):
    make_schedule(db, None)
    therapist = make_user(db, roles=["therapist"], full_name="Maya Okafor", credentials="LMFT")
    clinician_svc.set_npi(db, None, therapist.id, "1987654328")
    patient = make_patient(db)
    add_to_care_team(db, None, patient, therapist, "therapist")
    sessions = [FakeSession(1, date(2026, 2, 3), "preparation", 60, clinician_id=therapist.id)]
    monkeypatch.setattr(care_link, "billable_sessions", lambda *args: sessions)
    bill = build_superbill(db, None, patient, date(2026, 2, 1), date(2026, 2, 28), PRACTICE)
    assert bill.lines[0].clinician_npi == "1987654328"
    assert bill.clinicians == (("Maya Okafor, LMFT", "1987654328"),)
    gfe = create_gfe(db, None, patient, GfeRequest(date(2026, 3, 16), date(2026, 3, 2), None),
                     PRACTICE, date(2026, 3, 2))
    assert gfe.clinicians == "Maya Okafor, LMFT (NPI 1987654328)"
