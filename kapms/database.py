"""Declarative base, naming conventions and column types shared by every domain's models,
and the SQLite settings every connection gets."""

import sqlite3
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for all KAPMS models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only time the database stores)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones and returns naive values; PostgreSQL stores
    ``timestamptz``. Naive values are refused on the way in, so a local time can
    never be saved by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; KAPMS stores timezone-aware UTC times only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# --- SQLite that holds under concurrent requests -------------------------------------------
# WAL lets readers and one writer work at once (a reader never blocks a commit), and the
# busy timeout makes a writer wait for the current one instead of failing at once with
# "database is locked". Writers still take turns: views commit before slow work (PDF
# rendering) and nothing slow runs inside a write (passwords are hashed before the first
# write), so nobody waits long. Every SQLite connection of every engine (the app's,
# Alembic's, the tests') gets both.
#
# One trap remains: a transaction that reads before it writes holds a snapshot, and when
# another writer commits meanwhile its first write fails at once ("database is locked",
# SQLITE_BUSY_SNAPSHOT: waiting cannot help). The driver opens a transaction right at the
# first write, so that cannot happen, except after a SAVEPOINT (Session.begin_nested),
# which opens a reading transaction; so a savepoint outside a transaction first takes the
# write lock (BEGIN IMMEDIATE, which waits its turn like any write).
_busy_timeout_ms = 30_000


def configure_sqlite(busy_timeout_seconds: float) -> None:
    """Set the busy timeout new SQLite connections get (setting SQLITE_BUSY_TIMEOUT_SECONDS)."""
    global _busy_timeout_ms
    _busy_timeout_ms = int(busy_timeout_seconds * 1000)


def lock_row(session, model, row_id) -> None:
    """Make transactions that check, then write, about one record take turns, until
    commit: PostgreSQL locks the row (FOR NO KEY UPDATE, which rows merely referring to it
    through a foreign key do not block); SQLite takes its one write lock now (before the
    check reads anything, so the check cannot go stale)."""
    connection = session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, sqlite3.Connection):
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN IMMEDIATE")
        return
    key = model.__mapper__.primary_key[0]
    session.execute(select(key).where(key == row_id).with_for_update(key_share=True))


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_writes_from_the_start(conn, name):
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, sqlite3.Connection) and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


@event.listens_for(Engine, "connect")
def _sqlite_wal_and_busy_timeout(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {_busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()
