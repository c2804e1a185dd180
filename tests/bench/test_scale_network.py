"""The scale benchmark's generator and page list, on a tiny network.

The generator is driven by the models' metadata, so these tests are what keeps the benchmark
runnable as the models change: every table is filled (but the licensed item text), every
foreign key points at a row, the probe is identical at two sizes, and every benchmark page
answers 200 to its probe user.
"""

import os
import uuid
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench import scale_bench, scale_pages
from bench.scale_data import make_app
from bench.scale_generate import CLINIC_ZONE, PROBE_PASSWORD, Size, generate
from bench.scale_load import Loader
from kapms.extensions import db

ANCHOR = date(2026, 11, 30)  # a Monday: the probe's week is all ahead
TINY, SMALL = Size("tiny", 0.0003), Size("small", 0.0008)
# Licensed MBI-GS wording (loaded by a clinic); second-factor secrets (nobody signs in as a
# synthetic user with a second factor).
NOT_GENERATED = {"measure_item_texts", "recovery_codes", "remembered_devices"}


def _scratch_urls(tmp_path, count: int):
    """``count`` new databases on the server under test (SQLite files or PostgreSQL)."""
    base = os.environ.get("KAPMS_TEST_DATABASE_URL")
    if not base:
        return [f"sqlite:///{tmp_path}/network{n}.db" for n in range(count)], lambda: None
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = [f"kapms_scale_{uuid.uuid4().hex[:8]}" for _ in range(count)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

    return [make_url(base).set(database=n).render_as_string(hide_password=False)
            for n in names], drop


def _generate(url: str, size: Size):
    from kapms.auth.passwords import hash_password

    app = make_app(url)
    with app.app_context():
        loader = Loader(db.engine, db.metadata)
        loader.create_schema()
        manifest = generate(loader, size, anchor=ANCHOR,
                            password_hash=hash_password(PROBE_PASSWORD), progress=lambda _: None)
    return app, manifest


@pytest.fixture(scope="module")
def networks(tmp_path_factory):
    """Two generated networks of different sizes: (app, manifest) each."""
    urls, drop = _scratch_urls(tmp_path_factory.mktemp("scale"), 2)
    built = [_generate(urls[0], TINY), _generate(urls[1], SMALL)]
    yield built
    for app, _ in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    drop()


def test_every_table_is_filled(networks):
    app, manifest = networks[0]
    with app.app_context():
        empty = {t.name for t in db.metadata.sorted_tables
                 if not db.session.scalar(select(func.count()).select_from(t))}
    assert empty == NOT_GENERATED
    assert manifest["counts"]["patients"] == 32 + TINY.count("patients")


def test_every_foreign_key_points_at_a_row(networks):
    app, _ = networks[1]
    dangling = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for fk in table.foreign_keys:
                child, parent = fk.parent, fk.column
                missing = db.session.scalar(
                    select(func.count()).select_from(table)
                    .outerjoin(parent.table, child == parent)
                    .where(child.is_not(None), parent.is_(None)))
                if missing:
                    dangling[f"{table.name}.{child.name}"] = missing
    assert dangling == {}


def test_the_probe_is_identical_at_every_size(networks):
    probe_rows = []
    for app, _ in networks:
        with app.app_context():
            rows = {}
            for table in db.metadata.sorted_tables:
                if table.name == "gfe_watch_lines":  # priced after loading, when it runs
                    query = select(*[c for c in table.c if c.name not in ("id", "refreshed_at")]
                                   ).where(table.c.patient_id <= 32)
                elif table.name == "users":  # the hash differs by its random salt
                    query = select(*[c for c in table.c if c.name != "password_hash"]).where(
                        (table.c.id <= 4) | (table.c.patient_id <= 32))
                elif "patient_id" in table.columns:
                    query = select(table).where(table.c.patient_id <= 32)
                else:
                    continue
                rows[table.name] = sorted(db.session.execute(query).all(), key=repr)
            probe_rows.append(rows)
    small, larger = probe_rows
    assert small["care_sessions"] and small["estimates"] and small["consent_signatures"]
    assert len(small["users"]) > 4  # the probe users and the probe patients' portal accounts
    assert small == larger


def test_the_probe_week_and_showcase_patient(networks):
    app, manifest = networks[0]
    with app.app_context():
        probe = scale_pages.Probe(db.session, manifest)
        assert len(probe.caseload) == 30
        rows = db.session.execute(text(
            "SELECT count(*) FROM care_sessions WHERE clinician_id = :t "
            "AND scheduled_start >= :a AND scheduled_start < :b"),
            {"t": probe.user["therapist"], "a": "2026-11-30 08:00", "b": "2026-12-07 08:00"})
        assert 15 <= rows.scalar() <= 30  # "a week of about 20 sessions"
        dosings = db.session.scalar(text(
            "SELECT count(*) FROM dosing_records d JOIN care_sessions s ON s.id = d.session_id "
            "WHERE s.patient_id = :p AND d.outcome = 'administered'"), {"p": probe.patient})
        assert dosings == 4


def test_every_benchmark_page_answers_its_probe_user(networks):
    app, manifest = networks[0]
    args = scale_bench.parser().parse_args(["--reps", "1", "--min-reps", "1", "--warmup", "0",
                                            "--bare-reps", "0"])
    results = scale_bench.measure(app, manifest, args, out=lambda _: None)
    failed = {r.key: r.error for r in results if r.error or r.status != 200}
    assert failed == {}
    assert len(results) == len(scale_pages.PAGES)
    pdfs = [r for r in results if r.html_chars is not None]
    assert len(pdfs) == sum(p.pdf for p in scale_pages.PAGES)
    assert all(r.html_chars > 1000 for r in pdfs)


def test_bare_html_has_the_length_asked_for():
    for chars in (500, 3_702, 13_074):
        assert len(scale_bench.bare_html(chars)) == chars


def test_generated_npis_pass_the_check_digit():
    from bench.scale_generate import npi_for
    from kapms.network.npi import valid_npi

    assert all(valid_npi(npi_for(n)) for n in range(1, 3000))


def test_every_dosing_had_its_consent_signed(networks):
    """The care path's rule in the generated data: a dosing checked in had the KAP consent
    version then current signed before (and the chaperone agreement, remote ones); a booked
    dosing passes the consent domain's own dosing check."""
    from kapms.care.models import CareSession
    from kapms.consent.services import dosing_check

    app, _ = networks[1]
    with app.app_context():
        unsigned = db.session.execute(text(
            "SELECT d.id FROM dosing_records d JOIN care_sessions s ON s.id = d.session_id "
            "WHERE NOT EXISTS (SELECT 1 FROM consent_signatures g "
            " JOIN consent_versions v ON v.id = g.version_id "
            " JOIN consent_documents c ON c.id = v.document_id "
            " WHERE g.patient_id = s.patient_id AND c.title = 'KAP informed consent' "
            " AND g.signed_at <= d.checked_in_at AND v.number = (SELECT max(w.number) "
            "  FROM consent_versions w WHERE w.document_id = c.id "
            "  AND w.published_at <= d.checked_in_at)) "
            "OR (d.setting <> 'office' AND NOT EXISTS (SELECT 1 FROM consent_signatures g "
            " JOIN consent_versions v ON v.id = g.version_id "
            " JOIN consent_documents c ON c.id = v.document_id "
            " WHERE g.patient_id = s.patient_id AND g.signed_at <= d.checked_in_at "
            " AND c.title = 'Telehealth and chaperone agreement'))")).all()
        assert db.session.scalar(select(func.count()).select_from(db.metadata.tables[
            "dosing_records"])) > 100
        assert unsigned == []
        booked = db.session.scalars(select(CareSession).where(
            CareSession.kind == "dosing", CareSession.status == "scheduled",
            CareSession.scheduled_start > datetime.combine(ANCHOR, time(12), CLINIC_ZONE)
            .astimezone(UTC))).all()
        assert booked
        assert [s.id for s in booked if dosing_check(db.session, s)] == []
        cleared_unsigned = db.session.scalar(text(
            "SELECT count(*) FROM clearances k WHERE NOT EXISTS (SELECT 1 FROM "
            "consent_signatures g JOIN consent_versions v ON v.id = g.version_id "
            "JOIN consent_documents c ON c.id = v.document_id WHERE g.patient_id = "
            "k.patient_id AND c.required_before = 'clearance' AND g.signed_at <= k.decided_at)"))
        assert cleared_unsigned == 0
