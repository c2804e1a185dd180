"""Where a payment plan stands on a day: paid, due, overdue and balance (pure rules).

Payments are applied to the schedule in order, oldest installment first (the upfront is
installment 0), so a partial payment always settles the earliest debt. An installment is
*overdue* when its due date has passed and it is not fully paid; the amount *due now* is
everything unpaid that is due on or before the day, overdue included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kapms.billing.cost_share import require_cents


@dataclass(frozen=True)
class InstallmentState:
    """One scheduled amount and how much of it has been paid (cents)."""

    number: int
    due_date: date
    amount: int
    paid: int
    state: str  # "paid", "overdue", "due", "upcoming"

    @property
    def unpaid(self) -> int:
        """What is still owed on this installment."""
        return self.amount - self.paid


@dataclass(frozen=True)
class PlanLedger:
    """A plan's standing on a day (cents)."""

    total: int
    paid: int
    due_now: int
    overdue: int
    installments: tuple[InstallmentState, ...]

    @property
    def balance(self) -> int:
        """What remains to be paid on the whole plan."""
        return self.total - self.paid

    @property
    def next_due(self) -> InstallmentState | None:
        """The earliest installment not yet fully paid, if any."""
        return next((i for i in self.installments if i.unpaid), None)


def plan_ledger(schedule: Sequence[tuple[date, int]], paid_cents: int, today: date) -> PlanLedger:
    """Apply ``paid_cents`` to ``schedule`` (``[(due date, cents)]`` in order) as of ``today``.

    Raises ValueError when more has been paid than the schedule holds: the services refuse
    overpayments, so this would mean corrupted records.
    """
    paid_total = require_cents("paid_cents", paid_cents)
    total = sum(require_cents("installment", cents) for _, cents in schedule)
    if paid_total > total:
        raise ValueError(f"paid {paid_total} cents is more than the plan's {total} cents")
    left = paid_total
    states = []
    due_now = overdue = 0
    for number, (due, amount) in enumerate(schedule):
        paid = min(amount, left)
        left -= paid
        unpaid = amount - paid
        if not unpaid:
            state = "paid"
        elif due < today:
            state, overdue, due_now = "overdue", overdue + unpaid, due_now + unpaid
        elif due == today:
            state, due_now = "due", due_now + unpaid
        else:
            state = "upcoming"
        states.append(InstallmentState(number, due, amount, paid, state))
    return PlanLedger(total, paid_total, due_now, overdue, tuple(states))


def exceeds_estimate(estimate_cents: int, billed_cents: int, threshold_cents: int) -> bool:
    """True when a bill is ``threshold_cents`` or more above a Good Faith Estimate.

    45 CFR 149.620: a self-pay patient may dispute a provider's bill that is at least $400
    more than that provider's Good Faith Estimate (the threshold is a setting).
    """
    require_cents("estimate_cents", estimate_cents)
    require_cents("billed_cents", billed_cents)
    require_cents("threshold_cents", threshold_cents)
    return billed_cents - estimate_cents >= threshold_cents
