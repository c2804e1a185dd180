"""Network pages over HTTP: access, profile editing, matching, offers, CSV upload."""

import io

from kapms import clinic_time
from kapms.network.models import Referral
from kapms.network.services import profile_for
from tests.factories import make_user
from tests.network.helpers import make_clinician, make_patient, make_plan

PROFILE = {
    "kind": "therapist", "licences": "LMFT 123 CA 2030-01-01", "kap_course": "KAP 101",
    "kap_trained_on": "2024-01-10", "telehealth": "y", "languages": "English, Spanish",
    "accepting_new": "y", "capacity": "6", "specialties": ["ptsd", "sleep"],
    "availability": "Tue 09:00-12:00", "private_pay_rate": "",
    "version": "0",  # a new profile
}


def test_access_rules(client, login_as, db):
    therapist = login_as("therapist")
    other = make_clinician(db)
    db.commit()
    assert client.get("/network/profile").status_code == 200
    assert client.get("/network/directory").status_code == 403
    assert client.get(f"/network/directory/{other.id}/edit").status_code == 403
    assert client.get("/network/match").status_code == 403
    assert client.get("/network/directory/export.csv").status_code == 403
    assert therapist is not None


def test_clinician_saves_own_profile_and_bad_input_is_a_form_error(client, login_as, db):
    plan = make_plan(db)
    db.commit()
    me = login_as("therapist")
    response = client.post("/network/profile", data={**PROFILE, "plan_ids": [plan.id]})
    assert response.status_code == 302
    profile = profile_for(db, me.id)
    assert profile.specialty_list == ["ptsd", "sleep"] and profile.language_list == [
        "English", "Spanish"] and [p.id for p in profile.plans] == [plan.id]
    bad = client.post("/network/profile", data={**PROFILE, "licences": "LMFT 1 XX 2030-01-01",
                                                "version": profile.version})
    assert bad.status_code == 200 and "not a US state code" in bad.get_data(as_text=True)
    office = client.post("/network/profile", data={**PROFILE, "in_office": "y",
                                                   "version": profile.version})
    assert "office address and coordinates" in office.get_data(as_text=True)
    stale = client.post("/network/profile", data={**PROFILE, "version": 999})
    assert "Someone else saved this profile" in stale.get_data(as_text=True)
    db.expire_all()
    assert profile_for(db, me.id).licences[0].state == "CA"  # nothing half-saved


def test_admin_matches_offers_and_therapist_accepts(client, login, login_as, db):
    plan = make_plan(db)
    therapist = make_clinician(db, name="Maya Match", plans=[plan], specialties=["ptsd"])
    patient = make_patient(db, plan=plan)
    patient.diagnosis_code = "F43.10"
    db.commit()
    login_as("admin")
    page = client.get(f"/network/match?patient_id={patient.id}").get_data(as_text=True)
    assert "Maya Match" in page and "Specialises in PTSD" in page
    asked = client.post(f"/network/patients/{patient.id}/offer",
                        data={"clinician_id": therapist.id, "role": "therapist"})
    assert "Send this referral offer?" in asked.get_data(as_text=True)  # asks first
    assert db.query(Referral).count() == 0
    response = client.post(f"/network/patients/{patient.id}/offer", data={
        "clinician_id": therapist.id, "role": "therapist", "confirmed": "yes"})
    assert response.status_code == 302
    again = client.post(f"/network/patients/{patient.id}/offer",
                        data={"clinician_id": therapist.id, "role": "therapist",
                              "confirmed": "yes"}, follow_redirects=True)
    assert "already has an open therapist offer" in again.get_data(as_text=True)
    referral = db.query(Referral).one()
    assert "Specialises in PTSD" in referral.reasons  # why this therapist, kept
    client.post("/logout")
    login(therapist)
    assert "Review referral" in client.get("/", follow_redirects=True).get_data(as_text=True)
    offer = client.get(f"/network/offers/{referral.id}").get_data(as_text=True)
    assert "PTSD, Trauma" in offer and "Specialises in PTSD" in offer  # needs and reasons
    assert client.post(f"/network/offers/{referral.id}/accept").status_code == 302
    twice = client.post(f"/network/offers/{referral.id}/accept", follow_redirects=True)
    assert "already accepted" in twice.get_data(as_text=True)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Accepted a coordinator&#39;s referral" in page and "Maya Match" in page
    db.expire_all()
    assert db.get(type(patient), patient.id).stage == "intake"


def test_anonymous_request_and_nobody_eligible(client, login_as, db):
    aetna, cigna = make_plan(db), make_plan(db, "Cigna", "LocalPlus")
    make_clinician(db, name="Cash Carer", plans=[aetna], accepts_private_pay=True,
                   private_pay_rate_cents=15000)
    db.commit()
    login_as("admin")
    page = client.get(f"/network/match?state=CA&plan_id={cigna.id}&modality=telehealth"
                      "&max_distance=25").get_data(as_text=True)
    assert "the patient&#39;s plan (or private pay)" in page
    assert "Out of network" in page and "Cash Carer" in page
    assert "Offer to" not in page  # anonymous: nobody to offer


def test_bad_match_and_offer_input_is_friendly(client, login_as, db):
    patient = make_patient(db)
    db.commit()
    login_as("admin")
    for query in ("state=ZZ", "state=CA&max_distance=abc", "state=CA&modality=in_office",
                  "state=CA&plan_id=x", "state=CA&latitude=1"):
        response = client.get("/network/match?" + query)
        assert response.status_code == 200, query
        assert 'data-testid="match-results"' not in response.get_data(as_text=True)
    for data in ({"clinician_id": "abc", "role": "therapist"},
                 {"clinician_id": "999999", "role": "therapist"},
                 {"clinician_id": "1", "role": "janitor"}):
        response = client.post(f"/network/patients/{patient.id}/offer", data=data)
        assert response.status_code == 302
    assert db.query(Referral).count() == 0
    assert client.get("/network/patients/999999/prescribers").status_code == 404


def test_offer_is_private_to_its_clinician_and_decline_needs_reason(client, login, db):
    admin = make_user(db, roles=("admin",))
    plan = make_plan(db)
    therapist, stranger = make_clinician(db, plans=[plan]), make_clinician(db)
    patient = make_patient(db, plan=plan)
    from kapms.network.services.referrals import offer_referral

    referral = offer_referral(db, admin, patient, therapist, "therapist", today=clinic_time.today())
    db.commit()
    login(stranger)
    assert client.get(f"/network/offers/{referral.id}").status_code == 404
    assert client.post(f"/network/offers/{referral.id}/accept").status_code == 404
    client.post("/logout")
    login(therapist)
    assert client.post(f"/network/offers/{referral.id}/decline",
                       data={"reason": ""}).status_code == 400
    client.post(f"/network/offers/{referral.id}/decline", data={"reason": "Full until May"})
    db.expire_all()
    assert db.get(Referral, referral.id).status == "declined"


def test_csv_upload_and_export(client, login_as, db):
    make_plan(db)
    db.commit()
    login_as("admin")
    from tests.network.test_csv import HEADER, row

    text = "\n".join([HEADER, row(), row(email="x@example.test", licences="nonsense")])
    response = client.post("/network/directory/import", data={
        "file": (io.BytesIO(text.encode()), "directory.csv")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>1</strong> profile(s) saved" in page
    assert "<td>3</td>" in page
    bad = client.post("/network/directory/import", data={
        "file": (io.BytesIO(b"\xff\xfe\x00garbage"), "x.csv")},
        content_type="multipart/form-data")
    assert "not UTF-8" in bad.get_data(as_text=True)
    export = client.get("/network/directory/export.csv")
    assert export.mimetype == "text/csv" and "new.one@example.test" in export.get_data(
        as_text=True)


def test_admin_creates_a_profile_for_a_clinician_without_one(client, login_as, db):
    newcomer = make_user(db, roles=("prescriber",), full_name="New Prescriber")
    make_user(db, roles=("billing",), full_name="Not A Clinician")
    db.commit()
    login_as("admin")
    page = client.get("/network/directory").get_data(as_text=True)
    assert "New Prescriber" in page and "Not A Clinician" not in page
    response = client.post(f"/network/directory/{newcomer.id}/edit",
                           data={**PROFILE, "kind": "prescriber", "specialties": []})
    assert response.status_code == 302
    assert profile_for(db, newcomer.id).kind == "prescriber"
    biller = make_user(db, roles=("billing",))
    db.commit()
    assert client.get(f"/network/directory/{biller.id}/edit").status_code == 404


def test_coordinator_dashboard_lists_open_offers_and_declines(client, login, db):
    admin = make_user(db, roles=("admin",))
    plan = make_plan(db)
    therapist = make_clinician(db, name="Tess Open", plans=[plan])
    other = make_clinician(db, name="Dee Cline", plans=[plan])
    first, second = make_patient(db, plan=plan), make_patient(db, plan=plan)
    from kapms.network.services.referrals import decline_referral, offer_referral

    offer_referral(db, admin, first, therapist, "therapist", today=clinic_time.today())
    declined = offer_referral(db, admin, second, other, "therapist", today=clinic_time.today())
    decline_referral(db, other, declined, "Moving practice")
    db.commit()
    login(admin)
    page = client.get("/").get_data(as_text=True)
    assert "referral to Tess Open" in page and "Moving practice" in page
    assert "2 patients waiting" in page  # both still lack a therapist (and a prescriber)
    assert "Review referral" not in page  # admins answer no offers


def test_every_network_route_declares_who_may_use_it(app):
    from kapms.web.access import required_roles

    endpoints = [r.endpoint for r in app.url_map.iter_rules()
                 if r.endpoint.startswith("network.")]
    assert len(endpoints) >= 12
    for endpoint in endpoints:
        is_public, roles = required_roles(app, endpoint)
        assert not is_public and roles, endpoint


def test_prescriber_page_offers_eligible_prescribers(client, login, login_as, db):
    ca = make_clinician(db, kind="prescriber", name="Cal Prescriber", states=("CA",),
                        accepts_private_pay=True, private_pay_rate_cents=20000)
    make_clinician(db, kind="prescriber", name="Wash Prescriber", states=("WA",),
                   accepts_private_pay=True, private_pay_rate_cents=20000)
    make_clinician(db, kind="prescriber", name="Plan Only", states=("CA",))
    patient = make_patient(db)  # self-pay
    db.commit()
    login_as("admin")
    page = client.get(f"/network/patients/{patient.id}/prescribers").get_data(as_text=True)
    assert "Cal Prescriber" in page and "Wash Prescriber" not in page
    assert "Plan Only" not in page  # takes no private pay
    client.post(f"/network/patients/{patient.id}/offer",
                data={"clinician_id": ca.id, "role": "prescriber", "confirmed": "yes"})
    client.post("/logout")
    login(ca)
    referral = db.query(Referral).one()
    client.post(f"/network/offers/{referral.id}/accept")
    db.expire_all()
    assert [u.id for u in db.get(type(patient), patient.id).members("prescriber")] == [ca.id]


def test_not_a_number_coordinates_are_refused(client, login_as, db):
    me = login_as("therapist")
    page = client.post("/network/profile", data={
        **PROFILE, "in_office": "y", "office_address": "1 Main", "latitude": "nan",
        "longitude": "-122"}).get_data(as_text=True)
    assert "Enter a number." in page and profile_for(db, me.id) is None


def test_the_directory_is_paged(client, login_as, db):
    from kapms.network.services.profiles import list_profiles

    for name in ("Ann A", "Bob B", "Cid C"):
        make_clinician(db, name=name)
    rows, total = list_profiles(db, page=2, per_page=2)
    assert total == 3 and [p.user.full_name for p, _ in rows] == ["Cid C"]
    db.commit()
    login_as("admin")
    page = client.get("/network/directory?page=abc").get_data(as_text=True)
    assert "Ann A" in page and "Cid C" in page  # one page of 50
