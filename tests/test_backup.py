"""Backup and restore on the suite's database (SQLite, or the PostgreSQL the tests start):
back up, change data, restore, and every table has the same rows as at the backup."""

import hashlib

from sqlalchemy import select, text

from kapms import backup
from kapms.audit.services import record
from kapms.auth.models import User
from kapms.extensions import db as _db
from kapms.patients.models import CareTeamMember, Patient
from tests.factories import make_patient, make_user


def snapshot(session) -> dict[str, tuple[int, str]]:
    """Per table: row count and a checksum of every row, in primary-key order."""
    result = {}
    for table in _db.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest = hashlib.sha256("\n".join(repr(tuple(r)) for r in rows).encode())
        result[table.name] = (len(rows), digest.hexdigest())
    return result


def test_backup_change_restore_gives_back_identical_tables(app, db, tmp_path):
    therapist = make_user(db, full_name="Maya Okafor")
    patients = [make_patient(db, therapist) for _ in range(3)]
    for patient in patients:
        record(db, therapist, "view", "patient", patient.id, patient_id=patient.id)
    db.commit()
    before = snapshot(db)
    assert before["patients"][0] == 3 and before["audit_events"][0] >= 4

    written = app.test_cli_runner().invoke(args=[
        "backup", "create", "--output", str(tmp_path / "kapms.backup")])
    assert written.exit_code == 0, written.output
    assert (tmp_path / "kapms.backup").stat().st_mode & 0o777 == 0o600
    assert backup.describe(tmp_path / "kapms.backup").sha256 in written.output

    # Afterwards: a new user, a renamed patient, a removed care-team member, more audit rows.
    make_user(db, full_name="Added Later")
    db.get(Patient, patients[0].id).last_name = "Renamed"
    db.delete(db.scalars(select(CareTeamMember)).first())
    record(db, therapist, "view", "patient", patients[1].id, patient_id=patients[1].id)
    db.commit()
    changed = snapshot(db)
    assert changed != before
    db.remove()

    restored = app.test_cli_runner().invoke(args=[
        "backup", "restore", str(tmp_path / "kapms.backup"), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert snapshot(db) == before
    assert db.scalar(select(User).where(User.full_name == "Added Later")) is None
    with _db.engine.connect() as conn:  # the chain survived the round trip
        from kapms.audit import sealing

        assert sealing.verify(conn).ok


def test_restore_refuses_a_file_that_is_not_a_backup(app, db, tmp_path):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(junk), "--yes"])
    assert result.exit_code != 0
    assert db.execute(text("SELECT 1")).scalar() == 1  # the database is still there


def test_create_refuses_to_overwrite(app, db, tmp_path):
    target = tmp_path / "exists.backup"
    target.write_text("keep me")
    result = app.test_cli_runner().invoke(args=["backup", "create", "--output", str(target)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert target.read_text() == "keep me"
