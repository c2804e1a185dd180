"""Factories for care-path objects: a patient with a care team, clearances, sessions."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from types import SimpleNamespace

from kapms.care import services as care
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


def clear(db, team, dosing_count=6, **kwargs):
    """Record a 'cleared' decision with a plan."""
    data = care.ClearanceInput(decision="cleared", reason="Medically suitable",
                               dosing_count=dosing_count, product="ketamine_sl_lozenge",
                               route="sublingual", dose_mg=Decimal("200"), **kwargs)
    return care.record_clearance(db, team.prescriber, team.patient, data, THRESHOLDS)


def at(days: float, hour: int = 17) -> datetime:
    """A UTC time ``days`` from today at ``hour``:00."""
    base = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def session_for(db, team, kind, start, status=None, clinician=None):
    """Schedule a session (and complete it when status == "completed")."""
    clinician = clinician or (team.prescriber if care.KIND_ROLE[kind] == "prescriber"
                              else team.therapist)
    cs = care.schedule_session(db, team.therapist, team.patient, kind=kind, clinician=clinician,
                               start=start, duration_minutes=60 if kind != "dosing" else 180)
    if status == "completed":
        care.complete_session(db, clinician, cs)
    return cs


def dosing_input(pre=(120, 80), mid=(130, 85), discharge=(122, 80), **kwargs):
    """A complete DosingInput for an administered dose."""
    given = datetime.now(UTC) - timedelta(hours=2)
    values = dict(pre_systolic=pre[0], pre_diastolic=pre[1], pre_heart_rate=70, pre_spo2=98,
                  mid_systolic=mid[0], mid_diastolic=mid[1], mid_heart_rate=72, mid_spo2=97,
                  discharge_systolic=discharge[0], discharge_diastolic=discharge[1],
                  discharge_heart_rate=70, discharge_spo2=98, product="ketamine_sl_lozenge",
                  route="sublingual", dose_mg=Decimal("200"), lot_number="LOT-1",
                  given_at=given, monitoring_start=given,
                  monitoring_end=given + timedelta(minutes=120), ready_to_leave_at=given
                  + timedelta(minutes=125), discharge_stable=True, ride_home=True,
                  no_driving_advised=True)
    values.update(kwargs)
    return care.DosingInput(**values)


def ready_for_dosing(db, team, dosing_count=6):
    """Cleared, one completed preparation; returns the clearance."""
    clearance = clear(db, team, dosing_count)
    session_for(db, team, "preparation", at(-10), "completed")
    return clearance


def dose(db, team, start, **kwargs):
    """Schedule a dosing at ``start`` and record it."""
    cs = session_for(db, team, "dosing", start)
    care.record_dosing(db, team.therapist, cs, dosing_input(**kwargs), THRESHOLDS)
    return cs
