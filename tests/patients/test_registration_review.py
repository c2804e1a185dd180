"""One chart per person, without an oracle: registering someone who already has a chart
the user cannot see goes to an admin for review and reveals nothing; the database itself
holds one chart per folded name and date of birth."""

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kapms.audit.models import AuditEvent
from kapms.patients import services
from kapms.patients.identity import fold_name, person_key
from kapms.patients.models import Patient, RegistrationReview
from tests.factories import make_patient, make_user
from tests.network.helpers import make_clinician


def _eligible_therapist(db):
    """A therapist the care-team rule admits for a self-pay patient in CA."""
    return make_clinician(db, kind="therapist", accepts_private_pay=True,
                          private_pay_rate_cents=15000)

FORM = {"first_name": "Ana-María", "last_name": "O'Neil", "date_of_birth": "1987-02-03",
        "address_line1": "5 Elm St", "city": "Oakland", "state": "CA", "postal_code": "94610",
        "preferred_language": "English", "diagnosis_code": "", "plan_id": "0",
        "phone": "510-555-0100"}


@pytest.mark.parametrize(("a", "b"), [
    ("Ana-María", "ana maria"), ("O'Neil", "O’NEIL"), ("ＡＮＡ", "Ana"), ("Straße", "STRASSE"),
    ("  Zoë ", "zoe"), ("Mary Ann", "Maryann")])
def test_names_fold_to_the_same_person(a, b):
    assert fold_name(a) == fold_name(b)


def test_first_and_last_name_stay_apart():
    assert person_key("Mary Ann", "Lee") != person_key("Mary", "Ann Lee")
    assert person_key("Lee", "Mary") != person_key("Mary", "Lee")
    assert len(person_key("李" * 80, "ﷺ" * 80)) == 64


def test_the_database_holds_one_chart_per_person_and_birth_date(db):
    make_patient(db, first_name="Ana María", last_name="Oneil", date_of_birth=date(1987, 2, 3))
    db.commit()
    with pytest.raises(IntegrityError):
        make_patient(db, first_name="ANA-MARIA", last_name="O'Neil",
                     date_of_birth=date(1987, 2, 3))
    db.rollback()
    make_patient(db, first_name="Ana-María", last_name="O'Neil", date_of_birth=date(1987, 2, 4))
    db.commit()  # another birth date: another person


def test_renaming_keeps_the_key(db):
    patient = make_patient(db, first_name="Ana", last_name="Lopez")
    db.commit()
    patient.last_name = "López-Ruiz"
    db.commit()
    db.expire_all()
    assert db.get(Patient, patient.id).person_key == person_key("ana", "lopezruiz")


def _chart_of_someone_else(db):
    owner = _eligible_therapist(db)
    patient = make_patient(db, owner, first_name="Ana María", last_name="ONeil",
                           date_of_birth=date(1987, 2, 3))
    db.commit()
    return patient


def test_outside_the_care_team_the_registration_goes_to_an_admin_and_reveals_nothing(
        client, login, db):
    chart = _chart_of_someone_else(db)
    outsider = _eligible_therapist(db)
    db.commit()
    login(outsider)
    response = client.post("/patients/new", data=FORM)
    assert response.status_code == 302 and response.location.endswith("/patients/")
    page = client.get(response.location).get_data(as_text=True)
    assert "sent to a network admin for review" in page
    for secret in (f"/patients/{chart.id}", "already", "ONeil", "Ana María"):
        assert secret not in page  # the chart's id and its own spelling of the name
    assert "No patients match." in page
    assert db.scalar(select(func.count()).select_from(Patient)) == 1
    review = db.scalar(select(RegistrationReview))
    assert (review.patient_id, review.requested_by_id, review.status) == (
        chart.id, outsider.id, "pending")
    assert "phone: (510) 555-0100" in review.details  # written the clinic's one way
    # Sending it again gives the same answer and the same review.
    again = client.post("/patients/new", data={**FORM, "last_name": "ONEIL"})
    assert again.status_code == 302 and again.location == response.location
    assert db.scalar(select(func.count()).select_from(RegistrationReview)) == 1
    # The author's home shows what they typed and that it waits; never the chart.
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Ana-María O&#39;Neil" in home and "waiting for a network admin" in home
    assert f"/patients/{chart.id}" not in home
    assert client.get(f"/patients/{chart.id}").status_code == 404
    audit = db.scalar(select(AuditEvent).where(AuditEvent.entity_type == "registration_review"))
    assert (audit.user_id, audit.patient_id) == (outsider.id, chart.id)


def test_an_admin_adds_the_author_to_the_care_team(client, login, db):
    chart = _chart_of_someone_else(db)
    outsider = _eligible_therapist(db)
    db.commit()
    login(outsider)
    client.post("/patients/new", data=FORM)
    client.post("/logout")
    admin = make_user(db, roles=("admin",))
    db.commit()
    login(admin)
    assert "1 registration waits" in client.get("/").get_data(as_text=True)
    listing = client.get("/patients/reviews").get_data(as_text=True)
    review = db.scalar(select(RegistrationReview))
    assert "Ana-María O&#39;Neil" in listing and f"/patients/{chart.id}" in listing
    done = client.post(f"/patients/reviews/{review.id}/add", follow_redirects=True)
    assert "Added to the care team." in done.get_data(as_text=True)
    twice = client.post(f"/patients/reviews/{review.id}/decline", follow_redirects=True)
    assert "already reviewed" in twice.get_data(as_text=True)
    db.expire_all()
    assert outsider in db.get(Patient, chart.id).members("therapist")
    assert db.get(RegistrationReview, review.id).status == "added"
    client.post("/logout")
    login(outsider)
    assert client.get(f"/patients/{chart.id}").status_code == 200


def test_a_declined_review_adds_nobody(db):
    chart = _chart_of_someone_else(db)
    outsider = _eligible_therapist(db)
    admin = make_user(db, roles=("admin",))
    data = services.PatientInput(first_name="Ana", last_name="Maria O'Neil",
                                 date_of_birth=date(1987, 2, 3), address_line1="x",
                                 city="Oakland", state="CA", postal_code="94610")
    assert isinstance(services.register_patient(db, outsider, data), Patient)  # another name
    data.first_name, data.last_name = "ANA MARÍA", "O'Neil"
    review = services.register_patient(db, outsider, data)
    assert isinstance(review, RegistrationReview) and review.patient_id == chart.id
    services.decide_review(db, admin, review.id, add=False)
    assert outsider not in chart.members("therapist")
    with pytest.raises(services.PermissionDenied):
        services.decide_review(db, outsider, review.id, add=True)


def test_inside_the_care_team_the_user_is_pointed_to_the_chart(client, login, db):
    me = _eligible_therapist(db)
    chart = make_patient(db, me, first_name="Ana María", last_name="ONeil",
                         date_of_birth=date(1987, 2, 3))
    db.commit()
    login(me)
    response = client.post("/patients/new", data=FORM)
    assert response.status_code == 302 and response.location.endswith(f"/patients/{chart.id}")
    assert "already registered" in client.get(response.location).get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(RegistrationReview)) == 0


def test_an_admin_is_pointed_to_the_chart(client, login_as, db):
    chart = _chart_of_someone_else(db)
    login_as("admin")
    response = client.post("/patients/new", data={**FORM, "therapist_id": "0"})
    assert response.location.endswith(f"/patients/{chart.id}")
