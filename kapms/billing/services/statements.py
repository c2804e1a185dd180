"""The patient statement: what an insured patient owes after their payer has answered.

Per claim: the dates of service, the clinician, the charge, what the payer paid, what was
written off (the contractual adjustment) and the patient's share; claims still with the
payer show as pending and ask nothing yet. Payments the patient made (any, not voided) are
subtracted; the balance due is the shares minus the payments (a credit when negative).
"""

from dataclasses import dataclass
from datetime import date

from kapms.audit.services import record
from kapms.billing.services import Practice, require_npis
from kapms.billing.services.claims import patient_claims
from kapms.billing.services.plans import patient_payments


@dataclass(frozen=True)
class Statement:
    """Everything a statement prints (cents)."""

    practice: Practice
    patient_name: str
    patient_address: str
    issued_on: date
    claims: tuple
    payments: tuple

    @property
    def charges_cents(self) -> int:
        """All charges on answered claims."""
        return sum(c.charge_cents for c in self.answered)

    @property
    def answered(self) -> list:
        """Claims the payer has answered (paid or denied)."""
        return [c for c in self.claims if c.status in ("paid", "denied")]

    @property
    def pending(self) -> list:
        """Claims still with the payer."""
        return [c for c in self.claims if c.status == "submitted"]

    @property
    def insurance_paid_cents(self) -> int:
        """What the payer paid."""
        return sum(c.paid_cents or 0 for c in self.answered)

    @property
    def adjustments_cents(self) -> int:
        """What was written off."""
        return sum(c.adjustment_cents or 0 for c in self.answered)

    @property
    def patient_share_cents(self) -> int:
        """The patient's share of the answered claims."""
        return sum(c.patient_share_cents or 0 for c in self.answered)

    @property
    def paid_by_patient_cents(self) -> int:
        """Payments the patient made."""
        return sum(p.amount_cents for p in self.payments)

    @property
    def balance_cents(self) -> int:
        """What the patient owes now (negative: a credit)."""
        return self.patient_share_cents - self.paid_by_patient_cents


def build_statement(session, actor, patient, today: date, practice: Practice) -> Statement:
    """The patient's statement as of ``today`` (audited as printed)."""
    require_npis(("the practice", practice.npi))
    claims = tuple(c for c in reversed(patient_claims(session, patient.id))
                   if c.status != "draft")
    address = ", ".join(filter(None, [patient.address_line1, patient.address_line2,
                                      f"{patient.city}, {patient.state} {patient.postal_code}"]))
    statement = Statement(practice, patient.full_name, address, today, claims,
                          tuple(patient_payments(session, patient.id, today)))
    record(session, actor, "print", "statement", None, patient_id=patient.id,
           detail=f"{len(claims)} claims, balance {statement.balance_cents}")
    return statement
