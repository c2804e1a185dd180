"""Bulk loading of synthetic rows, driven by the ORM metadata.

The generator hands rows over as dicts keyed by column name; every column it does not name
is filled from the metadata (the column's default, NULL when nullable, otherwise a value of
its type, unique per row when the column is unique, and the first row of the referenced
table for a foreign key). So a column another branch adds to a model is loaded without a
change here; the generator only names it when a realistic value matters to a page.

Loading is fast because indexes are built after the data is in, foreign keys are not
checked row by row, and rows go in as PostgreSQL ``COPY`` or SQLite ``executemany`` with
journaling off. The schema is the models' (``CREATE TABLE`` from the metadata), the same
the migration test proves Alembic builds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, Text, Time, text
from sqlalchemy.schema import CreateIndex, CreateTable

BATCH = 50_000
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def schema_fingerprint(metadata, dialect, *sources: Path) -> str:
    """A hash of the tables' DDL plus the given source files: a stored data set is reused
    only while both are unchanged (another branch adding a column changes it). Indexes are
    left out: they are compared one by one (:func:`index_ddl`) and brought in line on the
    stored data, which costs minutes where regenerating costs a quarter of an hour."""
    digest = hashlib.sha256()
    for table in metadata.sorted_tables:
        digest.update(str(CreateTable(table).compile(dialect=dialect)).encode())
    for path in sources:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


def index_ddl(metadata, dialect) -> dict[str, str]:
    """Every index the models declare, by name, with its ``CREATE INDEX`` for ``dialect``."""
    return {index.name: str(CreateIndex(index).compile(dialect=dialect))
            for table in metadata.sorted_tables for index in table.indexes}


def sync_indexes(engine, metadata, built: dict[str, str], progress=print) -> dict[str, str]:
    """Bring a stored data set's indexes in line with the models: drop those that were
    ``built`` (name -> DDL, from its manifest) but are gone or changed, create the new and
    the changed ones, analyse. Returns the indexes the data set now has."""
    wanted = index_ddl(metadata, engine.dialect)
    stale = [name for name, ddl in built.items() if wanted.get(name) != ddl]
    fresh = [name for name, ddl in wanted.items() if built.get(name) != ddl]
    if stale or fresh:
        with engine.begin() as conn:
            for name in {*stale, *fresh}:  # a fresh name may be left from an older set
                conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
            for name in fresh:
                progress(f"  building index {name}")
                conn.execute(text(wanted[name]))
            conn.execute(text("ANALYZE"))
    return wanted


def _type_filler(column, n: int):
    """A value of ``column``'s type for row ``n`` (unique per row when it must be)."""
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return n if column.unique else 0
    if isinstance(kind, Numeric):
        return Decimal(0)
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return EPOCH
    if isinstance(kind, Date):
        return EPOCH.date()
    if isinstance(kind, Time):
        return dt.time(9)
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, String | Text):
        length = getattr(kind, "length", None) or 40
        value = f"{column.name[:length - 8]}-{n}" if column.unique else column.name
        return value[:length]
    return None


class _Column:
    """How one column gets its value when the generator does not give one."""

    def __init__(self, column, first_ids: dict[str, int]):
        self.name = column.name
        self.nullable = column.nullable
        self.column = column
        default = column.default
        self.scalar = None
        self.has_scalar = False
        self.per_row = None
        if default is not None and getattr(default, "is_scalar", False):
            self.scalar, self.has_scalar = default.arg, True
        elif default is not None and _reads_the_row(default):
            # A default computed from the row's other values (a patient's person key).
            self.per_row = default.arg
        elif default is not None and getattr(default, "is_callable", False):
            value = _call_default(default)
            # A clock default (utcnow) gets one fixed time, so a data set is reproducible.
            self.scalar = EPOCH if isinstance(value, dt.datetime) else value
            self.has_scalar = True
        self.fk_table = next((fk.column.table.name for fk in column.foreign_keys), None)
        self.first_ids = first_ids

    def value(self, n: int, row: dict):
        if self.per_row is not None:
            return self.per_row(_RowContext(row))
        if self.has_scalar:
            return self.scalar
        if self.nullable:
            return None
        if self.fk_table is not None:
            return self.first_ids.get(self.fk_table, 1)
        return _type_filler(self.column, n)


class _RowContext:
    """Stands in for SQLAlchemy's execution context for a default that reads its row."""

    def __init__(self, row: dict):
        self.row = row

    def get_current_parameters(self) -> dict:
        return self.row


def _reads_the_row(default) -> bool:
    """Whether a callable column default reads the row's other values (takes a context)."""
    if not getattr(default, "is_callable", False):
        return False
    try:
        default.arg(None)
    except AttributeError:
        return True
    except TypeError:
        return False
    return False


def _call_default(default):
    try:
        return default.arg(None)
    except TypeError:
        return default.arg()


class Table:
    """Buffered rows of one table; ``add`` takes a dict and returns the row's id."""

    def __init__(self, loader: Loader, table):
        self.loader, self.table, self.name = loader, table, table.name
        self.columns = [_Column(c, loader.first_ids) for c in table.columns]
        self.has_id = "id" in table.columns and table.columns["id"].primary_key
        self.next_id = 1
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: dict) -> int:
        """Queue one row (``id`` assigned when absent); returns its id."""
        if self.has_id:
            if "id" not in row:
                row["id"] = self.next_id
            self.next_id = max(self.next_id, row["id"] + 1)
            self.loader.first_ids.setdefault(self.name, row["id"])
        self.count += 1
        n = self.count
        self.rows.append(tuple(row[c.name] if c.name in row else c.value(n, row)
                               for c in self.columns))
        if len(self.rows) >= BATCH:
            self.flush()
        return row.get("id")

    def flush(self) -> None:
        """Write the queued rows."""
        if self.rows:
            self.loader.write(self, self.rows)
            self.rows = []


class Loader:
    """Creates the schema without indexes, takes rows table by table, then indexes."""

    def __init__(self, engine, metadata):
        self.engine, self.metadata = engine, metadata
        self.dialect = engine.dialect.name
        self.first_ids: dict[str, int] = {}
        self.tables = {t.name: Table(self, t) for t in metadata.sorted_tables}
        self.connection = engine.raw_connection()
        self._processors = {}

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    # -- schema ------------------------------------------------------------------------
    def create_schema(self) -> None:
        """Drop everything, then create every table (constraints, no secondary indexes)."""
        cursor = self.connection.cursor()
        if self.dialect == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
            # Foreign keys are not checked row by row while loading (superuser only).
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET synchronous_commit = off")
        else:
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -200000",
                           "foreign_keys = OFF"):
                cursor.execute(f"PRAGMA {pragma}")
        for table in self.metadata.sorted_tables:
            cursor.execute(str(CreateTable(table).compile(dialect=self.engine.dialect)))
        self.connection.commit()

    def finish(self) -> None:
        """Flush every table, build the indexes, move the id sequences on, analyse."""
        for table in self.tables.values():
            table.flush()
        cursor = self.connection.cursor()
        if self.dialect == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")
        for table in self.metadata.sorted_tables:
            for index in table.indexes:
                cursor.execute(str(CreateIndex(index).compile(dialect=self.engine.dialect)))
        self.connection.commit()
        if self.dialect == "sqlite":
            # Journaling back on before any other connection opens: the app's connections
            # use WAL (kapms.database), and a journal mode cannot change under them.
            cursor.execute("PRAGMA journal_mode = WAL").fetchall()
            self.connection.commit()
        with self.engine.begin() as conn:  # DDL the models attach (e.g. audit triggers)
            for table in self.metadata.sorted_tables:
                table.dispatch.after_create(table, conn, checkfirst=False, _ddl_runner=None,
                                            _is_metadata_operation=False)
        cursor = self.connection.cursor()
        if self.dialect == "postgresql":
            for name, table in self.tables.items():
                if table.has_id:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                   f"{max(table.next_id - 1, 1)})")
            cursor.execute("SET session_replication_role = origin")
        self.connection.commit()
        if self.dialect == "postgresql":
            self.connection.driver_connection.autocommit = True
            cursor = self.connection.cursor()
            cursor.execute("VACUUM ANALYZE")
            self.connection.driver_connection.autocommit = False
        else:
            cursor.execute("ANALYZE")
            self.connection.commit()
        self.connection.close()

    # -- rows --------------------------------------------------------------------------
    def write(self, table: Table, rows: list[tuple]) -> None:
        """Send one batch of rows of ``table``."""
        names = [c.name for c in table.columns]
        cursor = self.connection.cursor()
        if self.dialect == "postgresql":
            json_at = [i for i, c in enumerate(table.columns)
                       if isinstance(c.column.type, JSON)]
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                if json_at:
                    for row in rows:
                        row = list(row)
                        for i in json_at:
                            row[i] = None if row[i] is None else json.dumps(row[i])
                        copy.write_row(row)
                else:
                    for row in rows:
                        copy.write_row(row)
        else:
            processors = self._sqlite_processors(table)
            marks = ", ".join("?" * len(names))
            if any(processors):
                rows = [tuple(p(v) if p and v is not None else v
                              for p, v in zip(processors, row, strict=True)) for row in rows]
            cursor.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
                               rows)
        self.connection.commit()

    def _sqlite_processors(self, table: Table):
        """The dialect's bind processors per column (dates as text, JSON as text, ...)."""
        if table.name not in self._processors:
            self._processors[table.name] = [
                c.column.type.dialect_impl(self.engine.dialect).bind_processor(
                    self.engine.dialect) for c in table.columns]
        return self._processors[table.name]

    def counts(self) -> dict[str, int]:
        """Rows added per table."""
        return {name: t.count for name, t in self.tables.items()}


def truncate_after(engine, table: str, last_id: int, suspended=None) -> None:
    """Remove rows a benchmark run added to ``table`` (ids above ``last_id``), so every run
    starts from the generated data set; ``suspended(connection)`` lifts what guards the
    table meanwhile (the audit log's append-only triggers)."""
    from contextlib import nullcontext

    with engine.begin() as conn:
        with (suspended or (lambda c: nullcontext()))(conn):
            conn.execute(text(f"DELETE FROM {table} WHERE id > :last"), {"last": last_id})
