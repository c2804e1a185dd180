"""The demo network's care records: stages as documented, and every page renders."""

from kapms.auth import otp
from kapms.auth.demo import DEMO_TOTP_SECRETS
from kapms.auth.models import User
from kapms.care.models import CareSession
from kapms.database import utcnow
from kapms.demo import seed_demo
from kapms.patients.models import Patient


def test_demo_seed_stages_and_pages(client, login, db):
    seed_demo(db)
    db.commit()
    # (the measures demo adds an outcome history of "Past" patients, not the living clinic)
    stages = {p.first_name: p.stage for p in db.query(Patient) if p.last_name != "Past"}
    assert stages == {"Avery": "intake", "Elena": "preparation", "Marcus": "dosing",
                      "Grace": "maintenance", "Owen": "intake", "Noah": "referral",
                      "Lucia": "referral"}
    marcus = db.query(Patient).filter_by(first_name="Marcus").one()
    statuses = [s.status for s in db.query(CareSession).filter_by(patient_id=marcus.id,
                                                                 kind="dosing")
                .order_by(CareSession.scheduled_start)]
    assert statuses == ["completed", "held", "scheduled"]
    therapist = db.query(User).filter_by(email="therapist@demo.kapms.test").one()
    login(therapist, "sage-lantern-demo")
    assert client.get("/care/calendar").status_code == 200
    due = client.get("/care/notes-due").get_data(as_text=True)
    assert "Marcus" in due
    page = client.get(f"/patients/{marcus.id}").get_data(as_text=True)
    assert "Post-dose blood pressure rise" in page and "Dosing 1 of 6" in page
    assert "1 past session note to sign." in page  # the held dosing's draft
    grace = db.query(Patient).filter_by(first_name="Grace").one()
    today = db.query(CareSession).filter_by(patient_id=grace.id, status="scheduled",
                                            kind="dosing").one()
    assert today.modality == "telehealth"
    page = client.get(f"/care/sessions/{today.id}/dosing").get_data(as_text=True)
    assert 'data-testid="check-in-form"' in page and 'data-testid="dosing-block"' not in page
    elena = db.query(Patient).filter_by(first_name="Elena").one()
    booked = db.query(CareSession).filter_by(patient_id=elena.id, kind="dosing").one()
    assert "suicidal-ideation alert" in client.get(
        f"/care/sessions/{booked.id}/dosing").get_data(as_text=True)
    for s in db.query(CareSession).filter_by(clinician_id=therapist.id):
        assert client.get(f"/care/sessions/{s.id}").status_code == 200
        if s.note:
            response = client.get(f"/care/sessions/{s.id}/note.pdf")
            assert response.mimetype == "application/pdf"
            break
    for p in db.query(Patient):
        code = client.get(f"/patients/{p.id}").status_code
        assert code == (200 if p.first_name in ("Avery", "Elena", "Marcus", "Grace") else 404)
    client.post("/logout")
    prescriber = db.query(User).filter_by(email="prescriber@demo.kapms.test").one()
    login(prescriber, "cedar-compass-demo")
    code = otp.code_at(DEMO_TOTP_SECRETS["prescriber"], otp.time_step(utcnow()))
    assert client.post("/login/code", data={"code": code}).status_code == 302  # second factor
    review = client.get("/care/review").get_data(as_text=True)
    for expected in ("Held dosing", "Blood-pressure rise", "Marcus Johnson", "250 mg",
                     "days since the first dosing (due after 30)", "Elena", "expires"):
        assert expected in review, expected
    assert "Grace" not in review.split('data-testid="review-reviews"')[1].split("</ul>")[0]
    home = client.get("/care/calendar").get_data(as_text=True)
    assert 'data-testid="home-review"' in home and "Held dosing" in home
