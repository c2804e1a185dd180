"""Demo care records: every stage of the path, in the past relative to today, plus a few
sessions this week so the clinicians' calendar is alive.

Records go through the services (so the rules, audit and stage upkeep apply), then their
timestamps are moved to when they would have happened.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from kapms.care import services as care
from kapms.care.rules import Thresholds
from kapms.config import Config


def _zone() -> ZoneInfo:
    try:
        from flask import current_app

        return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
    except RuntimeError:  # no app context (e.g. a script)
        return ZoneInfo(Config.CLINIC_TIMEZONE)


class _Clinic:
    """Small helpers around the services for seeding one demo network."""

    def __init__(self, session, ctx):
        self.session = session
        self.therapist = ctx["users"]["therapist"]
        self.prescriber = ctx["users"]["prescriber"]
        self.tz = _zone()
        self.today = datetime.now(self.tz).date()
        self.thresholds = Thresholds()

    def at(self, days: int, hour: int, minute: int = 0) -> datetime:
        """Clinic-local ``hour`` on today + ``days``, as an aware datetime."""
        return datetime.combine(self.today + timedelta(days=days), time(hour, minute), self.tz)

    def clear(self, patient, days: int, dosings: int, **kwargs):
        """A cleared decision ``days`` from today (negative: in the past)."""
        clearance = care.record_clearance(self.session, self.prescriber, patient, care.ClearanceInput(
            decision="cleared", reason="No contraindications; motivated; good support at home.",
            screen={"pregnancy": {"yes": False, "notes": ""}},
            bp_systolic=122, bp_diastolic=78, heart_rate=70, spo2=98, dosing_count=dosings,
            product="ketamine_sl_lozenge", route="sublingual", dose_mg=Decimal("200"),
            **kwargs), self.thresholds)
        clearance.decided_at = self.at(days, 11)
        return clearance

    def visit(self, patient, kind, days, hour, minutes=50, complete=True, note=None,
              sign=True, modality="office"):
        """Schedule (and optionally complete, note and sign) a non-dosing session."""
        clinician = self.prescriber if care.KIND_ROLE[kind] == "prescriber" else self.therapist
        cs = care.schedule_session(self.session, clinician, patient, kind=kind,
                                   clinician=clinician, start=self.at(days, hour),
                                   duration_minutes=minutes, modality=modality,
                                   location="Suite 200" if modality == "office" else None)
        if complete:
            care.complete_session(self.session, clinician, cs)
            cs.completed_at = cs.scheduled_start + timedelta(minutes=minutes)
            if note:
                self.note(cs, clinician, note, sign)
        return cs

    def note(self, cs, author, body, sign=True):
        """Write (and sign) the session's progress note, dated after the session."""
        note = care.save_draft(self.session, author, cs, body, None)
        end = cs.scheduled_start + timedelta(minutes=cs.duration_minutes + 30)
        note.created_at = note.updated_at = end
        if sign:
            care.sign_note(self.session, author, cs, note.version)
            note.signed_at = end
        return note

    def dose(self, patient, days, pre=(124, 78), mid=(134, 84), note=None):
        """A dosing session 09:30-12:30 with its record (held if ``pre`` is high)."""
        cs = care.schedule_session(self.session, self.therapist, patient, kind="dosing",
                                   clinician=self.therapist, start=self.at(days, 9, 30),
                                   duration_minutes=180, location="Suite 200")
        given = self.at(days, 9, 50)
        care.record_dosing(self.session, self.therapist, cs, care.DosingInput(
            pre_systolic=pre[0], pre_diastolic=pre[1], pre_heart_rate=72, pre_spo2=98,
            location="Suite 200", monitored_by=self.therapist.display_name,
            mid_systolic=mid[0], mid_diastolic=mid[1], mid_heart_rate=78, mid_spo2=97,
            discharge_systolic=pre[0] + 4, discharge_diastolic=pre[1] + 2,
            discharge_heart_rate=74, discharge_spo2=98, product="ketamine_sl_lozenge",
            route="sublingual", dose_mg=Decimal("200"), lot_number="KX-24-0917",
            given_at=given, monitoring_start=given, monitoring_end=given + timedelta(minutes=120),
            ready_to_leave_at=given + timedelta(minutes=125),
            adverse_events=[{"event": "dissociation", "severity": "mild", "serious": False},
                            {"event": "nausea", "severity": "mild", "serious": False}],
            discharge_stable=True, ride_home=True, no_driving_advised=True), self.thresholds)
        cs.completed_at = cs.scheduled_start + timedelta(minutes=180)
        if note:
            self.note(cs, self.therapist, note)
        return cs


PREP = ("Preparation: reviewed intentions (loosening rumination, reconnecting with family), "
        "fears (losing control), set and setting, support person for the ride home.")
INTEGRATION = ("Integration: patient described a sense of spaciousness and a memory of "
               "childhood safety; linked it to current avoidance. Plan: journaling, walk daily.")
DOSING = ("Dosing: settled quickly with music; mild dissociation peaking at 30 minutes, "
          "resolved by 90. Oriented and stable at discharge; partner drove home.")


def seed(session, ctx: dict) -> None:
    """Seed care records for the demo patients (see kapms/patients/demo.py)."""
    c = _Clinic(session, ctx)
    p = ctx["patients"]
    care.save_prescriber_profile(session, c.prescriber, "FR1234563",
                                 "100 Harbor Way, Suite 200, Oakland, CA 94607")

    # Avery: medical intake booked, no clearance yet (stage: intake).
    c.visit(p["avery"], "intake", 1, 10, minutes=60, complete=False)
    c.visit(p["avery"], "preparation", 1, 15, complete=False)

    # Elena: cleared, preparation done, first dosing booked this week.
    c.clear(p["elena"], -14, 6)
    c.visit(p["elena"], "preparation", -10, 14, note=PREP)
    c.visit(p["elena"], "preparation", -3, 14, note=PREP)
    care.schedule_session(session, c.therapist, p["elena"], kind="dosing",
                          clinician=c.therapist, start=c.at(2, 9, 30), duration_minutes=180,
                          location="Suite 200")

    # Marcus: mid-dosing. Dosing 1 (with a flagged BP rise) and integration; dosing 2 held
    # for high pre-dose BP (its note still a draft: it shows under "notes due").
    c.clear(p["marcus"], -40, 6)
    c.visit(p["marcus"], "preparation", -35, 13, note=PREP)
    c.dose(p["marcus"], -28, pre=(126, 80), mid=(168, 92), note=DOSING)
    c.visit(p["marcus"], "integration", -27, 13, note=INTEGRATION)
    held = c.dose(p["marcus"], -7, pre=(168, 102))
    c.note(held, c.therapist, "Pre-dose BP 168/102, repeated 164/100 after 10 minutes of rest. "
           "Dose held per protocol; patient informed; prescriber notified.", sign=False)
    c.visit(p["marcus"], "follow_up", 4, 11, minutes=30, complete=False, modality="telehealth")
    care.schedule_session(session, c.therapist, p["marcus"], kind="dosing",
                          clinician=c.therapist, start=c.at(3, 9, 30), duration_minutes=180,
                          location="Suite 200")
    care.record_prescription(session, c.prescriber, p["marcus"], care.PrescriptionInput(
        issued_on=c.today - timedelta(days=38), drug_name="Ketamine HCl", strength="100 mg",
        dosage_form="sublingual troche", quantity=6,
        directions="Dissolve two troches (200 mg) under the tongue during a supervised "
                   "dosing session only.", refills_authorized=1))

    # Grace: a completed two-dosing course, every note signed, one addendum.
    c.clear(p["grace"], -120, 2)
    c.visit(p["grace"], "intake", -125, 10, minutes=60, note="Medical intake: healthy; "
            "burnout; no contraindications.")
    c.visit(p["grace"], "preparation", -110, 14, note=PREP)
    first = c.dose(p["grace"], -100, note=DOSING)
    c.visit(p["grace"], "integration", -99, 14, note=INTEGRATION)
    c.dose(p["grace"], -85, note=DOSING)
    c.visit(p["grace"], "integration", -84, 14, note=INTEGRATION)
    c.visit(p["grace"], "follow_up", -70, 11, minutes=30, note="Follow-up: PHQ-9 and MBI-GS "
            "improved; no side effects; course complete, no maintenance for now.")
    addendum = care.add_addendum(session, c.prescriber, first, "Reviewed vitals: unremarkable.")
    addendum.signed_at = first.note.signed_at + timedelta(days=1)
    for patient in p.values():
        care.refresh_stage(session, patient)
    session.flush()


__all__ = ["seed", "date"]
