"""Database triggers that keep audit_events append-only, on SQLite and PostgreSQL.

UPDATE and DELETE are refused (TRUNCATE too on PostgreSQL), with one exception: the sealer
may fill ``seq`` and ``chain_hash`` of a row that has none yet, changing nothing else. The
migration installs them; ``create_all`` (the test suite) installs them through the table's
after_create event. Whoever owns the table can still drop them - what that allows and what
the hash chain still reveals is in docs/audit.md.
"""

from contextlib import contextmanager

from kapms.audit.chain import DATA_COLUMNS

_MESSAGE = "audit_events is append-only"


def _sqlite_create() -> list[str]:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in DATA_COLUMNS)
    return [
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        f"WHEN OLD.seq IS NOT NULL OR OLD.chain_hash IS NOT NULL OR {changed} "
        f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
    ]


def _postgresql_create() -> list[str]:
    new = ", ".join(f"NEW.{c}" for c in DATA_COLUMNS)
    old = ", ".join(f"OLD.{c}" for c in DATA_COLUMNS)
    return [
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "  IF TG_OP = 'UPDATE' THEN "
        "    IF OLD.seq IS NULL AND OLD.chain_hash IS NULL "
        f"       AND ROW({new}) IS NOT DISTINCT FROM ROW({old}) THEN RETURN NEW; END IF; "
        "  END IF; "
        f"  RAISE EXCEPTION USING MESSAGE = '{_MESSAGE}: ' || TG_OP || ' refused'; "
        "END $$",
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
    ]


def _drop(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
                "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
                "DROP FUNCTION IF EXISTS audit_events_append_only()"]
    return ["DROP TRIGGER IF EXISTS audit_events_no_delete",
            "DROP TRIGGER IF EXISTS audit_events_no_update"]


def install(connection) -> None:
    """Create the triggers on ``connection``'s database."""
    dialect = connection.dialect.name
    for statement in _postgresql_create() if dialect == "postgresql" else _sqlite_create():
        connection.exec_driver_sql(statement)


def remove(connection) -> None:
    """Drop the triggers (a migration's downgrade; tests that tamper on purpose)."""
    for statement in _drop(connection.dialect.name):
        connection.exec_driver_sql(statement)


@contextmanager
def suspended(connection):
    """Run a block without the triggers, inside the caller's transaction (DDL is
    transactional on both databases, so a rollback brings them back too)."""
    remove(connection)
    try:
        yield
    finally:
        install(connection)
