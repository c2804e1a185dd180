"""Every precondition of a dosing, in one place: ``DOSING_CHECKS``, a list of checks run at
check-in and again before the medication is given (and shown on the session, scheduling
and dosing pages ahead of time).

A check is ``check(session, care_session, at) -> str | None``: the refusal in plain words,
or None. ``at`` is the dosing's time (the check-in or dose time; the scheduled start while
it is only planned). Another domain adds its own with ``add_dosing_check`` (e.g. a
required consent still unsigned), without touching the dosing service.

Order of entry: the care-path rules are judged on the patient's whole timeline around the
dosing (clearance decided before it, preparation before it, an integration since the
previous dosing, the plan count of dosings before it), and dosings are recorded in the
order they happen: a dosing is refused while an earlier one is still open, and one dated
before a dosing already recorded is refused. So entering records late or out of order can
never slip a dosing past a rule (docs/care.md, "Order of entry").
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kapms import clinic_time
from kapms.care.models import CareSession, Clearance, DosingRecord, PlanVersion
from kapms.care.rules import DosingFacts, clearance_is_current, dosing_refusal
from kapms.care.services.plan import plan_at
from kapms.database import utcnow
from kapms.errors import RuleViolation
from kapms.measures.for_care import open_safety_alerts

DosingCheck = Callable[..., str | None]


@dataclass(frozen=True)
class DosingContext:
    """The timeline facts of one dosing, the clearance that applies and its plan then."""

    facts: DosingFacts
    clearance: Clearance | None
    plan: PlanVersion | None


def minute_end(at: datetime) -> datetime:
    """The end of the minute of ``at`` (times of day are entered to the minute)."""
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)


def expected_time(care_session: CareSession, now: datetime) -> datetime:
    """When a dosing not yet checked in would be: now, during its day (12 hours either side
    of its start, as times of day are read); otherwise its scheduled start."""
    start = care_session.scheduled_start
    return now if abs(now - start) < timedelta(hours=12) else start


@dataclass(frozen=True)
class DosingTimeline:
    """What the care-path rules read about one dosing session, gathered once (two
    statements) and judged at any time of the dosing: the patient's clearances, newest
    first, with their plan versions, and the patient's sessions, oldest first, each with
    its dosing record's outcome, clearance and maintenance flag."""

    clearances: list[Clearance]
    sessions: list  # rows: id, kind, status, scheduled_start, outcome, clearance_id, maintenance


def patient_clearances(session, patient_id: int) -> list[Clearance]:
    """The patient's clearances, newest decision first, with their plan versions (one
    statement)."""
    return list(session.scalars(
        select(Clearance).where(Clearance.patient_id == patient_id)
        .options(joinedload(Clearance.plans))
        .order_by(Clearance.decided_at.desc(), Clearance.id.desc())).unique())


def dosing_timeline(session, care_session: CareSession) -> DosingTimeline:
    """Gather the facts every check of ``care_session`` reads; a request that checks the
    dosing and shows its plan gathers them once and passes them on."""
    rows = session.execute(
        select(CareSession.id, CareSession.kind, CareSession.status, CareSession.scheduled_start,
               DosingRecord.outcome, DosingRecord.clearance_id, DosingRecord.maintenance)
        .outerjoin(DosingRecord, DosingRecord.session_id == CareSession.id)
        .where(CareSession.patient_id == care_session.patient_id)
        .order_by(CareSession.scheduled_start, CareSession.id)).all()
    return DosingTimeline(patient_clearances(session, care_session.patient_id), rows)


def _clearance_at(clearances: list[Clearance], at: datetime
                  ) -> tuple[Clearance | None, PlanVersion | None]:
    """The clearance decided before ``at`` (to the minute) and its plan version then."""
    # Times are entered to the minute: what was decided during that minute counts.
    cutoff = minute_end(at)
    clearance = next((c for c in clearances if c.decided_at < cutoff), None)
    return clearance, plan_at(clearance, cutoff) if clearance is not None else None


def dosing_context(session, care_session: CareSession, at: datetime,
                   timeline: DosingTimeline | None = None) -> DosingContext:
    """What the care-path rules need about the dosing ``care_session`` at ``at``: the
    clearance decided before it, the plan version in force then, and the sessions before
    it (by scheduled start) and its open or recorded dosing neighbours. ``timeline``: the
    facts already gathered for this session in this request (else gathered here)."""
    timeline = timeline or dosing_timeline(session, care_session)
    start, own_id = care_session.scheduled_start, care_session.id
    clearances, rows = timeline.clearances, timeline.sessions
    clearance, plan = _clearance_at(clearances, at)
    cutoff = minute_end(at)
    current = clearance is not None and clearance_is_current(
        clearance.decision, plan.expires_on if plan else None,
        clearance.revoked_at is not None and clearance.revoked_at < cutoff,
        clinic_time.local_date(at))
    before = [r for r in rows if r.id != own_id and r.scheduled_start < start
              and r.outcome == "administered"]
    under = [d for d in before if clearance is not None and d.clearance_id == clearance.id]
    course = [d for d in under if not d.maintenance]
    last = before[-1].scheduled_start if before else None

    def completed(kind: str, after, until) -> int:
        return sum(r.kind == kind and r.status == "completed" and r.scheduled_start < until
                   and (after is None or r.scheduled_start > after) for r in rows)

    def first_dosing(when, statuses) -> datetime | None:
        return min((r.scheduled_start for r in rows if r.kind == "dosing" and r.id != own_id
                    and when(r.scheduled_start) and r.status in statuses), default=None)

    facts = DosingFacts(
        clearance_current=current,
        clearance_decided_before=clearance is not None or not clearances,
        plan_count=plan.dosing_count if plan else None,
        maintenance_count=plan.maintenance_dosings if plan else 0,
        administered_before=len(under),
        maintenance_before=len(under) - len(course),
        completed_preparations=completed("preparation", None, start),
        last_dosing_needs_integration=last is not None and not completed(
            "integration", last, start),
        follow_up_after_course=bool(course) and completed(
            "follow_up", course[-1].scheduled_start, start) > 0,
        earlier_open=first_dosing(lambda s: s < start, ("scheduled", "in_progress")),
        later_recorded=first_dosing(lambda s: s > start, ("in_progress", "completed", "held")),
    )
    return DosingContext(facts, clearance, plan)


def plan_in_force(session, care_session: CareSession, at: datetime,
                  timeline: DosingTimeline | None = None) -> PlanVersion | None:
    """The plan version a dose given at ``at`` is checked against (None: no clearance);
    it needs only the clearances (the timeline's, when gathered)."""
    clearances = timeline.clearances if timeline is not None \
        else patient_clearances(session, care_session.patient_id)
    return _clearance_at(clearances, at)[1]


def care_path_check(session, care_session: CareSession, at: datetime,
                    timeline: DosingTimeline | None = None) -> str | None:
    """The care-path rules on the timeline (kapms.care.rules.dosing_refusal)."""
    return dosing_refusal(dosing_context(session, care_session, at, timeline).facts)


def safety_alert_block(session, patient_id: int) -> str | None:
    """Why the patient's dosing is blocked by an open suicidal-ideation alert, or None
    (also shown when a session is scheduled)."""
    return alert_block_text(open_safety_alerts(session, patient_id))


def alert_block_text(alerts) -> str | None:
    """``safety_alert_block`` from the patient's open alerts, already read (any order)."""
    if not alerts:
        return None
    raised = clinic_time.local_date(min(a.raised_at for a in alerts))
    return (f"An open suicidal-ideation alert (PHQ-9 item 9, raised {raised:%b %d}) blocks "
            "dosing until a clinician acknowledges it on the patient page.")


def safety_alert_check(session, care_session: CareSession, at: datetime) -> str | None:
    """An open suicidal-ideation alert blocks dosing until a clinician acknowledges it."""
    return safety_alert_block(session, care_session.patient_id)


DOSING_CHECKS: list[DosingCheck] = [safety_alert_check, care_path_check]


def add_dosing_check(check: DosingCheck) -> None:
    """Add a precondition to every dosing (idempotent); for other domains' rules."""
    if check not in DOSING_CHECKS:
        DOSING_CHECKS.append(check)


def dosing_blocks(session, care_session: CareSession, at: datetime | None = None,
                  timeline: DosingTimeline | None = None) -> list[str]:
    """Every refusal the preconditions give for this dosing at ``at`` (default: when it
    would be checked in, ``expected_time``), in order; empty when it may go ahead.
    ``timeline``: the care-path facts already gathered in this request, if any."""
    at = at or expected_time(care_session, utcnow())
    return [r for check in DOSING_CHECKS if (r := (
        care_path_check(session, care_session, at, timeline) if check is care_path_check
        else check(session, care_session, at)))]


def dosing_check(session, care_session: CareSession, at: datetime | None = None) -> str | None:
    """The first reason this dosing may not go ahead at ``at``, or None."""
    blocks = dosing_blocks(session, care_session, at)
    return blocks[0] if blocks else None


def require_dosing_allowed(session, care_session: CareSession, at: datetime,
                           timeline: DosingTimeline | None = None) -> None:
    """RuleViolation with every refusal when a precondition refuses the dosing."""
    blocks = dosing_blocks(session, care_session, at, timeline)
    if blocks:
        raise RuleViolation(" ".join(blocks))
