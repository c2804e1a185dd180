"""Fee schedules: allowed amounts per service code for a plan or for private pay, by date.

Schedules of one plan never overlap. Adding a schedule that starts after the current
open-ended one closes that one the day before, so a new year's schedule simply follows the
old one; saved estimates keep the amounts they copied and never change.
"""

from datetime import date, timedelta

from sqlalchemy import and_, or_, select

from kapms.audit.services import record
from kapms.billing.codes import SERVICE_CODES
from kapms.billing.cost_share import require_cents
from kapms.billing.models import FeeSchedule, FeeScheduleLine
from kapms.errors import NotFound, RuleViolation
from kapms.insurance.models import InsurancePlan

FEE_CODES = tuple(SERVICE_CODES)  # every code a schedule prices, medication included


def _same_plan(plan_id: int | None):
    return FeeSchedule.plan_id.is_(None) if plan_id is None else FeeSchedule.plan_id == plan_id


def schedules_for(session, plan_id: int | None) -> list[FeeSchedule]:
    """All schedules of a plan (None: private pay), newest first."""
    return session.scalars(select(FeeSchedule).where(_same_plan(plan_id))
                           .order_by(FeeSchedule.effective_from.desc())).all()


def schedule_on(session, plan_id: int | None, on: date) -> FeeSchedule | None:
    """The schedule of a plan (None: private pay) in effect on ``on``, if any."""
    return session.scalar(select(FeeSchedule).where(
        _same_plan(plan_id), FeeSchedule.effective_from <= on,
        or_(FeeSchedule.effective_to.is_(None), FeeSchedule.effective_to >= on),
    ).order_by(FeeSchedule.effective_from.desc()).limit(1))


def get_schedule(session, schedule_id: int) -> FeeSchedule:
    """A schedule by id, or NotFound."""
    schedule = session.get(FeeSchedule, schedule_id)
    if schedule is None:
        raise NotFound("No such fee schedule.")
    return schedule


def add_fee_schedule(session, actor, plan: InsurancePlan | None, effective_from: date,
                     effective_to: date | None, amounts: dict[str, int]) -> FeeSchedule:
    """Add a schedule for ``plan`` (None: private pay) with allowed cents per code.

    Every code of :data:`FEE_CODES` needs an amount. An open-ended schedule that started
    earlier is closed the day before ``effective_from``; any other overlap is refused.
    """
    if effective_to is not None and effective_to < effective_from:
        raise RuleViolation("The end date is before the start date.", field="effective_to")
    missing = [code for code in FEE_CODES if code not in amounts]
    unknown = sorted(set(amounts) - set(FEE_CODES))
    if missing or unknown:
        raise RuleViolation(f"Amounts needed for every code; missing {missing}, unknown {unknown}.")
    for code, cents in amounts.items():
        require_cents(f"allowed amount for {code}", cents)

    plan_id = plan.id if plan else None
    end = effective_to or date.max
    overlapping = session.scalars(select(FeeSchedule).where(
        _same_plan(plan_id), FeeSchedule.effective_from <= end,
        or_(FeeSchedule.effective_to.is_(None), FeeSchedule.effective_to >= effective_from),
    )).all()
    for old in overlapping:
        if old.effective_to is None and old.effective_from < effective_from:
            old.effective_to = effective_from - timedelta(days=1)
            record(session, actor, "update", "fee_schedule", old.id,
                   detail=f"ended {old.effective_to} by a newer schedule")
        else:
            raise RuleViolation(
                f"Overlaps the schedule in effect from {old.effective_from}"
                f"{' to ' + str(old.effective_to) if old.effective_to else ''}; "
                "choose dates that do not overlap.", field="effective_from")
    schedule = FeeSchedule(plan_id=plan_id, effective_from=effective_from,
                           effective_to=effective_to, created_by_id=getattr(actor, "id", None))
    schedule.lines = [FeeScheduleLine(code=code, allowed_cents=amounts[code]) for code in FEE_CODES]
    session.add(schedule)
    session.flush()
    record(session, actor, "create", "fee_schedule", schedule.id,
           detail=f"{schedule.label} from {effective_from}")
    return schedule


def current_schedules(session, on: date) -> dict[int | None, FeeSchedule]:
    """The schedule in effect on ``on`` for each plan that has one (None: private pay)."""
    rows = session.scalars(select(FeeSchedule).where(and_(
        FeeSchedule.effective_from <= on,
        or_(FeeSchedule.effective_to.is_(None), FeeSchedule.effective_to >= on)))).all()
    return {s.plan_id: s for s in rows}
