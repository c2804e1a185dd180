"""Payment plans: an upfront amount and monthly installments for a balance (often an
estimate's patient share), and the payments staff record against them.

A payment that would take the plan past its balance, a payment on a closed plan, a zero
amount or a future date are refused with a message saying why. The plan closes itself when
the balance reaches zero.
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from kapms.audit.services import record
from kapms.billing.models import PAYMENT_METHODS, Estimate, Payment, PaymentPlan, PlanInstallment
from kapms.billing.money import dollars
from kapms.billing.payment_plans import installment_schedule
from kapms.billing.plan_ledger import PlanLedger, plan_ledger
from kapms.database import utcnow
from kapms.errors import NotFound, RuleViolation
from kapms.patients.access import BILLING
from kapms.patients.models import Patient
from kapms.patients.services import get_patient

MAX_INSTALLMENTS = 36


def create_plan(session, actor, patient, *, balance_cents: int, upfront_cents: int,
                installments: int, first_due: date,
                estimate: Estimate | None = None) -> PaymentPlan:
    """Agree a plan for ``balance_cents``: ``upfront_cents`` due on ``first_due``, then
    ``installments`` monthly amounts (see :func:`installment_schedule`)."""
    if estimate is not None and estimate.patient_id != patient.id:
        raise RuleViolation("That estimate belongs to another patient.")
    if balance_cents <= 0:
        raise RuleViolation("A plan needs a balance above zero.", field="balance")
    if not 0 <= installments <= MAX_INSTALLMENTS:
        raise RuleViolation(f"Choose 0 to {MAX_INSTALLMENTS} monthly installments.",
                            field="installments")
    if upfront_cents > balance_cents:
        raise RuleViolation("The upfront amount is more than the balance.", field="upfront")
    try:
        schedule = installment_schedule(balance_cents, upfront_cents, installments, first_due)
    except ValueError as error:
        raise RuleViolation(f"That plan does not add up: {error}.", field="installments") from None
    plan = PaymentPlan(patient_id=patient.id, estimate_id=estimate.id if estimate else None,
                       balance_cents=balance_cents, upfront_cents=upfront_cents,
                       installment_count=installments, first_due=first_due,
                       created_by_id=getattr(actor, "id", None))
    start = 0 if upfront_cents else 1
    plan.installments = [PlanInstallment(number=n, due_date=due, amount_cents=cents)
                         for n, (due, cents) in enumerate(schedule, start=start)]
    session.add(plan)
    session.flush()
    record(session, actor, "create", "payment_plan", plan.id, patient_id=patient.id)
    return plan


def ledger(plan: PaymentPlan, today: date) -> PlanLedger:
    """Paid, due, overdue and balance of ``plan`` on ``today``."""
    return plan_ledger([(i.due_date, i.amount_cents) for i in plan.installments],
                       plan.paid_cents, today)


def record_payment(session, actor, plan: PaymentPlan, *, amount_cents: int, paid_on: date,
                   method: str, reference: str | None, today: date) -> Payment:
    """Record money received against ``plan``; closes the plan when it is paid off."""
    if plan.status != "open":
        raise RuleViolation("This plan is closed; payments cannot be recorded on it.")
    if amount_cents <= 0:
        raise RuleViolation("Enter an amount above zero.", field="amount")
    if paid_on > today:
        raise RuleViolation("The payment date is in the future.", field="paid_on")
    if method not in PAYMENT_METHODS:
        raise RuleViolation("Choose a payment method.", field="method")
    balance = plan.balance_cents - plan.paid_cents
    if amount_cents > balance:
        raise RuleViolation(f"That is more than the balance of {dollars(balance)}: an "
                            "overpayment is not recorded. Enter at most the balance.",
                            field="amount")
    payment = Payment(patient_id=plan.patient_id, plan=plan, amount_cents=amount_cents,
                      paid_on=paid_on, method=method, reference=(reference or "").strip() or None,
                      recorded_by_id=getattr(actor, "id", None))
    session.add(payment)
    if amount_cents == balance:
        plan.status, plan.closed_at = "closed", utcnow()
    else:
        # Force an UPDATE of the plan so its version moves: a second clerk paying the same
        # balance at the same time fails the optimistic check instead of overpaying.
        flag_modified(plan, "status")
    session.flush()
    record(session, actor, "create", "payment", payment.id, patient_id=plan.patient_id,
           detail=f"plan {plan.id}")
    return payment


def void_payment(session, actor, payment: Payment, reason: str) -> Payment:
    """Void a payment recorded in error (it stays on the ledger, struck out); a plan it had
    closed opens again."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("Say why the payment is voided.", field="reason")
    if payment.voided_at is not None:
        raise RuleViolation("That payment is already voided.")
    payment.voided_at, payment.voided_by_id = utcnow(), getattr(actor, "id", None)
    payment.void_reason = reason[:200]
    plan = payment.plan
    if plan is not None:
        plan.status, plan.closed_at = "open", None
        flag_modified(plan, "status")  # bump the version, as a payment does
    session.flush()
    record(session, actor, "update", "payment", payment.id, patient_id=payment.patient_id,
           detail="voided")
    return payment


def get_plan(session, actor, plan_id: int, *, action: str = "view") -> PaymentPlan:
    """Load a plan through the patient's scope, auditing the view or print."""
    plan = session.get(PaymentPlan, plan_id)
    if plan is None:
        raise NotFound("No such payment plan.")
    get_patient(session, actor, plan.patient_id, need=BILLING, audit=False)
    record(session, actor, action, "payment_plan", plan.id, patient_id=plan.patient_id)
    return plan


def patient_plans(session, patient_id: int) -> list[PaymentPlan]:
    """The patient's plans with their installments (and, in a second query, payments),
    newest first."""
    return session.scalars(select(PaymentPlan).where(PaymentPlan.patient_id == patient_id)
                           .options(joinedload(PaymentPlan.installments))
                           .order_by(PaymentPlan.id.desc())).unique().all()


def open_plans(session, patient_id: int) -> list[PaymentPlan]:
    """The patient's open plans, newest first, with the installments and payments their
    ledgers read, in one statement."""
    return session.scalars(select(PaymentPlan).where(PaymentPlan.patient_id == patient_id,
                                                     PaymentPlan.status == "open")
                           .options(joinedload(PaymentPlan.installments),
                                    joinedload(PaymentPlan.payments))
                           .order_by(PaymentPlan.id.desc())).unique().all()


def patient_payments(session, patient_id: int, until: date) -> list[Payment]:
    """The patient's payments (not voided) made on or before ``until``, oldest first."""
    return session.scalars(select(Payment).where(
        Payment.patient_id == patient_id, Payment.paid_on <= until,
        Payment.voided_at.is_(None))
        .order_by(Payment.paid_on, Payment.id)).all()


def overdue_plans(session, actor, today: date, limit: int = 20) -> list[tuple[PaymentPlan, PlanLedger]]:
    """Open plans with an overdue amount on ``today``, most overdue first (each listed
    patient's plan read is audited).

    Payments settle the oldest installments first (kapms.billing.plan_ledger), so what is
    overdue is the installments due before today less everything paid: one SQL aggregate
    finds the ``limit`` shown, and only those are loaded, with their patients."""
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
        .options(joinedload(PaymentPlan.patient).lazyload(Patient.care_team))
        .order_by(overdue.desc(), PaymentPlan.id).limit(limit)).all()
    late = [(plan, ledger(plan, today)) for plan in plans]
    for plan, _ in late:
        record(session, actor, "view", "payment_plan", plan.id, patient_id=plan.patient_id,
               detail="dashboard: overdue")
    return late
