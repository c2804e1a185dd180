"""Importing an 835 remittance (005010X221A1): the payer's answers posted to their claims.

The file is read with x12sdk's 835 models. Each claim payment (CLP) names our claim number
(CLP01 = the CLM01 we sent); it is posted through :func:`.claims.post_remittance`, so the
same rules hold as by hand: processed claims (CLP02 1, 2, 3, 19-21) as paid with the allowed
amount = paid (CLP04) + patient responsibility (CLP05, or the PR adjustments); denied ones (CLP02 4) as denied with
the claim-level adjustment reasons; the payment date is BPR16 and the reference the trace
number (TRN02). Reversals, forwarded and unknown claims, and claims not waiting for an
answer are left unposted and listed with the reason; one bad claim never stops the others.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from kapms.billing.models import Claim
from kapms.billing.services.claims import Remittance, post_remittance
from kapms.errors import DomainError, RuleViolation

PAID_STATUSES = {"1", "2", "3", "19", "20", "21"}
DENIED = "4"


@dataclass
class ImportResult:
    """What an 835 import did: claims posted, and those left with the reason."""

    posted: list = field(default_factory=list)  # Claim objects
    skipped: list = field(default_factory=list)  # (claim number, why)


def _as_date(value) -> date | None:
    """BPR16 as x12sdk gives it: a date, a datetime or CCYYMMDD text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date) or value is None:
        return value
    return datetime.strptime(str(value), "%Y%m%d").date()


def _code(value) -> str:
    """An X12 code as text (x12sdk gives enums or plain strings)."""
    return str(getattr(value, "value", value))


def _cents(amount: Decimal | None) -> int:
    return int((Decimal(amount or 0) * 100).to_integral_value())


def _read(text: str):
    """The 835 transaction models in ``text``; RuleViolation when it is not a readable 835."""
    from x12sdk.io import X12ModelReader

    try:
        with X12ModelReader(text) as reader:
            models = list(reader.models())
    except Exception as error:  # x12sdk raises parse and validation errors of many kinds
        raise RuleViolation(f"That file is not a readable 835 remittance: {error}"[:300],
                            field="file") from None
    found = [m for m in models if m.header.st_segment.transaction_set_identifier_code == "835"]
    if not found:
        raise RuleViolation("That file holds no 835 remittance.", field="file")
    return found


def _patient_share(paid) -> int:
    """CLP05, or when the payer left it empty the sum of the patient-responsibility (PR)
    adjustments, which it must equal."""
    stated = paid.claim.clp_segment.patient_responsibility_amount
    if stated is not None:
        return _cents(stated)
    adjustments = list(paid.adjustments) + [cas for line in paid.service_lines
                                            for cas in (line.cas_segment or [])]
    return sum(_cents(getattr(cas, f"monetary_amount_{n}", None))
               for cas in adjustments if _code(cas.adjustment_group_code) == "PR"
               for n in (1, 2, 3))


def _reasons(paid) -> str:
    """The claim-level adjustment reasons, e.g. "CO-50; PR-96"."""
    reasons = []
    for cas in paid.adjustments:
        for n in (1, 2, 3):
            code = getattr(cas, f"adjustment_reason_code_{n}", None)
            if code:
                reasons.append(f"{_code(cas.adjustment_group_code)}-{code}")
    return "; ".join(reasons) or "denied by the payer"


def import_835(session, actor, text: str, today: date) -> ImportResult:
    """Post every claim payment of an 835 to its claim (rules in the module docstring)."""
    result = ImportResult()
    for model in _read(text):
        bpr, trn = model.header.bpr_segment, model.header.trn_segment
        posted_on = _as_date(bpr.eft_effective_date) or today
        reference = trn.reference_identification_1
        for paid in model.claims():
            number = paid.patient_control_number
            claim = session.scalar(select(Claim).where(Claim.id == _claim_id(number)))
            status = _code(paid.status)
            if claim is None:
                result.skipped.append((number, "no such claim"))
                continue
            if status not in PAID_STATUSES | {DENIED}:
                result.skipped.append((number, f"claim status {status} is not posted here"))
                continue
            share = _patient_share(paid)
            remit = Remittance(
                status="paid" if status in PAID_STATUSES else "denied",
                allowed_cents=_cents(paid.paid) + share if status in PAID_STATUSES else 0,
                paid_cents=_cents(paid.paid), patient_share_cents=share,
                posted_on=min(posted_on, today), reference=reference,
                denial_reason=_reasons(paid) if status == DENIED else None)
            try:
                with session.begin_nested():
                    post_remittance(session, actor, claim, remit, today)
            except DomainError as error:
                result.skipped.append((number, error.message))
                continue
            result.posted.append(claim)
    return result


def _claim_id(number: str) -> int | None:
    """KAP0000042 -> 42; None for a number that is not ours."""
    if not number or not number.startswith("KAP") or not number[3:].isdigit():
        return None
    return int(number[3:])
