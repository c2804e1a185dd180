"""The patient portal over HTTP: the patient's own appointments, documents, intake,
questionnaires, chaperone and billing documents, and nobody else's."""

import re
from datetime import timedelta

from sqlalchemy import select

from kapms.consent import services as consent
from kapms.database import utcnow
from kapms.intake.models import IntakeResponse
from kapms.intake.questions import CO_MEDICATION_QUESTIONS, CONTRAINDICATION_QUESTIONS
from kapms.measures.models import Administration, SafetyAlert
from kapms.outbox.models import OutboxMessage
from kapms.portal.models import ChaperoneNomination
from tests.care.factories import at, make_team, session_for
from tests.factories import make_patient_account, make_user
from tests.outbox.helpers import send_due


def _portal(db, **patient):
    team = make_team(db)
    for name, value in patient.items():
        setattr(team.patient, name, value)
    team.account = make_patient_account(db, team.patient)
    db.commit()
    return team


def test_home_shows_the_patients_appointments_and_what_waits(app, client, db, login):
    team = _portal(db)
    session_for(db, team, "preparation", utcnow() + timedelta(days=2))
    admin = make_user(db, roles=["admin"])
    consent.create_document(db, admin, title="KAP informed consent", body="# KAP\n\nRisks and "
                            "benefits of ketamine.\n", required_before="first_dosing",
                            applies_to="all")
    other = _portal(db, last_name="Quartz")
    session_for(db, other, "dosing", utcnow() + timedelta(days=3))
    db.commit()
    login(team.account)
    page = client.get("/portal/").get_data(as_text=True)
    assert "Preparation" in page and "KAP informed consent" in page and "PHQ-9" in page
    assert "Quartz" not in page and "Dosing" not in page
    assert "Your health questionnaire" in page
    assert "Needed before the first dosing" in page and "overdue" not in page


def test_home_says_which_dosing_waits_for_a_signature_and_what_is_overdue(
        app, client, db, login):
    from kapms import clinic_time
    from kapms.billing.services import plans

    team = _portal(db)
    admin = make_user(db, roles=["admin"])
    consent.create_document(db, admin, title="KAP informed consent",
                            body="# KAP\n\nRisks and benefits.\n",
                            required_before="first_dosing", applies_to="all")
    consent.create_document(db, admin, title="Telehealth agreement",
                            body="# Remote\n\nA chaperone stays with me.\n",
                            required_before="first_dosing", applies_to="remote_dosing")
    office = session_for(db, team, "dosing", at(3))
    remote = session_for(db, team, "dosing", at(10), modality="telehealth")
    plans.create_plan(db, None, team.patient, balance_cents=60000, upfront_cents=12000,
                      installments=4, first_due=clinic_time.today() - timedelta(days=45))
    db.commit()
    login(team.account)
    page = client.get("/portal/").get_data(as_text=True)
    by = re.findall(r"<strong>([^<]+)</strong><br><span[^>]*>Needed before your dosing on "
                    r"([^<]+)<", page)
    assert dict(by) == {
        "KAP informed consent": f"{clinic_time.local_date(office.scheduled_start):%a %b %d}",
        "Telehealth agreement": f"{clinic_time.local_date(remote.scheduled_start):%a %b %d}"}
    assert re.search(r"\$[\d,.]+ overdue", page)


def test_calendar_files_carry_no_more_than_an_appointment(app, client, db, login):
    team = _portal(db)
    mine = session_for(db, team, "dosing", utcnow() + timedelta(days=2))
    other = _portal(db)
    theirs = session_for(db, other, "dosing", utcnow() + timedelta(days=2))
    db.commit()
    login(team.account)
    ics = client.get(f"/portal/appointments/{mine.id}.ics")
    body = ics.get_data(as_text=True)
    assert ics.mimetype == "text/calendar" and "SUMMARY:Appointment · KAP Demo Network" in body
    assert "Dosing" not in body and team.therapist.full_name not in body
    assert client.get(f"/portal/appointments/{theirs.id}.ics").status_code == 404
    assert "BEGIN:VEVENT" in client.get("/portal/appointments.ics").get_data(as_text=True)


def test_the_patient_signs_a_consent_in_the_portal(app, client, db, login):
    team = _portal(db)
    admin = make_user(db, roles=["admin"])
    document = consent.create_document(db, admin, title="Financial responsibility",
                                       body="# Money\n\nI pay my share.\n",
                                       required_before="clearance", applies_to="all")
    version_id, sha = document.current.id, document.current.sha256
    db.commit()
    login(team.account)
    page = client.get(f"/portal/consents/{version_id}").get_data(as_text=True)
    assert "I pay my share." in page and sha in page
    refused = client.post(f"/portal/consents/{version_id}", data={
        "version_id": version_id, "text_sha256": sha, "typed_name": team.patient.full_name})
    assert refused.status_code == 200 and "I agree" in refused.get_data(as_text=True)
    signed = client.post(f"/portal/consents/{version_id}", data={
        "version_id": version_id, "text_sha256": sha, "typed_name": team.patient.full_name,
        "agree": "y"}, headers={"User-Agent": "PhoneBrowser/1.0"})
    assert signed.status_code == 302
    [signature] = consent.signatures_for(db, team.account, team.patient)
    assert signature.user_agent == "PhoneBrowser/1.0" and signature.text_sha256 == sha
    assert "Financial responsibility" in client.get("/portal/consents").get_data(as_text=True)


def _intake_form(**changes):
    data = {f"ci_{k}": "no" for k in CONTRAINDICATION_QUESTIONS}
    data.update({f"cm_{k}": "no" for k in CO_MEDICATION_QUESTIONS})
    data.update(prior_ketamine="no", prior_psychedelics="yes",
                prior_experience="Psilocybin twice, 2019.", bp_systolic="128",
                bp_diastolic="82", emergency_contact_name="Lee Park",
                emergency_contact_phone="510-555-0142", medications="Sertraline 100 mg daily",
                action="send")
    data.update(changes)
    return data


def test_intake_is_saved_sent_and_prefills_the_prescribers_screen(app, client, db, login):
    team = _portal(db)
    login(team.account)
    draft = client.post("/portal/intake", data={"ci_pregnancy": "no", "action": "save",
                                                "version": "0"})
    assert draft.status_code == 302
    missing = client.post("/portal/intake", data={"ci_pregnancy": "no", "action": "send",
                                                  "version": "1"})
    assert "Answer yes or no." in missing.get_data(as_text=True)
    sent = client.post("/portal/intake", data=_intake_form(ci_glaucoma="yes", cm_stimulants="yes",
                                                           version="1"))
    assert sent.status_code == 302
    row = db.scalar(select(IntakeResponse).where(IntakeResponse.patient_id == team.patient.id))
    assert row.submitted_at is not None and row.contraindications["glaucoma"] is True
    client.post("/logout")
    login(team.prescriber)
    screen = client.get(f"/care/patients/{team.patient.id}/clearance").get_data(as_text=True)
    assert "Patient&#39;s intake" in screen and "Sertraline 100 mg daily" in screen
    checked = re.search(r'<input[^>]*checked[^>]*name="ci_glaucoma"[^>]*>|'
                        r'<input[^>]*name="ci_glaucoma"[^>]*checked[^>]*>', screen).group(0)
    assert 'value="yes"' in checked
    patient_page = client.get(f"/patients/{team.patient.id}").get_data(as_text=True)
    assert "Psilocybin twice" in patient_page


def _team_emails(app, db, team, about: str) -> list:
    """The staff emails about ``about`` sent now: one to each clinician of the team, naming
    no patient, with a sign-in link."""
    emails = [e for e in send_due(app, db) if about in e.subject]
    assert sorted(e.to[0] for e in emails) == sorted([team.therapist.email,
                                                      team.prescriber.email])
    for email in emails:
        assert team.patient.last_name not in email.body + email.subject
        assert "/login" in email.body
    return emails


def test_an_intake_sent_with_thoughts_of_self_harm_tells_the_team_and_the_patient(
        app, client, db, login):
    team = _portal(db)
    calm = _portal(db)
    login(calm.account)
    client.post("/portal/intake", data=_intake_form(version="0"))
    client.post("/logout")
    login(team.account)
    draft = client.post("/portal/intake", data=_intake_form(ci_suicidality="yes",
                                                            action="save", version="0"))
    assert "988" not in client.get(draft.location).get_data(as_text=True)
    assert [e for e in send_due(app, db) if "intake" in e.subject] == []  # a draft: not yet
    sent = client.post("/portal/intake", data=_intake_form(ci_suicidality="yes", version="1"),
                       follow_redirects=True)
    assert "Your care team has been told" in sent.get_data(as_text=True)
    for email in _team_emails(app, db, team, "intake"):
        assert "ending" not in email.body
    client.post("/logout")
    login(team.therapist)
    page = client.get(f"/patients/{team.patient.id}").get_data(as_text=True)
    assert 'data-testid="intake-crisis"' in page
    client.post("/logout")
    login(calm.therapist)
    calm_page = client.get(f"/patients/{calm.patient.id}").get_data(as_text=True)
    assert 'data-testid="intake-answers"' in calm_page
    assert 'data-testid="intake-crisis"' not in calm_page


def test_a_crisis_intake_is_on_the_dashboard_until_a_clearance_reviews_it(
        app, client, db, login):
    from tests.care.factories import clear
    from tests.factories import make_patient

    team = _portal(db)
    waiting = make_patient(db)  # referred, no clinician on the care team yet
    account = make_patient_account(db, waiting)
    admin = make_user(db, roles=["admin"])
    db.commit()
    for who in (account, team.account):
        login(who)
        client.post("/portal/intake", data=_intake_form(ci_suicidality="yes", version="0"))
        client.post("/logout")
    # Nobody on the care team: the admins are told, and see it on their dashboard.
    emails = [e for e in send_due(app, db) if "intake" in e.subject]
    assert sorted(e.to[0] for e in emails) == sorted(
        [admin.email, team.therapist.email, team.prescriber.email])
    login(admin)
    board = client.get("/").get_data(as_text=True)
    assert waiting.full_name in board and team.patient.full_name not in board
    client.post("/logout")
    login(team.therapist)
    board = client.get("/", follow_redirects=True).get_data(as_text=True)  # the calendar
    assert 'data-testid="dashboard-intake-crisis"' in board
    assert team.patient.full_name in board and waiting.full_name not in board
    clear(db, team, decided=utcnow() + timedelta(minutes=1), screen={
        key: {"yes": key == "suicidality", "notes": ""} for key in CONTRAINDICATION_QUESTIONS},
        override_reason="Assessed: passive thoughts, safety plan in place.")
    db.commit()
    assert 'data-testid="dashboard-intake-crisis"' not in client.get(
        "/", follow_redirects=True).get_data(as_text=True)


def test_a_phq9_answered_in_the_portal_is_scored_and_item_9_alerts_the_team(
        app, client, db, login):
    team = _portal(db)
    login(team.account)
    answers = {f"item_{n}": "1" for n in range(1, 10)}
    answers["item_9"] = "2"
    response = client.post("/portal/questionnaires/PHQ-9/baseline", data=answers)
    assert response.status_code == 302
    administration = db.scalar(select(Administration).where(
        Administration.patient_id == team.patient.id))
    assert (administration.total, administration.source) == (10, "self_report")
    alert = db.scalar(select(SafetyAlert).where(SafetyAlert.patient_id == team.patient.id))
    assert alert.item9_answer == 2
    again = client.post("/portal/questionnaires/PHQ-9/baseline", data=answers)
    assert "not due now" in again.get_data(as_text=True)  # answered: nothing saved twice
    assert len(db.scalars(select(Administration)).all()) == 1
    for email in _team_emails(app, db, team, "safety alert"):
        assert "PHQ" not in email.body


def test_the_patient_names_the_chaperone_of_a_telehealth_dosing(app, client, db, login):
    team = _portal(db)
    remote = session_for(db, team, "dosing", at(4), modality="telehealth")
    office = session_for(db, team, "dosing", at(9))
    db.commit()
    login(team.account)
    assert 'data-testid="chaperone"' in client.get("/portal/").get_data(as_text=True)
    client.post(f"/portal/appointments/{remote.id}/chaperone",
                data={f"c{remote.id}-name": "Sam Rivera", f"c{remote.id}-phone": "510-555-0101",
                      f"c{remote.id}-version": "0"})
    nomination = db.scalar(select(ChaperoneNomination))
    assert (nomination.name, nomination.session_id) == ("Sam Rivera", remote.id)
    client.post(f"/portal/appointments/{office.id}/chaperone",
                data={f"c{office.id}-name": "Sam", f"c{office.id}-phone": "510-555-0101",
                      f"c{office.id}-version": "0"})
    assert len(db.scalars(select(ChaperoneNomination)).all()) == 1  # office: refused
    assert "Sam Rivera, 510-555-0101" in client.get("/portal/").get_data(as_text=True)


def test_reminder_choices_are_kept(app, client, db, login):
    from kapms.reminders.services import turned_off

    team = _portal(db)
    login(team.account)
    client.post("/portal/reminders", data={"kinds": ["session_reminder", "measure_due"]})
    assert turned_off(db, team.account.id) == {"consent_outstanding", "intake_outstanding",
                                              "installment_reminder"}


def test_staff_see_the_portal_section_and_invite(app, client, db, login):
    team = _portal(db)
    fresh = make_team(db)
    db.commit()
    login(team.account)  # the patient has signed in once: the account is in use
    client.post("/logout")
    login(fresh.therapist)
    page = client.get(f"/patients/{fresh.patient.id}").get_data(as_text=True)
    assert "Not invited yet" in page and "Invite to the portal" in page
    client.post(f"/portal-invitations/patients/{fresh.patient.id}",
                data={"portal-email": "new.patient@example.com"})
    assert db.scalar(select(OutboxMessage.kind).where(
        OutboxMessage.patient_id == fresh.patient.id)) == "invitation"
    client.post("/logout")
    login(team.therapist)
    assert "Uses the portal" in client.get(f"/patients/{team.patient.id}").get_data(
        as_text=True)


def test_the_check_in_form_starts_from_the_chaperone_the_patient_named(app, client, db, login):
    team = _portal(db)
    remote = session_for(db, team, "dosing", at(0, hour=utcnow().hour), modality="telehealth")
    db.commit()
    login(team.account)
    client.post(f"/portal/appointments/{remote.id}/chaperone",
                data={f"c{remote.id}-name": "Robin Vale", f"c{remote.id}-phone": "510-555-0199",
                      f"c{remote.id}-version": "0"})
    client.post("/logout")
    login(team.therapist)
    page = client.get(f"/care/sessions/{remote.id}/dosing").get_data(as_text=True)
    assert 'value="Robin Vale"' in page and 'value="510-555-0199"' in page
