"""The tamper-evident audit log: triggers refuse changes in the database itself, committed
rows are sealed into the hash chain, and `flask audit verify` finds a changed, deleted or
inserted row (the tests lift the triggers to tamper, as an attacker with rights could)."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from kapms.audit import sealing, triggers
from kapms.audit.models import AuditEvent
from kapms.audit.services import record
from kapms.auth.models import User
from kapms.database import utcnow
from tests.factories import make_user


def _events(db, n=5):
    user = make_user(db)
    for i in range(n):
        record(db, user, "view", "patient", i, patient_id=i)
    db.commit()
    return user


def _verify(db, **kwargs):
    db.commit()
    with db.get_bind().connect() as conn:
        return sealing.verify(conn, **kwargs)


def _tamper(db, *statements):
    """Run SQL with the triggers lifted, then put them back (one transaction)."""
    with triggers.suspended(db.connection()):
        for statement in statements:
            db.execute(text(statement) if isinstance(statement, str) else statement)
    db.commit()


def _row(db, seq):
    return db.execute(select(AuditEvent.id, AuditEvent.seq).where(AuditEvent.seq == seq)).one()


def test_committed_rows_are_sealed_in_order_and_verify(db):
    _events(db)
    seqs = db.scalars(select(AuditEvent.seq).order_by(AuditEvent.id)).all()
    assert seqs == list(range(1, len(seqs) + 1))
    report = _verify(db)
    assert report.ok and report.sealed == len(seqs) and report.unsealed == 0
    assert report.head_seq == len(seqs) and len(report.head_hash) == 64


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET detail = 'rewritten'",
    "UPDATE audit_events SET chain_hash = NULL, seq = NULL",
    "DELETE FROM audit_events",
])
def test_the_database_refuses_changes_to_sealed_rows(db, statement):
    _events(db, 2)
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement))
    db.rollback()
    assert _verify(db).ok


def test_the_database_refuses_changing_an_unsealed_row_but_lets_the_sealer_seal_it(db):
    user = make_user(db)
    db.execute(insert(AuditEvent).values(at=utcnow(), user_id=user.id, action="view",
                                         entity_type="patient", outcome="success"))
    db.flush()
    row_id = db.scalar(select(func.max(AuditEvent.id)))
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(f"UPDATE audit_events SET detail = 'x', seq = 99 WHERE id = {row_id}"))
    db.rollback()


def test_verify_finds_a_changed_row(db):
    _events(db)
    row = _row(db, 3)
    _tamper(db, f"UPDATE audit_events SET actor_email = 'someone@else.example' WHERE id = {row.id}")
    report = _verify(db)
    assert report.problems == [f"row at chain position 3 (id {row.id}) does not match its seal "
                               "(changed, or not sealed by the app)"]


def test_verify_finds_a_deleted_row(db):
    _events(db)
    row = _row(db, 2)
    _tamper(db, f"DELETE FROM audit_events WHERE id = {row.id}")
    report = _verify(db)
    assert "chain positions 2 are missing (rows deleted)" in report.problems[0]
    assert not report.ok


def test_verify_finds_a_row_inserted_into_the_chain(db):
    _events(db)
    head = _verify(db).head_seq
    # Make room at position 3 and slip a row in with a plausible-looking seal.
    _tamper(db, "UPDATE audit_events SET seq = seq + 100 WHERE seq >= 3",
            "UPDATE audit_events SET seq = seq - 99 WHERE seq >= 103",
            insert(AuditEvent).values(at=utcnow(), action="view", entity_type="patient",
                                      entity_id="999", outcome="success", seq=3,
                                      chain_hash="ab" * 32))
    report = _verify(db)
    assert report.sealed == head + 1
    assert any("chain position 3 " in p for p in report.problems)
    assert any("chain position 4 " in p for p in report.problems)  # moved rows no longer fit


def test_verify_finds_a_backdated_row_that_got_sealed(db):
    _events(db, 2)
    db.execute(insert(AuditEvent).values(at=utcnow() - timedelta(days=30), action="view",
                                         entity_type="patient", outcome="success"))
    db.commit()
    sealing.seal_pending(db.get_bind())
    report = _verify(db)
    assert len(report.problems) == 1 and "well before rows sealed earlier" in report.problems[0]


def test_an_anchor_reveals_rows_removed_from_the_end(db):
    _events(db)
    report = _verify(db)
    anchor = (report.head_seq, report.head_hash)
    assert _verify(db, anchor=anchor).ok
    _tamper(db, f"DELETE FROM audit_events WHERE seq = {report.head_seq}")
    assert _verify(db).ok  # the chain alone cannot see a shortened end ...
    assert not _verify(db, anchor=anchor).ok  # ... the head noted earlier can


def test_a_seal_needs_the_key(db):
    _events(db, 2)
    assert not _verify(db, key=b"another key entirely").ok


def test_flask_audit_verify_and_seal_commands(app, db):
    _events(db, 3)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "The audit chain is intact." in ok.output
    head = [line for line in ok.output.splitlines() if line.startswith("Head: ")][0][6:]
    row = _row(db, 2)
    _tamper(db, f"UPDATE audit_events SET detail = 'nothing to see' WHERE id = {row.id}")
    bad = runner.invoke(args=["audit", "verify", "--anchor", head])
    assert bad.exit_code == 1 and "TAMPERED: row at chain position 2" in bad.output
    db.execute(insert(AuditEvent).values(at=utcnow(), action="view", entity_type="x",
                                         outcome="success"))
    db.commit()  # inserted behind the app's back: not sealed after this commit
    sealed = runner.invoke(args=["audit", "seal"])
    assert sealed.output == "Sealed 1 audit rows.\n"


def test_audit_rows_of_a_page_are_inserted_in_one_batch(db):
    user = make_user(db)
    db.commit()
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for n in range(30):  # e.g. a calendar week showing 30 patients
            record(db, user, "view", "patient", n, patient_id=n)
            db.scalars(select(User).where(User.id == user.id)).one()  # the page's own queries
        db.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    # a query of the audit table itself sees what was recorded before it, batch and all
    record(db, user, "view", "patient", 99, patient_id=99)
    record(db, user, "view", "patient", 98, patient_id=98)
    assert db.query(AuditEvent).filter(AuditEvent.patient_id >= 98).count() == 2
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.action == "view")) == 32


def test_a_requests_rows_are_sealed_after_its_response_is_sent(client, db, login_as):
    """Inside a request the seal waits for the server to close the sent response (nobody
    waits for it); then every row written so far is sealed, and the chain verifies."""
    login_as("admin")
    response = client.get("/admin/audit/")
    assert response.status_code == 200

    def unsealed():
        db.rollback()  # a fresh read
        return db.scalar(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.seq.is_(None)))

    assert unsealed() > 0  # the page's own read of the log, at least
    response.close()
    assert unsealed() == 0
    assert _verify(db).ok
