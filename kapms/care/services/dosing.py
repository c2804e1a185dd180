"""The dosing session, recorded as it happens, phase by phase.

1. ``check_in``: setting, monitors, chaperone, co-medications, new contraindications and
   pre-dose vitals; the preconditions run (kapms.care.services.preconditions) and the hold
   decision is made at once: held (the session closes as held) or cleared to dose.
2. ``administer``: product, route, dose, lot and time given, checked against the plan
   version in force (preconditions again, in case anything changed since check-in);
   ``hold`` instead when the clinician decides not to dose.
3. Monitoring: ``add_vitals`` (the ~40-minute reading and any more), ``add_adverse_event``,
   ``add_chaperone_checkin`` (telehealth and at home).
4. ``discharge``: discharge vitals and checks, at least the minimum monitoring time; or
   ``end_early`` when the session cannot end in a discharge (transferred to emergency care,
   left against advice, ended early): closed honestly with what happened, the prescriber told.

Every save carries the record version the clinician was looking at (``expected_version``):
a stale or racing save is refused with ConflictError, never half-saved. Times are aware
instants (views turn a clinic-local time of day into one with rules.phase_instant). Held
dosings, blood-pressure rises and serious adverse events go to the prescriber's review list.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from kapms import clinic_time, phone
from kapms.audit.services import record
from kapms.care.constants import (
    ADVERSE_EVENTS,
    CHAPERONED_SETTINGS,
    CHECKIN_STATUSES,
    CO_MEDICATION_LABELS,
    SEVERITIES,
)
from kapms.care.models import (
    AdverseEvent,
    CareSession,
    ChaperoneCheckin,
    DosingAmendment,
    DosingRecord,
    VitalsReading,
)
from kapms.care.rules import (
    CheckinSlot,
    Thresholds,
    VitalsDue,
    administration_refusal,
    bp_rise_flag,
    check_in_refusal,
    checkin_slots,
    discharge_refusal,
    end_early_refusal,
    future_refusal,
    hold_reason,
    monitoring_minutes,
    sedating_taken,
    vitals_due,
    vitals_refusal,
)
from kapms.care.services.common import field_for
from kapms.care.services.preconditions import (
    dosing_context,
    dosing_timeline,
    require_dosing_allowed,
)
from kapms.care.services.reviews import raise_review
from kapms.care.services.sessions import require_session_clinician
from kapms.care.services.stage import refresh_stage
from kapms.database import utcnow
from kapms.errors import ConflictError, DomainError, RuleViolation

STALE_DOSING_MESSAGE = ("This dosing record was changed by someone else (or in another tab) "
                        "since you opened it. Nothing was saved: reload the page to see the "
                        "record as it is now, then enter this again if it is still needed.")


@dataclass
class CheckInInput:
    """The check-in phase. ``co_medications``: key -> True/False (None: not answered)."""

    checked_in_at: datetime
    setting: str
    pre_systolic: int | None
    pre_diastolic: int | None
    pre_heart_rate: int | None
    pre_spo2: int | None = None
    co_medications: dict = field(default_factory=dict)
    new_contraindication: str | None = None
    location: str | None = None
    monitored_by: str | None = None
    monitoring_staff: int | None = 1
    monitoring_clinicians: int | None = 1  # of them, physicians / qualified clinicians
    chaperone_name: str | None = None
    chaperone_phone: str | None = None


@dataclass
class AdministrationInput:
    """The administration phase."""

    given_at: datetime
    product: str | None
    route: str | None
    dose_mg: Decimal | None
    lot_number: str | None
    sedation_reason: str | None = None


@dataclass
class VitalsInput:
    """A vitals reading during monitoring: kind "mid" (the ~40-minute one) or "extra"."""

    taken_at: datetime
    systolic: int | None
    diastolic: int | None
    heart_rate: int | None
    spo2: int | None = None
    kind: str = "mid"


@dataclass
class AdverseEventInput:
    """An adverse event as it happens (``late_reason`` when entered after closing)."""

    occurred_at: datetime
    kind: str
    severity: str
    serious: bool = False
    notes: str | None = None
    late_reason: str | None = None


@dataclass
class ChaperoneCheckinInput:
    """A chaperone check-in: when, by whom, OK or concern (a concern needs a note)."""

    at: datetime
    by: str
    status: str
    note: str | None = None


@dataclass
class DischargeInput:
    """The discharge phase."""

    discharged_at: datetime
    systolic: int | None
    diastolic: int | None
    heart_rate: int | None
    spo2: int | None = None
    stable: bool = False
    ride_home: bool = False
    no_driving_advised: bool = False
    ready_to_leave_at: datetime | None = None


# --- shared steps -----------------------------------------------------------------------

def _record(care_session: CareSession, actor, expected_version: int | None,
            phases: tuple[str, ...], what: str) -> DosingRecord:
    """The dosing record, when the actor may write it, the version is the one they saw
    and the record is in one of ``phases``."""
    require_session_clinician(actor, care_session, what)
    dosing = care_session.dosing
    if dosing is None:
        raise RuleViolation("Check the patient in first.")
    if expected_version != dosing.version:
        raise ConflictError(STALE_DOSING_MESSAGE)
    if dosing.phase not in phases:
        raise RuleViolation({"administration": "The dose has not been given yet.",
                             "monitoring": "The dose is given: the record is in monitoring.",
                             "closed": "The session is closed: correct it by an amendment.",
                             "held": "This dosing was held: correct it by an amendment."
                             }[dosing.phase])
    return dosing


def save(session, dosing: DosingRecord) -> None:
    """Flush a change to the record, bumping its version; a racing save is a conflict."""
    dosing.updated_at = utcnow()
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as exc:
        raise ConflictError(STALE_DOSING_MESSAGE) from exc


def check_time(at: datetime, now: datetime, what: str, not_before: datetime | None = None,
               after_what: str = "", field_name: str | None = None) -> None:
    """Refuse a time in the future, or before ``not_before``."""
    refusal = future_refusal(at, now, what)
    if refusal is None and not_before is not None and at < not_before:
        refusal = f"The {what} time cannot be before {after_what}."
    if refusal:
        raise RuleViolation(refusal, field=field_name)


def _vitals(values: dict, field_name: str) -> None:
    refusal = vitals_refusal(values)
    if refusal:
        raise RuleViolation(refusal, field=field_name)


def refresh_bp_flag(session, dosing: DosingRecord, thresholds: Thresholds) -> None:
    """Recompute the BP-rise flag over every post-dose reading; a flag goes to the
    prescriber's review list."""
    pre = dosing.reading("pre")
    readings = [(f"{v.kind_label} ({v.taken_at.astimezone(clinic_time.zone()):%H:%M})",
                 v.systolic, v.diastolic) for v in dosing.vitals if v.kind != "pre"]
    dosing.bp_flag = bp_rise_flag((pre.systolic, pre.diastolic) if pre else (None, None),
                                  readings, thresholds) if dosing.outcome == "administered" \
        else None
    if dosing.bp_flag:
        raise_review(session, dosing, "bp_rise", "bp_rise", dosing.bp_flag)


def _hold(session, dosing: DosingRecord, care_session: CareSession, reason: str,
          now: datetime) -> None:
    """Close the session as held (no medication), and tell the prescriber."""
    dosing.outcome, dosing.hold_reason = "held", reason
    start = dosing.checked_in_at
    # The visit ends at the decision, within the time booked (a record entered late
    # must not stretch a held visit over days).
    end = min(max(now, start), start + timedelta(minutes=care_session.duration_minutes))
    care_session.status, care_session.completed_at = "held", now
    care_session.started_at, care_session.ended_at = start, end
    care_session.actual_minutes = monitoring_minutes(start, end)
    raise_review(session, dosing, "held", "held", reason)


def _audit(session, actor, dosing: DosingRecord, detail: str, action: str = "update") -> None:
    record(session, actor, action, "dosing", dosing.id, patient_id=dosing.session.patient_id,
           detail=detail)


# --- 1. check-in --------------------------------------------------------------------------

def check_in(session, actor, care_session: CareSession, data: CheckInInput,
             thresholds: Thresholds, now: datetime | None = None) -> DosingRecord:
    """Check the patient in and decide at once: held (the reason recorded, the session
    closed as held, the prescriber told) or cleared to dose. Refused by any precondition
    (RuleViolation) or when someone checked in meanwhile (ConflictError)."""
    now = now or utcnow()
    require_session_clinician(actor, care_session, "record this dosing")
    if care_session.kind != "dosing":
        raise DomainError("This is not a dosing session.")
    if care_session.dosing is not None or care_session.status == "in_progress":
        raise ConflictError("This dosing is already checked in (someone else, or another "
                            "tab). Reload the page to continue the record.")
    if care_session.status != "scheduled":
        raise RuleViolation(f"This session is {care_session.status_label.lower()}.")
    at = data.checked_in_at
    check_time(at, now, "check-in", field_name="checked_in_at")
    if set(data.co_medications) - set(CO_MEDICATION_LABELS):
        raise DomainError("Unknown co-medication class.")
    refusal = check_in_refusal(data.setting, data.chaperone_name, data.chaperone_phone,
                               data.co_medications, data.monitoring_staff,
                               data.monitoring_clinicians)
    if refusal:
        raise RuleViolation(refusal, field=field_for(refusal, (
            ("chaperone", "chaperone_name"), ("setting", "setting"),
            ("qualified clinicians", "monitoring_clinicians"), ("staff", "monitoring_staff")),
            None))
    chaperone_phone = None
    if data.setting in CHAPERONED_SETTINGS:
        try:  # the number called if the patient needs help: one that can be dialled
            chaperone_phone = phone.normalise(data.chaperone_phone)
        except ValueError as exc:
            raise RuleViolation(str(exc), field="chaperone_phone") from exc
    _vitals({"systolic": data.pre_systolic, "diastolic": data.pre_diastolic,
             "heart_rate": data.pre_heart_rate, "spo2": data.pre_spo2}, "pre_systolic")
    timeline = dosing_timeline(session, care_session)  # gathered once, checked as ever
    require_dosing_allowed(session, care_session, at, timeline)
    context = dosing_context(session, care_session, at, timeline)
    dosing = DosingRecord(
        session_id=care_session.id, clearance_id=context.clearance.id,
        plan_version_id=context.plan.id if context.plan else None,
        dosing_number=context.facts.administered_before + 1,
        maintenance=context.facts.course_done,
        checked_in_at=at, checked_in_by_id=actor.id, setting=data.setting,
        location=(data.location or "").strip() or None,
        monitored_by=(data.monitored_by or "").strip() or None,
        monitoring_staff=data.monitoring_staff,
        monitoring_clinicians=data.monitoring_clinicians,
        chaperone_name=(data.chaperone_name or "").strip() or None
        if data.setting in CHAPERONED_SETTINGS else None,
        chaperone_phone=chaperone_phone,
        checkin_interval_minutes=thresholds.checkin_interval_minutes
        if data.setting in CHAPERONED_SETTINGS else None,
        co_medications={k: bool(v) for k, v in data.co_medications.items()},
        new_contraindication=(data.new_contraindication or "").strip() or None,
        recorded_by_id=actor.id, recorded_at=now, updated_at=now)
    dosing.vitals.append(VitalsReading(
        kind="pre", taken_at=at, systolic=data.pre_systolic, diastolic=data.pre_diastolic,
        heart_rate=data.pre_heart_rate, spo2=data.pre_spo2, recorded_by_id=actor.id,
        recorded_at=now))
    session.add(dosing)
    care_session.dosing = dosing
    try:
        session.flush()  # a racing check-in hits the unique session or the session version
    except (StaleDataError, IntegrityError) as exc:
        raise ConflictError("This dosing was checked in by someone else meanwhile. Reload "
                            "the page to continue the record.") from exc
    held = hold_reason(data.pre_systolic, data.pre_diastolic, thresholds,
                       data.new_contraindication)
    if held:
        _hold(session, dosing, care_session, held, now)
    else:
        care_session.status, care_session.started_at = "in_progress", at
    save(session, dosing)
    _audit(session, actor, dosing, "checked in: " + ("held" if held else "cleared to dose"),
           action="create")
    refresh_stage(session, care_session.patient)
    return dosing


# --- 2. administration --------------------------------------------------------------------

def administer(session, actor, care_session: CareSession, data: AdministrationInput,
               thresholds: Thresholds, expected_version: int | None,
               now: datetime | None = None) -> DosingRecord:
    """Record the dose given: the preconditions again, then product and route must be the
    plan's, the dose within the plan's (plus the clinic's tolerance), no injection outside
    the office, and a sedating co-medication today confirmed with a reason."""
    now = now or utcnow()
    dosing = _record(care_session, actor, expected_version, ("administration",),
                     "record this dosing")
    given = data.given_at
    check_time(given, now, "dose", dosing.checked_in_at, "the check-in", "given_at")
    timeline = dosing_timeline(session, care_session)
    require_dosing_allowed(session, care_session, given, timeline)
    plan = dosing_context(session, care_session, given, timeline).plan
    refusal = administration_refusal((plan.product, plan.route, plan.dose_mg), data.product,
                                     data.route, data.dose_mg, dosing.setting, thresholds)
    if refusal:
        raise RuleViolation(refusal, field=field_for(refusal, (
            ("mg", "dose_mg"), ("office", "route")), "product"))
    if not (data.lot_number or "").strip():
        raise RuleViolation("Enter the lot number of the medication given.", field="lot_number")
    sedating = sedating_taken(dosing.co_medications)
    if sedating and not (data.sedation_reason or "").strip():
        raise RuleViolation(f"{' and '.join(sedating)} taken today: sedation risk. Confirm "
                            "the dose with your reason, or hold it.", field="sedation_reason")
    dosing.outcome, dosing.plan_version_id = "administered", plan.id
    dosing.product, dosing.route, dosing.dose_mg = data.product, data.route, data.dose_mg
    dosing.lot_number, dosing.given_at = data.lot_number.strip(), given
    dosing.sedation_reason = (data.sedation_reason or "").strip() or None if sedating else None
    dosing.administered_by_id, dosing.monitoring_start = actor.id, given
    save(session, dosing)
    _audit(session, actor, dosing, f"administered, plan version {plan.number}")
    refresh_stage(session, care_session.patient)
    return dosing


def hold(session, actor, care_session: CareSession, reason: str,
         expected_version: int | None, now: datetime | None = None) -> DosingRecord:
    """Hold the dose after check-in (the clinician decides not to dose), with the reason."""
    now = now or utcnow()
    dosing = _record(care_session, actor, expected_version, ("administration",),
                     "record this dosing")
    if not (reason or "").strip():
        raise RuleViolation("Give the reason for holding the dose.", field="reason")
    _hold(session, dosing, care_session, f"Held by {actor.display_name}: {reason.strip()}", now)
    save(session, dosing)
    _audit(session, actor, dosing, "held")
    refresh_stage(session, care_session.patient)
    return dosing


# --- 3. monitoring ------------------------------------------------------------------------

def add_vitals(session, actor, care_session: CareSession, data: VitalsInput,
               thresholds: Thresholds, expected_version: int | None,
               now: datetime | None = None) -> VitalsReading:
    """Add a post-dose vitals reading: the ~40-minute one (once) or an additional one.
    A rise over pre-dose is flagged for the prescriber."""
    now = now or utcnow()
    dosing = _record(care_session, actor, expected_version, ("monitoring",),
                     "record this dosing")
    if data.kind not in ("mid", "extra"):
        raise DomainError("Unknown kind of vitals reading.")
    if data.kind == "mid" and dosing.reading("mid") is not None:
        raise RuleViolation("The ~40-minute vitals are recorded: add this as an additional "
                            "reading.", field="kind")
    check_time(data.taken_at, now, "vitals", dosing.given_at, "the dose", "taken_at")
    _vitals({"systolic": data.systolic, "diastolic": data.diastolic,
             "heart_rate": data.heart_rate, "spo2": data.spo2}, "systolic")
    reading = VitalsReading(kind=data.kind, taken_at=data.taken_at, systolic=data.systolic,
                            diastolic=data.diastolic, heart_rate=data.heart_rate,
                            spo2=data.spo2, recorded_by_id=actor.id, recorded_at=now)
    dosing.vitals.append(reading)
    refresh_bp_flag(session, dosing, thresholds)
    save(session, dosing)
    _audit(session, actor, dosing, f"vitals {data.kind}" + (" flagged" if dosing.bp_flag
                                                             else ""))
    return reading


def add_adverse_event(session, actor, care_session: CareSession, data: AdverseEventInput,
                      expected_version: int | None, now: datetime | None = None) -> AdverseEvent:
    """Record an adverse event (kind, severity, serious, time). After the session closed it
    is a late entry: it needs a reason and is logged as an amendment. A serious event goes
    to the prescriber's review list."""
    now = now or utcnow()
    dosing = _record(care_session, actor, expected_version,
                     ("administration", "monitoring", "closed", "held"), "record this dosing")
    if data.kind not in ADVERSE_EVENTS or data.severity not in SEVERITIES:
        raise RuleViolation("Choose the adverse event and its severity.", field="kind")
    check_time(data.occurred_at, now, "event", dosing.checked_in_at, "the check-in",
               "occurred_at")
    if dosing.monitoring_end is not None and data.occurred_at > dosing.monitoring_end:
        raise RuleViolation("The event time is after discharge.", field="occurred_at")
    if dosing.closed and not (data.late_reason or "").strip():
        raise RuleViolation("The session is closed: give the reason for this late entry.",
                            field="late_reason")
    event = AdverseEvent(kind=data.kind, severity=data.severity, serious=bool(data.serious),
                         occurred_at=data.occurred_at,
                         notes=(data.notes or "").strip() or None, recorded_by_id=actor.id,
                         recorded_at=now)
    dosing.adverse_events.append(event)
    if dosing.closed:
        dosing.amendments.append(DosingAmendment(
            target="adverse_event:new", label="Adverse event added after closing",
            old_value=None, new_value=f"{event.kind_label}, {event.severity_label}"
            + (", serious" if event.serious else ""), reason=data.late_reason.strip(),
            amended_by_id=actor.id, amended_at=now))
    session.flush()
    if event.serious:
        raise_review(session, dosing, "serious_ae", f"ae:{event.id}",
                     f"Serious adverse event: {event.kind_label} ({event.severity_label})"
                     + (f": {event.notes}" if event.notes else ""))
    save(session, dosing)
    _audit(session, actor, dosing, f"adverse event {data.kind}"
           + (" serious" if event.serious else ""))
    return event


def add_chaperone_checkin(session, actor, care_session: CareSession,
                          data: ChaperoneCheckinInput, expected_version: int | None,
                          now: datetime | None = None) -> ChaperoneCheckin:
    """Log a chaperone check-in of a telehealth or at-home dosing."""
    now = now or utcnow()
    dosing = _record(care_session, actor, expected_version, ("monitoring",),
                     "record this dosing")
    if dosing.setting not in CHAPERONED_SETTINGS:
        raise RuleViolation("Chaperone check-ins are for telehealth and at-home dosings.")
    if data.status not in CHECKIN_STATUSES:
        raise RuleViolation("Choose OK or concern.", field="status")
    if not (data.by or "").strip():
        raise RuleViolation("Say who checked in.", field="by")
    if data.status == "concern" and not (data.note or "").strip():
        raise RuleViolation("Describe the concern.", field="note")
    check_time(data.at, now, "check-in", dosing.given_at, "the dose", "at")
    checkin = ChaperoneCheckin(at=data.at, by=data.by.strip(), status=data.status,
                               note=(data.note or "").strip() or None,
                               recorded_by_id=actor.id, recorded_at=now)
    dosing.checkins.append(checkin)
    save(session, dosing)
    _audit(session, actor, dosing, f"chaperone check-in {data.status}")
    return checkin


# --- 4. discharge -------------------------------------------------------------------------

def discharge(session, actor, care_session: CareSession, data: DischargeInput,
              thresholds: Thresholds, expected_version: int | None,
              now: datetime | None = None) -> DosingRecord:
    """Close the session: the ~40-minute and discharge vitals, stable, safe ride home, told
    not to drive, and at least the clinic's minimum monitoring time since the dose."""
    now = now or utcnow()
    dosing = _record(care_session, actor, expected_version, ("monitoring",),
                     "record this dosing")
    at = data.discharged_at
    latest = max([dosing.given_at] + [v.taken_at for v in dosing.vitals]
                 + [c.at for c in dosing.checkins])
    check_time(at, now, "discharge", latest, "the last entry of the record", "discharged_at")
    _vitals({"systolic": data.systolic, "diastolic": data.diastolic,
             "heart_rate": data.heart_rate, "spo2": data.spo2}, "systolic")
    refusal = discharge_refusal(
        given_at=dosing.given_at, discharged_at=at, mid_vitals=dosing.reading("mid") is not None,
        discharge_vitals=True, stable=data.stable, ride_home=data.ride_home,
        no_driving=data.no_driving_advised, t=thresholds)
    if refusal:
        raise RuleViolation(refusal, field="discharged_at" if "minutes" in refusal else None)
    ready = data.ready_to_leave_at or at
    if not dosing.given_at <= ready <= at:
        raise RuleViolation("Ready to leave must be between the dose and discharge.",
                            field="ready_to_leave_at")
    dosing.vitals.append(VitalsReading(
        kind="discharge", taken_at=at, systolic=data.systolic, diastolic=data.diastolic,
        heart_rate=data.heart_rate, spo2=data.spo2, recorded_by_id=actor.id, recorded_at=now))
    dosing.monitoring_end, dosing.ready_to_leave_at = at, ready
    dosing.monitoring_minutes = monitoring_minutes(dosing.given_at, at)
    dosing.discharge_stable, dosing.ride_home = True, True
    dosing.no_driving_advised, dosing.discharged_by_id = True, actor.id
    refresh_bp_flag(session, dosing, thresholds)
    care_session.status, care_session.completed_at = "completed", now
    care_session.ended_at = at
    care_session.actual_minutes = monitoring_minutes(dosing.checked_in_at, at)
    save(session, dosing)
    _audit(session, actor, dosing, "discharged" + (" flagged" if dosing.bp_flag else ""))
    refresh_stage(session, care_session.patient)
    return dosing


@dataclass
class EndEarlyInput:
    """A session in monitoring closed without a normal discharge (constants.END_KINDS)."""

    ended_at: datetime
    kind: str
    reason: str
    transferred_to: str | None = None
    no_driving_advised: bool = False
    ride_home: bool = False
    systolic: int | None = None  # last vitals, when they could be taken
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None


def end_early(session, actor, care_session: CareSession, data: EndEarlyInput,
              thresholds: Thresholds, expected_version: int | None,
              now: datetime | None = None) -> DosingRecord:
    """Close a dosing in monitoring that cannot end in a discharge: transferred to
    emergency care, left against advice, or ended early for another reason. The record
    keeps how and why (and where to, for a transfer), the last vitals when taken, the
    monitoring time as it really was; the prescriber is told. Nothing may be dated after
    the end, and a patient leaving on their own must have been told not to drive."""
    now = now or utcnow()
    dosing = _record(care_session, actor, expected_version, ("monitoring",),
                     "record this dosing")
    at = data.ended_at
    latest = max([dosing.given_at] + [v.taken_at for v in dosing.vitals]
                 + [c.at for c in dosing.checkins] + [e.occurred_at for e in dosing.adverse_events])
    check_time(at, now, "end", latest, "the last entry of the record", "ended_at")
    refusal = end_early_refusal(kind=data.kind, reason=data.reason,
                                transferred_to=data.transferred_to,
                                no_driving=data.no_driving_advised, given_at=dosing.given_at,
                                ended_at=at)
    if refusal:
        raise RuleViolation(refusal, field=field_for(refusal, (
            ("Describe", "reason"), ("where", "transferred_to"), ("drive", "no_driving_advised"),
            ("Choose", "kind")), "ended_at"))
    vitals = {"systolic": data.systolic, "diastolic": data.diastolic,
              "heart_rate": data.heart_rate, "spo2": data.spo2}
    if any(v is not None for v in vitals.values()):  # optional, but whole when given
        _vitals(vitals, "systolic")
        dosing.vitals.append(VitalsReading(
            kind="end", taken_at=at, systolic=data.systolic, diastolic=data.diastolic,
            heart_rate=data.heart_rate, spo2=data.spo2, recorded_by_id=actor.id,
            recorded_at=now))
    dosing.end_kind, dosing.end_reason = data.kind, data.reason.strip()
    dosing.transferred_to = (data.transferred_to or "").strip() or None \
        if data.kind == "emergency_transfer" else None
    dosing.monitoring_end = at
    dosing.monitoring_minutes = monitoring_minutes(dosing.given_at, at)
    dosing.discharge_stable = False
    dosing.ride_home, dosing.no_driving_advised = bool(data.ride_home), \
        bool(data.no_driving_advised)
    dosing.discharged_by_id = actor.id
    refresh_bp_flag(session, dosing, thresholds)
    care_session.status, care_session.completed_at = "completed", now
    care_session.ended_at = at
    care_session.actual_minutes = monitoring_minutes(dosing.checked_in_at, at)
    raise_review(session, dosing, "ended_early", "ended_early", end_summary(dosing))
    save(session, dosing)
    _audit(session, actor, dosing, f"ended early: {data.kind}")
    refresh_stage(session, care_session.patient)
    return dosing


def end_summary(dosing: DosingRecord) -> str:
    """The early end in one line, for the prescriber's review list."""
    where = f" to {dosing.transferred_to}" if dosing.transferred_to else ""
    return (f"{dosing.end_kind_label}{where} after {dosing.monitoring_minutes} minutes of "
            f"monitoring: {dosing.end_reason}")


# --- where a live record stands -------------------------------------------------------------

@dataclass(frozen=True)
class LiveStatus:
    """What the dosing page shows about timing: the ~40-minute vitals, chaperone
    check-ins (done, missed, pending), minutes monitored and when discharge may be."""

    vitals: VitalsDue | None
    checkins: list[CheckinSlot]
    minutes_monitored: int | None
    discharge_from: datetime | None

    @property
    def missed_checkins(self) -> list[CheckinSlot]:
        """The check-ins that were due and not made."""
        return [s for s in self.checkins if s.state == "missed"]

    @property
    def next_checkin(self) -> CheckinSlot | None:
        """The check-in due now (or next), if any."""
        return next((s for s in self.checkins if s.state == "pending"), None)


def live_status(dosing: DosingRecord | None, thresholds: Thresholds,
                now: datetime) -> LiveStatus:
    """Timing of a dosing record as of ``now`` (a closed record: as of its discharge)."""
    if dosing is None or dosing.given_at is None:
        return LiveStatus(None, [], None, None)
    end = dosing.monitoring_end or now
    slots = (checkin_slots(dosing.given_at, end, [c.at for c in dosing.checkins],
                           dosing.checkin_interval_minutes, closed=dosing.closed)
             if dosing.checkin_interval_minutes else [])
    return LiveStatus(
        vitals=vitals_due(dosing.given_at, dosing.reading("mid") is not None, end, thresholds),
        checkins=slots, minutes_monitored=monitoring_minutes(dosing.given_at, end),
        discharge_from=dosing.given_at + timedelta(minutes=thresholds.min_monitoring_minutes))
