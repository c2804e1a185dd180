"""The audit page at network scale: filters by name, keyset pages without counting the log,
links to the records, and viewing and exporting it are audited themselves."""

import csv
import io
from datetime import timedelta

from sqlalchemy import event, select

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.audit.services import record
from tests.factories import make_patient, make_user


def _last(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "audit_log",
                                               AuditEvent.action == action)
                      .order_by(AuditEvent.id.desc())).first()


def test_viewing_the_log_is_audited_with_its_filter(client, db, login_as):
    admin = login_as("admin")
    client.get("/admin/audit/?action=login&date_from=2026-01-01")
    seen = _last(db, "view")
    assert seen.user_id == admin.id
    assert seen.detail == "filter action=login; from=2026-01-01"


def test_filter_by_user_name_and_patient_name_and_rows_link_to_the_record(client, db, login_as):
    login_as("admin")
    maya = make_user(db, full_name="Maya Okafor", email="maya@example.org")
    jordan = make_user(db, full_name="Jordan Lee", email="jordan@example.org")
    elena = make_patient(db, maya, first_name="Elena", last_name="Vasquez")
    owen = make_patient(db, jordan, first_name="Owen", last_name="Marsh")
    record(db, maya, "view", "patient", elena.id, patient_id=elena.id)
    record(db, jordan, "view", "patient", owen.id, patient_id=owen.id)
    db.commit()
    by_user = client.get("/admin/audit/?user=okafor&action=view").get_data(as_text=True)
    assert "Elena Vasquez" in by_user and "Owen Marsh" not in by_user
    assert f'href="/patients/{elena.id}"' in by_user
    by_patient = client.get("/admin/audit/?patient=vas").get_data(as_text=True)
    assert "maya@example.org" in by_patient and "jordan@example.org" not in by_patient
    nobody = client.get("/admin/audit/?user=zzzz").get_data(as_text=True)
    assert "No user matches" in nobody and "No events match." in nobody


def test_a_reversed_date_range_is_refused_not_searched(client, db, login_as):
    login_as("admin")
    maya = make_user(db, full_name="Maya Okafor", email="maya@example.org")
    record(db, maya, "view", "user", maya.id)
    db.commit()
    reversed_range = "date_from=2026-02-01&date_to=2026-01-01&user=okafor"
    html = client.get(f"/admin/audit/?{reversed_range}").get_data(as_text=True)
    assert "“To” is before “From”: nothing was searched." in html
    assert 'class="form-control is-invalid"' in html and "No events match." in html
    assert "not valid and are ignored" not in html  # one message, by the field
    export = client.get(f"/admin/audit/export.csv?{reversed_range}")
    assert export.status_code == 302 and "date_to=2026-01-01" in export.location
    today = clinic_time.today()
    forwards = client.get(f"/admin/audit/?date_from={today - timedelta(days=1)}"
                          f"&date_to={today + timedelta(days=1)}&user=okafor")
    assert "maya@example.org" in forwards.get_data(as_text=True)


def test_several_matching_users_are_offered_as_links(client, db, login_as):
    login_as("admin")
    make_user(db, full_name="Ana Silva", email="ana.silva@example.org")
    make_user(db, full_name="Ana Ruiz", email="ana.ruiz@example.org")
    db.commit()
    html = client.get("/admin/audit/?user=ana").get_data(as_text=True)
    assert "Users matching" in html and "Ana Silva (ana.silva@example.org)" in html


def test_the_page_never_counts_the_log_nor_loads_every_user(app, client, db, login_as):
    login_as("admin")
    for n in range(60):
        record(db, None, "login-failed", "user", detail=f"attempt {n}")
    db.commit()
    statements = []
    engine = db.get_bind()

    def keep(conn, cursor, statement, *args):
        statements.append(statement.upper())

    event.listen(engine, "before_cursor_execute", keep)
    try:
        first = client.get("/admin/audit/?action=login-failed").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert not [s for s in statements if "COUNT(" in s and "AUDIT_EVENTS" in s]
    assert not [s for s in statements if s.lstrip().startswith("SELECT") and "FROM USERS" in s
                and "WHERE" not in s]
    assert first.count("attempt ") == 50 and ">Older<" in first
    link = [part.split('"')[0] for part in first.split('href="') if "/admin/audit/?older=" in part][0]
    second = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert second.count("attempt ") == 10 and ">Newer<" in second


def test_export_streams_the_filtered_rows_guarded_and_is_audited(client, db, login_as):
    admin = login_as("admin")
    record(db, admin, "view", "patient", 1, patient_id=1, detail="=HYPERLINK(\"x\")")
    record(db, admin, "update", "patient", 2, patient_id=2)
    db.commit()
    response = client.get("/admin/audit/export.csv?action=view&user_id=" + str(admin.id))
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "when (UTC)" and response.mimetype == "text/csv"
    details = [r[8] for r in rows[1:]]
    assert "'=HYPERLINK(\"x\")" in details
    assert all(r[2] == "view" for r in rows[1:])
    exported = _last(db, "export")
    assert exported.user_id == admin.id and exported.detail.startswith("filter users=")


def test_only_admins_see_or_export_the_log(client, login_as):
    login_as("therapist", "prescriber", "billing")
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403
