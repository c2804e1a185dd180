"""Shared fixtures: the app on SQLite (or PostgreSQL when KAPMS_TEST_DATABASE_URL is set),
a clean database per test, a client, and sign-in helpers per role.

KAPMS_TEST_CLOCK travels the whole run to another clinic-local time, to prove no test
depends on the day it runs: ``KAPMS_TEST_CLOCK=2027-12-31T23:30 make test-sqlite`` (or
``make test-clock``, which runs the suite on the two awkward days the project keeps: a leap
day and the last half hour of a year). Each test starts at that moment and the clock ticks on.
"""

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import delete

from kapms import clinic_time, create_app
from kapms.audit import triggers as audit_triggers
from kapms.config import TestConfig
from kapms.extensions import db as _db
from kapms.extensions import limiter
from tests.factories import DEFAULT_PASSWORD, make_user


def _database_url(tmp_path_factory) -> str:
    return os.environ.get("KAPMS_TEST_DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    )


def pytest_report_header(config):
    url = os.environ.get("KAPMS_TEST_DATABASE_URL", "")
    clock = os.environ.get("KAPMS_TEST_CLOCK")
    return ["database: " + ("PostgreSQL (" + url.split("@")[-1] + ")" if url else "SQLite"),
            f"clinic clock: {clock} ({TestConfig.CLINIC_TIMEZONE})" if clock else "clinic clock: now"]


def _test_clock() -> datetime | None:
    clock = os.environ.get("KAPMS_TEST_CLOCK")
    if not clock:
        return None
    return datetime.fromisoformat(clock).replace(tzinfo=ZoneInfo(TestConfig.CLINIC_TIMEZONE))


def pytest_configure(config):
    """The clinic's zone from the start (module-level dates such as ``TODAY =
    clinic_time.today()`` are computed at collection, before any app exists), and the run
    travelled to KAPMS_TEST_CLOCK if set."""
    clinic_time.configure(TestConfig.CLINIC_TIMEZONE)
    if (clock := _test_clock()) is not None:
        config._kapms_clock = time_machine.travel(clock, tick=True)
        config._kapms_clock.start()


def pytest_unconfigure(config):
    """Back to the real clock."""
    if getattr(config, "_kapms_clock", None):
        config._kapms_clock.stop()


@pytest.fixture(autouse=True)
def _travelled_clock():
    """With KAPMS_TEST_CLOCK, every test starts at that moment (the clock ticks on from
    there), so a run that lasts longer than the half hour to midnight still tests the last
    day of the year, and every test sees the same day as the dates computed at collection."""
    clock = _test_clock()
    if clock is None:
        yield
        return
    with time_machine.travel(clock, tick=True):
        yield


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One app for the session; the schema is created from the models (the migration
    test proves migrations produce the same schema)."""
    url = _database_url(tmp_path_factory)
    config = type("SessionTestConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,  # CSRF is tested on its own, with it switched on
        "SUBMISSION_TOKENS_REQUIRED": False,  # so are submission tokens (tests/web)
    })
    app = create_app(config)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _wipe(app) -> None:
    with app.app_context():
        _db.session.rollback()
        # The audit table refuses DELETE (database triggers): lift them for the wipe only.
        with audit_triggers.suspended(_db.session.connection()):
            for table in reversed(_db.metadata.sorted_tables):
                _db.session.execute(delete(table))
        _db.session.commit()
        _db.session.remove()


@pytest.fixture
def db(app):
    """The database session inside an app context; every row is removed afterwards."""
    with app.app_context():
        yield _db.session
        _db.session.rollback()
    _wipe(app)


@pytest.fixture
def client(app, db):
    """A test client with a fresh rate limiter."""
    limiter.reset()
    with app.test_client() as c:
        yield c


@pytest.fixture
def login(client):
    """login(user, password=...) signs the test client in through the real form."""

    def _login(user, password=DEFAULT_PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return _login


@pytest.fixture
def login_as(db, login):
    """login_as("therapist") creates a user with that role, signs in, returns the user."""

    def _login_as(*roles, **kwargs):
        user = make_user(db, roles=roles, **kwargs)
        db.commit()
        login(user)
        return user

    return _login_as
