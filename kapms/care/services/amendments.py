"""Correcting a saved dosing value: an amendment with a reason, never an overwrite.

Any value already saved (check-in details, the administration, a vitals reading, an adverse
event, a chaperone check-in, the discharge times) can be corrected once its phase is
saved, during the session or after it closed. The amendment keeps who, when, why, the old
and the new value; the record then shows the new value and its history. A correction must
leave a record that still obeys every rule it was checked against (the plan, the hold
decision, the order of times, the minimum monitoring), and derived values (the BP-rise
flag, monitoring minutes, the session's actual times) are recomputed.
"""

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from kapms import clinic_time
from kapms.audit.services import record
from kapms.care.constants import CHECKIN_STATUSES, PRODUCTS, ROUTES, SEVERITIES
from kapms.care.models import CareSession, DosingAmendment, DosingRecord
from kapms.care.rules import (
    VITAL_LABELS,
    VITAL_RANGES,
    Thresholds,
    administration_refusal,
    discharge_refusal,
    hold_reason,
    mg,
    monitoring_minutes,
    phase_instant,
)
from kapms.care.services.dosing import (
    STALE_DOSING_MESSAGE,
    check_time,
    refresh_bp_flag,
    save,
)
from kapms.care.services.reviews import raise_review
from kapms.care.services.sessions import require_session_clinician
from kapms.database import utcnow
from kapms.errors import ConflictError, DomainError, RuleViolation

YES_NO = {"yes": "Yes", "no": "No"}


@dataclass(frozen=True)
class Amendable:
    """One saved value that can be corrected."""

    target: str  # "lot_number", "vitals:12:systolic", "adverse_event:3:severity", ...
    label: str
    current: str  # the value as shown
    kind: str  # text, int, decimal, time, choice
    choices: dict | None = None


def _show(value, kind: str, choices: dict | None = None) -> str:
    if value is None:
        return "—"
    if kind == "time":
        return f"{value.astimezone(clinic_time.zone()):%H:%M}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if choices:
        return choices.get(value, str(value))
    if kind == "decimal":
        return mg(value)
    return str(value)


def _owners(dosing: DosingRecord) -> list[tuple[str, object, str, list]]:
    """(target prefix, object, label prefix, [(attribute, label, kind, choices)])."""
    local = clinic_time.zone()
    owners = [("", dosing, "", [
        ("checked_in_at", "Check-in time", "time", None),
        ("location", "Location", "text", None),
        ("monitored_by", "Monitored by", "text", None),
        ("monitoring_staff", "Monitoring staff", "int", None),
        ("chaperone_name", "Chaperone name", "text", None),
        ("chaperone_phone", "Chaperone phone", "text", None)])]
    if dosing.outcome == "administered":
        owners[0][3].extend([("product", "Product", "choice", PRODUCTS),
                             ("route", "Route", "choice", ROUTES),
                             ("dose_mg", "Dose (mg)", "decimal", None),
                             ("lot_number", "Lot number", "text", None),
                             ("given_at", "Time given", "time", None)])
    if dosing.monitoring_end is not None:
        owners[0][3].extend([("monitoring_end", "Discharge time", "time", None),
                             ("ready_to_leave_at", "Ready to leave", "time", None)])
    for v in dosing.vitals:
        owners.append((f"vitals:{v.id}:", v,
                       f"{v.kind_label} vitals ({v.taken_at.astimezone(local):%H:%M}): ",
                       # pre-dose and discharge readings take the check-in and
                       # discharge times (amended with those)
                       [("taken_at", "time", "time", None)] * (v.kind in ("mid", "extra"))
                       + [(name, VITAL_LABELS[name], "int", None) for name in VITAL_RANGES]))
    for e in dosing.adverse_events:
        owners.append((f"adverse_event:{e.id}:", e,
                       f"{e.kind_label} ({e.occurred_at.astimezone(local):%H:%M}): ",
                       [("occurred_at", "time", "time", None),
                        ("severity", "severity", "choice", SEVERITIES),
                        ("serious", "serious", "choice", YES_NO),
                        ("notes", "notes", "text", None)]))
    for c in dosing.checkins:
        owners.append((f"checkin:{c.id}:", c,
                       f"Chaperone check-in ({c.at.astimezone(local):%H:%M}): ",
                       [("at", "time", "time", None), ("status", "status", "choice",
                                                       CHECKIN_STATUSES),
                        ("by", "by", "text", None), ("note", "note", "text", None)]))
    return owners


def amendable_values(dosing: DosingRecord | None) -> list[Amendable]:
    """Every saved value of the record that can be corrected, with its current value."""
    if dosing is None:
        return []
    result = []
    for prefix, obj, label_prefix, attributes in _owners(dosing):
        for attribute, label, kind, choices in attributes:
            value = getattr(obj, attribute)
            if attribute == "serious":
                value = "yes" if value else "no"
            result.append(Amendable(prefix + attribute, label_prefix + label,
                                    _show(value, kind, choices), kind, choices))
    return result


def _parse(raw: str, kind: str, choices: dict | None, session_start: datetime):
    """The new value typed in, as the attribute's type (DomainError on a bad value)."""
    raw = (raw or "").strip()
    if kind == "text":
        return raw or None
    if not raw:
        raise RuleViolation("Enter the corrected value.", field="new_value")
    try:
        if kind == "int":
            return int(raw)
        if kind == "decimal":
            return Decimal(raw).quantize(Decimal("0.01"))
        if kind == "time":
            # A corrected time in the hour repeated in autumn is taken as the first one
            # (the amendment form has no way to say which; the phase forms ask).
            return phase_instant(session_start, time.fromisoformat(raw), clinic_time.zone(),
                                 fold=0)
    except (ValueError, InvalidOperation) as exc:
        message = str(exc) if "exist" in str(exc) else f"{raw!r} is not a valid value here."
        raise RuleViolation(message, field="new_value") from exc
    key = next((k for k, label in choices.items() if raw.lower() in (k, label.lower())), None)
    if key is None:
        raise RuleViolation("Choose one of: " + ", ".join(choices.values()) + ".",
                            field="new_value")
    return key


def _check(dosing: DosingRecord, care_session: CareSession, t: Thresholds,
           now: datetime) -> None:
    """The amended record must still obey the rules it was saved under."""
    pre = dosing.reading("pre")
    for v in dosing.vitals:
        for name, (low, high) in VITAL_RANGES.items():
            value = getattr(v, name)
            if value is not None and not low <= value <= high:
                raise RuleViolation(f"{VITAL_LABELS[name]} must be between {low} and {high}.",
                                    field="new_value")
    held = hold_reason(pre.systolic, pre.diastolic, t, dosing.new_contraindication)
    if (held is None) != (dosing.outcome != "held") and not (
            dosing.outcome == "held" and dosing.hold_reason.startswith("Held by")):
        raise RuleViolation("That pre-dose reading would change the hold decision made at "
                            "check-in: the decision stands as made (add a note instead).",
                            field="new_value")
    times = [dosing.checked_in_at, dosing.given_at, dosing.monitoring_end]
    moments = [("check-in", dosing.checked_in_at)] + [
        (f"{label}", at) for label, at in (
            [("vitals", v.taken_at) for v in dosing.vitals]
            + [("event", e.occurred_at) for e in dosing.adverse_events]
            + [("check-in", c.at) for c in dosing.checkins]
            + [("dose", dosing.given_at), ("discharge", dosing.monitoring_end),
               ("ready to leave", dosing.ready_to_leave_at)]) if at is not None]
    for label, at in moments:
        check_time(at, now, label, dosing.checked_in_at, "the check-in", "new_value")
    given, end = dosing.given_at, dosing.monitoring_end
    if given is not None:
        if pre.taken_at > given:
            raise RuleViolation("The pre-dose vitals cannot be after the dose.",
                                field="new_value")
        post = [v.taken_at for v in dosing.vitals if v.kind != "pre"] + \
            [c.at for c in dosing.checkins]
        if any(at < given for at in post):
            raise RuleViolation("Post-dose readings and check-ins cannot be before the dose.",
                                field="new_value")
        plan = dosing.plan_version
        refusal = administration_refusal((plan.product, plan.route, plan.dose_mg),
                                         dosing.product, dosing.route, dosing.dose_mg,
                                         dosing.setting, t)
        if refusal:
            raise RuleViolation(refusal, field="new_value")
        if not (dosing.lot_number or "").strip():
            raise RuleViolation("The lot number cannot be empty.", field="new_value")
    if end is not None:
        if any(at > end for at in times[:2] + [v.taken_at for v in dosing.vitals]
               + [c.at for c in dosing.checkins] + [e.occurred_at for e in dosing.adverse_events]):
            raise RuleViolation("Nothing in the record can be after discharge.",
                                field="new_value")
        refusal = discharge_refusal(
            given_at=given, discharged_at=end, mid_vitals=dosing.reading("mid") is not None,
            discharge_vitals=dosing.reading("discharge") is not None, stable=True,
            ride_home=True, no_driving=True, t=t)
        if refusal:
            raise RuleViolation(refusal, field="new_value")
        if not given <= dosing.ready_to_leave_at <= end:
            raise RuleViolation("Ready to leave must be between the dose and discharge.",
                                field="new_value")
    if dosing.setting != "office" and not (dosing.chaperone_name and dosing.chaperone_phone):
        raise RuleViolation("The chaperone's name and phone cannot be emptied.",
                            field="new_value")
    for c in dosing.checkins:
        if c.status == "concern" and not c.note or not c.by:
            raise RuleViolation("A check-in needs who made it, and a concern its note.",
                                field="new_value")
    if (dosing.monitoring_staff or 0) < 1:
        raise RuleViolation("At least one staff member monitors the patient.",
                            field="new_value")


def _recompute(session, dosing: DosingRecord, care_session: CareSession,
               t: Thresholds) -> None:
    """Derived values after a correction."""
    if dosing.given_at is not None:
        dosing.monitoring_start = dosing.given_at
    if dosing.monitoring_end is not None:
        dosing.monitoring_minutes = monitoring_minutes(dosing.given_at, dosing.monitoring_end)
        care_session.ended_at = dosing.monitoring_end
        care_session.actual_minutes = monitoring_minutes(dosing.checked_in_at,
                                                         dosing.monitoring_end)
    care_session.started_at = dosing.checked_in_at
    refresh_bp_flag(session, dosing, t)
    for e in dosing.adverse_events:
        if e.serious:
            raise_review(session, dosing, "serious_ae", f"ae:{e.id}",
                         f"Serious adverse event: {e.kind_label} ({e.severity_label})")


def amend_dosing(session, actor, care_session: CareSession, target: str, new_value: str,
                 reason: str, thresholds: Thresholds, expected_version: int | None,
                 now: datetime | None = None) -> DosingAmendment:
    """Correct one saved value of the dosing record, with a reason (old value kept)."""
    now = now or utcnow()
    require_session_clinician(actor, care_session, "amend this dosing record")
    dosing = care_session.dosing
    if dosing is None:
        raise RuleViolation("Nothing is recorded yet to amend.")
    if expected_version != dosing.version:
        raise ConflictError(STALE_DOSING_MESSAGE)
    if not (reason or "").strip():
        raise RuleViolation("Give the reason for the amendment.", field="reason")
    found = next(((prefix, obj, label_prefix + label, attribute, kind, choices)
                  for prefix, obj, label_prefix, attributes in _owners(dosing)
                  for attribute, label, kind, choices in attributes
                  if prefix + attribute == target), None)
    if found is None:
        raise DomainError("Choose a recorded value to amend.", field="target")
    _, obj, label, attribute, kind, choices = found
    value = _parse(new_value, kind, choices, care_session.scheduled_start)
    old = getattr(obj, attribute)
    if attribute == "serious":
        value, old = value == "yes", bool(old)
    if value == old:
        raise RuleViolation("That is the value already recorded.", field="new_value")
    setattr(obj, attribute, value)
    synced = {"checked_in_at": "pre", "monitoring_end": "discharge"}.get(attribute)
    if obj is dosing and synced:
        dosing.reading(synced).taken_at = value
    _check(dosing, care_session, thresholds, now)
    amendment = DosingAmendment(
        target=target, label=label, old_value=_show(old, kind, choices),
        new_value=_show(value, kind, choices), reason=reason.strip(), amended_by_id=actor.id,
        amended_at=now)
    dosing.amendments.append(amendment)
    _recompute(session, dosing, care_session, thresholds)
    save(session, dosing)
    record(session, actor, "update", "dosing", dosing.id, patient_id=care_session.patient_id,
           detail=f"amended {target}")
    return amendment
