"""What the care record bills: visits coded as the practice bills them and charged at the
practice's own fees (the private-pay schedule in force on each service date).

Superbills, claims and the GFE watch all start here, so they agree line for line.
"""

from dataclasses import dataclass
from datetime import date, tzinfo

from kapms.billing.coding import BilledLine, code_visits
from kapms.billing.course import amount, table_on
from kapms.billing.services import DEFAULT_POLICY, Policy, care_link
from kapms.billing.services.fees import fee_tables


@dataclass(frozen=True)
class ChargedLine:
    """A billed line and the practice's charge for it (None: no fee in force that day)."""

    line: BilledLine
    charge_cents: int | None


def charged_lines(session, patient_id: int, start: date, end: date, zone: tzinfo,
                  policy: Policy = DEFAULT_POLICY, payer_plan_id: int | None = None
                  ) -> list[ChargedLine]:
    """The patient's billable lines from ``start`` to ``end`` with their charges, in date
    order. Dosings are billed as the schedule in force that day says: the payer plan's
    (in network) when a claim goes to it and it has one, else the practice's (as monitoring
    when neither has one)."""
    visits = care_link.visits(session, patient_id, start, end, zone)
    if not visits:
        return []
    tables = fee_tables(session, None, start, end)
    rules = (fee_tables(session, payer_plan_id, start, end) if payer_plan_id else []) + tables

    def dosing_as(day: date) -> str:
        return next((t.dosing_as for t in rules if t.in_force(day)), "monitoring")

    result = []
    for line in code_visits(visits, dosing_as=dosing_as,
                            bill_held_dosings=policy.bill_held_dosings):
        try:
            charge = amount(table_on(tables, line.service_date), line.code) * line.units
        except ValueError:
            charge = None
        result.append(ChargedLine(line, charge))
    return result
