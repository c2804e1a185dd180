"""Count the SQL statements a request runs.

Tests may assert that a page runs a constant number of statements (and that the number
does not grow with the data), never how long it takes. The page benchmark
(bench/scale_bench.py) counts with the same helper, so a test and the benchmark agree.

    with counting(db.engine) as log:
        client.get("/patients/1")
    assert log.count <= 15, log.summary()
"""

from collections import Counter
from contextlib import contextmanager

from sqlalchemy import event


class StatementLog:
    """The statements sent to the database while counting, in order."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        """How many statements ran (an executemany counts once)."""
        return len(self.statements)

    def kinds(self) -> Counter:
        """Statements grouped as "SELECT patients", "INSERT audit_events", ..."""
        return Counter(statement_kind(s) for s in self.statements)

    def summary(self, limit: int = 60) -> str:
        """A readable list for an assertion message: counts by kind, then the statements."""
        head = ", ".join(f"{kind} x{n}" for kind, n in self.kinds().most_common())
        body = "\n".join(f"{i:3}: {' '.join(s.split())[:200]}"
                         for i, s in enumerate(self.statements[:limit], 1))
        return f"{self.count} statements ({head})\n{body}"


def statement_kind(statement: str) -> str:
    """"SELECT <first table>" / "INSERT <table>" / ... for grouping a log."""
    words = statement.split()
    if not words:
        return "?"
    verb = words[0].upper()
    upper = [w.upper() for w in words]
    marker = {"SELECT": "FROM", "INSERT": "INTO", "DELETE": "FROM", "UPDATE": None}.get(verb)
    if verb == "UPDATE" and len(words) > 1:
        return f"UPDATE {words[1].strip(chr(34))}"
    if marker and marker in upper:
        index = upper.index(marker) + 1
        if index < len(words):
            return f"{verb} {words[index].strip(chr(34)).strip('(')}"
    return verb


@contextmanager
def counting(engine):
    """Record every statement ``engine`` executes inside the ``with`` block."""
    log = StatementLog()

    def _before(conn, cursor, statement, parameters, context, executemany):
        log.statements.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", _before)


def get_counted(client, url: str, **kwargs):
    """GET ``url`` with a Flask test client; returns (response, StatementLog).

    In the test suite the request shares the test's app context, and with it the session
    and every object the test loaded; they are expired first, so the request loads what it
    needs as a request in production does (commit before calling: pending changes to
    loaded objects are discarded).
    """
    from kapms.extensions import db

    db.session.expire_all()
    with counting(db.engine) as log:
        response = client.get(url, **kwargs)
    return response, log
