"""Reading and maintaining the payer and plan list."""

from sqlalchemy import select

from kapms.audit.services import record
from kapms.errors import DomainError, NotFound, RuleViolation
from kapms.insurance.models import NAME_MAX, InsurancePlan, Payer


def active_plans(session) -> list[InsurancePlan]:
    """Active plans of active payers, ordered by payer then plan name."""
    return session.scalars(
        select(InsurancePlan).join(Payer)
        .where(InsurancePlan.active.is_(True), Payer.active.is_(True))
        .order_by(Payer.name, InsurancePlan.name)
    ).all()


def plan_choices(session, *, self_pay_label: str | None = "Self-pay (no insurance)"):
    """(id, label) pairs for a select field; id 0 stands for self-pay."""
    choices = [(0, self_pay_label)] if self_pay_label else []
    return choices + [(p.id, p.label) for p in active_plans(session)]


def _name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise RuleViolation(f"Give the {what}'s name.", field="name")
    if len(name) > NAME_MAX:
        raise RuleViolation(f"A {what} name has at most {NAME_MAX} characters.", field="name")
    return name


def add_payer(session, actor, name: str) -> Payer:
    """Add a payer; names are given (up to NAME_MAX characters) and unique."""
    name = _name(name, "payer")
    if session.scalar(select(Payer).where(Payer.name == name)):
        raise DomainError(f"A payer named {name} already exists.", field="name")
    payer = Payer(name=name)
    session.add(payer)
    session.flush()
    record(session, actor, "create", "payer", payer.id)
    return payer


def add_plan(session, actor, payer: Payer, name: str, plan_type: str | None = None) -> InsurancePlan:
    """Add a plan to a payer; plan names are given and unique per payer."""
    name = _name(name, "plan")
    exists = session.scalar(select(InsurancePlan).where(
        InsurancePlan.payer_id == payer.id, InsurancePlan.name == name))
    if exists:
        raise DomainError(f"{payer.name} already has a plan named {name}.", field="name")
    plan = InsurancePlan(payer=payer, name=name, plan_type=plan_type or None)
    session.add(plan)
    session.flush()
    record(session, actor, "create", "insurance_plan", plan.id)
    return plan


def list_payers(session) -> list[Payer]:
    """Every payer (active or not) with its plans, by name."""
    return session.scalars(select(Payer).order_by(Payer.name)).all()


def get_payer(session, payer_id: int) -> Payer:
    """A payer by id, or NotFound (404)."""
    payer = session.get(Payer, payer_id)
    if payer is None:
        raise NotFound("No such payer.")
    return payer


def get_plan(session, plan_id: int) -> InsurancePlan:
    """A plan by id, or NotFound (404)."""
    plan = session.get(InsurancePlan, plan_id)
    if plan is None:
        raise NotFound("No such plan.")
    return plan


def set_active(session, actor, thing: Payer | InsurancePlan, active: bool) -> None:
    """Switch a payer or plan on or off. Inactive ones leave the choice lists; patients
    already on them keep them, and nothing is deleted."""
    thing.active = active
    session.flush()
    kind = "payer" if isinstance(thing, Payer) else "insurance_plan"
    record(session, actor, "update", kind, thing.id, detail="activated" if active else "deactivated")
