"""Care pages over HTTP: the path end to end, access, notes, PDFs, calendar and .ics."""

import io

import pytest
from pypdf import PdfReader

from kapms.audit.models import AuditEvent
from kapms.care.constants import CO_MEDICATION_LABELS, CONTRAINDICATION_LABELS
from kapms.care.models import CareSession, ProgressNote
from tests.care.dosing_http import run_dosing_over_http
from tests.care.factories import at, session_for
from tests.factories import make_user


def clearance_form(**changes) -> dict:
    """A complete clearance form: every screen item and co-medication answered no."""
    data = {f"ci_{key}": "no" for key in CONTRAINDICATION_LABELS}
    data.update({f"cm_{key}": "no" for key in CO_MEDICATION_LABELS})
    data.update(bp_systolic="120", bp_diastolic="80", heart_rate="70", decision="cleared",
                reason="Suitable", dosing_count="6", product="ketamine_sl_lozenge",
                route="sublingual", dose_mg="200")
    data.update(changes)
    return data


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_walk_the_path_over_http(client, login, db, team):
    login(team.prescriber)
    url = f"/care/patients/{team.patient.id}/clearance"
    response = client.post(url, data=clearance_form(ci_psychosis="yes"))
    assert "override reason" in response.get_data(as_text=True)  # refused, shown on form
    response = client.post(url, data=clearance_form(
        ci_psychosis="yes", override_reason="Remote drug-induced episode"))
    assert 'data-testid="confirm-step"' in response.get_data(as_text=True)  # asks first
    response = client.post(url, data=clearance_form(
        ci_psychosis="yes", override_reason="Remote drug-induced episode", confirmed="yes"))
    assert response.status_code == 302 and "/care/clearances/" in response.location
    from kapms.care.models import Clearance

    clearance = db.query(Clearance).one()  # decided a month ago
    clearance.decided_at = clearance.plans[0].created_at = at(-30)
    db.commit()
    client.post("/logout")
    login(team.therapist)
    day = (at(-3)).strftime("%Y-%m-%d")
    for kind, hour in (("preparation", "09:00"), ("dosing", "10:00"), ("integration", "15:00")):
        response = client.post(f"/care/patients/{team.patient.id}/sessions/new", data={
            "kind": kind, "clinician_id": team.therapist.id, "day": day, "start_time": hour,
            "duration_minutes": "180" if kind == "dosing" else "50", "modality": "office",
            "repeat": "0", "record_past": "y"})  # entered after they took place
        assert response.status_code == 302, response.get_data(as_text=True)
    prep, dosing, integration = db.query(CareSession).order_by(CareSession.scheduled_start).all()
    page = client.get(f"/care/sessions/{dosing.id}").get_data(as_text=True)
    assert "preparation session is needed" in page
    assert client.post(f"/care/sessions/{prep.id}/complete", data={}).status_code == 302
    run_dosing_over_http(client, dosing)
    client.post(f"/care/sessions/{integration.id}/complete", data={"actual_minutes": "55"})
    client.post(f"/care/sessions/{dosing.id}/note", data={"body": "Calm session.", "version": 0})
    note = db.query(ProgressNote).one()
    client.post(f"/care/sessions/{dosing.id}/note/sign", data={"version": note.version})
    db.expire_all()
    assert db.get(ProgressNote, note.id).signed
    response = client.get(f"/care/sessions/{dosing.id}/note.pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in (team.patient.full_name, "Dosing session note", "124/78", "138/84",
                     team.therapist.full_name, "Electronically signed by", "Nausea",
                     "Check-in", "Administration", "Monitoring", "Discharge", "KX-2291"):
        assert expected in text, expected
    assert "DRAFT" not in text
    assert db.query(AuditEvent).filter_by(action="print", patient_id=team.patient.id).count() == 1
    page = client.get(f"/patients/{team.patient.id}").get_data(as_text=True)
    assert 'data-state="current"' in page and "Dosing 2 of 6" in page
def test_draft_pdf_has_watermark_and_is_audited(client, login, db, team):
    cs = session_for(db, team, "preparation", at(-1), "completed")
    db.commit()
    login(team.therapist)
    client.post(f"/care/sessions/{cs.id}/note", data={"body": "Working draft", "version": 0})
    text = pdf_text(client.get(f"/care/sessions/{cs.id}/note.pdf").data)
    assert "DRAFT" in text and "Working draft" in text and "Preparation" in text
    assert db.query(AuditEvent).filter_by(action="print").count() == 1


def test_note_with_hostile_references_renders_escaped_without_fetching(client, login, db,
                                                                        team, monkeypatch):
    import kapms.pdf

    fetched = []
    monkeypatch.setattr(kapms.pdf, "static_file",
                        lambda url: fetched.append(url) or (_ for _ in ()).throw(
                            kapms.pdf.FetchRefused(url)))
    cs = session_for(db, team, "preparation", at(-1), "completed")
    db.commit()
    login(team.therapist)
    body = '<img src="file:///etc/passwd"> <a href="http://127.0.0.1:9/x">link</a>'
    client.post(f"/care/sessions/{cs.id}/note", data={"body": body, "version": 0})
    text = pdf_text(client.get(f"/care/sessions/{cs.id}/note.pdf").data)
    assert "file:///etc/passwd" in text  # shown as text, escaped
    assert "root:" not in text
    assert fetched == []  # escaped markup is text: nothing was even asked for


def test_stale_note_save_is_refused_with_message(client, login, db, team):
    cs = session_for(db, team, "preparation", at(-1), "completed")
    db.commit()
    login(team.therapist)
    client.post(f"/care/sessions/{cs.id}/note", data={"body": "v1", "version": 0})
    version = db.query(ProgressNote).one().version
    client.post(f"/care/sessions/{cs.id}/note", data={"body": "tab A", "version": version})
    response = client.post(f"/care/sessions/{cs.id}/note", data={"body": "tab B",
                                                                 "version": version})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed by someone else" in page and "tab B" in page
    db.expire_all()
    assert db.query(ProgressNote).one().body == "tab A"


def test_other_therapist_gets_404_everywhere(client, login, db, team):
    cs = session_for(db, team, "preparation", at(-1), "completed")
    outsider = make_user(db, roles=("therapist",))
    db.commit()
    login(outsider)
    for url in (f"/patients/{team.patient.id}", f"/care/sessions/{cs.id}",
                f"/care/sessions/{cs.id}/dosing", f"/care/sessions/{cs.id}/note.pdf",
                f"/care/patients/{team.patient.id}/sessions/new",
                f"/care/patients/{team.patient.id}/process-notes"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/care/sessions/{cs.id}/note", data={"body": "x"}).status_code == 404


def test_billing_cannot_read_notes(client, login, db, team):
    cs = session_for(db, team, "preparation", at(-1), "completed")
    from kapms.care import services as care

    care.save_draft(db, team.therapist, cs, "Secret narrative about childhood", None)
    db.commit()
    login(make_user(db, roles=("billing",)))
    db.commit()
    for url in (f"/care/sessions/{cs.id}", f"/care/sessions/{cs.id}/note.pdf",
                f"/care/patients/{team.patient.id}/process-notes", "/care/calendar"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Secret narrative" not in response.get_data(as_text=True)
    page = client.get(f"/patients/{team.patient.id}").get_data(as_text=True)
    assert "Secret narrative" not in page


def test_wrong_role_gets_403(client, login, db, team):
    login(team.therapist)
    assert client.get(f"/care/patients/{team.patient.id}/clearance").status_code == 403
    assert client.get("/care/profile").status_code == 403
    client.post("/logout")
    login(team.prescriber)
    assert client.get(f"/care/patients/{team.patient.id}/process-notes").status_code == 403


def test_process_notes_are_author_only(client, login, db, team):
    colleague = make_user(db, roles=("therapist",))
    from kapms.patients.models import CareTeamMember

    db.add(CareTeamMember(patient_id=team.patient.id, user_id=colleague.id, role="therapist"))
    db.commit()
    login(team.therapist)
    client.post(f"/care/patients/{team.patient.id}/process-notes",
                data={"body": "Transference themes"})
    from kapms.care.models import ProcessNote

    note = db.query(ProcessNote).one()
    assert "Transference" in client.get(
        f"/care/patients/{team.patient.id}/process-notes").get_data(as_text=True)
    client.post("/logout")
    login(colleague)
    assert client.get(f"/care/process-notes/{note.id}").status_code == 404
    page = client.get(f"/care/patients/{team.patient.id}/process-notes").get_data(as_text=True)
    assert "Transference" not in page
    client.post("/logout")
    login(make_user(db, roles=("admin",)))
    db.commit()
    assert client.get(f"/care/process-notes/{note.id}").status_code == 403
    assert "Transference" not in client.get(f"/patients/{team.patient.id}").get_data(as_text=True)


def test_calendar_notes_due_and_ics(client, login, db, team):
    past = session_for(db, team, "preparation", at(-1), "completed")
    upcoming = session_for(db, team, "integration", at(1))
    db.commit()
    login(team.therapist)
    response = client.get("/")
    assert response.status_code == 302 and "/care/calendar" in response.location
    page = client.get(f"/care/calendar?view=week&date={at(1):%Y-%m-%d}").get_data(as_text=True)
    assert team.patient.full_name in page
    assert client.get("/care/calendar?view=day&date=garbage").status_code == 200
    page = client.get("/care/notes-due").get_data(as_text=True)
    assert f"/care/sessions/{past.id}" in page and f"/care/sessions/{upcoming.id}" not in page
    ics = client.get("/care/calendar.ics")
    assert ics.mimetype == "text/calendar"
    body = ics.get_data(as_text=True)
    assert "Integration" in body and f"{team.patient.first_name[0]}.{team.patient.last_name[0]}." in body
    assert team.patient.last_name not in body and team.patient.first_name not in body


def test_every_care_and_patient_route_declares_access(app):
    from kapms.web.access import required_roles

    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("care.", "patients.")):
            is_public, roles = required_roles(app, rule.endpoint)
            assert not is_public and roles, rule.endpoint
            assert "billing" not in roles or rule.endpoint.startswith("patients."), rule.endpoint


@pytest.mark.parametrize("data", [
    {"kind": "dosing", "day": "not-a-date", "start_time": "10:00", "duration_minutes": "60"},
    {"kind": "teleport", "day": "2026-01-01", "start_time": "10:00", "duration_minutes": "60"},
    {"kind": "dosing", "day": "2026-01-01", "start_time": "25:00", "duration_minutes": "60"},
    {"kind": "dosing", "day": "2026-01-01", "start_time": "10:00", "duration_minutes": "9999"},
])
def test_schedule_bad_input_is_a_form_error(client, login, db, team, data):
    login(team.therapist)
    response = client.post(f"/care/patients/{team.patient.id}/sessions/new",
                           data={**data, "clinician_id": team.therapist.id,
                                 "modality": "office"})
    assert response.status_code == 200
    assert db.query(CareSession).count() == 0


def test_clearance_bad_input_and_missing_plan(client, login, db, team):
    login(team.prescriber)
    url = f"/care/patients/{team.patient.id}/clearance"
    response = client.post(url, data=clearance_form(dose_mg="lots", bp_systolic="9999"))
    assert response.status_code == 200
    response = client.post(url, data=clearance_form(dosing_count="", product="", route=""))
    assert "between 1 and 36 dosing sessions" in response.get_data(as_text=True)
    from kapms.care.models import Clearance

    assert db.query(Clearance).count() == 0


def test_session_ids_that_do_not_exist_are_404(client, login, db, team):
    login(team.therapist)
    for url in ("/care/sessions/999999", "/care/sessions/999999/note.pdf",
                "/care/process-notes/999999"):
        assert client.get(url).status_code == 404
    assert client.post("/care/clearances/999999/revoke", data={"reason": "x"}).status_code == 403


def test_save_and_sign_in_one_step(client, login, db, team):
    cs = session_for(db, team, "integration", at(-1), "completed")
    db.commit()
    login(team.therapist)
    asked = client.post(f"/care/sessions/{cs.id}/note", data={
        "body": "Typed, then signed", "version": 0, "sign": "Save and sign"})
    assert "Sign this note?" in asked.get_data(as_text=True)
    assert db.query(ProgressNote).count() == 0  # nothing saved before the answer
    client.post(f"/care/sessions/{cs.id}/note", data={"body": "Typed, then signed",
                                                      "version": 0, "sign": "Save and sign",
                                                      "confirmed": "yes"})
    note = db.query(ProgressNote).one()
    assert note.signed and note.body == "Typed, then signed"
    response = client.post(f"/care/sessions/{cs.id}/note", data={"body": "edit",
                                                                 "version": note.version})
    assert response.status_code == 409  # signed: refused, text shown back
    db.expire_all()
    assert db.query(ProgressNote).one().body == "Typed, then signed"


# --- rescheduling -------------------------------------------------------------------------

def _reschedule_data(cs, **overrides):
    data = {"clinician_id": cs.clinician_id, "day": at(2).strftime("%Y-%m-%d"),
            "start_time": "11:30", "duration_minutes": "90", "modality": "telehealth",
            "version": cs.version}
    data.update(overrides)
    return data


def test_reschedule_form_prefills_and_moves_the_session(client, login, db, team):
    from datetime import time

    from kapms import clinic_time
    from kapms.care.views.common import local_to_utc

    cs = session_for(db, team, "preparation", at(1))
    db.commit()
    login(team.therapist)
    page = client.get(f"/care/sessions/{cs.id}").get_data(as_text=True)
    assert f"/care/sessions/{cs.id}/reschedule" in page
    form = client.get(f"/care/sessions/{cs.id}/reschedule").get_data(as_text=True)
    local = cs.scheduled_start.astimezone(clinic_time.zone())
    assert f'value="{local:%Y-%m-%d}"' in form and f'value="{local:%H:%M}"' in form
    assert f'name="version" type="hidden" value="{cs.version}"' in form
    assert 'name="kind"' not in form and 'name="location"' not in form
    response = client.post(f"/care/sessions/{cs.id}/reschedule", data=_reschedule_data(cs))
    assert response.status_code == 302 and response.location.endswith(f"/care/sessions/{cs.id}")
    db.expire_all()
    moved = db.get(CareSession, cs.id)
    assert moved.scheduled_start == local_to_utc(at(2).date(), time(11, 30))
    assert (moved.duration_minutes, moved.modality) == (90, "telehealth")


@pytest.mark.parametrize("overrides", [
    {"day": "not-a-date"}, {"start_time": "25:00"}, {"duration_minutes": "9999"},
    {"duration_minutes": "abc"}, {"modality": "teleport"}, {"clinician_id": "abc"},
    {"version": ""},
])
def test_reschedule_bad_input_is_a_form_error(client, login, db, team, overrides):
    cs = session_for(db, team, "preparation", at(1))
    db.commit()
    login(team.therapist)
    response = client.post(f"/care/sessions/{cs.id}/reschedule",
                           data=_reschedule_data(cs, **overrides))
    assert response.status_code == 200
    db.expire_all()
    assert db.get(CareSession, cs.id).scheduled_start == at(1)


def test_reschedule_refusals_show_on_the_form(client, login, db, team):
    cs = session_for(db, team, "follow_up", at(1))
    db.commit()
    login(team.therapist)
    url = f"/care/sessions/{cs.id}/reschedule"
    page = client.post(url, data=_reschedule_data(cs, clinician_id=team.therapist.id,
                                                  modality="office")).get_data(as_text=True)
    assert "run by the patient&#39;s prescriber" in page
    stale = _reschedule_data(cs, version=cs.version - 1)
    page = client.post(url, data=stale).get_data(as_text=True)
    assert "changed by someone else" in page
    db.expire_all()
    assert db.get(CareSession, cs.id).scheduled_start == at(1)


def test_reschedule_only_scheduled_sessions(client, login, db, team):
    cs = session_for(db, team, "preparation", at(-1), "completed")
    db.commit()
    login(team.therapist)
    assert "/reschedule" not in client.get(f"/care/sessions/{cs.id}").get_data(as_text=True)
    response = client.get(f"/care/sessions/{cs.id}/reschedule", follow_redirects=True)
    assert "Only a scheduled session can be rescheduled" in response.get_data(as_text=True)
    response = client.post(f"/care/sessions/{cs.id}/reschedule", data=_reschedule_data(cs))
    assert response.status_code == 302
    db.expire_all()
    assert db.get(CareSession, cs.id).scheduled_start == at(-1)


def test_reschedule_access(client, login, db, team):
    cs = session_for(db, team, "preparation", at(1))
    outsider = make_user(db, roles=("therapist",))
    billing = make_user(db, roles=("billing",))
    db.commit()
    url = f"/care/sessions/{cs.id}/reschedule"
    login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, data=_reschedule_data(cs)).status_code == 404
    client.post("/logout")
    login(billing)
    assert client.get(url).status_code == 403
    assert client.post(url, data=_reschedule_data(cs)).status_code == 403
    db.expire_all()
    assert db.get(CareSession, cs.id).scheduled_start == at(1)
