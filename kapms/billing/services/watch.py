"""The GFE watch: billed charges from each provider against their Good Faith Estimate.

45 CFR 149.620: a self-pay patient may dispute a bill when the billed charges from a
provider are at least $400 above that provider's expected charges on the GFE. For a
patient's latest GFE, the care record from its first service to the end of its 12 months
(or today) is coded as the practice bills and priced at the practice's fees in force on
each date, then summed per provider (the rendering clinician). A provider is *over* once
billed reaches the GFE plus the threshold, *near* within the watch margin (a setting) below
that. Services by a clinician the GFE did not name count against the GFE's unnamed lines.

The network-wide watch (dashboards, the billing home) is kept at write time: each patient's
latest GFE has a :class:`GfeWatchLine` per provider with expected and billed cents, refreshed
whenever a flush touches what the bill is made of - the patient's care sessions, dosing
records or measures, a new GFE, the practice's fees (every patient then) - before the
transaction commits. Reading the watch is then one indexed query on ``over_cents`` whatever
the size of the network. The lines are priced over the GFE's whole coverage: only
completed (or held) sessions bill, and those have happened. ``flask billing
refresh-gfe-watch`` rebuilds every line (after an upgrade, or a change of the held-dosing
billing setting).
"""

from dataclasses import dataclass
from datetime import date, tzinfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, lazyload

from kapms import clinic_time
from kapms.audit.services import record
from kapms.billing.models import FeeSchedule, FeeScheduleLine, GfeWatchLine, GoodFaithEstimate
from kapms.billing.plan_ledger import exceeds_estimate
from kapms.billing.services import DEFAULT_POLICY, Policy, care_link
from kapms.billing.services.charges import charged_lines
from kapms.billing.services.gfe import coverage_end
from kapms.database import utcnow

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


@dataclass(frozen=True)
class Watch:
    """A page of the GFE watch (worst first) and how many GFEs are flagged in all."""

    checks: list[GfeCheck]
    total: int


def gfe_watch(session, actor, today: date, zone: tzinfo, policy: Policy = DEFAULT_POLICY,
              *, limit: int | None = None, offset: int = 0) -> Watch:
    """Patients whose latest GFE has a provider over or near the dispute threshold, worst
    first (over before near), ``limit`` of them from ``offset``; each listed patient's GFE
    read is audited. Reads the kept lines (module docstring)."""
    refresh_pending(session, zone)
    near = max(policy.gfe_dispute_cents - policy.gfe_watch_margin_cents, 0)
    flagged = (select(GfeWatchLine.gfe_id, func.max(GfeWatchLine.over_cents).label("worst"))
               .where(GfeWatchLine.over_cents >= near,
                      GfeWatchLine.primary_service_date <= today)
               .group_by(GfeWatchLine.gfe_id).subquery())
    total = session.scalar(select(func.count()).select_from(flagged))
    page = select(flagged.c.gfe_id).order_by(flagged.c.worst.desc(), flagged.c.gfe_id)
    ids = list(session.scalars(page.offset(offset).limit(limit)))
    gfes = {g.id: g for g in session.scalars(
        select(GoodFaithEstimate).where(GoodFaithEstimate.id.in_(ids))
        .options(lazyload(GoodFaithEstimate.lines)))} if ids else {}  # the kept lines say it
    lines: dict[int, list[GfeWatchLine]] = {}
    for line in session.scalars(select(GfeWatchLine).where(GfeWatchLine.gfe_id.in_(ids))
                                .order_by(GfeWatchLine.id)) if ids else []:
        lines.setdefault(line.gfe_id, []).append(line)
    checks = [_kept_check(gfes[i], lines.get(i, []), policy) for i in ids]
    for check in checks:
        record(session, actor, "view", "gfe", check.gfe.id, patient_id=check.gfe.patient_id,
               detail="GFE watch")
    return Watch(checks, total)


def latest_gfe_check(session, patient_id: int, gfes: list[GoodFaithEstimate], zone: tzinfo,
                     policy: Policy = DEFAULT_POLICY) -> GfeCheck | None:
    """The check of the patient's latest GFE (the first of ``gfes``, newest first) from its
    kept lines: one query however long the care record, the same figures as the watch."""
    if not gfes:
        return None
    refresh_pending(session, zone)
    latest = gfes[0]
    return _kept_check(latest, session.scalars(
        select(GfeWatchLine).where(GfeWatchLine.patient_id == patient_id,
                                   GfeWatchLine.gfe_id == latest.id)
        .order_by(GfeWatchLine.id)).all(), policy)


def _kept_check(gfe: GoodFaithEstimate, lines: list[GfeWatchLine], policy: Policy) -> GfeCheck:
    return GfeCheck(gfe, tuple(
        ProviderCheck(x.clinician_id, x.provider_name, x.estimated_cents, x.billed_cents,
                      standing(x.estimated_cents, x.billed_cents, policy)) for x in lines))


# -- keeping the lines current ---------------------------------------------------------------

_DUE = "kapms_gfe_watch_due"  # session.info: patients to refresh, or ALL
_REFRESHING = "kapms_gfe_watch_refreshing"
ALL = "all"
_policy = DEFAULT_POLICY  # the clinic's, set at start-up (configure)


def configure(policy: Policy) -> None:
    """The billing policy the kept lines are priced with (from the settings, at start-up)."""
    global _policy
    _policy = policy


def refresh_patients(session, patient_ids, zone: tzinfo, policy: Policy = DEFAULT_POLICY
                     ) -> None:
    """Replace the watch lines of ``patient_ids`` from their latest GFE and care record."""
    patient_ids = sorted(set(patient_ids))
    for start in range(0, len(patient_ids), 500):
        chunk = patient_ids[start:start + 500]
        session.execute(delete(GfeWatchLine).where(GfeWatchLine.patient_id.in_(chunk)))
        latest = (select(func.max(GoodFaithEstimate.id))
                  .where(GoodFaithEstimate.patient_id.in_(chunk))
                  .group_by(GoodFaithEstimate.patient_id))
        rows = []
        now = utcnow()
        for gfe in session.scalars(select(GoodFaithEstimate)
                                   .where(GoodFaithEstimate.id.in_(latest))):
            check = check_gfe(session, gfe, coverage_end(gfe), zone, policy)
            rows += [{"patient_id": gfe.patient_id, "gfe_id": gfe.id,
                      "primary_service_date": gfe.primary_service_date,
                      "clinician_id": p.clinician_id, "provider_name": p.provider_name[:200],
                      "estimated_cents": p.estimated_cents, "billed_cents": p.billed_cents,
                      "over_cents": p.billed_cents - p.estimated_cents, "refreshed_at": now}
                     for p in check.providers]
        if rows:
            session.execute(insert(GfeWatchLine), rows)


def refresh_all(session, zone: tzinfo, policy: Policy = DEFAULT_POLICY) -> int:
    """Rebuild every patient's watch lines; returns how many patients have a GFE."""
    session.execute(delete(GfeWatchLine))
    patients = list(session.scalars(select(GoodFaithEstimate.patient_id).distinct()))
    refresh_patients(session, patients, zone, policy)
    return len(patients)


def refresh_pending(session, zone: tzinfo | None = None, policy: Policy | None = None) -> None:
    """Refresh the patients whose bill changed in this transaction (flushed first)."""
    if session.info.get(_REFRESHING):
        return
    session.flush()
    due = session.info.pop(_DUE, None)
    if not due:
        return
    zone = zone or clinic_time.zone()
    policy = policy or _policy
    session.info[_REFRESHING] = True
    try:
        if ALL in due:
            refresh_all(session, zone, policy)
        else:
            sessions = {x for x in due if isinstance(x, tuple)}
            patients = {x for x in due if isinstance(x, int)}
            if sessions:
                patients |= care_link.patients_of_sessions(session, [s for _, s in sessions])
            refresh_patients(session, patients, zone, policy)
    finally:
        session.info.pop(_REFRESHING, None)



def _touched(obj) -> object | None:
    """What a changed object makes due: a patient id, ("session", id), ALL, or None."""
    if isinstance(obj, GoodFaithEstimate):
        return obj.patient_id
    if isinstance(obj, FeeSchedule):
        return ALL if obj.plan_id is None else None
    if isinstance(obj, FeeScheduleLine):
        schedule = obj.schedule if "schedule" in obj.__dict__ else None
        return ALL if schedule is None or schedule.plan_id is None else None
    return care_link.billed_patient_of(obj)


@sa_event.listens_for(Session, "before_flush")
def _note_changes(session, flush_context, instances):
    due = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        key = _touched(obj)
        if key is not None:
            due = session.info.setdefault(_DUE, set()) if due is None else due
            due.add(key)


@sa_event.listens_for(Session, "before_commit")
def _refresh_before_commit(session):
    if session.info.get(_DUE):
        refresh_pending(session)


@sa_event.listens_for(Session, "after_rollback")
def _forget_changes(session):
    session.info.pop(_DUE, None)
