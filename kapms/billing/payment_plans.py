"""Payment plans: an upfront payment, then monthly installments that sum exactly to the balance.

Source 003: a course can start with an upfront payment (about $120) followed by an agreed plan.

* The upfront is due on ``first_due`` and is left out of the schedule when it is zero.
* Installment k (k = 1..count) is due k months after ``first_due``, always computed from
  ``first_due`` itself and clamped to the month's last day, so the dates never drift:
  31 Jan 2024 -> 29 Feb, 31 Mar, 30 Apr, 31 May ... (stepping month to month from 29 Feb
  would wrongly give 29 Mar, 29 Apr ...).
* The remainder (balance - upfront) is split into installments that differ by at most one
  cent. The extra cents go on the *earliest* installments (100 over 3 -> 34, 33, 33), so the
  clinic is never owed a trailing odd cent at the end and later payments are never larger than
  earlier ones. When there are fewer cents than installments the last ones are 0: the
  schedule still has ``count`` installments, as agreed.
"""

from __future__ import annotations

from datetime import date, datetime

from kapms.billing.cost_share import require_cents
from kapms.clinic_time import add_months


def installment_schedule(
    balance_cents: int, upfront_cents: int, count: int, first_due: date
) -> list[tuple[date, int]]:
    """Return ``[(due date, cents), ...]``: the upfront (if any) then ``count`` installments.

    Entries sum exactly to ``balance_cents``; installments differ by at most one cent, the
    extra cents on the earliest ones (see the module docstring for the dates). Raises
    ValueError for non-int or negative cents, count < 0, an upfront above the balance, or
    count 0 with an upfront short of the balance. A zero balance with no upfront and no
    installments gives ``[]``.
    """
    balance = require_cents("balance_cents", balance_cents)
    upfront = require_cents("upfront_cents", upfront_cents)
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValueError(f"count must be an int, not {type(count).__name__} {count!r}")
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    # A datetime is a date subclass, but due dates carry no time of day.
    if not isinstance(first_due, date) or isinstance(first_due, datetime):
        raise ValueError(f"first_due must be a date, not {first_due!r}")
    if upfront > balance:
        raise ValueError(f"upfront {upfront} cents is more than the balance {balance} cents")
    remainder = balance - upfront
    if count == 0 and remainder:
        raise ValueError(
            f"no installments but {remainder} cents would remain after the upfront payment"
        )

    schedule = [(first_due, upfront)] if upfront else []
    if count:
        base, extra = divmod(remainder, count)
        for k in range(1, count + 1):
            schedule.append((add_months(first_due, k), base + (1 if k <= extra else 0)))
    return schedule
