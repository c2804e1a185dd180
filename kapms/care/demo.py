"""Demo care records: every stage of the path, in the past relative to today; Grace's
telehealth maintenance dosing today for the therapist to run phase by phase; and on the
prescriber's home what waits for review (Marcus's held dosing and blood-pressure rise, his
plan change request and follow-up, Elena's clearance running out; Elena's safety alert
comes from the measures demo and blocks her first dosing).

Records go through the services (so the rules, audit and stage upkeep apply) with the
times they would have had.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from kapms import clinic_time
from kapms.care import services as care
from kapms.care.constants import CO_MEDICATION_LABELS, CONTRAINDICATION_LABELS
from kapms.care.rules import Thresholds
from kapms.database import utcnow

LOZENGE = dict(product="ketamine_sl_lozenge", route="sublingual")
NO_CO_MEDICATIONS = {key: False for key in CO_MEDICATION_LABELS}


class _Clinic:
    """Small helpers around the services for seeding one demo network."""

    def __init__(self, session, ctx):
        self.session = session
        self.therapist = ctx["users"]["therapist"]
        self.prescriber = ctx["users"]["prescriber"]
        self.tz = clinic_time.zone()
        self.now = utcnow()
        self.today = clinic_time.local_date(self.now)
        self.thresholds = Thresholds()

    def at(self, days: int, hour: int, minute: int = 0) -> datetime:
        """Clinic-local ``hour`` on today + ``days``, as an aware datetime."""
        return datetime.combine(self.today + timedelta(days=days), time(hour, minute), self.tz)

    def clear(self, patient, days: int, dosings: int, expires_in: int | None = None):
        """A complete cleared decision ``days`` from today (negative: in the past)."""
        return care.record_clearance(self.session, self.prescriber, patient, care.ClearanceInput(
            decision="cleared", reason="No contraindications; motivated; good support at home.",
            screen={key: {"yes": False, "notes": ""} for key in CONTRAINDICATION_LABELS},
            co_medications=NO_CO_MEDICATIONS, bp_systolic=122, bp_diastolic=78,
            heart_rate=70, spo2=98, weight_kg=Decimal("68.0"), dosing_count=dosings,
            dose_mg=Decimal("200"), **LOZENGE,
            expires_on=self.today + timedelta(days=expires_in) if expires_in else None),
            self.thresholds, now=self.at(days, 11))

    def visit(self, patient, kind, days, hour, minutes=50, complete=True, note=None,
              sign=True, modality="office"):
        """Schedule (and optionally complete, note and sign) a non-dosing session."""
        clinician = self.prescriber if care.KIND_ROLE[kind] == "prescriber" else self.therapist
        cs = care.schedule_session(self.session, clinician, patient, kind=kind,
                                   clinician=clinician, start=self.at(days, hour),
                                   duration_minutes=minutes, modality=modality,
                                   location="Suite 200" if modality == "office" else None,
                                   record_past=days <= 0)
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

    def dose(self, patient, days, pre=(124, 78), mid=(134, 84), note=None, events=()):
        """A dosing 09:30-12:30 run phase by phase (held if ``pre`` is high)."""
        s, t = self.session, self.thresholds
        cs = care.schedule_session(s, self.therapist, patient, kind="dosing",
                                   clinician=self.therapist, start=self.at(days, 9, 30),
                                   duration_minutes=180, location="Suite 200",
                                   record_past=days <= 0)
        start, after = cs.scheduled_start, cs.scheduled_start + timedelta(hours=4)
        dosing = care.check_in(s, self.therapist, cs, care.CheckInInput(
            checked_in_at=start + timedelta(minutes=5), setting="office", location="Suite 200",
            monitored_by=self.therapist.display_name, monitoring_staff=1,
            pre_systolic=pre[0], pre_diastolic=pre[1], pre_heart_rate=72, pre_spo2=98,
            co_medications=NO_CO_MEDICATIONS), t, now=after)
        if dosing.outcome != "held":
            given = start + timedelta(minutes=20)
            care.administer(s, self.therapist, cs, care.AdministrationInput(
                given_at=given, dose_mg=Decimal("200"), lot_number="KX-24-0917", **LOZENGE),
                t, dosing.version, now=after)
            for minutes, kind, severity in events:
                care.add_adverse_event(s, self.therapist, cs, care.AdverseEventInput(
                    occurred_at=given + timedelta(minutes=minutes), kind=kind,
                    severity=severity), dosing.version, now=after)
            care.add_vitals(s, self.therapist, cs, care.VitalsInput(
                taken_at=given + timedelta(minutes=40), systolic=mid[0], diastolic=mid[1],
                heart_rate=78, spo2=97), t, dosing.version, now=after)
            care.discharge(s, self.therapist, cs, care.DischargeInput(
                discharged_at=given + timedelta(minutes=120), systolic=pre[0] + 4,
                diastolic=pre[1] + 2, heart_rate=74, spo2=98, stable=True, ride_home=True,
                no_driving_advised=True, ready_to_leave_at=given + timedelta(minutes=115)),
                t, dosing.version, now=after)
        cs.completed_at = after
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

    # Elena: cleared (the clearance runs out in 25 days), preparation done, first dosing
    # booked this week; her open safety alert (measures demo) blocks it until acknowledged.
    c.clear(p["elena"], -14, 6, expires_in=25)
    c.visit(p["elena"], "preparation", -10, 14, note=PREP)
    c.visit(p["elena"], "preparation", -3, 14, note=PREP)
    care.schedule_session(session, c.therapist, p["elena"], kind="dosing",
                          clinician=c.therapist, start=c.at(2, 9, 30), duration_minutes=180,
                          location="Suite 200")

    # Marcus: mid-course. Dosing 1 (a flagged BP rise, for the prescriber's review) and its
    # integration; dosing 2 held for high pre-dose BP (its note a draft: "notes due");
    # his therapist asks for a higher dose; the next dosing and the medical follow-up (due:
    # 30 days since the first dosing) are booked.
    c.clear(p["marcus"], -40, 6)
    c.visit(p["marcus"], "preparation", -35, 13, note=PREP)
    c.dose(p["marcus"], -32, pre=(126, 80), mid=(168, 92), note=DOSING,
           events=[(30, "dissociation", "mild"), (45, "nausea", "mild")])
    c.visit(p["marcus"], "integration", -31, 13, note=INTEGRATION)
    held = c.dose(p["marcus"], -7, pre=(168, 102))
    c.note(held, c.therapist, "Pre-dose BP 168/102, repeated 164/100 after 10 minutes of rest. "
           "Dose held per protocol; patient informed; prescriber notified.", sign=False)
    care.request_plan_change(session, c.therapist, p["marcus"], care.PlanRequestInput(
        reason="Little change after dosing 1 at 200 mg (PHQ-9 unchanged); patient tolerated "
               "it well. Asking for 250 mg from the next dosing.", dose_mg=Decimal("250")),
        care_session=held)
    care.schedule_session(session, c.therapist, p["marcus"], kind="dosing",
                          clinician=c.therapist, start=c.at(3, 9, 30), duration_minutes=180,
                          location="Suite 200")
    c.visit(p["marcus"], "follow_up", 4, 11, minutes=30, complete=False, modality="telehealth")
    care.record_prescription(session, c.prescriber, p["marcus"], care.PrescriptionInput(
        issued_on=c.today - timedelta(days=38), drug_name="Ketamine HCl", strength="100 mg",
        dosage_form="sublingual troche", quantity=6,
        directions="Dissolve two troches (200 mg) under the tongue during a supervised "
                   "dosing session only.", refills_authorized=1))

    # Grace: a completed two-dosing course, every note signed, one addendum; her first
    # dosing's BP review acknowledged by the prescriber at the time ...
    c.clear(p["grace"], -126, 2)
    c.visit(p["grace"], "intake", -125, 10, minutes=60, note="Medical intake: healthy; "
            "burnout; no contraindications.")
    c.visit(p["grace"], "preparation", -110, 14, note=PREP)
    first = c.dose(p["grace"], -100, mid=(166, 88), note=DOSING,
                   events=[(25, "dissociation", "moderate")])
    c.visit(p["grace"], "integration", -99, 14, note=INTEGRATION)
    c.dose(p["grace"], -85, note=DOSING)
    c.visit(p["grace"], "integration", -84, 14, note=INTEGRATION)
    c.visit(p["grace"], "follow_up", -70, 11, minutes=30, note="Follow-up: PHQ-9 and MBI-GS "
            "improved; no side effects; course complete, no maintenance for now.")
    review = care.open_reviews(session, c.prescriber, limit=10)
    for item in (r for r in review if r.patient_id == p["grace"].id):
        care.acknowledge_review(session, c.prescriber, item.id,
                                "Transient rise, back to baseline at discharge; no change.",
                                item.version)
        item.reviewed_at = first.scheduled_start + timedelta(days=1)
    addendum = care.add_addendum(session, c.prescriber, first, "Reviewed vitals: unremarkable.")
    addendum.signed_at = first.note.signed_at + timedelta(days=1)
    # ... then, after a relapse of exhaustion, one maintenance dosing: by telehealth, today,
    # ready for the therapist to run phase by phase.
    clearance = care.current_clearance(session, p["grace"].id)
    plan = clearance.plan
    version = care.revise_plan(session, c.prescriber, p["grace"], clearance, care.PlanInput(
        dosing_count=plan.dosing_count, maintenance_dosings=1, product=plan.product,
        route=plan.route, dose_mg=plan.dose_mg, expires_on=plan.expires_on),
        "Exhaustion back after a hard quarter: one maintenance dosing.", plan.number)
    version.created_at = c.at(-20, 11)
    today_start = (c.now - timedelta(minutes=20)).replace(second=0, microsecond=0)
    today_start -= timedelta(minutes=today_start.minute % 5)
    care.schedule_session(session, c.therapist, p["grace"], kind="dosing",
                          clinician=c.therapist, start=today_start, duration_minutes=180,
                          modality="telehealth", record_past=True)
    for patient in p.values():
        care.refresh_stage(session, patient)
    session.flush()


__all__ = ["seed"]
