"""The GFE watch: billed charges from each provider against their Good Faith Estimate.

45 CFR 149.620: a self-pay patient may dispute a bill when the billed charges from a
provider are at least $400 above that provider's expected charges on the GFE. For a
patient's latest GFE, the care record from its first service to the end of its 12 months
(or today) is coded as the practice bills and priced at the practice's fees in force on
each date, then summed per provider (the rendering clinician). A provider is *over* once
billed reaches the GFE plus the threshold, *near* within the watch margin (a setting) below
that. Services by a clinician the GFE did not name count against the GFE's unnamed lines.
"""

from dataclasses import dataclass
from datetime import date, tzinfo

from sqlalchemy import func, select

from kapms.audit.services import record
from kapms.billing.models import GoodFaithEstimate
from kapms.billing.plan_ledger import exceeds_estimate
from kapms.billing.services import DEFAULT_POLICY, Policy
from kapms.billing.services.charges import charged_lines
from kapms.billing.services.gfe import coverage_end

UNNAMED = "Clinicians not named on the estimate"


@dataclass(frozen=True)
class ProviderCheck:
    """One provider's billed charges against their expected charges (cents)."""

    clinician_id: int | None
    provider_name: str
    estimated_cents: int
    billed_cents: int
    state: str  # "over", "near" or "ok"

    @property
    def over_by_cents(self) -> int:
        """How far billed is above estimated (0 when below)."""
        return max(self.billed_cents - self.estimated_cents, 0)


@dataclass(frozen=True)
class GfeCheck:
    """A GFE and each of its providers' standing."""

    gfe: GoodFaithEstimate
    providers: tuple[ProviderCheck, ...]

    @property
    def state(self) -> str:
        """The worst provider's state."""
        states = {p.state for p in self.providers}
        return next((s for s in ("over", "near") if s in states), "ok")

    @property
    def billed_cents(self) -> int:
        """Billed so far from every provider."""
        return sum(p.billed_cents for p in self.providers)


def standing(estimated: int, billed: int, policy: Policy) -> str:
    """over (dispute threshold reached), near (within the watch margin of it) or ok."""
    if exceeds_estimate(estimated, billed, policy.gfe_dispute_cents):
        return "over"
    margin = max(policy.gfe_dispute_cents - policy.gfe_watch_margin_cents, 0)
    return "near" if exceeds_estimate(estimated, billed, margin) else "ok"


def check_gfe(session, gfe: GoodFaithEstimate, until: date, zone: tzinfo,
              policy: Policy = DEFAULT_POLICY) -> GfeCheck:
    """Billed vs estimated per provider for ``gfe``, as of ``until``."""
    end = min(until, coverage_end(gfe))
    estimated: dict = {}
    names: dict = {}
    for clinician_id, name, _npi, cents in gfe.by_provider():
        estimated[clinician_id] = estimated.get(clinician_id, 0) + cents
        names[clinician_id] = name if clinician_id is not None else UNNAMED
    billed: dict = {}
    if end >= gfe.primary_service_date:
        for item in charged_lines(session, gfe.patient_id, gfe.primary_service_date, end, zone,
                                  policy):
            line, charge = item.line, item.charge_cents
            if charge is None:
                continue  # no practice fee for it that day: nothing to compare
            key = line.clinician_id if line.clinician_id in estimated else None
            billed[key] = billed.get(key, 0) + charge
            names.setdefault(key, line.clinician_name if key is not None else UNNAMED)
    providers = tuple(
        ProviderCheck(key, names[key], estimated.get(key, 0), billed.get(key, 0),
                      standing(estimated.get(key, 0), billed.get(key, 0), policy))
        for key in [*estimated, *(k for k in billed if k not in estimated)])
    return GfeCheck(gfe, providers)


def gfe_watch(session, actor, today: date, zone: tzinfo,
              policy: Policy = DEFAULT_POLICY) -> list[GfeCheck]:
    """Every patient whose latest GFE has a provider over or near the dispute threshold,
    over first; each listed patient's GFE read is audited."""
    latest = select(func.max(GoodFaithEstimate.id)).group_by(GoodFaithEstimate.patient_id)
    gfes = session.scalars(select(GoodFaithEstimate).where(GoodFaithEstimate.id.in_(latest))
                           .where(GoodFaithEstimate.primary_service_date <= today)).all()
    flagged = [c for c in (check_gfe(session, g, today, zone, policy) for g in gfes)
               if c.state != "ok"]
    flagged.sort(key=lambda c: (c.state != "over", -max(p.billed_cents - p.estimated_cents
                                                        for p in c.providers)))
    for check in flagged:
        record(session, actor, "view", "gfe", check.gfe.id, patient_id=check.gfe.patient_id,
               detail="GFE watch")
    return flagged
