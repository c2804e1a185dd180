"""What-if experiments: measure a proposed fix before anyone writes it.

    python -m bench.scale_bench --db postgres --sizes 1%,100% --whatif no-expire,overdue-in-sql

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


def _patch(stack: ExitStack, owner, attribute: str, value) -> None:
    original = getattr(owner, attribute)
    setattr(owner, attribute, value)
    stack.callback(setattr, owner, attribute, original)


@experiment("no-expire")
def _no_expire(app):
    """Sessions keep what they loaded after a commit (``expire_on_commit=False``), so the
    templates rendered after a view's commit do not reload every object one by one."""
    from kapms.extensions import db

    factory = db.session.session_factory
    before = factory.kw.get("expire_on_commit", True)
    factory.configure(expire_on_commit=False)
    try:
        yield
    finally:
        factory.configure(expire_on_commit=before)


@experiment("no-notes-due-on-calendar")
def _calendar_count(app):
    """The calendar counts unsigned past sessions in SQL instead of loading (and auditing)
    every one of them for ``len()``."""
    from flask import request
    from sqlalchemy import func, or_, select

    from kapms.care.models import CareSession, ProgressNote
    from kapms.care.views import calendar as views_calendar
    from kapms.database import utcnow

    real = views_calendar.care

    class CountOnCalendar:
        def __getattr__(self, name):
            return getattr(real, name)

        @staticmethod
        def notes_due(session, actor, now=None):
            if request.endpoint != "care.calendar":
                return real.notes_due(session, actor, now)
            count = session.scalar(
                select(func.count()).select_from(CareSession)
                .outerjoin(ProgressNote, ProgressNote.session_id == CareSession.id)
                .where(CareSession.clinician_id == actor.id, CareSession.status != "cancelled",
                       CareSession.scheduled_start < utcnow(),
                       or_(ProgressNote.id.is_(None), ProgressNote.status != "signed")))
            return range(count)

    with ExitStack() as stack:
        _patch(stack, views_calendar, "care", CountOnCalendar())
        yield


@experiment("overdue-in-sql")
def _overdue_in_sql(app):
    """Overdue payment plans found by one SQL aggregate (installments due before today
    minus payments, LIMIT 20) instead of loading every open plan into Python."""
    from sqlalchemy import func, select

    from kapms.audit.services import record
    from kapms.billing.models import Payment, PaymentPlan, PlanInstallment
    from kapms.billing.services.plans import ledger
    from kapms.billing.views import panel

    def overdue_plans(session, actor, today, limit=20):
        due = (select(PlanInstallment.plan_id, func.sum(PlanInstallment.amount_cents).label("due"))
               .where(PlanInstallment.due_date < today).group_by(PlanInstallment.plan_id)
               .subquery())
        paid = (select(Payment.plan_id, func.sum(Payment.amount_cents).label("paid"))
                .where(Payment.voided_at.is_(None)).group_by(Payment.plan_id).subquery())
        overdue = due.c.due - func.coalesce(paid.c.paid, 0)
        plans = session.scalars(
            select(PaymentPlan).join(due, due.c.plan_id == PaymentPlan.id)
            .outerjoin(paid, paid.c.plan_id == PaymentPlan.id)
            .where(PaymentPlan.status == "open", overdue > 0)
            .order_by(overdue.desc(), PaymentPlan.id).limit(limit)).all()
        late = [(plan, ledger(plan, today)) for plan in plans]
        for plan, _ in late:
            record(session, actor, "view", "payment_plan", plan.id, patient_id=plan.patient_id,
                   detail="dashboard: overdue")
        return late

    with ExitStack() as stack:
        _patch(stack, panel, "overdue_plans", overdue_plans)
        yield


@experiment("without-gfe-watch")
def _without_gfe_watch(app):
    """What the billing pages cost without the GFE watch (an attribution, not a fix: the
    fix keeps the watch current at write time, see bench/SCALE.md)."""
    from kapms.billing.views import panel, patient

    with ExitStack() as stack:
        for module in (panel, patient):
            _patch(stack, module, "gfe_watch", lambda *args, **kwargs: [])
        yield


@experiment("seal-after-response")
def _seal_after_response(app):
    """The audit rows of a request sealed outside the request (here: not at all while
    measuring; the fix seals them after the response or in a background loop)."""
    from kapms.audit import sealing

    with ExitStack() as stack:
        _patch(stack, sealing, "seal_after_commit", lambda engine: None)
        yield


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
