"""Factories for care-path objects: a patient with a care team, clearances, sessions, and
dosings run phase by phase."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from types import SimpleNamespace

from kapms.care import services as care
from kapms.care.constants import CO_MEDICATION_LABELS, CONTRAINDICATION_LABELS
from kapms.care.rules import Thresholds
from tests.factories import make_patient, make_user

THRESHOLDS = Thresholds()
_seq = count(1)


def make_team(db) -> SimpleNamespace:
    """A therapist, a prescriber and their shared patient."""
    therapist = make_user(db, roles=("therapist",))
    prescriber = make_user(db, roles=("prescriber",))
    patient = make_patient(db, therapist, prescriber)
    return SimpleNamespace(therapist=therapist, prescriber=prescriber, patient=patient)


def screen(*yes: str) -> dict:
    """Every contraindication answered: the ``yes`` keys yes, the rest no."""
    return {key: {"yes": key in yes, "notes": ""} for key in CONTRAINDICATION_LABELS}


def no_co_medications() -> dict:
    """Every co-medication class answered no."""
    return {key: False for key in CO_MEDICATION_LABELS}


def at(days: float, hour: int = 17) -> datetime:
    """A UTC time ``days`` from today at ``hour``:00."""
    base = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def clear(db, team, dosing_count=6, decided=None, **kwargs):
    """Record a complete 'cleared' decision with a plan, decided at ``decided`` (default
    30 days ago, so it counts for the dosings the tests record)."""
    values = dict(decision="cleared", reason="Medically suitable", screen=screen(),
                  co_medications=no_co_medications(), bp_systolic=120, bp_diastolic=80,
                  heart_rate=70, dosing_count=dosing_count, product="ketamine_sl_lozenge",
                  route="sublingual", dose_mg=Decimal("200"))
    values.update(kwargs)
    return care.record_clearance(db, team.prescriber, team.patient,
                                 care.ClearanceInput(**values), THRESHOLDS,
                                 now=decided or at(-30))


def session_for(db, team, kind, start, status=None, clinician=None, modality="office"):
    """Schedule a session (and complete it when status == "completed")."""
    clinician = clinician or (team.prescriber if care.KIND_ROLE[kind] == "prescriber"
                              else team.therapist)
    cs = care.schedule_session(db, team.therapist, team.patient, kind=kind, clinician=clinician,
                               start=start, duration_minutes=60 if kind != "dosing" else 180,
                               modality=modality, record_past=True)
    if status == "completed":
        care.complete_session(db, clinician, cs)
    return cs


def ready_for_dosing(db, team, dosing_count=6):
    """Cleared, one completed preparation; returns the clearance."""
    clearance = clear(db, team, dosing_count)
    session_for(db, team, "preparation", at(-10), "completed")
    return clearance


def check_in_input(when, pre=(120, 80), setting="office", **kwargs):
    """A complete check-in at ``when``."""
    values = dict(checked_in_at=when, setting=setting, pre_systolic=pre[0],
                  pre_diastolic=pre[1], pre_heart_rate=70, pre_spo2=98,
                  co_medications=no_co_medications(), monitored_by="Test Therapist",
                  monitoring_staff=1)
    if setting != "office":
        values.update(chaperone_name="Sam Rivera", chaperone_phone="510-555-0101")
    values.update(kwargs)
    return care.CheckInInput(**values)


def later(cs, minutes=240):
    """"Now" for recording a session: well after its start (services take ``now``)."""
    return cs.scheduled_start + timedelta(minutes=minutes)


def check_in(db, team, cs, **kwargs):
    """Check the patient in 5 minutes after the session's start."""
    return care.check_in(db, team.therapist, cs,
                         check_in_input(cs.scheduled_start + timedelta(minutes=5), **kwargs),
                         THRESHOLDS, now=later(cs))


def administer(db, team, cs, dose=Decimal("200"), **kwargs):
    """Give the dose 10 minutes after the session's start."""
    values = dict(given_at=cs.scheduled_start + timedelta(minutes=10),
                  product="ketamine_sl_lozenge", route="sublingual", dose_mg=dose,
                  lot_number="LOT-1")
    values.update(kwargs)
    return care.administer(db, team.therapist, cs, care.AdministrationInput(**values),
                           THRESHOLDS, cs.dosing.version, now=later(cs))


def vitals(db, team, cs, minutes=40, bp=(130, 85), kind="mid"):
    """A vitals reading ``minutes`` after the dose."""
    return care.add_vitals(db, team.therapist, cs, care.VitalsInput(
        taken_at=cs.dosing.given_at + timedelta(minutes=minutes), systolic=bp[0],
        diastolic=bp[1], heart_rate=72, spo2=97, kind=kind), THRESHOLDS, cs.dosing.version,
        now=later(cs))


def discharge(db, team, cs, minutes=120, bp=(122, 80), **kwargs):
    """Discharge ``minutes`` after the dose, every check done."""
    values = dict(discharged_at=cs.dosing.given_at + timedelta(minutes=minutes),
                  systolic=bp[0], diastolic=bp[1], heart_rate=70, spo2=98, stable=True,
                  ride_home=True, no_driving_advised=True)
    values.update(kwargs)
    return care.discharge(db, team.therapist, cs, care.DischargeInput(**values), THRESHOLDS,
                          cs.dosing.version, now=later(cs))


def run_dosing(db, team, cs, pre=(120, 80), mid=(130, 85), end=(122, 80), **kwargs):
    """A whole dosing: check-in, dose, ~40-minute vitals, discharge (or a hold)."""
    dosing = check_in(db, team, cs, pre=pre, **kwargs)
    if dosing.outcome == "held":
        return dosing
    administer(db, team, cs)
    vitals(db, team, cs, bp=mid)
    return discharge(db, team, cs, bp=end)


def dose(db, team, start, **kwargs):
    """Schedule a dosing at ``start`` and run it whole."""
    cs = session_for(db, team, "dosing", start)
    run_dosing(db, team, cs, **kwargs)
    return cs
