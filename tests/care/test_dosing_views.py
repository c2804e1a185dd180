"""The dosing page and the prescriber's pages over HTTP: each phase's form, its refusals
shown on the page (nothing saved), stale saves answered 409, amendments, plan change
requests, the review list, the read-only clearance and its PDF."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from kapms.care import services as care
from kapms.care.models import CareSession, DosingRecord, PlanChangeRequest, PrescriberReview
from tests.care.dosing_http import check_in_form, hhmm, post, run_dosing_over_http, version
from tests.care.factories import (
    THRESHOLDS,
    at,
    check_in,
    clear,
    dose,
    ready_for_dosing,
    session_for,
)
from tests.care.test_views import pdf_text
from tests.factories import make_user


@pytest.fixture
def dosing_cs(db, team):
    """A cleared, prepared patient with a dosing session yesterday."""
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    db.commit()
    return cs


def _page(client, cs) -> str:
    return client.get(f"/care/sessions/{cs.id}/dosing").get_data(as_text=True)


def _record(db, cs) -> DosingRecord | None:
    db.expire_all()
    return db.query(DosingRecord).filter_by(session_id=cs.id).one_or_none()


def test_the_page_walks_the_phases(client, login, db, team, dosing_cs):
    login(team.therapist)
    page = _page(client, dosing_cs)
    assert 'data-phase="check_in"' in page and 'data-testid="check-in-form"' in page
    assert 'type="time"' in page and "js/dosing.js" in page
    assert "<script>" not in page and "style=" not in page  # the CSP allows neither
    run_dosing_over_http(client, dosing_cs)
    page = _page(client, dosing_cs)
    assert 'data-phase="closed"' in page and "Discharged" in page and "KX-2291" in page
    assert "Nausea" in page and "138/84" in page
    assert _record(db, dosing_cs).monitoring_minutes == 120
    session_page = client.get(f"/care/sessions/{dosing_cs.id}").get_data(as_text=True)
    assert "Open the dosing record" in session_page and "Administered" in session_page


def test_check_in_refusals_show_on_the_form(client, login, db, team, dosing_cs):
    login(team.therapist)
    response = post(client, dosing_cs, "check-in", check_in_form(dosing_cs, setting="telehealth"))
    assert response.status_code == 200 and "chaperone" in response.get_data(as_text=True)
    data = check_in_form(dosing_cs)
    del data["checkin-cm_maois"]
    assert "MAOIs" in post(client, dosing_cs, "check-in", data).get_data(as_text=True)
    response = post(client, dosing_cs, "check-in", check_in_form(dosing_cs, pre_systolic="abc"))
    assert response.status_code == 200
    response = post(client, dosing_cs, "check-in", check_in_form(dosing_cs, checked_in_at="25:00"))
    assert response.status_code == 200
    assert _record(db, dosing_cs) is None


def test_a_high_blood_pressure_holds_over_http(client, login, db, team, dosing_cs):
    login(team.therapist)
    response = post(client, dosing_cs, "check-in", check_in_form(dosing_cs, pre_systolic="165"),
                    follow=True)
    page = response.get_data(as_text=True)
    assert "Dosing held" in page and "165/78" in page and 'data-phase="held"' in page
    assert db.get(CareSession, dosing_cs.id).status == "held"
    assert db.query(PrescriberReview).one().kind == "held"


def test_administration_refusals_show_on_the_form(client, login, db, team, dosing_cs):
    login(team.therapist)
    post(client, dosing_cs, "check-in", check_in_form(dosing_cs, cm_benzodiazepines="yes"))
    page = _page(client, dosing_cs)
    assert 'data-testid="sedation-warning"' in page
    base = {"dose-given_at": hhmm(dosing_cs, 10), "dose-product": "ketamine_sl_lozenge",
            "dose-route": "sublingual", "dose-dose_mg": "500", "dose-lot_number": "L1",
            "dose-version": version(client, dosing_cs)}
    text = post(client, dosing_cs, "administer", base).get_data(as_text=True)
    assert "500 mg is above the plan&#39;s dose (200 mg)" in text
    text = post(client, dosing_cs, "administer", {**base, "dose-dose_mg": "200",
                                                  "dose-route": "intramuscular"}
                ).get_data(as_text=True)
    assert "needs a plan change" in text
    text = post(client, dosing_cs, "administer", {**base, "dose-dose_mg": "200"}
                ).get_data(as_text=True)
    assert "Benzodiazepines taken today" in text
    assert _record(db, dosing_cs).outcome is None
    response = post(client, dosing_cs, "administer", {
        **base, "dose-dose_mg": "200", "dose-sedation_reason": "Single dose two nights ago"})
    assert response.status_code == 302 and _record(db, dosing_cs).outcome == "administered"


def test_a_stale_save_answers_409_and_saves_nothing(client, login, db, team, dosing_cs):
    login(team.therapist)
    post(client, dosing_cs, "check-in", check_in_form(dosing_cs))
    stale = version(client, dosing_cs)
    post(client, dosing_cs, "hold", {"hold-reason": "Patient changed their mind",
                                     "hold-version": stale})
    response = post(client, dosing_cs, "administer", {
        "dose-given_at": hhmm(dosing_cs, 10), "dose-product": "ketamine_sl_lozenge",
        "dose-route": "sublingual", "dose-dose_mg": "200", "dose-lot_number": "L1",
        "dose-version": stale})
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    assert _record(db, dosing_cs).outcome == "held"
    for bad in ("abc", "", "1.5", "٣"):  # hostile version fields: a conflict, never a 500
        response = post(client, dosing_cs, "adverse-events", {
            "event-occurred_at": hhmm(dosing_cs, 20), "event-kind": "nausea",
            "event-severity": "mild", "event-version": bad})
        assert response.status_code in (200, 409)


def test_monitoring_forms_and_chaperone_check_ins(client, login, db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1), modality="telehealth")
    db.commit()
    login(team.therapist)
    page = _page(client, cs)
    assert re.search(r'checked[^>]*value="telehealth"', page)  # from the session
    post(client, cs, "check-in", check_in_form(cs, setting="telehealth",
                                               chaperone_name="Sam Rivera",
                                               chaperone_phone="510-555-0101"))
    post(client, cs, "administer", {
        "dose-given_at": hhmm(cs, 10), "dose-product": "ketamine_sl_lozenge",
        "dose-route": "sublingual", "dose-dose_mg": "200", "dose-lot_number": "L1",
        "dose-version": version(client, cs)})
    page = _page(client, cs)
    assert 'data-testid="chaperone-form"' in page and 'value="Sam Rivera"' in page
    response = post(client, cs, "chaperone", {"chaperone-at": hhmm(cs, 25),
                                              "chaperone-by": "Sam Rivera",
                                              "chaperone-status": "concern",
                                              "chaperone-version": version(client, cs)})
    assert "Describe the concern" in response.get_data(as_text=True)
    assert post(client, cs, "chaperone", {"chaperone-at": hhmm(cs, 25),
                                          "chaperone-by": "Sam Rivera",
                                          "chaperone-status": "ok",
                                          "chaperone-version": version(client, cs)}
                ).status_code == 302
    page = _page(client, cs)
    # the dose was yesterday: every later slot without a check-in was missed
    assert 'data-testid="missed-checkins"' in page
    assert 'data-state="overdue"' in page  # no ~40-minute vitals
    response = post(client, cs, "vitals", {"vitals-kind": "mid", "vitals-taken_at": hhmm(cs, 5),
                                           "vitals-systolic": "120", "vitals-diastolic": "80",
                                           "vitals-heart_rate": "70",
                                           "vitals-version": version(client, cs)})
    assert "before the dose" in response.get_data(as_text=True)


def test_discharge_refused_before_the_minimum(client, login, db, team, dosing_cs):
    login(team.therapist)
    post(client, dosing_cs, "check-in", check_in_form(dosing_cs))
    post(client, dosing_cs, "administer", {
        "dose-given_at": hhmm(dosing_cs, 10), "dose-product": "ketamine_sl_lozenge",
        "dose-route": "sublingual", "dose-dose_mg": "200", "dose-lot_number": "L1",
        "dose-version": version(client, dosing_cs)})
    post(client, dosing_cs, "vitals", {"vitals-kind": "mid", "vitals-taken_at": hhmm(dosing_cs, 50),
                                       "vitals-systolic": "120", "vitals-diastolic": "80",
                                       "vitals-heart_rate": "70",
                                       "vitals-version": version(client, dosing_cs)})
    data = {"discharge-discharged_at": hhmm(dosing_cs, 60), "discharge-systolic": "120",
            "discharge-diastolic": "80", "discharge-heart_rate": "70",
            "discharge-stable": "y", "discharge-ride_home": "y",
            "discharge-no_driving_advised": "y", "discharge-version": version(client, dosing_cs)}
    text = post(client, dosing_cs, "discharge", data).get_data(as_text=True)
    assert "lasted 50 minutes: the clinic&#39;s minimum is 60" in text
    del data["discharge-ride_home"]
    data["discharge-discharged_at"] = hhmm(dosing_cs, 80)
    text = post(client, dosing_cs, "discharge", data).get_data(as_text=True)
    assert "safe ride home" in text
    assert _record(db, dosing_cs).phase == "monitoring"


def test_amendments_over_http(client, login, db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1))
    db.commit()
    login(team.therapist)
    page = _page(client, cs)
    assert 'value="lot_number"' in page
    response = post(client, cs, "amend", {"amend-target": "lot_number", "amend-new_value": "KX-9",
                                          "amend-reason": "Wrong label read",
                                          "amend-version": version(client, cs)}, follow=True)
    page = response.get_data(as_text=True)
    assert "Amended Lot number: LOT-1 → KX-9" in page and "Wrong label read" in page
    response = post(client, cs, "amend", {"amend-target": "dose_mg", "amend-new_value": "400",
                                          "amend-reason": "x",
                                          "amend-version": version(client, cs)})
    assert "above the plan" in response.get_data(as_text=True)
    response = post(client, cs, "amend", {"amend-target": "nonsense", "amend-new_value": "1",
                                          "amend-reason": "x",
                                          "amend-version": version(client, cs)})
    assert response.status_code == 200
    assert _record(db, cs).dose_mg == Decimal("200")


def test_plan_change_request_from_the_dosing_page_and_approval(client, login, db, team,
                                                               dosing_cs):
    login(team.therapist)
    post(client, dosing_cs, "check-in", check_in_form(dosing_cs))
    assert "Request a plan change" in _page(client, dosing_cs)
    url = f"/care/sessions/{dosing_cs.id}/plan-request"
    assert "Current plan (version 1)" in client.get(url).get_data(as_text=True)
    unchanged = {"product": "", "route": ""}
    assert "Say what should change" in client.post(url, data={"reason": "x", **unchanged}
                                                   ).get_data(as_text=True)
    response = client.post(url, data={"dose_mg": "250", "reason": "No effect at 200 mg",
                                      **unchanged})
    assert response.status_code == 302
    assert "Waiting for the prescriber" in _page(client, dosing_cs)
    request = db.query(PlanChangeRequest).one()
    client.post("/logout")
    login(team.prescriber)
    home = client.get("/care/calendar").get_data(as_text=True)
    assert 'data-testid="home-review"' in home and "250 mg" in home
    form = client.get(f"/care/plan-requests/{request.id}").get_data(as_text=True)
    assert 'value="250.00"' in form or 'value="250"' in form
    assert "Initial plan with the clearance.</textarea>" not in form  # its own reason
    expires = re.search(r'name="expires_on"[^>]*value="([^"]+)"', form).group(1)
    data = {"dosing_count": "6", "maintenance_dosings": "0", "product": "ketamine_sl_lozenge",
            "route": "sublingual", "dose_mg": "250", "expires_on": expires,
            "reason": "Agreed", "plan_number": "1", "request_version": str(request.version)}
    response = client.post(f"/care/plan-requests/{request.id}", data=data)
    assert response.status_code == 302
    db.expire_all()
    assert request.status == "approved"
    stale = client.post(f"/care/plan-requests/{request.id}", data=data)  # double submit
    assert "already decided" in stale.get_data(as_text=True)
    versions = client.get(f"/care/clearances/{request.clearance_id}/plan").get_data(as_text=True)
    assert "2 (current)" in versions and "Agreed" in versions and "3 (current)" not in versions


def test_review_list_and_acknowledgement(client, login, db, team, dosing_cs):
    check_in(db, team, dosing_cs, pre=(170, 104))
    db.commit()
    login(team.prescriber)
    page = client.get("/care/review").get_data(as_text=True)
    assert "Held dosing" in page and "170/104" in page
    review = db.query(PrescriberReview).one()
    response = client.post(f"/care/reviews/{review.id}/acknowledge",
                           data={"note": "", "version": review.version}, follow_redirects=True)
    assert "Write a note" in response.get_data(as_text=True)
    response = client.post(f"/care/reviews/{review.id}/acknowledge",
                           data={"note": "Seen; recheck BP", "version": review.version},
                           follow_redirects=True)
    assert "Reviewed and acknowledged" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(PrescriberReview, review.id).note == "Seen; recheck BP"
    response = client.post(f"/care/reviews/{review.id}/acknowledge",
                           data={"note": "again", "version": review.version},
                           follow_redirects=True)
    assert "already acknowledged" in response.get_data(as_text=True)
    assert client.get("/care/review?section=reviews&page=abc").status_code == 200
    client.post("/logout")
    login(team.therapist)
    assert client.get("/care/review").status_code == 403


def test_clearance_page_and_pdf_show_the_screen(client, login, db, team):
    from tests.care.factories import screen

    clearance = clear(db, team, screen=screen("pregnancy"),
                      override_reason="Not pregnant: test negative; not breastfeeding now",
                      weight_kg=Decimal("64.5"))
    clearance.screen = {k: v for k, v in clearance.screen.items() if k != "glaucoma"}
    db.commit()
    login(team.therapist)
    page = client.get(f"/care/clearances/{clearance.id}").get_data(as_text=True)
    assert "Pregnancy or breastfeeding" in page and "not asked" in page
    assert "Not pregnant: test negative" in page and "64.5 kg" in page
    assert "Change the plan" not in page  # the therapist reads only
    text = pdf_text(client.get(f"/care/clearances/{clearance.id}.pdf").data)
    for expected in (team.patient.full_name, "Medical intake and clearance", "Cleared",
                     "Uncontrolled hypertension", "Not pregnant", "Treatment plan versions"):
        assert expected in text, expected
    outsider = make_user(db, roles=("therapist",))
    db.commit()
    client.post("/logout")
    login(outsider)
    assert client.get(f"/care/clearances/{clearance.id}").status_code == 404


def test_clearance_form_presets_nothing(client, login, db, team):
    login(team.prescriber)
    page = client.get(f"/care/patients/{team.patient.id}/clearance").get_data(as_text=True)
    assert " checked" not in page and "selected" not in page.split('name="decision"')[1][:200]
    assert 'data-testid="baseline-warning"' in page


def test_schedule_and_session_pages_show_the_safety_block(client, login, db, team, dosing_cs):
    from kapms import clinic_time
    from kapms.measures.services import record_administration

    record_administration(db, team.therapist, team.patient, "PHQ-9", "baseline",
                          clinic_time.today(), [0] * 8 + [1])
    db.commit()
    login(team.therapist)
    page = client.get(f"/care/patients/{team.patient.id}/sessions/new").get_data(as_text=True)
    assert "suicidal-ideation alert" in page
    assert "suicidal-ideation alert" in client.get(f"/care/sessions/{dosing_cs.id}").get_data(
        as_text=True)
    assert "suicidal-ideation alert" in _page(client, dosing_cs)
    text = post(client, dosing_cs, "check-in", check_in_form(dosing_cs)).get_data(as_text=True)
    assert "suicidal-ideation alert" in text and _record(db, dosing_cs) is None


def test_dosing_page_access(client, login, db, team, dosing_cs):
    outsider = make_user(db, roles=("therapist",))
    billing = make_user(db, roles=("billing",))
    admin = make_user(db, roles=("admin",))
    db.commit()
    login(outsider)
    assert client.get(f"/care/sessions/{dosing_cs.id}/dosing").status_code == 404
    assert post(client, dosing_cs, "check-in", check_in_form(dosing_cs)).status_code == 404
    client.post("/logout")
    login(billing)
    assert client.get(f"/care/sessions/{dosing_cs.id}/dosing").status_code == 403
    client.post("/logout")
    login(admin)
    page = _page(client, dosing_cs)
    assert "Not checked in" in page and 'data-testid="check-in-form"' not in page
    assert post(client, dosing_cs, "check-in", check_in_form(dosing_cs)).status_code == 403


def test_the_session_note_pdf_shows_every_phase_with_times(client, login, db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1), modality="telehealth")
    from tests.care.factories import administer, discharge, later, vitals
    check_in(db, team, cs, setting="telehealth")
    administer(db, team, cs)
    care.add_chaperone_checkin(db, team.therapist, cs, care.ChaperoneCheckinInput(
        at=cs.dosing.given_at + timedelta(minutes=15), by="Sam Rivera", status="ok"),
        cs.dosing.version, now=later(cs))
    vitals(db, team, cs)
    discharge(db, team, cs, minutes=75)
    care.save_draft(db, team.therapist, cs, "Settled well.", None)
    db.commit()
    login(team.therapist)
    text = pdf_text(client.get(f"/care/sessions/{cs.id}/note.pdf").data)
    for expected in ("Check-in", "Administration", "Monitoring", "Discharge", "Telehealth",
                     "Sam Rivera", "Chaperone check-ins", "Missed check-ins", "75 minutes",
                     "plan version 1", "DRAFT"):
        assert expected in text, expected
    assert THRESHOLDS.min_monitoring_minutes == 60


def test_a_session_is_closed_early_over_http_and_the_note_shows_it(client, login, db, team,
                                                                   dosing_cs):
    login(team.therapist)
    assert post(client, dosing_cs, "check-in", check_in_form(dosing_cs)).status_code == 302
    assert post(client, dosing_cs, "administer", {
        "dose-given_at": hhmm(dosing_cs, 10), "dose-product": "ketamine_sl_lozenge",
        "dose-route": "sublingual", "dose-dose_mg": "200", "dose-lot_number": "KX-1",
        "dose-version": version(client, dosing_cs)}).status_code == 302
    page = _page(client, dosing_cs)
    assert 'data-testid="end-early-form"' in page and "Transferred to emergency care" in page
    form = {"end-kind": "emergency_transfer", "end-ended_at": hhmm(dosing_cs, 30),
            "end-reason": "Chest pain; 911 called", "end-version": version(client, dosing_cs)}
    refused = post(client, dosing_cs, "end-early", form)
    assert refused.status_code == 200 and "where the patient was transferred" in \
        refused.get_data(as_text=True)
    assert _record(db, dosing_cs).monitoring_end is None
    response = post(client, dosing_cs, "end-early", {**form, "end-transferred_to": "Mercy ED",
                                                     "end-systolic": "188",
                                                     "end-diastolic": "112",
                                                     "end-heart_rate": "118"}, follow=True)
    page = response.get_data(as_text=True)
    assert "Session closed: transferred to emergency care after 20 minutes" in page
    assert 'data-testid="end-early-summary"' in page and "Mercy ED" in page
    assert "Ended early" in page and 'data-testid="discharge-form"' not in page
    assert db.query(PrescriberReview).filter_by(kind="ended_early").count() == 1
    care.save_draft(db, team.therapist, db.get(CareSession, dosing_cs.id), "Transferred.", None)
    db.commit()
    text = pdf_text(client.get(f"/care/sessions/{dosing_cs.id}/note.pdf").data)
    assert "Transferred to emergency care to Mercy ED" in text and "188/112" in text
    client.post("/logout")
    login(team.prescriber)
    assert "Dosing ended early" in client.get("/care/review").get_data(as_text=True)
