"""Objects the billing tests need: plans, patients, fee schedules and benefits."""

from datetime import date
from decimal import Decimal
from itertools import count

from kapms.billing.services.benefits import BenefitsEntry, add_benefits
from kapms.billing.services.fees import FEE_CODES, add_fee_schedule
from kapms.insurance.services import add_payer, add_plan
from kapms.patients.models import Patient
from tests import factories

_seq = count(1)
# Simple round amounts so expected figures can be worked out by hand.
SIMPLE_FEES = {code: 10000 for code in FEE_CODES} | {
    "99204": 20000, "90837": 15000, "99214": 12000, "MED-KETAMINE": 4000, "0820T": 16000,
    "96127": 500}


def make_plan(session, payer_name=None, plan_name="Test PPO"):
    """A payer with one plan."""
    payer = add_payer(session, None, payer_name or f"Payer {next(_seq)}")
    return add_plan(session, None, payer, plan_name, "PPO")


def make_patient(session, plan=None, **overrides) -> Patient:
    """A patient on ``plan`` (None: self-pay)."""
    fields = dict(date_of_birth=date(1985, 5, 6), postal_code="94607", diagnosis_code="F41.1",
                  plan=plan, member_id="M123" if plan else None)
    return factories.make_patient(session, **{**fields, **overrides})


def make_schedule(session, plan=None, start=date(2026, 1, 1), end=None, amounts=None,
                  network="in", dosing_billed_as="monitoring"):
    """A fee schedule for ``plan`` and ``network`` (plan None: private pay)."""
    return add_fee_schedule(session, None, plan, start, end, dict(amounts or SIMPLE_FEES),
                            network=network, dosing_billed_as=dosing_billed_as)


def make_benefits(session, patient, **overrides):
    """Benefits for the patient's plan: deductible $300 left, 20%, OOP $800 left,
    $25 office-visit copay before the deductible, medication not covered."""
    fields = dict(as_of=date(2026, 1, 5), in_network=True, deductible_cents=50000,
                  deductible_met_cents=20000, coinsurance=Decimal("0.2"), oop_max_cents=100000,
                  oop_met_cents=20000, copay_office_visit_cents=2500)
    fields.update(overrides)
    return add_benefits(session, None, patient, BenefitsEntry(**fields))
