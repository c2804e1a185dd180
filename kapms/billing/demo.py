"""Demo billing data, dated from today so it stays true whenever the demo is seeded.

* Fee schedules for every demo plan (in network; out of network for Blue Shield PPO Gold)
  and for private pay, from 1 January of the demo year, and new ones with higher fees from
  the next 1 January. Cigna pays dosings as psychotherapy; the practice bills them as
  monitoring per hour.
* Elena (Blue Shield PPO Gold): benefits with a plan year and out-of-network benefits, and a
  course estimate starting 1 November that crosses 1 January, in and out of network side by
  side: the deductible and maximum start again and the 2027 lines take the new fees.
* Marcus (Cigna): an estimate, a payment plan with an overdue installment, and claims made
  from his care record: one submitted (CMS-1500 and 837P on its page), one paid.
* Lucia (self-pay, not yet started): a Good Faith Estimate with 3-hour dosings.
* Grace (self-pay, course completed): a GFE for a first dosing of one hour; her two 2-hour
  dosings were billed against it, so she is on the GFE watch.
Avery is left without benefits, for the browser test to enter.
"""

from datetime import date, timedelta
from decimal import Decimal

from kapms import clinic_time
from kapms.billing.services import Practice
from kapms.billing.services.benefits import BenefitsEntry, add_benefits
from kapms.billing.services.claims import Remittance, create_claims, post_remittance, submit_claims
from kapms.billing.services.estimates import EstimateRequest, create_estimate
from kapms.billing.services.fees import add_fee_schedule
from kapms.billing.services.gfe import GfeRequest, create_gfe
from kapms.billing.services.plans import create_plan, record_payment

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
PAID_AS_PSYCHOTHERAPY = {"Cigna/LocalPlus"}  # payers that do not pay 0820T
OUT_OF_NETWORK = {"Blue Shield of California/PPO Gold": 80}  # % of the in-network amounts
NEXT_YEAR_PERCENT = 104  # fees rise 4% on 1 January
# The practice's own fees (self-pay, GFEs and the charges on superbills and claims).
PRIVATE_PAY = {
    "90791": 25000, "90792": 30000, "99204": 30000, "99214": 20000,
    "90832": 10000, "90834": 15000, "90837": 20000,
    "90833": 9000, "90836": 12000, "90838": 16000,
    "0820T": 20000, "0821T": 10000, "0822T": 7000, "96127": 1000, "MED-KETAMINE": 5000,
}


def _scaled(amounts: dict[str, int], percent: int) -> dict[str, int]:
    """Amounts times ``percent``, rounded to whole dollars."""
    return {code: (cents * percent + 5000) // 10000 * 100 for code, cents in amounts.items()}


def _practice() -> Practice:
    from flask import current_app

    return Practice.from_config(current_app.config)


def demo_year(today: date) -> int:
    """The year whose 1 November starts the demo course: this year from June, else last year,
    so the course (November to April) is under way or about to start."""
    return today.year if today.month >= 6 else today.year - 1


def seed(session, ctx: dict) -> None:
    """Seed fee schedules, benefits, estimates, a payment plan, GFEs and claims."""
    admin, clerk = ctx["users"]["admin"], ctx["users"]["billing"]
    today = clinic_time.today()
    year = demo_year(today)
    this_year, next_year = date(year, 1, 1), date(year + 1, 1, 1)
    for key, percent in PLAN_FACTOR_PERCENT.items():
        plan = ctx["plans"][key]
        dosing = "psychotherapy" if key in PAID_AS_PSYCHOTHERAPY else "monitoring"
        base = _scaled(BASE_ALLOWED, percent)
        for start, amounts in ((this_year, base), (next_year, _scaled(base, NEXT_YEAR_PERCENT))):
            add_fee_schedule(session, admin, plan, start, None, amounts, dosing_billed_as=dosing)
            if key in OUT_OF_NETWORK:
                add_fee_schedule(session, admin, plan, start, None,
                                 _scaled(amounts, OUT_OF_NETWORK[key]), network="out",
                                 dosing_billed_as=dosing)
    add_fee_schedule(session, admin, None, this_year, None, dict(PRIVATE_PAY))
    add_fee_schedule(session, admin, None, next_year, None,
                     _scaled(PRIVATE_PAY, NEXT_YEAR_PERCENT))

    patients = ctx["patients"]
    practice = _practice()
    _elena(session, clerk, patients["elena"], year, today)
    _marcus(session, clerk, patients["marcus"], today, practice)
    # Lucia: self-pay, not yet started; her dosings are expected to last 3 hours.
    create_gfe(session, clerk, patients["lucia"], GfeRequest(
        primary_service_date=today + timedelta(days=14), scheduled_on=today, requested_on=None,
        dosings=6, dosing_minutes=180), practice, today)
    # Grace: a GFE given before her intake for one 1-hour dosing; she had two of 2 hours.
    grace_start = today - timedelta(days=125)
    create_gfe(session, clerk, patients["grace"], GfeRequest(
        primary_service_date=grace_start, scheduled_on=grace_start - timedelta(days=14),
        requested_on=None, dosings=1, dosing_minutes=60), practice,
        grace_start - timedelta(days=14))


def _elena(session, clerk, elena, year: int, today: date) -> None:
    """Benefits for this plan year (deductible met, most of the maximum left) with
    out-of-network benefits, and a course from 1 November priced in and out of network."""
    verified = min(today, date(year, 10, 15))
    add_benefits(session, clerk, elena, BenefitsEntry(
        as_of=verified, plan_year_start=date(year, 1, 1), in_network=True,
        deductible_cents=100000, deductible_met_cents=100000, coinsurance=Decimal("0.2"),
        oop_max_cents=400000, oop_met_cents=320000, copay_psychotherapy_cents=3000,
        copay_bypasses_deductible=True, oon_covered=True, oon_deductible_cents=200000,
        oon_deductible_met_cents=50000, oon_coinsurance=Decimal("0.4"),
        oon_oop_max_cents=800000, oon_oop_met_cents=50000, reference="BSC-1015-114"))
    create_estimate(session, clerk, elena, EstimateRequest(
        start_date=date(year, 11, 2), compare_networks=True), today)


def _marcus(session, clerk, marcus, today: date, practice: Practice) -> None:
    """Benefits, an estimate and a payment plan (an installment overdue), and claims from his
    care record: the preparation paid, the first dosing submitted."""
    add_benefits(session, clerk, marcus, BenefitsEntry(
        as_of=today - timedelta(days=50), in_network=True, deductible_cents=150000,
        deductible_met_cents=30000, coinsurance=Decimal("0.2"), oop_max_cents=500000,
        oop_met_cents=30000, reference="CIG-0112-077"))
    started = today - timedelta(days=75)
    estimate = create_estimate(session, clerk, marcus, EstimateRequest(start_date=started), today)
    plan = create_plan(session, clerk, marcus,
                       balance_cents=estimate.total("high", "patient_cents"),
                       upfront_cents=12000, installments=6, first_due=started,
                       estimate=estimate)
    record_payment(session, clerk, plan, amount_cents=12000, paid_on=started,
                   method="card", reference="Visa 4242", today=today)
    claims = create_claims(session, clerk, marcus, today - timedelta(days=60), today, practice)
    preparation, dosing = claims[0], claims[1]
    submit_claims(session, clerk, [preparation, dosing])
    allowed = preparation.charge_cents * 3 // 4
    post_remittance(session, clerk, preparation, Remittance(
        status="paid", allowed_cents=allowed, paid_cents=allowed - allowed // 5,
        patient_share_cents=allowed // 5, posted_on=today - timedelta(days=10),
        reference="EFT 0042178"), today)
