"""Superbills: an itemised statement a patient sends to their insurer for reimbursement.

For a date range: the practice (name, NPI, TIN, address) and each session's clinician
(name and individual NPI when an admin has entered it); the
patient and their insurance; each billable line with date, service code, units, diagnosis
code, charge and amount paid; and totals. Charges are the practice's own fees (the
private-pay schedule in effect on each service date, see :mod:`.charges`). Every NPI printed
is checked first. "Paid" comes from the payments
recorded in billing, applied to the patient's charges oldest first -- counting charges and
payments from before the range too, so a payment is never credited twice across superbills.
"""

from dataclasses import dataclass
from datetime import date

from kapms.audit.services import record
from kapms.billing.codes import label
from kapms.billing.services import DEFAULT_POLICY, Policy, Practice, require_npis
from kapms.billing.services.charges import charged_lines
from kapms.billing.services.clinicians import npi_by_user
from kapms.billing.services.plans import patient_payments
from kapms.errors import RuleViolation

EARLIEST = date(2000, 1, 1)  # before any care this system can hold
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class SuperbillLine:
    """One billed service (cents)."""

    service_date: date
    code: str
    label: str
    units: int
    diagnosis_code: str
    charge_cents: int
    paid_cents: int
    clinician_name: str
    clinician_npi: str | None
    setting: str
    place_of_service: str  # CMS code: 11 office, 10 the patient's home (telehealth)
    modifier: str  # 95: synchronous telehealth


@dataclass(frozen=True)
class Superbill:
    """Everything a superbill prints."""

    practice: Practice
    patient_name: str
    patient_dob: date
    patient_address: str
    insurance: str
    member_id: str | None
    start: date
    end: date
    lines: tuple[SuperbillLine, ...]
    clinicians: tuple[tuple[str, str | None], ...]  # (name, individual NPI if on file)

    @property
    def total_charge_cents(self) -> int:
        """Sum of the charges."""
        return sum(line.charge_cents for line in self.lines)

    @property
    def total_paid_cents(self) -> int:
        """Sum of what was paid against these charges."""
        return sum(line.paid_cents for line in self.lines)

    @property
    def balance_cents(self) -> int:
        """Charges not yet paid."""
        return self.total_charge_cents - self.total_paid_cents


def build_superbill(session, actor, patient, start: date, end: date,
                    practice: Practice, policy: Policy = DEFAULT_POLICY) -> Superbill:
    """Assemble the superbill for ``patient`` from ``start`` to ``end`` (audited as printed)."""
    if end < start:
        raise RuleViolation("The end date is before the start date.", field="end")
    if (end - start).days > MAX_RANGE_DAYS:
        raise RuleViolation("Choose a range of at most one year.", field="end")
    dx = patient.diagnosis_code or ""
    items = charged_lines(session, patient.id, EARLIEST, end, practice.zone, policy)
    lines, charges = [item.line for item in items], []
    for item in items:
        if item.charge_cents is not None:
            charges.append(item.charge_cents)
        elif item.line.service_date < start:
            charges.append(0)  # older care with no fee on file cannot absorb payments
        else:
            raise RuleViolation(f"No practice fee for {item.line.code} on "
                                f"{item.line.service_date}; an admin adds a private-pay fee "
                                "schedule covering that date.")
    npis = npi_by_user(session, {line.clinician_id for line in lines if line.clinician_id})
    require_npis(("the practice", practice.npi),
                 *((line.clinician_name, npis.get(line.clinician_id)) for line in lines
                   if line.service_date >= start))
    credit = sum(p.amount_cents for p in patient_payments(session, patient.id, end))
    billed = []
    for line, charge in zip(lines, charges, strict=True):
        paid = min(charge, credit)
        credit -= paid
        if line.service_date >= start:
            billed.append(SuperbillLine(line.service_date, line.code, label(line.code),
                                        line.units, dx, charge, paid, line.clinician_name,
                                        npis.get(line.clinician_id), line.setting,
                                        line.place_of_service, line.modifier))
    address = ", ".join(filter(None, [patient.address_line1, patient.address_line2,
                                      f"{patient.city}, {patient.state} {patient.postal_code}"]))
    bill = Superbill(
        practice=practice, patient_name=patient.full_name, patient_dob=patient.date_of_birth,
        patient_address=address, insurance=patient.plan.label if patient.plan else "Self-pay",
        member_id=patient.member_id, start=start, end=end, lines=tuple(billed),
        clinicians=tuple(sorted({(line.clinician_name, line.clinician_npi) for line in billed},
                                key=lambda pair: pair[0])))
    record(session, actor, "print", "superbill", None, patient_id=patient.id,
           detail=f"{start} to {end}, {len(billed)} lines")
    return bill
