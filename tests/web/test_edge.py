"""Input at the edge (kapms.web.edge, the form base class), clinic-local times, request
size, the error handlers that keep races and refused values away from a 500, and the
SQLite connection settings."""

import logging
import sqlite3
from datetime import date, time

import pytest
from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import DateField, DecimalField, IntegerField, StringField, TextAreaField

from kapms import clinic_time, create_app
from kapms.care.models import CareSession
from kapms.config import TestConfig
from kapms.web import edge
from kapms.web.access import public
from kapms.web.errors import EDGE_MISSED
from kapms.web.forms import Form, IdField
from tests.care.factories import make_team


class Hostile(Form):
    name = StringField()
    note = TextAreaField()
    count = IntegerField()
    amount = DecimalField()
    day = DateField()
    record_id = IdField()


def _errors(app, **data):
    with app.test_request_context(method="POST", data=data):
        form = Hostile()
        form.validate()
        return {name: errors for name, errors in form.errors.items() if name != "csrf_token"}


@pytest.mark.parametrize("value", ["a\x00b", "\x1b[31m", "tab\there", "bell\x07", "\x7f",
                                   "c1\x85", "back\x08space"])
def test_control_characters_are_refused_in_text_with_a_clear_message(app, value):
    errors = _errors(app, name=value)
    assert errors["name"] == [edge.CONTROL_CHARACTER_MESSAGE]


def test_line_breaks_and_tabs_are_text_in_a_text_area_but_nul_is_not(app):
    assert _errors(app, note="line one\r\nline two\twith a tab") == {}
    assert _errors(app, note="nul \x00 inside")["note"] == [edge.CONTROL_CHARACTER_MESSAGE]
    assert _errors(app, name="Zoë O’Neil 李小龍 🙂") == {}


@pytest.mark.parametrize(("field", "value"), [
    ("count", str(2**31)), ("count", str(-(2**31) - 1)), ("count", "9" * 5000),
    ("amount", "NaN"), ("amount", "sNaN"), ("amount", "Infinity"), ("amount", "-inf"),
    ("day", "0001-01-01"), ("day", "9999-12-31"), ("day", "1899-12-31"),
    ("record_id", "2147483648"), ("record_id", "١٢"), ("record_id", "-1"), ("record_id", "1.0"),
    ("name", "x" * 1001), ("note", "x" * 100_001)])
def test_out_of_range_values_are_form_errors(app, field, value):
    assert field in _errors(app, **{field: value})


def test_in_range_values_pass(app):
    assert _errors(app, count=str(2**31 - 1), amount="12.50", day="1900-01-01",
                   record_id="2147483647", name="x" * 1000) == {}
    with app.test_request_context(method="POST", data={"record_id": "0042"}):
        form = Hostile()
        form.validate()
        assert form.record_id.data == 42


@pytest.mark.parametrize("path", ["/patients/2147483648", "/patients/99999999999999999999",
                                  "/patients/%D9%A1", "/patients/-1", "/patients/1.0"])
def test_ids_in_urls_beyond_the_database_range_are_404(client, login_as, path):
    login_as("admin")
    response = client.get(path)
    assert response.status_code == 404
    assert b"We could not find that page" in response.data


def test_the_largest_id_reaches_the_view(client, login_as):
    login_as("admin")
    assert client.get(f"/patients/{2**31 - 1}").status_code == 404  # no such patient: the view


def test_control_characters_in_the_address_are_a_friendly_400(client, login_as):
    login_as("therapist")
    response = client.get("/patients/?q=a%00b")
    assert response.status_code == 400
    assert b"invisible control character" in response.data
    assert client.get("/patients/?q=Zo%C3%AB").status_code == 200


def test_query_string_ids_and_pages_are_bounded(app):
    with app.test_request_context("/?id=2147483648&page=99999999999999999999"):
        assert edge.id_arg("id") is None
        assert edge.page_arg() == 1
    with app.test_request_context("/?id=12&page=3"):
        assert edge.id_arg("id") == 12 and edge.page_arg() == 3


def test_a_request_larger_than_the_limit_is_a_friendly_413(client, login_as, app):
    login_as("admin")
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/admin/payers/new", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert b"more than the server accepts" in response.data


def test_a_long_note_in_non_latin_script_fits_under_the_form_limit(client, login_as):
    login_as("admin")
    response = client.post("/admin/payers/new", data={"name": "🙂" * 50_000})
    assert response.status_code == 302  # refused by the form (too long), not by the size limit


# --- clinic-local times ---------------------------------------------------------------------

def test_clinic_time_refuses_a_skipped_time_and_asks_for_a_repeated_one():
    spring, autumn = date(2026, 3, 8), date(2026, 11, 1)  # America/Los_Angeles changes
    with pytest.raises(clinic_time.NonexistentLocalTime, match="does not exist") as gap:
        clinic_time.to_utc(spring, time(2, 30), field="start_time")
    assert gap.value.field == "start_time"
    with pytest.raises(clinic_time.AmbiguousLocalTime, match="happens twice") as twice:
        clinic_time.to_utc(autumn, time(1, 30))
    assert twice.value.field == clinic_time.FOLD_FIELD
    first = clinic_time.to_utc(autumn, time(1, 30), fold=0)
    second = clinic_time.to_utc(autumn, time(1, 30), fold=1)
    assert (second - first).total_seconds() == 3600
    assert first.isoformat() == "2026-11-01T08:30:00+00:00"
    assert clinic_time.to_utc(spring, time(3, 30)).isoformat() == "2026-03-08T10:30:00+00:00"
    assert clinic_time.to_utc(spring, None) is None


def _schedule(client, team, day, at, **extra):
    return client.post(f"/care/patients/{team.patient.id}/sessions/new", data={
        "kind": "preparation", "clinician_id": team.therapist.id, "day": day,
        "start_time": at, "duration_minutes": "60", "modality": "office", **extra})


@pytest.fixture
def team(client, login, db):
    """A care team whose therapist is signed in."""
    team = make_team(db)
    db.commit()
    login(team.therapist)
    return team


def test_scheduling_at_a_skipped_time_is_refused(client, db, team):
    response = _schedule(client, team, "2026-03-08", "02:30")
    assert response.status_code == 200 and b"does not exist" in response.data
    assert db.query(CareSession).count() == 0


def test_scheduling_at_a_repeated_time_asks_which_one_then_saves_it(client, db, team):
    asked = _schedule(client, team, "2026-11-01", "01:30")
    assert asked.status_code == 200 and b'data-testid="dst-fold"' in asked.data
    assert b"happens twice" in asked.data and db.query(CareSession).count() == 0
    assert b'data-testid="dst-fold"' not in client.get(
        f"/care/patients/{team.patient.id}/sessions/new").data  # asked only when needed
    saved = _schedule(client, team, "2026-11-01", "01:30", dst_fold="1",
                      record_past="y")  # entered afterwards, whatever today is
    assert saved.status_code == 302
    db.expire_all()
    assert db.query(CareSession).one().scheduled_start.isoformat() == \
        "2026-11-01T09:30:00+00:00"  # the second 1:30, standard time


# --- what escapes a view -------------------------------------------------------------------

@pytest.fixture(scope="module")
def raising_app(tmp_path_factory):
    """An app with routes that raise what a view might let escape."""
    path = tmp_path_factory.mktemp("raise") / "raise.db"
    app = create_app(type("RaiseConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
    bp = Blueprint("raising", __name__)
    errors = {"stale": StaleDataError("stale"),
              "race": IntegrityError("INSERT", {}, Exception("unique")),
              "refused": DataError("SELECT", {}, Exception("integer out of range")),
              "overflow": OverflowError("date value out of range")}
    for name, error in errors.items():
        def view(error=error):
            raise error
        bp.add_url_rule(f"/raise/{name}", name, public(view))
    app.register_blueprint(bp)
    return app


@pytest.mark.parametrize(("name", "status"), [("stale", 409), ("race", 409),
                                              ("refused", 400), ("overflow", 400)])
def test_races_and_refused_values_escaping_a_view_are_friendly(raising_app, name, status,
                                                               caplog):
    with caplog.at_level(logging.WARNING):
        response = raising_app.test_client().get(f"/raise/{name}")
    assert response.status_code == status
    assert b"Something went wrong" not in response.data
    assert (EDGE_MISSED in caplog.text) == (status == 400)


# --- SQLite -------------------------------------------------------------------------------

def test_every_sqlite_connection_uses_wal_and_waits_for_the_writer(app, db):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.get_bind().connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)


def test_a_time_of_the_repeated_hour_is_shown_with_its_zone():
    from datetime import UTC, datetime

    from kapms.web.filters import local

    assert local(datetime(2027, 11, 7, 8, 30, tzinfo=UTC)) == "Nov 07, 2027 01:30 AM PDT"
    assert local(datetime(2027, 11, 7, 9, 30, tzinfo=UTC)) == "Nov 07, 2027 01:30 AM PST"
    assert local(datetime(2027, 11, 8, 9, 30, tzinfo=UTC)) == "Nov 08, 2027 01:30 AM"
    assert local(datetime(2027, 11, 7, 9, 30, tzinfo=UTC), "%b %d, %Y") == "Nov 07, 2027"
