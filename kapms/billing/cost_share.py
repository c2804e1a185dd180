"""Patient cost share of in-network services: deductible, coinsurance, copay, out-of-pocket cap.

Money is integer cents; the coinsurance rate is a Decimal fraction (``Decimal("0.2")``), never a
float. Each line is rounded half-up to the cent on its own, as statements show it.

The rule, per charge with allowed amount A, taken in date order:

* No copay for the line: the deductible part D = min(A, deductible remaining), then coinsurance
  r x (A - D) rounded half-up. The deductible remaining falls by D.
* A copay for the line: the patient pays min(copay, A) -- a copay is never more than the charge
  -- and the deductible is neither charged nor reduced (the copay bypasses it). No coinsurance.
  With ``copay_after_deductible=True`` (plans that apply the deductible first) the line is
  D + min(copay, A - D) instead, and the deductible remaining falls by D.
* Out-of-pocket maximum: copays count towards it, as do deductible and coinsurance (ACA cost
  sharing, 45 CFR 156.130), so the cap applies to every kind of line. The running total never
  exceeds ``oop_remaining``: the line that crosses it is cut down to what is left, and every
  later line is zero. A cut trims coinsurance or copay first and the deductible part last,
  because the deductible is what the patient meets first within a visit.

Public API: :func:`patient_shares` -> ``list[int]`` and :func:`share_lines` ->
``list[ShareLine]`` (one implementation; the former is the latter's ``patient`` column), plus
the helpers :func:`require_cents` and :func:`cents_at_rate` reused by the other billing modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext


@dataclass(frozen=True, slots=True)
class ShareLine:
    """One charge split between patient and plan, itemised for estimates (all in cents)."""

    allowed: int
    deductible_part: int
    coinsurance_part: int
    copay_part: int
    patient: int  # deductible_part + coinsurance_part + copay_part
    plan: int  # allowed - patient


def require_cents(name: str, value: object) -> int:
    """Return ``value`` if it is a non-negative int amount of cents, else raise ValueError.

    bool is refused although it is an int subclass, and so are float and Decimal: cents are
    whole numbers, and a float amount is a sign that someone skipped the conversion.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be whole cents (int), not {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def require_rate(name: str, value: object) -> Decimal:
    """Return ``value`` as a Decimal if it is a fraction from 0 to 1 (Decimal or int 0/1)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(
            f"{name} must be a Decimal fraction such as Decimal('0.2'), "
            f"not {type(value).__name__} {value!r}"
        )
    rate = Decimal(value)
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return rate


def cents_at_rate(cents: int, rate: Decimal) -> int:
    """Return ``rate`` x ``cents`` rounded half-up to a whole cent (0.5 cent rounds up)."""
    with localcontext() as ctx:
        # Enough digits that the product is exact before the one rounding we mean to do.
        ctx.prec = len(str(cents)) + len(rate.as_tuple().digits) + 2
        return int((rate * cents).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _copays_per_line(copay: object, n: int) -> list[int | None]:
    """Spread a single copay over ``n`` lines, or check a per-line list of copays."""
    if copay is None or isinstance(copay, int):
        copays = [copay] * n
    elif isinstance(copay, Sequence) and not isinstance(copay, str):
        copays = list(copay)
        if len(copays) != n:
            raise ValueError(f"copay list has {len(copays)} entries for {n} charges")
    else:
        raise ValueError(f"copay must be cents (int), None or a list of those, not {copay!r}")
    for i, c in enumerate(copays):
        if c is not None:
            require_cents(f"copay (line {i + 1})", c)
    return copays


def share_lines(
    charges: Iterable[int],
    *,
    deductible_remaining: int,
    coinsurance: Decimal,
    oop_remaining: int,
    copay: int | None | Sequence[int | None] = None,
    copay_after_deductible: bool = False,
) -> list[ShareLine]:
    """Split each allowed amount (cents, date order) into patient and plan parts, itemised.

    ``copay`` is None (deductible and coinsurance), one flat amount for every charge, or a list
    with one entry (int or None) per charge, so a course can mix service types. The rule is in
    the module docstring. Raises ValueError on negative or non-int cents, on a coinsurance that
    is not a Decimal/int from 0 to 1, and on a copay list of the wrong length.
    """
    amounts = [require_cents(f"charge (line {i + 1})", a) for i, a in enumerate(charges)]
    deductible_left = require_cents("deductible_remaining", deductible_remaining)
    oop_left = require_cents("oop_remaining", oop_remaining)
    rate = require_rate("coinsurance", coinsurance)
    copays = _copays_per_line(copay, len(amounts))

    lines = []
    for allowed, line_copay in zip(amounts, copays, strict=True):
        if line_copay is not None and not copay_after_deductible:
            deductible, coins, flat = 0, 0, min(line_copay, allowed)
        else:
            deductible = min(allowed, deductible_left)
            rest = allowed - deductible
            if line_copay is None:
                coins, flat = cents_at_rate(rest, rate), 0
            else:
                coins, flat = 0, min(line_copay, rest)
        patient = min(deductible + coins + flat, oop_left)
        # Trim the cut (if any) from coinsurance/copay first, the deductible part last.
        deductible = min(deductible, patient)
        coins = min(coins, patient - deductible)
        flat = patient - deductible - coins
        deductible_left -= deductible
        oop_left -= patient
        lines.append(ShareLine(allowed, deductible, coins, flat, patient, allowed - patient))
    return lines


def patient_shares(
    charges: Iterable[int],
    *,
    deductible_remaining: int,
    coinsurance: Decimal,
    oop_remaining: int,
    copay: int | None = None,
) -> list[int]:
    """Return the patient's share in cents of each allowed amount (cents, in date order).

    Same rule and errors as :func:`share_lines`, of which this is the ``patient`` column.
    """
    lines = share_lines(
        charges,
        deductible_remaining=deductible_remaining,
        coinsurance=coinsurance,
        oop_remaining=oop_remaining,
        copay=copay,
    )
    return [line.patient for line in lines]
