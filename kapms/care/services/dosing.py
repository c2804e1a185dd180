"""Recording a dosing session: the care-path rules, holds and the blood-pressure flag."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from kapms import clinic_time
from kapms.audit.services import record
from kapms.care.constants import ADVERSE_EVENTS, CO_MEDICATION_LABELS, PRODUCTS, ROUTES, SEVERITIES
from kapms.care.models import CareSession, DosingRecord
from kapms.care.rules import (
    DosingFacts,
    Thresholds,
    bp_rise_flag,
    dosing_refusal,
    hold_reason,
    monitoring_minutes,
)
from kapms.care.services.sessions import _require_clinician
from kapms.care.services.stage import current_clearance, gather_facts, refresh_stage
from kapms.database import utcnow
from kapms.errors import DomainError, RuleViolation


@dataclass
class DosingInput:
    """Everything the dosing form records ("What a dosing session records")."""

    pre_systolic: int
    pre_diastolic: int
    pre_heart_rate: int | None = None
    pre_spo2: int | None = None
    new_contraindication: str | None = None
    location: str | None = None
    monitored_by: str | None = None
    chaperone_name: str | None = None
    chaperone_phone: str | None = None
    checkin_interval_minutes: int | None = None
    checkins: list[datetime] = field(default_factory=list)
    co_medications: dict = field(default_factory=dict)  # key -> bool
    mid_systolic: int | None = None
    mid_diastolic: int | None = None
    mid_heart_rate: int | None = None
    mid_spo2: int | None = None
    discharge_systolic: int | None = None
    discharge_diastolic: int | None = None
    discharge_heart_rate: int | None = None
    discharge_spo2: int | None = None
    product: str | None = None
    route: str | None = None
    dose_mg: Decimal | None = None
    lot_number: str | None = None
    given_at: datetime | None = None
    monitoring_start: datetime | None = None
    monitoring_end: datetime | None = None
    ready_to_leave_at: datetime | None = None
    adverse_events: list[dict] = field(default_factory=list)
    discharge_stable: bool | None = None
    ride_home: bool | None = None
    no_driving_advised: bool | None = None
    actual_minutes: int | None = None


def dosing_check(session, care_session: CareSession) -> str | None:
    """Why this dosing may not go ahead now (a plain message), or None."""
    day = clinic_time.local_date(care_session.scheduled_start)
    patient = care_session.patient
    facts = gather_facts(session, patient, today=day, before=care_session.scheduled_start)
    clearance = current_clearance(session, patient.id, today=day)
    return dosing_refusal(DosingFacts(
        clearance_current=clearance is not None,
        plan_count=clearance.dosing_count if clearance else None,
        administered_under_plan=facts.administered if clearance else 0,
        completed_preparations=facts.completed_preparations,
        last_dosing_needs_integration=not facts.integration_after_last))


def _validate(data: DosingInput, care_session: CareSession) -> None:
    if set(data.co_medications) - set(CO_MEDICATION_LABELS):
        raise DomainError("Unknown co-medication class.")
    for event in data.adverse_events:
        if event.get("event") not in ADVERSE_EVENTS or event.get("severity") not in SEVERITIES:
            raise RuleViolation("Each adverse event needs a type and a severity.",
                                field="adverse_events")
    if care_session.modality == "telehealth" and not (data.chaperone_name and
                                                      data.chaperone_phone):
        raise RuleViolation("A telehealth dosing needs the chaperone's name and phone.",
                            field="chaperone_name")


def _validate_administered(data: DosingInput) -> None:
    if data.product not in PRODUCTS or data.route not in ROUTES or not data.dose_mg \
            or not data.lot_number or data.given_at is None:
        raise RuleViolation("An administered dose needs product, route, dose, lot number "
                            "and the time given.", field="product")
    if data.monitoring_start and data.monitoring_end and \
            data.monitoring_end < data.monitoring_start:
        raise RuleViolation("Monitoring cannot end before it starts.", field="monitoring_end")


def record_dosing(session, actor, care_session: CareSession, data: DosingInput,
                  thresholds: Thresholds) -> DosingRecord:
    """Record a dosing: refused by the care-path rules (RuleViolation); held instead of
    administered when pre-dose BP is at/above the hold threshold or a new contraindication
    is reported; a post-dose rise is flagged on the record."""
    _require_clinician(actor, care_session, "record this dosing")
    if care_session.kind != "dosing":
        raise DomainError("This is not a dosing session.")
    if care_session.status != "scheduled" or care_session.dosing is not None:
        raise RuleViolation("This dosing has already been recorded.")
    if care_session.scheduled_start > utcnow():
        raise RuleViolation("A dosing cannot be recorded before the session has started.")
    refusal = dosing_check(session, care_session)
    if refusal:
        raise RuleViolation(refusal)
    _validate(data, care_session)
    patient = care_session.patient
    clearance = current_clearance(session, patient.id,
                                  today=clinic_time.local_date(care_session.scheduled_start))
    held = hold_reason(data.pre_systolic, data.pre_diastolic, thresholds,
                       data.new_contraindication)
    if not held:
        _validate_administered(data)
    dosing = DosingRecord(
        session_id=care_session.id, clearance_id=clearance.id,
        outcome="held" if held else "administered", hold_reason=held,
        new_contraindication=(data.new_contraindication or "").strip() or None,
        location=data.location, monitored_by=data.monitored_by,
        chaperone_name=data.chaperone_name, chaperone_phone=data.chaperone_phone,
        checkin_interval_minutes=data.checkin_interval_minutes,
        checkins=[t.isoformat() for t in data.checkins],
        co_medications={k: bool(v) for k, v in data.co_medications.items()},
        pre_systolic=data.pre_systolic, pre_diastolic=data.pre_diastolic,
        pre_heart_rate=data.pre_heart_rate, pre_spo2=data.pre_spo2,
        recorded_by_id=actor.id, recorded_at=utcnow())
    if not held:
        for name in ("mid_systolic", "mid_diastolic", "mid_heart_rate", "mid_spo2",
                     "discharge_systolic", "discharge_diastolic", "discharge_heart_rate",
                     "discharge_spo2", "product", "route", "dose_mg", "lot_number", "given_at",
                     "monitoring_start", "monitoring_end", "ready_to_leave_at",
                     "discharge_stable", "ride_home", "no_driving_advised"):
            setattr(dosing, name, getattr(data, name))
        dosing.monitoring_minutes = monitoring_minutes(data.monitoring_start,
                                                       data.monitoring_end)
        dosing.adverse_events = [dict(e) for e in data.adverse_events]
        dosing.bp_flag = bp_rise_flag(
            (data.pre_systolic, data.pre_diastolic),
            [("~40 minutes", data.mid_systolic, data.mid_diastolic),
             ("Before discharge", data.discharge_systolic, data.discharge_diastolic)],
            thresholds)
    care_session.status = "held" if held else "completed"
    care_session.completed_at = utcnow()
    care_session.actual_minutes = (data.actual_minutes or dosing.monitoring_minutes
                                   or care_session.duration_minutes)
    session.add(dosing)
    session.flush()
    session.expire(care_session, ["dosing"])
    record(session, actor, "create", "dosing", dosing.id, patient_id=patient.id,
           detail=dosing.outcome + (" flagged" if dosing.bp_flag else ""))
    refresh_stage(session, patient)
    return dosing
