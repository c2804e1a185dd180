"""Patient registration, editing (version check), care team and the patient page over HTTP."""

from datetime import date

from kapms.audit.models import AuditEvent
from kapms.network.models import Referral
from kapms.patients.models import Patient
from tests.care.factories import make_patient
from tests.factories import make_user
from tests.network.helpers import make_clinician


def self_pay_clinician(db, kind="therapist", **kw):
    """A clinician licensed in CA who accepts private pay (the FORM patient is self-pay)."""
    return make_clinician(db, kind=kind, accepts_private_pay=True,
                          private_pay_rate_cents=15000, **kw)

FORM = {"first_name": "Rosa", "last_name": "Diaz", "date_of_birth": "1987-02-03",
        "address_line1": "5 Elm St", "city": "Oakland", "state": "ca", "postal_code": "94610",
        "preferred_language": "English", "diagnosis_code": "F41.1", "plan_id": "0",
        "therapist_id": "0"}


def test_therapist_registers_own_client(client, login, db):
    therapist = self_pay_clinician(db)
    db.commit()
    login(therapist)
    form = {k: v for k, v in FORM.items() if k != "therapist_id"}  # not shown to therapists
    response = client.post("/patients/new", data=form)
    assert response.status_code == 302
    patient = db.query(Patient).filter_by(last_name="Diaz").one()
    assert patient.state == "CA" and patient.stage == "intake"
    assert [m.user_id for m in patient.care_team] == [therapist.id]
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Generalized anxiety disorder" in page and "data-testid=\"timeline\"" in page
    assert "Medical intake and clearance by the prescriber" in page
    assert "Registered their own client" in page and "Licensed in CA until" in page


def test_a_therapist_not_licensed_in_the_patients_state_cannot_register_them(
        client, login, db):
    therapist = self_pay_clinician(db, states=("NY",))
    db.commit()
    login(therapist)
    form = {k: v for k, v in FORM.items() if k != "therapist_id"}
    page = client.post("/patients/new", data=form).get_data(as_text=True)
    assert "holds no current licence in CA" in page
    assert db.query(Patient).count() == 0  # nothing half-saved


def test_admin_registers_referral_or_assigns(client, login_as, db):
    login_as("admin")
    therapist = self_pay_clinician(db)
    db.commit()
    client.post("/patients/new", data=FORM)
    referral = db.query(Patient).filter_by(last_name="Diaz").one()
    assert referral.stage == "referral" and referral.care_team == []
    client.post("/patients/new", data={**FORM, "last_name": "Vega",
                                       "therapist_id": str(therapist.id)})
    assigned = db.query(Patient).filter_by(last_name="Vega").one()
    assert assigned.members("therapist")[0].id == therapist.id


def test_bad_input_gives_form_errors_not_500(client, login_as, db):
    login_as("therapist")
    response = client.post("/patients/new", data={**FORM, "date_of_birth": "yesterday",
                                                   "postal_code": "x", "plan_id": "abc"})
    assert response.status_code == 200
    assert "5-digit ZIP" in response.get_data(as_text=True)
    response = client.post("/patients/new", data={**FORM, "diagnosis_code": "Z99.99"})
    assert response.status_code == 200
    assert db.query(Patient).count() == 0


def test_prescriber_cannot_register(client, login_as):
    login_as("prescriber")
    assert client.get("/patients/new").status_code == 403


def test_edit_with_stale_version_is_refused(client, login_as, db):
    therapist = login_as("therapist")
    patient = make_patient(db, therapist)
    db.commit()
    edit = {**FORM, "version": str(patient.version)}
    assert client.post(f"/patients/{patient.id}/edit", data={**edit, "city": "Berkeley"}
                       ).status_code == 302
    # The second tab still holds the old version.
    response = client.post(f"/patients/{patient.id}/edit", data={**edit, "city": "Alameda"})
    assert response.status_code == 200
    assert "changed by someone else" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Patient, patient.id).city == "Berkeley"


def test_invite_prescriber_and_other_therapists_patient_is_404(client, login, db):
    therapist = self_pay_clinician(db)
    prescriber = self_pay_clinician(db, kind="prescriber", name="Pat Prescriber")
    mine = make_patient(db, therapist)
    other = make_patient(db, make_user(db, roles=("therapist",)))
    db.commit()
    login(therapist)
    page = client.get(f"/patients/{mine.id}").get_data(as_text=True)
    assert "Pat Prescriber" in page and "Invite to care team" in page  # eligible, listed
    response = client.post(f"/network/patients/{mine.id}/care-team",
                           data={"user_id": prescriber.id, "role": "prescriber"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Patient, mine.id).members("prescriber") == []  # invited, not yet joined
    invitation = db.query(Referral).one()
    assert (invitation.kind, invitation.clinician_id) == ("invitation", prescriber.id)
    for url in (f"/patients/{other.id}", f"/patients/{other.id}/edit"):
        assert client.get(url).status_code == 404
    assert client.post(f"/network/patients/{other.id}/care-team",
                       data={"user_id": prescriber.id, "role": "prescriber"}).status_code == 404
    assert db.query(AuditEvent).filter_by(patient_id=other.id, outcome="denied").count() >= 1


def test_list_search_and_stage_filter(client, login_as, db):
    therapist = login_as("therapist")
    make_patient(db, therapist, first_name="Zed", last_name="Alpha", stage="dosing")
    make_patient(db, therapist, first_name="Yan", last_name="Beta", stage="intake")
    make_patient(db, make_user(db, roles=("therapist",)), first_name="Hidden", last_name="Gamma")
    db.commit()
    page = client.get("/patients/").get_data(as_text=True)
    assert "Alpha" in page and "Beta" in page and "Gamma" not in page
    page = client.get("/patients/?stage=dosing").get_data(as_text=True)
    assert "Alpha" in page and "Beta" not in page
    page = client.get("/patients/?q=yan").get_data(as_text=True)
    assert "Beta" in page and "Alpha" not in page


def test_billing_sees_demographics_without_care_panel(client, login_as, db):
    login_as("billing")
    patient = make_patient(db, make_user(db, roles=("therapist",)), date_of_birth=date(1990, 1, 1))
    db.commit()
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert patient.last_name in page
    assert 'data-testid="care-path"' not in page and "Edit record" not in page
    assert client.get(f"/patients/{patient.id}/edit").status_code == 403


def test_registering_a_chart_one_can_see_points_to_it(client, login, db):
    therapist = self_pay_clinician(db)
    db.commit()
    login(therapist)
    form = {k: v for k, v in FORM.items() if k != "therapist_id"}
    first = client.post("/patients/new", data=form)
    assert first.status_code == 302
    again = client.post("/patients/new", data={**form, "last_name": form["last_name"].upper()})
    assert again.status_code == 302 and again.location == first.location  # the same chart
    assert "already registered" in client.get(again.location).get_data(as_text=True)
    assert db.query(Patient).count() == 1
