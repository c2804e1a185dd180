"""Fee schedules: amounts per service code for a plan and network or for private pay (the
practice's own fees), by date, with how a dosing is billed under each.

Schedules of one plan and network never overlap. Adding a schedule that starts after the current
open-ended one closes that one the day before, so a new year's schedule simply follows the
old one; saved estimates keep the amounts they copied and never change.
"""

from datetime import date, timedelta

from sqlalchemy import and_, or_, select

from kapms.audit.services import record
from kapms.billing.codes import SERVICE_CODES
from kapms.billing.cost_share import require_cents
from kapms.billing.course import FeeTable
from kapms.billing.models import DOSING_BILLED_AS, NETWORKS, FeeSchedule, FeeScheduleLine
from kapms.errors import NotFound, RuleViolation
from kapms.insurance.models import InsurancePlan

FEE_CODES = tuple(SERVICE_CODES)  # every code a schedule prices, medication included


def _same_plan(plan_id: int | None, network: str = "in"):
    if plan_id is None:
        return FeeSchedule.plan_id.is_(None)
    return and_(FeeSchedule.plan_id == plan_id, FeeSchedule.network == network)


def schedules_for(session, plan_id: int | None, network: str | None = None) -> list[FeeSchedule]:
    """All schedules of a plan (None: private pay), of one network or both, newest first."""
    where = (FeeSchedule.plan_id.is_(None) if plan_id is None else
             FeeSchedule.plan_id == plan_id if network is None else _same_plan(plan_id, network))
    return session.scalars(select(FeeSchedule).where(where)
                           .order_by(FeeSchedule.effective_from.desc(), FeeSchedule.network)).all()


def _in_effect(plan_id: int | None, on: date, network: str):
    return and_(_same_plan(plan_id, network), FeeSchedule.effective_from <= on,
                or_(FeeSchedule.effective_to.is_(None), FeeSchedule.effective_to >= on))


def schedule_on(session, plan_id: int | None, on: date, network: str = "in") -> FeeSchedule | None:
    """The schedule of a plan and network (plan None: private pay) in effect on ``on``."""
    return session.scalar(select(FeeSchedule).where(_in_effect(plan_id, on, network))
                          .order_by(FeeSchedule.effective_from.desc()).limit(1))


def has_schedule_on(session, plan_id: int | None, on: date, network: str = "in") -> bool:
    """Whether a schedule of a plan and network is in effect on ``on`` (one query; the
    schedule's amounts are not read)."""
    return session.scalar(select(FeeSchedule.id).where(_in_effect(plan_id, on, network))
                          .limit(1)) is not None


def fee_tables(session, plan_id: int | None, start: date, end: date,
               network: str = "in") -> list[FeeTable]:
    """The schedules of a plan and network (plan None: private pay) in force at any time from
    ``start`` to ``end``, as the pricing library's tables (one query, lines included)."""
    rows = session.scalars(select(FeeSchedule).where(
        _same_plan(plan_id, network), FeeSchedule.effective_from <= end,
        or_(FeeSchedule.effective_to.is_(None), FeeSchedule.effective_to >= start))).all()
    return [FeeTable(s.id, s.effective_from, s.effective_to, s.amounts(), s.dosing_billed_as)
            for s in rows]


def get_schedule(session, schedule_id: int) -> FeeSchedule:
    """A schedule by id, or NotFound."""
    schedule = session.get(FeeSchedule, schedule_id)
    if schedule is None:
        raise NotFound("No such fee schedule.")
    return schedule


def add_fee_schedule(session, actor, plan: InsurancePlan | None, effective_from: date,
                     effective_to: date | None, amounts: dict[str, int], *,
                     network: str = "in", dosing_billed_as: str = "monitoring") -> FeeSchedule:
    """Add a schedule for ``plan`` and ``network`` (plan None: private pay) with cents per
    code, and how a dosing is billed under it.

    Every code of :data:`FEE_CODES` needs an amount. An open-ended schedule that started
    earlier is closed the day before ``effective_from``; any other overlap is refused.
    """
    if network not in NETWORKS or (plan is None and network != "in"):
        raise RuleViolation("Choose in or out of network (private pay has no network).",
                            field="network")
    if dosing_billed_as not in DOSING_BILLED_AS:
        raise RuleViolation("Choose how a dosing is billed.", field="dosing_billed_as")
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
        _same_plan(plan_id, network), FeeSchedule.effective_from <= end,
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
    schedule = FeeSchedule(plan_id=plan_id, network=network, dosing_billed_as=dosing_billed_as,
                           effective_from=effective_from, effective_to=effective_to,
                           created_by_id=getattr(actor, "id", None))
    schedule.lines = [FeeScheduleLine(code=code, allowed_cents=amounts[code]) for code in FEE_CODES]
    session.add(schedule)
    session.flush()
    record(session, actor, "create", "fee_schedule", schedule.id,
           detail=f"{schedule.label} from {effective_from}")
    return schedule


def current_schedules(session, on: date) -> dict[tuple[int | None, str], FeeSchedule]:
    """The schedule in effect on ``on`` by (plan id, network) (plan None: private pay)."""
    rows = session.scalars(select(FeeSchedule).where(and_(
        FeeSchedule.effective_from <= on,
        or_(FeeSchedule.effective_to.is_(None), FeeSchedule.effective_to >= on)))).all()
    return {(s.plan_id, s.network): s for s in rows}
