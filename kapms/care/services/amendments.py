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

from sqlalchemy import select

from kapms import clinic_time, phone
from kapms.audit.services import record
from kapms.care.constants import CHECKIN_STATUSES, CO_MEDICATIONS, PRODUCTS, ROUTES, SEVERITIES
from kapms.care.models import CareSession, DosingAmendment, DosingRecord, PrescriberReview
from kapms.care.rules import (
    VITAL_LABELS,
    VITAL_RANGES,
    Thresholds,
    administration_refusal,
    discharge_refusal,
    end_early_refusal,
    hold_reason,
    mg,
    monitoring_minutes,
    phase_instant,
    sedating_taken,
)
from kapms.care.services.dosing import (
    STALE_DOSING_MESSAGE,
    check_time,
    end_summary,
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
    kind: str  # text, phone, int, decimal, time, choice
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


class _CoMedications:
    """The day's co-medication answers of a dosing as attributes ("yes" / "no"), so an
    amendment reads and sets them like any other value (a new dict, so the JSON column
    sees the change)."""

    def __init__(self, dosing: DosingRecord):
        object.__setattr__(self, "_dosing", dosing)

    def __getattr__(self, key: str) -> str | None:
        answers = self._dosing.co_medications or {}
        return None if key not in answers else ("yes" if answers[key] else "no")

    def __setattr__(self, key: str, value: str | None) -> None:
        answers = dict(self._dosing.co_medications or {})
        answers[key] = value == "yes"
        self._dosing.co_medications = answers


def _owners(dosing: DosingRecord) -> list[tuple[str, object, str, list]]:
    """(target prefix, object, label prefix, [(attribute, label, kind, choices)])."""
    local = clinic_time.zone()
    owners = [("", dosing, "", [
        ("checked_in_at", "Check-in time", "time", None),
        ("location", "Location", "text", None),
        ("monitored_by", "Monitored by", "text", None),
        ("monitoring_staff", "Monitoring staff", "int", None),
        ("monitoring_clinicians", "Of them, clinicians", "int", None),
        ("chaperone_name", "Chaperone name", "text", None),
        ("chaperone_phone", "Chaperone phone", "phone", None),
        ("new_contraindication", "New contraindication", "text", None)]),
        ("co_medications:", _CoMedications(dosing), "Taken today: ",
         [(key, label, "choice", YES_NO) for key, label in CO_MEDICATIONS])]
    if dosing.outcome == "administered":
        owners[0][3].extend([("product", "Product", "choice", PRODUCTS),
                             ("route", "Route", "choice", ROUTES),
                             ("dose_mg", "Dose (mg)", "decimal", None),
                             ("lot_number", "Lot number", "text", None),
                             ("given_at", "Time given", "time", None)])
    if dosing.ended_early:
        owners[0][3].extend([("monitoring_end", "End time", "time", None),
                             ("end_reason", "What happened", "text", None)]
                            + [("transferred_to", "Transferred to", "text", None)]
                            * (dosing.end_kind == "emergency_transfer"))
    elif dosing.monitoring_end is not None:
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
    if kind == "phone":
        try:
            return phone.normalise(raw)
        except ValueError as exc:
            raise RuleViolation(str(exc), field="new_value") from exc
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


def _deviation(dosing: DosingRecord, t: Thresholds) -> str | None:
    """How the medication recorded departs from the plan version it was checked against
    (another product or route, a dose above it, an injection outside the office), or None.
    Invalid values are not a deviation: they are refused."""
    plan = dosing.plan_version
    if dosing.outcome != "administered" or plan is None or dosing.product not in PRODUCTS \
            or dosing.route not in ROUTES or not dosing.dose_mg or dosing.dose_mg <= 0:
        return None
    return administration_refusal((plan.product, plan.route, plan.dose_mg), dosing.product,
                                  dosing.route, dosing.dose_mg, dosing.setting, t)


def _check(dosing: DosingRecord, care_session: CareSession, t: Thresholds,
           now: datetime, deviation_allowed: bool = False) -> None:
    """The amended record must still obey the rules it was saved under (a departure from
    the plan only when ``deviation_allowed``: confirmed, for the prescriber to sign off)."""
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
        if refusal and not (deviation_allowed and _deviation(dosing, t)):
            raise RuleViolation(refusal, field="new_value")
        if not (dosing.lot_number or "").strip():
            raise RuleViolation("The lot number cannot be empty.", field="new_value")
    if end is not None:
        if any(at > end for at in times[:2] + [v.taken_at for v in dosing.vitals]
               + [c.at for c in dosing.checkins] + [e.occurred_at for e in dosing.adverse_events]):
            raise RuleViolation("Nothing in the record can be after discharge.",
                                field="new_value")
        if dosing.ended_early:  # the early end's own rule, not the discharge's
            refusal = end_early_refusal(
                kind=dosing.end_kind, reason=dosing.end_reason,
                transferred_to=dosing.transferred_to, no_driving=dosing.no_driving_advised,
                given_at=given, ended_at=end)
        else:
            refusal = discharge_refusal(
                given_at=given, discharged_at=end, mid_vitals=dosing.reading("mid") is not None,
                discharge_vitals=dosing.reading("discharge") is not None, stable=True,
                ride_home=True, no_driving=True, t=t)
        if refusal:
            raise RuleViolation(refusal, field="new_value")
        if not dosing.ended_early and not given <= dosing.ready_to_leave_at <= end:
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
    if dosing.monitoring_clinicians is not None and \
            not 1 <= dosing.monitoring_clinicians <= dosing.monitoring_staff:
        raise RuleViolation("The clinicians monitoring are at least 1 and at most the staff "
                            "monitoring.", field="new_value")


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
    if dosing.ended_early:  # the prescriber's item shows the record as corrected
        raise_review(session, dosing, "ended_early", "ended_early", end_summary(dosing))
    refresh_bp_flag(session, dosing, t)
    for e in dosing.adverse_events:
        if e.serious:
            raise_review(session, dosing, "serious_ae", f"ae:{e.id}",
                         f"Serious adverse event: {e.kind_label} ({e.severity_label})")


MEDICATION = ("product", "route", "dose_mg")


def _departs_on_record(session, dosing: DosingRecord) -> bool:
    """A departure from the plan was already confirmed on this record (sent for sign-off)."""
    return session.scalar(select(PrescriberReview.id).where(
        PrescriberReview.dosing_id == dosing.id,
        PrescriberReview.kind == "plan_deviation").limit(1)) is not None


def amend_dosing(session, actor, care_session: CareSession, target: str, new_value: str,
                 reason: str, thresholds: Thresholds, expected_version: int | None,
                 now: datetime | None = None,
                 confirm_deviation: bool = False) -> DosingAmendment:
    """Correct one saved value of the dosing record, with a reason (old value kept).

    A correction of the medication (product, route, dose) that departs from the plan is
    what was given, so the record must be able to say it: it needs ``confirm_deviation``,
    and it goes to the prescriber's review list to be signed off (acknowledged with a
    note); it never changes the plan (that is a plan version)."""
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
    synced = {"checked_in_at": "pre", "monitoring_end": "end" if dosing.ended_early
              else "discharge"}.get(attribute)
    reading = dosing.reading(synced) if obj is dosing and synced else None

    def put(new):
        setattr(obj, attribute, new)
        if reading is not None:
            reading.taken_at = new
    put(value)
    try:
        if attribute == "dose_mg" and value <= 0:
            raise RuleViolation("Give the dose in mg.", field="new_value")
        if attribute in MEDICATION and obj is dosing:
            deviation = _deviation(dosing, thresholds)
            if deviation and not confirm_deviation:
                raise RuleViolation(f"{deviation} If this is what was given, tick the "
                                    "confirmation: the correction is recorded and the "
                                    "prescriber signs it off.", field="confirm_deviation")
        else:  # a record already signed off as departing stays so
            deviation = None
        _check(dosing, care_session, thresholds, now,
               deviation_allowed=bool(deviation) or _departs_on_record(session, dosing))
    except RuleViolation:
        put(old)  # a refused correction leaves the record as it was, even unflushed
        raise
    amendment = DosingAmendment(
        target=target, label=label, old_value=_show(old, kind, choices),
        new_value=_show(value, kind, choices), reason=reason.strip(), amended_by_id=actor.id,
        amended_at=now)
    dosing.amendments.append(amendment)
    if dosing.outcome == "administered" and sedating_taken(dosing.co_medications) \
            and not dosing.sedation_reason:  # learnt after the dose: say so, with why
        dosing.sedation_reason = f"Reported after the dose (amendment): {amendment.reason}"
    if deviation:
        session.flush()  # the amendment's id names the review item
        raise_review(session, dosing, "plan_deviation", f"deviation:{amendment.id}",
                     f"Medication corrected after the fact by {actor.display_name}: "
                     f"{label} {amendment.old_value} → {amendment.new_value} "
                     f"({amendment.reason}). {deviation}")
    _recompute(session, dosing, care_session, thresholds)
    save(session, dosing)
    record(session, actor, "update", "dosing", dosing.id, patient_id=care_session.patient_id,
           detail=f"amended {target}")
    return amendment
