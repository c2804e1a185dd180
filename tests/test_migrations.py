"""`flask db upgrade` from an empty database gives exactly the models' schema."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kapms import create_app
from kapms.config import TestConfig
from kapms.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new database on the server under test (SQLite file or PostgreSQL)."""
    base = os.environ.get("KAPMS_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path}/migrated.db"
        return
    name = f"kapms_migr_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_models_and_downgrade_works(empty_database_url):
    app = create_app(type("MigrationConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": empty_database_url}))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    db.metadata)
        assert diff == []
        assert _expression_indexes_missing(db.engine) == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = [t for t in db.inspect(conn).get_table_names() if t != "alembic_version"]
        assert remaining == []
        db.engine.dispose()


def _expression_indexes_missing(engine) -> list[str]:
    """The models' indexes on expressions (lower(last_name), ...) that the migrated database
    lacks, or has without the operator class the model asks for on PostgreSQL: Alembic's
    comparison skips them on SQLite, which cannot reflect them."""
    from sqlalchemy import Column

    wanted = [ix for table in db.metadata.tables.values() for ix in table.indexes
              if not all(isinstance(e, Column) for e in ix.expressions)]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            found = dict(conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())
        else:
            found = dict(conn.execute(text("SELECT indexname, indexdef FROM pg_indexes")).all())
    missing = []
    for ix in wanted:
        ops = ix.dialect_options["postgresql"]["ops"] or {}
        if ix.name not in found or (engine.dialect.name == "postgresql" and any(
                op not in found[ix.name] for op in ops.values())):
            missing.append(ix.name)
    return missing


def test_measures_entered_in_error_on_the_migrated_schema(empty_database_url):
    """Revision 0ccd2a8b63f9: the database itself allows one live administration per
    point, a voided one frees it, and the downgrade refuses while a row is voided."""
    from datetime import date

    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from kapms.measures.models import Administration
    from kapms.measures.services import record_administration, void_administration
    from tests.factories import make_patient, make_user

    app = create_app(type("MigrationConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": empty_database_url}))
    with app.app_context():
        upgrade()
        session = db.session
        therapist = make_user(session)
        patient = make_patient(session, therapist)
        given = date(2026, 3, 1)
        wrong = record_administration(session, therapist, patient, "PHQ-9", "baseline", given,
                                      [1] * 8 + [0], today=given)
        session.commit()
        row = {c: getattr(wrong, c) for c in ("patient_id", "instrument", "point", "given_on",
                                              "source", "recorded_at", "answers", "severity",
                                              "suicidal_ideation")}
        with pytest.raises(IntegrityError):  # the partial unique index, not only the service
            session.execute(insert(Administration), [row])
        session.rollback()
        void_administration(session, therapist, wrong.id, "Wrong patient")
        session.execute(insert(Administration), [row])  # the point is free again
        session.commit()
        with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
            downgrade(revision="b386a06d0b0a")
        session.rollback()
        assert session.scalar(text("SELECT COUNT(*) FROM measure_administrations "
                                   "WHERE voided_at IS NOT NULL")) == 1  # nothing changed
        session.execute(text("DELETE FROM measure_administrations"))
        session.commit()
        session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def _patient_at_this_revision(session):
    """A patient row written through the table as it is at the current revision (the
    model may have columns that later migrations add)."""
    from datetime import UTC, date, datetime
    from types import SimpleNamespace

    from sqlalchemy import MetaData, Table

    patients = Table("patients", MetaData(), autoload_with=session.connection())
    values = dict(first_name="Pat", last_name="Client", date_of_birth=date(1985, 5, 5),
                  address_line1="1 Main St", city="Oakland", state="CA", postal_code="94610",
                  preferred_language="English", stage="referral", care_modality="either",
                  urgency="routine", created_at=datetime.now(UTC), version=1,
                  person_key="pat|client")
    result = session.execute(patients.insert().values(
        **{k: v for k, v in values.items() if k in patients.c}))
    return SimpleNamespace(id=result.inserted_primary_key[0])


def _user_at_this_revision(session, name: str):
    """A user row written column by column: the User model has columns of later revisions
    (users.patient_id, issue 11) that an older schema does not have yet."""
    from types import SimpleNamespace

    from sqlalchemy import insert

    from kapms.auth.models import User

    return SimpleNamespace(id=session.execute(
        insert(User).values(email=f"{name}@migration.example", full_name=name,
                            password_hash="x").returning(User.id)).scalar_one())


def test_live_dosing_record_moves_the_old_records(empty_database_url):
    """Revision 29143628e62c: a clearance's plan becomes plan version 1, a dosing's vitals
    columns and JSON adverse events and check-ins become rows, sessions get their actual
    times; the downgrade puts the plan and vitals back."""
    from datetime import UTC, datetime

    app = create_app(type("MigrationConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": empty_database_url}))
    with app.app_context():
        upgrade(revision="c523cd9e160d")
        session = db.session
        therapist = _user_at_this_revision(session, "therapist")
        prescriber = _user_at_this_revision(session, "prescriber")
        patient_id = _patient_at_this_revision(session).id
        session.commit()
        start = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
        naive = db.engine.dialect.name == "sqlite"

        def ts(value):
            return value.replace(tzinfo=None) if naive else value
        session.execute(text(
            "INSERT INTO clearances (id, patient_id, prescriber_id, decided_at, screen, "
            "co_medications, decision, reason, dosing_count, product, route, dose_mg, "
            "expires_on, version) VALUES (1, :p, :pr, :at, '{}', '{}', 'cleared', 'ok', 6, "
            "'ketamine_sl_lozenge', 'sublingual', 200, '2027-03-01', 1)"),
            {"p": patient_id, "pr": prescriber.id, "at": ts(datetime(2026, 2, 1, tzinfo=UTC))})
        session.execute(text(
            "INSERT INTO care_sessions (id, patient_id, kind, clinician_id, scheduled_start, "
            "duration_minutes, modality, status, actual_minutes, created_at, version) VALUES "
            "(1, :p, 'dosing', :t, :start, 180, 'telehealth', 'completed', 125, :start, 1)"),
            {"p": patient_id, "t": therapist.id, "start": ts(start)})
        session.execute(text(
            "INSERT INTO dosing_records (id, session_id, clearance_id, outcome, pre_systolic, "
            "pre_diastolic, mid_systolic, mid_diastolic, discharge_systolic, "
            "discharge_diastolic, product, route, dose_mg, lot_number, given_at, "
            "monitoring_end, checkins, co_medications, adverse_events, chaperone_name, "
            "recorded_at) VALUES (1, 1, 1, 'administered', 124, 78, 168, 92, 128, 80, "
            "'ketamine_sl_lozenge', 'sublingual', 200, 'L1', :given, :end, "
            "'[\"2026-03-02T17:55:00+00:00\"]', '{}', "
            "'[{\"event\": \"nausea\", \"severity\": \"mild\", \"serious\": false}]', "
            "'Sam', :given)"),
            {"given": ts(datetime(2026, 3, 2, 17, 40, tzinfo=UTC)),
             "end": ts(datetime(2026, 3, 2, 19, 40, tzinfo=UTC))})
        session.commit()
        upgrade()
        plan = session.execute(text("SELECT number, dosing_count, dose_mg, created_by_id "
                                    "FROM care_plan_versions")).one()
        assert (plan.number, plan.dosing_count, float(plan.dose_mg)) == (1, 6, 200.0)
        assert plan.created_by_id == prescriber.id
        vitals = session.execute(text("SELECT kind, systolic, diastolic FROM "
                                      "care_dosing_vitals ORDER BY taken_at")).all()
        assert [tuple(v) for v in vitals] == [("pre", 124, 78), ("mid", 168, 92),
                                              ("discharge", 128, 80)]
        assert session.execute(text("SELECT kind, severity FROM care_adverse_events")
                               ).one() == ("nausea", "mild")
        assert session.execute(text("SELECT by, status FROM care_chaperone_checkins")
                               ).one() == ("Sam", "ok")
        dosing = session.execute(text("SELECT setting, plan_version_id, version FROM "
                                      "dosing_records")).one()
        assert dosing.setting == "telehealth" and dosing.plan_version_id and dosing.version == 1
        assert session.execute(text("SELECT started_at IS NOT NULL FROM care_sessions")
                               ).scalar()
        session.commit()
        session.remove()
        downgrade(revision="c523cd9e160d")
        back = db.session.execute(text("SELECT dose_mg, dosing_count FROM clearances")).one()
        assert (float(back.dose_mg), back.dosing_count) == (200.0, 6)
        assert tuple(db.session.execute(text(
            "SELECT pre_systolic, mid_systolic, discharge_diastolic FROM dosing_records")
        ).one()) == (124, 168, 80)
        db.session.remove()


def test_one_chart_per_person_on_the_migrated_schema(empty_database_url):
    """Revision 7e124d2a45e3: existing charts get the person key (a chart sharing name and
    birth date with an older one gets a key of its own, to be merged by an admin), and
    then the database refuses a second chart for the same person."""
    from sqlalchemy.exc import IntegrityError

    from kapms.patients.identity import person_key

    app = create_app(type("MigrationConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": empty_database_url}))
    charts = [("Ana", "Lopez", "1980-01-01"), ("ANA", "LÓPEZ", "1980-01-01"),
              ("Ana", "Lopez", "1980-01-02")]
    insert_chart = text(
        "INSERT INTO patients (first_name, last_name, date_of_birth, address_line1, city, "
        "state, postal_code, preferred_language, stage, created_at, version) VALUES "
        "(:first, :last, :born, '1 Main St', 'Oakland', 'CA', '94610', 'English', 'referral', "
        "CURRENT_TIMESTAMP, 1)")
    with app.app_context():
        upgrade(revision="29143628e62c")  # the revision before
        with db.engine.begin() as conn:
            for first, last, born in charts:
                conn.execute(insert_chart, {"first": first, "last": last, "born": born})
        upgrade()
        with db.engine.connect() as conn:
            keys = conn.execute(text("SELECT person_key FROM patients ORDER BY id")).scalars()
            assert list(keys) == [person_key("Ana", "Lopez"), person_key("ANA#2", "LÓPEZ"),
                                  person_key("Ana", "Lopez")]
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO patients (first_name, last_name, date_of_birth, address_line1, "
                "city, state, postal_code, preferred_language, stage, created_at, version, "
                "person_key) VALUES ('a', 'l', '1980-01-01', 'x', 'x', 'CA', '1', 'English', "
                "'referral', CURRENT_TIMESTAMP, 1, :key)"), {"key": person_key("Ana", "Lopez")})
        downgrade(revision="base")
        db.engine.dispose()


def test_migrated_dosing_records_get_their_numbers(empty_database_url):
    """Revision 0e18cb1e05d8: old dosing records get the number the care domain gives at
    check-in (administered dosings before it plus one; a held one the number it would
    have had)."""
    from datetime import UTC, datetime, timedelta

    app = create_app(type("MigrationConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": empty_database_url}))
    with app.app_context():
        upgrade(revision="c523cd9e160d")
        session = db.session
        therapist = _user_at_this_revision(session, "therapist")
        patient_id = _patient_at_this_revision(session).id
        session.commit()
        naive = db.engine.dialect.name == "sqlite"
        first = datetime(2026, 3, 2, 17, tzinfo=UTC)
        # inserted out of time order: the numbers follow the sessions' times
        for n, (days, outcome) in enumerate(((14, "administered"), (0, "administered"),
                                             (7, "held")), start=1):
            start = first + timedelta(days=days)
            session.execute(text(
                "INSERT INTO care_sessions (id, patient_id, kind, clinician_id, "
                "scheduled_start, duration_minutes, modality, status, created_at, version) "
                "VALUES (:n, :p, 'dosing', :t, :start, 120, 'office', 'completed', :start, "
                "1)"), {"n": n, "p": patient_id, "t": therapist.id,
                        "start": start.replace(tzinfo=None) if naive else start})
            session.execute(text(
                "INSERT INTO dosing_records (id, session_id, outcome, pre_systolic, "
                "pre_diastolic, checkins, co_medications, adverse_events, recorded_at) "
                "VALUES (:n, :n, :outcome, 120, 80, '[]', '{}', '[]', :at)"),
                {"n": n, "outcome": outcome,
                 "at": first.replace(tzinfo=None) if naive else first})
        session.commit()
        upgrade()
        numbers = session.execute(text("SELECT id, dosing_number FROM dosing_records "
                                       "ORDER BY id")).all()
        assert [tuple(r) for r in numbers] == [(1, 2), (2, 1), (3, 2)]
        session.commit()
        session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_older_holds_rises_and_serious_events_reach_the_review_list(empty_database_url):
    """Revision cbba8cd71fcd: a held dosing, a BP rise and a serious adverse event recorded
    without a review item get one (open, dated when the dosing happened); one that has its
    item is not doubled."""
    from datetime import UTC, datetime

    from sqlalchemy import MetaData, Table

    app = create_app(type("MigrationConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": empty_database_url}))
    with app.app_context():
        upgrade(revision="c2d1030b5495")  # the revision before
        session = db.session
        therapist = _user_at_this_revision(session, "therapist")
        patient = _patient_at_this_revision(session)
        session.commit()

        def insert(table, **values):
            table = Table(table, MetaData(), autoload_with=session.connection())
            return session.execute(table.insert().values(**values)).inserted_primary_key[0]
        when = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
        dosings = []
        for n, (outcome, flag) in enumerate([("held", None), ("administered", "BP rose"),
                                             ("administered", None)]):
            cs = insert("care_sessions", patient_id=patient.id, kind="dosing",
                        clinician_id=therapist.id, scheduled_start=when.replace(day=2 + n),
                        duration_minutes=180, modality="office", status="completed",
                        created_at=when, version=1)
            dosings.append(insert(
                "dosing_records", session_id=cs, outcome=outcome, setting="office",
                maintenance=False, co_medications={}, bp_flag=flag, recorded_at=when,
                updated_at=when, version=1,
                hold_reason="Pre-dose BP 170/104" if outcome == "held" else None))
        insert("care_adverse_events", dosing_id=dosings[2], kind="respiratory_depression",
               severity="severe", serious=True, occurred_at=when, recorded_at=when)
        insert("care_adverse_events", dosing_id=dosings[2], kind="nausea", severity="mild",
               serious=False, occurred_at=when, recorded_at=when)
        insert("care_reviews", patient_id=patient.id, dosing_id=dosings[1], kind="bp_rise",
               subject="bp_rise", summary="already raised", raised_at=when, version=1)
        session.commit()
        upgrade()
        rows = session.execute(text(
            "SELECT dosing_id, kind, subject, summary, reviewed_at FROM care_reviews "
            "ORDER BY dosing_id, kind")).all()
        assert [(r.dosing_id, r.kind, r.summary) for r in rows] == [
            (dosings[0], "held", "Pre-dose BP 170/104"),
            (dosings[1], "bp_rise", "already raised"),
            (dosings[2], "serious_ae", "Serious adverse event: respiratory depression")]
        assert rows[2].subject.startswith("ae:") and all(r.reviewed_at is None for r in rows)
        session.commit()
        session.remove()
        downgrade(revision="c2d1030b5495")
        db.session.remove()


def test_offers_made_before_expiry_get_one(empty_database_url):
    """Revision 8209b5f19924: an open offer gets a full window from the upgrade (none lapses
    by surprise), an answered one its offer time plus the window; the downgrade turns an
    expired offer into a withdrawn one."""
    from datetime import UTC, datetime, timedelta

    app = create_app(type("MigrationConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": empty_database_url}))
    with app.app_context():
        upgrade(revision="cbba8cd71fcd")
        session = db.session
        clinician = _user_at_this_revision(session, "clinician")
        patient = _patient_at_this_revision(session)
        session.commit()
        offered = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
        naive = db.engine.dialect.name == "sqlite"
        for role, status in (("therapist", "offered"), ("prescriber", "declined")):
            session.execute(text(
                "INSERT INTO referrals (patient_id, clinician_id, role, kind, status, "
                "private_pay, offered_at, version) VALUES (:p, :c, :role, 'referral', "
                ":status, false, :at, 1)"),
                {"p": patient.id, "c": clinician.id, "role": role, "status": status,
                 "at": offered.replace(tzinfo=None) if naive else offered})
        session.commit()
        before = datetime.now(UTC)
        upgrade(revision="8209b5f19924")
        rows = dict(session.execute(text("SELECT status, expires_at FROM referrals")).all())

        def aware(value):
            value = datetime.fromisoformat(value) if isinstance(value, str) else value
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value
        assert aware(rows["offered"]) >= before + timedelta(days=7) - timedelta(seconds=1)
        assert aware(rows["declined"]) == offered + timedelta(days=7)
        session.execute(text("UPDATE referrals SET status = 'expired' "
                             "WHERE status = 'offered'"))
        session.commit()
        session.remove()
        downgrade(revision="cbba8cd71fcd")
        assert db.session.execute(text("SELECT status FROM referrals ORDER BY role")
                                  ).scalars().all() == ["declined", "withdrawn"]
        db.session.remove()
