"""The audit log: recording, append-only, searching, and the admin page."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.audit.services import AuditFilter, Position, current_ip, record, search
from kapms.database import utcnow
from tests.factories import make_user


def test_record_keeps_who_what_when_where(db):
    user = make_user(db)
    token = current_ip.set("203.0.113.9")
    try:
        event = record(db, user, "view", "patient", 42, patient_id=42)
    finally:
        current_ip.reset(token)
    assert (event.user_id, event.actor_email, event.action, event.entity_id, event.patient_id,
            event.ip_address, event.outcome) == (user.id, user.email, "view", "42", 42,
                                                 "203.0.113.9", "success")
    assert event.at.tzinfo is not None and abs(utcnow() - event.at) < timedelta(minutes=1)


def test_unknown_action_or_outcome_is_refused(db):
    with pytest.raises(ValueError):
        record(db, None, "peek", "patient")
    with pytest.raises(ValueError):
        record(db, None, "view", "patient", outcome="maybe")


def test_events_cannot_be_changed_or_deleted(db):
    record(db, None, "login-failed", "user")
    db.commit()
    event = db.scalars(select(AuditEvent)).one()
    event.detail = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.flush()
    db.rollback()
    db.delete(db.get(AuditEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.flush()
    db.rollback()


def _count(db, flt):
    return len(search(db, flt, per_page=1000).rows)


def test_search_filters_by_user_patient_action_and_date(db):
    a, b = make_user(db), make_user(db)
    record(db, a, "view", "patient", 1, patient_id=1)
    record(db, a, "update", "patient", 2, patient_id=2)
    record(db, b, "view", "patient", 1, patient_id=1)
    assert _count(db, AuditFilter(user_ids=(a.id,))) == 2
    assert _count(db, AuditFilter(user_ids=(a.id, b.id))) == 3
    assert _count(db, AuditFilter(user_ids=())) == 0
    assert _count(db, AuditFilter(patient_ids=(1,))) == 2
    assert _count(db, AuditFilter(action="update")) == 1
    assert _count(db, AuditFilter(user_ids=(b.id,), patient_ids=(1,), action="view")) == 1
    today = utcnow().date()
    assert _count(db, AuditFilter(date_from=today, date_to=today)) == 3 + 2  # + 2 user creations
    assert _count(db, AuditFilter(date_to=today - timedelta(days=1))) == 0


def test_search_pages_by_keyset_both_ways(db):
    for n in range(5):
        record(db, None, "view", "patient", n, patient_id=n)
    first = search(db, AuditFilter(action="view"), per_page=2)
    assert [r.entity_id for r in first.rows] == ["4", "3"] and first.newer is None
    second = search(db, AuditFilter(action="view"), older_than=first.older, per_page=2)
    assert [r.entity_id for r in second.rows] == ["2", "1"]
    last = search(db, AuditFilter(action="view"), older_than=second.older, per_page=2)
    assert [r.entity_id for r in last.rows] == ["0"] and last.older is None
    back = search(db, AuditFilter(action="view"), newer_than=second.newer, per_page=2)
    assert [r.entity_id for r in back.rows] == ["4", "3"] and back.newer is None
    assert Position.parse(second.older.token()) == second.older
    for junk in ("", "abc", "20260101T000000.000000-x", "20260101T000000.000000-99999999999999999999"):
        assert Position.parse(junk) is None


def test_admin_page_lists_and_filters(client, db, login_as):
    admin = login_as("admin")
    record(db, admin, "view", "patient", 7, patient_id=7)
    record(db, admin, "view", "patient", 8, patient_id=8)
    db.commit()
    html = client.get("/admin/audit/?patient_id=7").get_data(as_text=True)
    assert "patient #7" in html and "patient #8" not in html


def test_admin_page_bad_filter_is_not_a_500(client, login_as):
    login_as("admin")
    for query in ("patient_id=abc&date_from=notadate&older=-3", "user_id=99999999999999",
                  "older=20260101T000000.000000-5&newer=x", "date_from=2026-02-01&date_to=2026-01-01"):
        response = client.get(f"/admin/audit/?{query}")
        assert response.status_code == 200, query


def test_login_and_failed_login_are_in_the_log(client, db):
    user = make_user(db)
    db.commit()
    client.post("/login", data={"email": user.email, "password": "wrong wrong wrong"})
    actions = [e.action for e in db.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-1] == "login-failed"


def test_a_denied_patient_read_is_audited_although_the_request_fails(client, db, login_as):
    from tests.care.factories import make_patient

    patient = make_patient(db, therapist=make_user(db))
    db.commit()
    intruder = login_as("therapist")
    assert client.get(f"/patients/{patient.id}").status_code == 404
    denied = db.query(AuditEvent).filter_by(patient_id=patient.id, outcome="denied").one()
    assert denied.user_id == intruder.id and denied.action == "view"


def test_audit_records_survive_a_rollback_and_are_written_by_the_next_commit(db):
    user = make_user(db)
    db.commit()
    record(db, user, "view", "patient", 5, patient_id=5)
    db.rollback()  # e.g. the save that followed the read was refused
    assert db.query(AuditEvent).filter_by(patient_id=5).count() == 0
    db.commit()
    assert db.query(AuditEvent).filter_by(patient_id=5).count() == 1
    db.commit()  # replayed once, not twice
    assert db.query(AuditEvent).filter_by(patient_id=5).count() == 1


def test_a_refused_save_keeps_the_read_in_the_log(client, db, login_as):
    """A view that rolls back after a rule refusal still records that it showed the record."""
    from tests.care.factories import make_patient

    therapist = login_as("therapist")
    patient = make_patient(db, therapist=therapist)
    db.commit()
    before = db.query(AuditEvent).filter_by(patient_id=patient.id, action="view").count()
    response = client.post(f"/patients/{patient.id}/edit", data={"version": "0"})
    assert response.status_code in (200, 400, 409)
    after = db.query(AuditEvent).filter_by(patient_id=patient.id, action="view").count()
    assert after > before
