"""Measures over HTTP: access (care team, roles), bad input, double submit, alerts."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.measures.models import Administration, LicensedItemText, SafetyAlert
from kapms.measures.services import record_administration
from kapms.web.access import required_roles
from tests.factories import make_user
from tests.measures.conftest import make_patient, phq9


def _answers(values, point="baseline", given_on=None):
    data = {f"item_{n}": str(v) for n, v in enumerate(values, start=1)}
    # a day back: "today" is the clinic's date, which may still be yesterday in UTC terms
    data.update(point=point, given_on=(given_on or clinic_time.today() - timedelta(days=1)).isoformat())
    return data


def _count(db, model=Administration):
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


@pytest.fixture
def signed_in(db, login_as):
    """A signed-in therapist and one of their patients."""
    user = login_as("therapist")
    return user, make_patient(db, user, first_name="Robin")


def test_every_measures_route_declares_access(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in {"measures", "self_report", "outcomes",
                                           "measures_admin"}:
            is_public, roles = required_roles(app, rule.endpoint)
            assert is_public or roles, rule.endpoint
            assert is_public == (rule.endpoint == "self_report.fill"), rule.endpoint


def test_record_saves_and_redirects_to_patient(client, db, signed_in):
    user, patient = signed_in
    db.commit()
    url = f"/measures/patients/{patient.id}/record/PHQ-9"
    assert "Little interest or pleasure" in client.get(url).get_data(as_text=True)
    response = client.post(url, data=_answers(phq9(11)))
    assert response.status_code == 302 and response.location.endswith(f"/patients/{patient.id}")
    assert _count(db) == 1


def test_double_submit_saves_once(client, db, signed_in):
    _, patient = signed_in
    db.commit()
    url = f"/measures/patients/{patient.id}/record/PHQ-9"
    assert client.post(url, data=_answers(phq9(11))).status_code == 302
    again = client.post(url, data=_answers(phq9(11)))
    assert again.status_code == 200 and "already recorded" in again.get_data(as_text=True)
    assert _count(db) == 1


@pytest.mark.parametrize("change", [
    {"item_9": ""}, {"item_1": "7"}, {"item_2": "x"}, {"point": "after_dosing_3"},
    {"given_on": "not a date"}, {"given_on": (clinic_time.today() + timedelta(days=3)).isoformat()},
])
def test_bad_input_shows_form_errors_and_saves_nothing(client, db, signed_in, change):
    _, patient = signed_in
    db.commit()
    data = {**_answers(phq9(11)), **change}
    response = client.post(f"/measures/patients/{patient.id}/record/PHQ-9", data=data)
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True) or \
        "text-danger" in response.get_data(as_text=True)
    assert _count(db) == 0


def test_unknown_instrument_is_404(client, db, signed_in):
    _, patient = signed_in
    db.commit()
    assert client.get(f"/measures/patients/{patient.id}/record/BDI").status_code == 404


def test_other_therapists_patient_is_404_everywhere(client, db, signed_in):
    user, _ = signed_in
    other = make_user(db, roles=("therapist",))
    theirs = make_patient(db, other)
    record_administration(db, other, theirs, "PHQ-9", "baseline", clinic_time.today(), phq9(9, item9=1))
    db.commit()
    alert = db.scalar(select(SafetyAlert))
    assert client.get(f"/measures/patients/{theirs.id}/record/PHQ-9").status_code == 404
    assert client.post(f"/measures/patients/{theirs.id}/record/PHQ-9",
                       data=_answers(phq9(3), point="after_dosing_2")).status_code == 404
    assert client.get(f"/measures/patients/{theirs.id}/trends").status_code == 404
    assert client.post(f"/measures/patients/{theirs.id}/links",
                       data={"instrument": "PHQ-9", "point": "baseline",
                             "ttl_hours": "24"}).status_code == 404
    assert client.post(f"/measures/alerts/{alert.id}/acknowledge",
                       data={"note": "not mine"}).status_code == 404
    db.expire_all()
    assert db.get(SafetyAlert, alert.id).is_open and _count(db) == 1
    assert f"/patients/{theirs.id}" not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_billing_cannot_see_scores(client, db, login_as):
    therapist = make_user(db, roles=("therapist",))
    patient = make_patient(db, therapist)
    record_administration(db, therapist, patient, "PHQ-9", "baseline", clinic_time.today(),
                          phq9(17, item9=2))
    db.commit()
    login_as("billing")
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "measures-panel" not in page and "safety-alert" not in page
    assert "moderately severe" not in page and "item 9" not in page
    for url in (f"/measures/patients/{patient.id}/record/PHQ-9",
                f"/measures/patients/{patient.id}/trends", "/outcomes/",
                "/outcomes/report.csv?instrument=PHQ-9", "/admin/measures/item-text"):
        assert client.get(url).status_code == 403, url


def test_admin_sees_trends_and_reports_but_does_not_record(client, db, login_as):
    therapist = make_user(db, roles=("therapist",))
    patient = make_patient(db, therapist)
    record_administration(db, therapist, patient, "PHQ-9", "baseline", clinic_time.today(), phq9(13))
    db.commit()
    login_as("admin")
    assert client.get(f"/measures/patients/{patient.id}/trends").status_code == 200
    assert client.get(f"/measures/patients/{patient.id}/record/PHQ-9").status_code == 403
    assert client.get("/outcomes/?instrument=PHQ-9").status_code == 200


def test_alert_on_patient_page_and_dashboard_then_acknowledged(client, db, signed_in):
    user, patient = signed_in
    db.commit()
    client.post(f"/measures/patients/{patient.id}/record/PHQ-9", data=_answers(phq9(12, item9=1)))
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert page.index("safety-alert") < page.index("measures-panel")  # shown first
    assert "dashboard-safety-alerts" in client.get("/", follow_redirects=True).get_data(as_text=True)
    alert = db.scalar(select(SafetyAlert))
    refused = client.post(f"/measures/alerts/{alert.id}/acknowledge", data={"note": " "},
                          follow_redirects=True)
    assert "Write a note" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(SafetyAlert, alert.id).is_open
    done = client.post(f"/measures/alerts/{alert.id}/acknowledge",
                       data={"note": "Safety plan reviewed by phone.", "version": "1"},
                       follow_redirects=True)
    assert "Alert acknowledged" in done.get_data(as_text=True)
    assert "safety-alert" not in done.get_data(as_text=True)
    assert "dashboard-safety-alerts" not in client.get("/", follow_redirects=True).get_data(as_text=True)
    again = client.post(f"/measures/alerts/{alert.id}/acknowledge", data={"note": "twice"},
                        follow_redirects=True)
    assert "already acknowledged" in again.get_data(as_text=True)
    assert client.post("/measures/alerts/99999/acknowledge", data={"note": "x"}).status_code == 404


def test_trend_page_draws_svg_with_bands(client, db, signed_in):
    user, patient = signed_in
    for point, total in (("baseline", 18), ("after_dosing_2", 9)):
        record_administration(db, user, patient, "PHQ-9", point, clinic_time.today(), phq9(total))
    db.commit()
    page = client.get(f"/measures/patients/{patient.id}/trends").get_data(as_text=True)
    assert page.count("<svg") >= 1 and "<polyline" in page and "moderately severe" in page
    assert "style=" not in page.split("<main", 1)[1]


def _create_link(client, patient, **extra):
    response = client.post(f"/measures/patients/{patient.id}/links",
                           data={"instrument": "PHQ-9", "point": "baseline", "ttl_hours": "24",
                                 **extra})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    return text.split('data-testid="self-report-url"')[0].rsplit('value="', 1)[1].split('"')[0]


def test_self_report_link_shows_only_the_instrument_and_works_once(client, db, signed_in):
    _, patient = signed_in
    db.commit()
    url = _create_link(client, patient)
    path = url.split("localhost", 1)[1]
    client.post("/logout")
    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Robin" in text and patient.last_name not in text
    assert "Little interest or pleasure" in text and "main-nav" not in text
    opened = db.scalar(select(AuditEvent).where(AuditEvent.detail == "opened by the patient"))
    assert opened.patient_id == patient.id and opened.user_id is None
    answers = {f"item_{n}": str(v) for n, v in enumerate(phq9(6), start=1)}
    assert "Thank you" in client.post(path, data=answers).get_data(as_text=True)
    assert _count(db) == 1
    reused = client.post(path, data=answers)
    assert reused.status_code == 410 and "no longer be used" in reused.get_data(as_text=True)
    assert client.get(path).status_code == 410
    assert client.get("/m/" + "z" * 43).status_code == 410
    assert _count(db) == 1


def test_self_report_bad_answers_keep_link_open(client, db, signed_in):
    _, patient = signed_in
    db.commit()
    path = _create_link(client, patient).split("localhost", 1)[1]
    bad = client.post(path, data={"item_1": "9"})
    assert bad.status_code == 200 and "Choose an answer" in bad.get_data(as_text=True)
    assert _count(db) == 0
    assert client.get(path).status_code == 200


def test_revoked_and_expired_links_refused(client, db, signed_in):
    from kapms.measures.models import SelfReportLink

    _, patient = signed_in
    db.commit()
    revoked = _create_link(client, patient).split("localhost", 1)[1]
    link = db.scalar(select(SelfReportLink))
    assert client.post(f"/measures/links/{link.id}/revoke").status_code == 302
    assert client.get(revoked).status_code == 410
    expired = _create_link(client, patient, point="after_dosing_2").split("localhost", 1)[1]
    db.expire_all()
    newest = db.scalars(select(SelfReportLink).order_by(SelfReportLink.id.desc())).first()
    newest.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.commit()
    assert client.get(expired).status_code == 410
    refusals = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "self_report_link",
                                                   AuditEvent.outcome == "denied")).all()
    assert {e.detail for e in refusals} >= {"revoked", "expired"}


def test_bad_link_form_is_flashed(client, db, signed_in):
    _, patient = signed_in
    db.commit()
    response = client.post(f"/measures/patients/{patient.id}/links",
                           data={"instrument": "PHQ-9", "point": "baseline", "ttl_hours": "0"},
                           follow_redirects=True)
    assert "1-336 hours" in response.get_data(as_text=True)


def test_self_report_is_rate_limited(client, db, app):
    statuses = [client.get("/m/" + "q" * 43).status_code for _ in range(35)]
    assert statuses[0] == 410 and statuses[-1] == 429


def test_self_report_form_needs_csrf(client, db, signed_in, app, monkeypatch):
    _, patient = signed_in
    db.commit()
    path = _create_link(client, patient).split("localhost", 1)[1]
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    answers = {f"item_{n}": "0" for n in range(1, 10)}
    assert client.post(path, data=answers).status_code == 400
    assert _count(db) == 0


def test_outcome_exports_are_audited(client, db, signed_in):
    user, patient = signed_in
    record_administration(db, user, patient, "PHQ-9", "baseline", clinic_time.today(), phq9(14))
    record_administration(db, user, patient, "PHQ-9", "after_dosing_6", clinic_time.today(), phq9(4))
    db.commit()
    csv = client.get("/outcomes/report.csv?instrument=PHQ-9")
    assert csv.mimetype == "text/csv"
    assert "PHQ-9,end,all,,,none,everyone,mean,total,after_dosing_6,4,,1,," in csv.get_data(
        as_text=True)
    pdf = client.get("/outcomes/report.pdf?instrument=PHQ-9")
    assert pdf.mimetype == "application/pdf" and pdf.data[:4] == b"%PDF"
    exports = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert len(exports) == 2
    bad = client.get("/outcomes/?instrument=PHQ-9&date_from=2026-05-01&date_to=2026-01-01")
    assert bad.status_code == 200 and "start date is after" in bad.get_data(as_text=True)
    assert client.get("/outcomes/?instrument=nope").status_code == 200
    assert client.get("/outcomes/?cohort=%25%27;--").status_code == 200


def test_admin_uploads_licensed_text(client, db, login_as):
    login_as("admin")
    good = "item_number,text\n" + "\n".join(f"{n},Wording {n}" for n in range(1, 17))
    response = client.post("/admin/measures/item-text",
                           data={"file": (io.BytesIO(good.encode()), "mbi.txt")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Wording 16" in response.get_data(as_text=True)
    assert _count(db, LicensedItemText) == 16
    bad = client.post("/admin/measures/item-text",
                      data={"file": (io.BytesIO(b"1,only one"), "mbi.txt")},
                      content_type="multipart/form-data")
    assert bad.status_code == 200 and "missing item" in bad.get_data(as_text=True)


def test_record_form_preselects_the_due_point(client, db, signed_in, monkeypatch):
    from kapms.measures.services import administrations

    user, patient = signed_in
    record_administration(db, user, patient, "PHQ-9", "baseline", clinic_time.today(), phq9(12))
    db.commit()
    monkeypatch.setattr(administrations, "dosings_done", lambda session, patient_id: 2)
    page = client.get(f"/measures/patients/{patient.id}/record/PHQ-9").get_data(as_text=True)
    assert '<option selected value="after_dosing_2">' in page


def test_trends_page_lists_acknowledged_alerts(client, db, signed_in):
    from kapms.measures.services import acknowledge_alert

    user, patient = signed_in
    record_administration(db, user, patient, "PHQ-9", "baseline", clinic_time.today(), phq9(9, item9=1))
    acknowledge_alert(db, user, db.scalar(select(SafetyAlert)).id, "Crisis line given.")
    db.commit()
    page = client.get(f"/measures/patients/{patient.id}/trends").get_data(as_text=True)
    assert 'data-testid="alert-history"' in page and "Crisis line given." in page


# --- entered in error ----------------------------------------------------------------

def _voided(db, admin_id):
    db.expire_all()
    return db.get(Administration, admin_id).is_voided


def test_mark_entered_in_error_from_the_trends_page_then_record_again(client, db, signed_in):
    user, patient = signed_in
    wrong = record_administration(db, user, patient, "PHQ-9", "baseline", clinic_time.today(),
                                  phq9(23))
    db.commit()
    trends = f"/measures/patients/{patient.id}/trends"
    page = client.get(trends).get_data(as_text=True)
    assert f'data-testid="void-form-{wrong.id}"' in page
    url = f"/measures/administrations/{wrong.id}/void"
    refused = client.post(url, data={"reason": "   "})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Say why this measure was entered in error" in text
    assert "<details open>" in text and not _voided(db, wrong.id)
    done = client.post(url, data={"reason": "Answers of another patient"})
    assert done.status_code == 302 and done.location.endswith(trends)
    assert _voided(db, wrong.id)
    page = client.get(trends).get_data(as_text=True)
    assert f'data-testid="voided-{wrong.id}"' in page and "Answers of another patient" in page
    assert "entered in error" in page and "text-decoration-line-through" in page
    assert f'data-testid="void-form-{wrong.id}"' not in page  # nothing left to void
    assert "<polyline" not in page and "Nothing to chart" in page
    assert "style=" not in page.split("<main", 1)[1]
    again = client.post(url, data={"reason": "twice"}, follow_redirects=True)
    assert "already marked as entered in error" in again.get_data(as_text=True)
    # the point is free: recording it again works
    record = client.post(f"/measures/patients/{patient.id}/record/PHQ-9",
                         data=_answers(phq9(8)))
    assert record.status_code == 302 and _count(db) == 2
    panel = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Answers of another patient" in panel and "void-form" not in panel


def test_void_access_outsiders_404_billing_and_admin_403(client, db, login, signed_in):
    user, patient = signed_in
    other = make_user(db, roles=("therapist",))
    theirs = make_patient(db, other)
    their_admin = record_administration(db, other, theirs, "PHQ-9", "baseline",
                                        clinic_time.today(), phq9(9))
    mine = record_administration(db, user, patient, "PHQ-9", "baseline", clinic_time.today(),
                                 phq9(9))
    billing, admin = make_user(db, roles=("billing",)), make_user(db, roles=("admin",))
    db.commit()
    assert client.post(f"/measures/administrations/{their_admin.id}/void",
                       data={"reason": "not mine"}).status_code == 404
    assert client.post("/measures/administrations/999999/void",
                       data={"reason": "missing"}).status_code == 404
    for role_user in (billing, admin):
        client.post("/logout")
        login(role_user)
        assert client.post(f"/measures/administrations/{mine.id}/void",
                           data={"reason": "no"}).status_code == 403
    page = client.get(f"/measures/patients/{patient.id}/trends").get_data(as_text=True)
    assert "void-form" not in page  # the admin reads trends but cannot void
    assert not _voided(db, their_admin.id) and not _voided(db, mine.id)


def test_voided_phq9_alert_stays_open_and_says_why(client, db, signed_in):
    user, patient = signed_in
    admin = record_administration(db, user, patient, "PHQ-9", "baseline", clinic_time.today(),
                                  phq9(12, item9=2))
    db.commit()
    done = client.post(f"/measures/administrations/{admin.id}/void",
                       data={"reason": "Item 9 keyed instead of item 8"}, follow_redirects=True)
    assert "stays open" in done.get_data(as_text=True)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert 'data-testid="safety-alert"' in page and 'data-testid="alert-measure-voided"' in page
    assert "Item 9 keyed instead of item 8" in page
    assert "dashboard-safety-alerts" in client.get("/", follow_redirects=True).get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(SafetyAlert)).is_open


def test_void_needs_csrf(client, db, signed_in, app, monkeypatch):
    user, patient = signed_in
    admin = record_administration(db, user, patient, "PHQ-9", "baseline", clinic_time.today(),
                                  phq9(9))
    db.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/measures/administrations/{admin.id}/void",
                       data={"reason": "Typo"}).status_code == 400
    assert not _voided(db, admin.id)
