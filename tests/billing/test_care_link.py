"""Billing reads real care sessions (made through the care services) as visits, with the
measures given at each."""

from datetime import date, timedelta

from kapms import clinic_time
from kapms.billing.coding import code_visits
from kapms.billing.services import care_link
from tests.billing.care_record import CareRecord
from tests.billing.helpers import make_patient

CLINIC_TODAY = date(2026, 4, 1)

START = date(2026, 2, 2)


def test_a_course_reads_as_visits_and_codes(db):
    record = CareRecord(db, make_patient(db))
    record.course(START, dosings=1)
    record.dose(date(2026, 2, 25), held=True, minutes=40)
    visits = care_link.visits(db, record.patient.id, START, date(2026, 3, 31), clinic_time.zone())
    assert [(v.kind, v.minutes, v.held) for v in visits] == [
        ("intake", 60, False), ("preparation", 60, False), ("dosing", 120, False),
        ("integration", 60, False), ("dosing", 40, True)]
    assert visits[0].clinician_name == "Sam Rivera, PMHNP"
    codes = [(line.code, line.units) for line in code_visits(visits)]
    assert codes == [("99204", 1), ("90837", 1), ("0820T", 2), ("MED-KETAMINE", 1),
                     ("90837", 1), ("90834", 1)]


def test_the_range_is_in_clinic_days(db):
    record = CareRecord(db, make_patient(db))
    record.visit("intake", START, 60, hour=20)  # 20:00 in California is the next day in UTC
    zone = clinic_time.zone()
    assert [v.service_date for v in care_link.visits(db, record.patient.id, START, START, zone)
            ] == [START]


def test_telehealth_visits_say_so(db):
    record = CareRecord(db, make_patient(db))
    record.visit("intake", START, 45, setting="telehealth")
    [visit] = care_link.visits(db, record.patient.id, START, START, clinic_time.zone())
    assert visit.setting == "telehealth"
    [line] = code_visits([visit])
    assert (line.place_of_service, line.modifier) == ("10", "95")


def test_a_second_person_monitoring_is_billed_as_clinical_staff(db):
    record = CareRecord(db, make_patient(db))
    day = record.course(START, dosings=0) + timedelta(days=7)
    record.dose(day, minutes=120, monitoring_staff=2)
    [dosing] = [v for v in care_link.visits(db, record.patient.id, START, day,
                                            clinic_time.zone()) if v.kind == "dosing"]
    assert (dosing.monitoring_minutes, dosing.monitoring_staff) == (120, 1)
    codes = {line.code: line.units for line in code_visits([dosing])}
    assert codes["0820T"] == 2 and codes["0822T"] == 2


def test_psychotherapy_within_a_medical_visit_reaches_the_superbill_as_an_add_on(db):
    """From a real intake visit whose prescriber recorded 30 minutes of psychotherapy
    within it, through the care contract, to the superbill: the E/M code and its add-on
    (90833), never the stand-alone 90832/90834 beside an E/M."""
    from kapms.billing.services import Practice
    from kapms.billing.services.superbills import build_superbill
    from tests.billing.helpers import SIMPLE_FEES, make_plan, make_schedule

    make_schedule(db, None, amounts={**SIMPLE_FEES, "90833": 7000, "90836": 9000})
    patient = make_patient(db, make_plan(db))
    record = CareRecord(db, patient)
    record.visit("intake", START, 60, psychotherapy_minutes=30)
    record.visit("follow_up", START + timedelta(days=14), 45, psychotherapy_minutes=10)
    [intake, follow_up] = care_link.visits(db, patient.id, START, START + timedelta(days=14),
                                           clinic_time.zone())
    assert (intake.psychotherapy_minutes, follow_up.psychotherapy_minutes) == (30, 10)
    bill = build_superbill(db, None, patient, START, START + timedelta(days=14),
                           Practice("Harbor KAP Clinic", "1234567893", "94-1234567", "Oakland"))
    # 10 minutes is under the 16 a code needs: the follow-up bills its E/M alone.
    assert [(line.code, line.units, line.charge_cents) for line in bill.lines] == [
        ("99204", 1, 20000), ("90833", 1, 7000), ("99214", 1, 12000)]
    assert {line.clinician_name for line in bill.lines} == {"Sam Rivera, PMHNP"}


def test_a_second_clinician_monitoring_is_billed_as_a_clinician(db):
    """From a real dosing whose check-in said 3 people monitored, 2 of them clinicians: the
    lead 0820T, the second clinician 0821T, the third person clinical staff 0822T."""
    record = CareRecord(db, make_patient(db))
    day = record.course(START, dosings=0) + timedelta(days=7)
    record.dose(day, minutes=120, monitoring_staff=3, monitoring_clinicians=2)
    [dosing] = [v for v in care_link.visits(db, record.patient.id, START, day,
                                            clinic_time.zone()) if v.kind == "dosing"]
    assert (dosing.monitoring_clinicians, dosing.monitoring_staff) == (2, 1)
    codes = {line.code: line.units for line in code_visits([dosing])}
    assert (codes["0820T"], codes["0821T"], codes["0822T"]) == (2, 2, 2)
