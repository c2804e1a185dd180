"""A patient's care record built through the care services, for billing tests.

Billing reads care only through its contract, so its tests use real care sessions: each
step here travels the clock to the moment it happens (scheduled the day before, completed at
its end), so the care rules see a record as it would be made in the clinic. This is the one
place billing tests call the care services.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import time_machine

from kapms import clinic_time
from kapms.care import services as care
from kapms.care.constants import CO_MEDICATION_LABELS, CONTRAINDICATION_LABELS
from kapms.care.rules import Thresholds
from tests.factories import add_member, make_user

THRESHOLDS = Thresholds()
NO_CO_MEDICATIONS = {key: False for key in CO_MEDICATION_LABELS}


class CareRecord:
    """A therapist and a prescriber on ``patient``'s care team, and their visits."""

    def __init__(self, db, patient, therapist=None, prescriber=None):
        self.db, self.patient = db, patient
        self.therapist = therapist or make_user(db, roles=["therapist"], full_name="Maya Okafor",
                                                credentials="LMFT")
        self.prescriber = prescriber or make_user(db, roles=["prescriber"],
                                                  full_name="Sam Rivera", credentials="PMHNP")
        for user, role in ((self.therapist, "therapist"), (self.prescriber, "prescriber")):
            add_member(db, patient, user, role)
        db.flush()

    @staticmethod
    def at(day: date, hour: int, minute: int = 0) -> datetime:
        """Clinic-local time on ``day``."""
        return datetime.combine(day, time(hour, minute), clinic_time.zone())

    def clear(self, day: date, dosings: int = 8):
        """The prescriber clears the patient on ``day`` with a plan of ``dosings``."""
        with time_machine.travel(self.at(day, 8), tick=False):
            return care.record_clearance(self.db, self.prescriber, self.patient,
                                         care.ClearanceInput(
                decision="cleared", reason="Medically suitable", dosing_count=dosings,
                product="ketamine_sl_lozenge", route="sublingual", dose_mg=Decimal("200"),
                bp_systolic=120, bp_diastolic=78, heart_rate=70,
                screen={key: {"yes": False} for key in CONTRAINDICATION_LABELS},
                co_medications=NO_CO_MEDICATIONS), THRESHOLDS)

    def _book(self, kind: str, day: date, hour: int, minutes: int, setting: str, clinician):
        clinician = clinician or (self.prescriber if care.KIND_ROLE[kind] == "prescriber"
                                  else self.therapist)
        with time_machine.travel(self.at(day, 7) - timedelta(days=1), tick=False):
            return care.schedule_session(self.db, clinician, self.patient, kind=kind,
                                         clinician=clinician, start=self.at(day, hour),
                                         duration_minutes=max(minutes, 15), modality=setting)

    def visit(self, kind: str, day: date, minutes: int = 60, setting: str = "office",
              hour: int = 10, clinician=None, psychotherapy_minutes: int | None = None):
        """A completed non-dosing visit of ``minutes`` on ``day`` (a medical visit may
        include ``psychotherapy_minutes`` given within it)."""
        cs = self._book(kind, day, hour, minutes, setting, clinician)
        with time_machine.travel(self.at(day, hour) + timedelta(minutes=minutes), tick=False):
            care.complete_session(self.db, cs.clinician, cs, actual_minutes=max(minutes, 15),
                                  psychotherapy_minutes=psychotherapy_minutes)
        return cs

    def dose(self, day: date, minutes: int = 120, setting: str = "office", held: bool = False,
             hour: int = 9, monitoring_staff: int = 1, monitoring_clinicians: int = 1):
        """A dosing on ``day`` monitored for ``minutes`` by ``monitoring_staff`` people (the
        therapist among them; held at the blood-pressure check when ``held``)."""
        cs = self._book("dosing", day, hour, minutes, setting, None)
        given = self.at(day, hour, 15)
        chaperone = {} if setting == "office" else {"chaperone_name": "Alex Doe",
                                                     "chaperone_phone": "510-555-0100"}
        # The live dosing record, phase by phase: checked in as the dose is given, the
        # ~40-minute vitals, discharged after ``minutes`` of monitoring.
        with time_machine.travel(given + timedelta(minutes=minutes + 10), tick=False):
            dosing = care.check_in(self.db, self.therapist, cs, care.CheckInInput(
                checked_in_at=given, setting=setting, pre_systolic=172 if held else 122,
                pre_diastolic=104 if held else 78, pre_heart_rate=70, pre_spo2=98,
                co_medications=NO_CO_MEDICATIONS, monitoring_staff=monitoring_staff,
                monitoring_clinicians=monitoring_clinicians,
                **chaperone), THRESHOLDS)
            if not held:
                care.administer(self.db, self.therapist, cs, care.AdministrationInput(
                    given_at=given, product="ketamine_sl_lozenge", route="sublingual",
                    dose_mg=Decimal("200"), lot_number="LOT-1"), THRESHOLDS, dosing.version)
                care.add_vitals(self.db, self.therapist, cs, care.VitalsInput(
                    taken_at=given + timedelta(minutes=40), systolic=128, diastolic=80,
                    heart_rate=72), THRESHOLDS, dosing.version)
                care.discharge(self.db, self.therapist, cs, care.DischargeInput(
                    discharged_at=given + timedelta(minutes=minutes), systolic=124,
                    diastolic=78, heart_rate=70, stable=True, ride_home=True,
                    no_driving_advised=True), THRESHOLDS, dosing.version)
        return cs

    def course(self, start: date, dosings: int = 2):
        """Intake, clearance, one preparation, then ``dosings`` dosings each followed by an
        integration two days later, a week apart; returns the last day used."""
        self.visit("intake", start, 60)
        self.clear(start)
        day = start + timedelta(days=7)
        self.visit("preparation", day, 60, hour=14)
        for _ in range(dosings):
            day += timedelta(days=7)
            self.dose(day)
            self.visit("integration", day + timedelta(days=2), 60, hour=14)
        return day + timedelta(days=2)
