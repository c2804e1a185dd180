"""What-if experiments: measure a proposed fix before anyone writes it.

    python -m bench.scale_bench --db postgres --sizes 1%,100% --whatif measures-patient-index

Each experiment patches the running app in this process only (never the code on disk) or
adds an index to the benchmark database for the duration of the run, so bench/SCALE.md can
say what each fix on its worklist buys, page by page. They are prototypes of the fixes,
not the fixes: the real change belongs in the domain's code, with its tests.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager

EXPERIMENTS: dict[str, object] = {}


def experiment(name: str):
    """Register a context manager ``(app) -> None`` under ``name``."""
    def register(fn):
        EXPERIMENTS[name] = contextmanager(fn)
        return fn
    return register


@experiment("measures-patient-index")
def _measures_patient_index(app):
    """An index on measure_administrations (patient_id, given_on): a patient's measures
    are read without scanning every administration (the unique key on patient_id is
    partial, WHERE voided_at IS NULL, so it serves no query that reads voided rows)."""
    yield from _temporary_index(app, "ix_bench_measures_patient",
                                "measure_administrations (patient_id, given_on)")


def _temporary_index(app, name: str, definition: str):
    from sqlalchemy import text

    from kapms.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}"))
            conn.execute(text("ANALYZE"))
    try:
        yield
    finally:
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP INDEX IF EXISTS {name}"))


@contextmanager
def applied(names: list[str], app):
    """Apply the named experiments for the duration of the block."""
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        raise SystemExit(f"unknown experiments {unknown}; known: {sorted(EXPERIMENTS)}")
    with ExitStack() as stack:
        for name in names:
            stack.enter_context(EXPERIMENTS[name](app))
        yield
