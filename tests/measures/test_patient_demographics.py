"""Sex at birth and gender identity on the patient record (optional): the outcome report's
sex subgroup reads sex at birth. Registration, the patient page, the edit form and the
service's refusal of values outside the lists."""

from datetime import date

import pytest

from kapms.errors import DomainError
from kapms.patients import services
from kapms.patients.models import Patient
from tests.network.helpers import make_clinician

FORM = {"first_name": "Rosa", "last_name": "Diaz", "date_of_birth": "1987-02-03",
        "address_line1": "5 Elm St", "city": "Oakland", "state": "CA", "postal_code": "94610",
        "preferred_language": "English", "diagnosis_code": "Z73.0", "plan_id": "0"}


def _therapist(db, login):
    """A therapist who may take the self-pay patient of FORM onto their care team."""
    therapist = make_clinician(db, kind="therapist", accepts_private_pay=True,
                               private_pay_rate_cents=15000)
    db.commit()
    login(therapist)
    return therapist


def test_registered_edited_and_shown(client, login, db):
    _therapist(db, login)
    client.post("/patients/new", data={**FORM, "sex_at_birth": "female",
                                       "gender_identity": "non_binary"})
    patient = db.query(Patient).filter_by(last_name="Diaz").one()
    assert (patient.sex_at_birth, patient.gender_identity) == ("female", "non_binary")
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Sex at birth: Female · Gender identity: Non-binary or genderqueer" in page
    edit = client.get(f"/patients/{patient.id}/edit").get_data(as_text=True)
    assert '<option selected value="female">' in edit
    response = client.post(f"/patients/{patient.id}/edit", data={
        **FORM, "sex_at_birth": "", "gender_identity": "woman",
        "version": str(patient.version)})
    assert response.status_code == 302
    db.refresh(patient)
    assert (patient.sex_at_birth, patient.gender_identity) == (None, "woman")
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Sex at birth" not in page and "Gender identity: Woman" in page


def test_not_recorded_by_default_and_unknown_values_refused(client, login, db):
    therapist = _therapist(db, login)
    assert client.post("/patients/new", data={**FORM, "sex_at_birth": "x"}).status_code == 200
    assert db.query(Patient).count() == 0  # a form error, nothing saved
    client.post("/patients/new", data=FORM)
    assert db.query(Patient).one().sex_at_birth is None
    data = services.PatientInput(first_name="A", last_name="B", date_of_birth=date(1990, 1, 1),
                                 address_line1="1 St", city="Oakland", state="CA",
                                 postal_code="94610", gender_identity="robot")
    with pytest.raises(DomainError, match="gender identity"):
        services.register_patient(db, therapist, data)
