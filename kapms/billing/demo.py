"""Demo billing data: clinician NPIs, fee schedules for every demo plan and private pay (from 2026-01-01),
benefits for Elena and Marcus (Avery is left without, for the browser test to enter), a saved
estimate and a payment plan with a payment for Marcus, and a Good Faith Estimate for Lucia (self-pay, not yet started)."""

from datetime import date
from decimal import Decimal

from kapms.billing.services import Practice
from kapms.billing.services.benefits import BenefitsEntry, add_benefits
from kapms.billing.services.estimates import EstimateRequest, create_estimate
from kapms.billing.services.fees import add_fee_schedule
from kapms.billing.services.gfe import GfeRequest, create_gfe
from kapms.billing.services.plans import create_plan, record_payment

SCHEDULE_START = date(2026, 1, 1)
# Typical commercial allowed amounts in California (cents per unit), before a plan's factor.
BASE_ALLOWED = {
    "90791": 18000, "90792": 22000, "99204": 20000, "99214": 14000,
    "90832": 7500, "90834": 11000, "90837": 15000,
    "90833": 7000, "90836": 9000, "90838": 12000,
    "0820T": 15000, "0821T": 7500, "0822T": 5000, "96127": 500, "MED-KETAMINE": 4000,
}
PLAN_FACTOR_PERCENT = {
    "Aetna/Open Access PPO": 100, "Aetna/HMO Select": 90,
    "Blue Shield of California/PPO Gold": 105, "Blue Shield of California/Trio HMO": 90,
    "Cigna/LocalPlus": 95, "UnitedHealthcare/Choice Plus": 100,
}
# The practice's own fees (self-pay, GFEs and superbill charges).
PRIVATE_PAY = {
    "90791": 25000, "90792": 30000, "99204": 30000, "99214": 20000,
    "90832": 10000, "90834": 15000, "90837": 20000,
    "90833": 9000, "90836": 12000, "90838": 16000,
    "0820T": 20000, "0821T": 10000, "0822T": 7000, "96127": 1000, "MED-KETAMINE": 5000,
}


def _scaled(percent: int) -> dict[str, int]:
    """Base amounts times a plan's factor, rounded to whole dollars."""
    return {code: (cents * percent + 5000) // 10000 * 100 for code, cents in BASE_ALLOWED.items()}


def _practice() -> Practice:
    from flask import current_app

    return Practice.from_config(current_app.config)


def seed(session, ctx: dict) -> None:
    """Seed fee schedules, benefits, an estimate, a payment plan and a GFE."""
    admin, clerk = ctx["users"]["admin"], ctx["users"]["billing"]
    for key, percent in PLAN_FACTOR_PERCENT.items():
        add_fee_schedule(session, admin, ctx["plans"][key], SCHEDULE_START, None, _scaled(percent))
    add_fee_schedule(session, admin, None, SCHEDULE_START, None, dict(PRIVATE_PAY))

    patients = ctx["patients"]
    today = date.today()
    add_benefits(session, clerk, patients["elena"], BenefitsEntry(
        as_of=date(2026, 1, 6), in_network=True, deductible_cents=100000,
        deductible_met_cents=25000, coinsurance=Decimal("0.2"), oop_max_cents=400000,
        oop_met_cents=40000, copay_psychotherapy_cents=3000, copay_bypasses_deductible=True,
        reference="BSC-2026-0106-114"))
    marcus = patients["marcus"]
    add_benefits(session, clerk, marcus, BenefitsEntry(
        as_of=date(2026, 1, 12), in_network=True, deductible_cents=150000,
        deductible_met_cents=30000, coinsurance=Decimal("0.2"), oop_max_cents=500000,
        oop_met_cents=30000, reference="CIG-2026-0112-077"))
    estimate = create_estimate(session, clerk, marcus,
                               EstimateRequest(start_date=date(2026, 9, 14)), max(today, date(2026, 9, 14)))
    plan = create_plan(session, clerk, marcus,
                       balance_cents=estimate.total("high", "patient_cents"),
                       upfront_cents=12000, installments=6, first_due=date(2026, 9, 14),
                       estimate=estimate)
    record_payment(session, clerk, plan, amount_cents=12000, paid_on=date(2026, 9, 14),
                   method="card", reference="Visa 4242", today=max(today, date(2026, 9, 14)))
    create_gfe(session, clerk, patients["lucia"], GfeRequest(
        primary_service_date=date(2026, 12, 7), scheduled_on=date(2026, 11, 20),
        requested_on=None, dosings=6), _practice(), max(today, date(2026, 11, 20)))
