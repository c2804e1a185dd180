"""Care services without HTTP: every care-path rule and refusal, stage upkeep, contract."""

from datetime import date, timedelta

import pytest

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.care import services as care
from kapms.errors import ConflictError, PermissionDenied, RuleViolation
from tests.care.factories import (
    THRESHOLDS,
    at,
    clear,
    dose,
    dosing_input,
    make_team,
    ready_for_dosing,
    session_for,
)
from tests.factories import make_user

# --- clearance ----------------------------------------------------------------------------

def test_clearance_sets_plan_expiry_and_stage(db, team):
    clearance = clear(db, team)
    assert clearance.expires_on.year == clinic_time.today().year + 1
    assert team.patient.stage == "preparation"
    assert care.treatment_plan_dosings(db, team.patient.id) == 6


def test_absolute_contraindication_needs_override(db, team):
    with pytest.raises(RuleViolation, match="override"):
        clear(db, team, screen={"psychosis": {"yes": True, "notes": "2015 episode"}})
    clearance = clear(db, team, screen={"psychosis": {"yes": True}},
                      override_reason="Substance-induced, remitted; psychiatry consulted")
    assert clearance.override_reason.startswith("Substance")
    assert db.query(AuditEvent).filter_by(entity_type="clearance").count() == 1


def test_only_the_prescriber_clears(db, team):
    data = care.ClearanceInput(decision="deferred", reason="labs")
    with pytest.raises(PermissionDenied):
        care.record_clearance(db, team.therapist, team.patient, data, THRESHOLDS)


def test_deferred_and_not_cleared_stages(db, team):
    care.record_clearance(db, team.prescriber, team.patient,
                          care.ClearanceInput(decision="deferred", reason="Awaiting ECG"),
                          THRESHOLDS)
    assert team.patient.stage == "deferred"
    assert care.treatment_plan_dosings(db, team.patient.id) is None


def test_revoked_clearance_stops_dosing(db, team):
    clearance = ready_for_dosing(db, team)
    care.revoke_clearance(db, team.prescriber, team.patient, clearance, "New cardiac finding")
    assert team.patient.stage == "intake"
    cs = session_for(db, team, "dosing", at(-1))
    with pytest.raises(RuleViolation, match="clearance"):
        care.record_dosing(db, team.therapist, cs, dosing_input(), THRESHOLDS)
    with pytest.raises(RuleViolation):
        care.revoke_clearance(db, team.prescriber, team.patient, clearance, "again")


# --- dosing rules -------------------------------------------------------------------------

def test_no_dosing_without_clearance(db, team):
    session_for(db, team, "preparation", at(-5), "completed")
    cs = session_for(db, team, "dosing", at(-1))
    with pytest.raises(RuleViolation, match="clearance"):
        care.record_dosing(db, team.therapist, cs, dosing_input(), THRESHOLDS)
    assert cs.status == "scheduled" and cs.dosing is None


def test_no_dosing_without_preparation(db, team):
    clear(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    with pytest.raises(RuleViolation, match="preparation"):
        care.record_dosing(db, team.therapist, cs, dosing_input(), THRESHOLDS)


def test_no_dosing_until_integration_after_previous(db, team):
    ready_for_dosing(db, team)
    dose(db, team, at(-6))
    assert team.patient.stage == "dosing"
    cs = session_for(db, team, "dosing", at(-3))
    with pytest.raises(RuleViolation, match="integration"):
        care.record_dosing(db, team.therapist, cs, dosing_input(), THRESHOLDS)
    session_for(db, team, "integration", at(-5), "completed")
    care.record_dosing(db, team.therapist, cs, dosing_input(), THRESHOLDS)
    assert care.administered_dosing_count(db, team.patient.id) == 2


def test_no_dosing_beyond_plan_until_amended(db, team):
    clearance = ready_for_dosing(db, team, dosing_count=1)
    dose(db, team, at(-6))
    session_for(db, team, "integration", at(-5), "completed")
    assert team.patient.stage == "follow_up"
    cs = session_for(db, team, "dosing", at(-3))
    with pytest.raises(RuleViolation, match="plan"):
        care.record_dosing(db, team.therapist, cs, dosing_input(), THRESHOLDS)
    with pytest.raises(ConflictError):
        care.amend_plan(db, team.prescriber, team.patient, clearance, 2, expected_version=99)
    care.amend_plan(db, team.prescriber, team.patient, clearance, 2,
                    expected_version=clearance.version)
    care.record_dosing(db, team.therapist, cs, dosing_input(), THRESHOLDS)
    assert care.administered_dosing_count(db, team.patient.id) == 2


def test_high_pre_dose_bp_records_a_hold(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    record = care.record_dosing(db, team.therapist, cs, dosing_input(pre=(162, 90)), THRESHOLDS)
    assert record.outcome == "held" and "162/90" in record.hold_reason
    assert cs.status == "held" and record.given_at is None and record.lot_number is None
    assert care.administered_dosing_count(db, team.patient.id) == 0
    assert team.patient.stage == "preparation"
    # A held dose needs no integration before the next attempt.
    assert care.dosing_check(db, session_for(db, team, "dosing", at(1))) is None


def test_hold_threshold_setting_is_passed_in(db, team):
    from kapms.care.rules import Thresholds

    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    record = care.record_dosing(db, team.therapist, cs, dosing_input(pre=(142, 85)),
                                Thresholds(hold_systolic=140, hold_diastolic=90))
    assert record.outcome == "held"


def test_new_contraindication_records_a_hold(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    record = care.record_dosing(db, team.therapist, cs,
                                dosing_input(new_contraindication="Reports pregnancy"),
                                THRESHOLDS)
    assert record.outcome == "held" and "pregnancy" in record.hold_reason


def test_post_dose_rise_is_flagged(db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1), pre=(118, 76), mid=(158, 84))
    assert "+40/+8" in cs.dosing.bp_flag
    assert care.patient_path(db, team.patient)["flags"][0].id == cs.dosing.id
    quiet = make_team(db)
    ready_for_dosing(db, quiet)
    assert dose(db, quiet, at(-1), pre=(118, 76), mid=(150, 100)).dosing.bp_flag is None


def test_administered_dose_needs_medication_and_telehealth_needs_chaperone(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    with pytest.raises(RuleViolation, match="lot number"):
        care.record_dosing(db, team.therapist, cs, dosing_input(lot_number=None), THRESHOLDS)
    tele = care.schedule_session(db, team.therapist, team.patient, kind="dosing",
                                 clinician=team.therapist, start=at(-2), duration_minutes=180,
                                 modality="telehealth")
    with pytest.raises(RuleViolation, match="chaperone"):
        care.record_dosing(db, team.therapist, tele, dosing_input(), THRESHOLDS)
    assert cs.dosing is None and tele.dosing is None


def test_dosing_cannot_be_recorded_twice(db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1))
    with pytest.raises(RuleViolation, match="already"):
        care.record_dosing(db, team.therapist, cs, dosing_input(), THRESHOLDS)


def test_full_course_completes(db, team):
    ready_for_dosing(db, team, dosing_count=2)
    dose(db, team, at(-9))
    session_for(db, team, "integration", at(-8), "completed")
    dose(db, team, at(-6))
    session_for(db, team, "integration", at(-5), "completed")
    assert team.patient.stage == "follow_up"
    session_for(db, team, "follow_up", at(-4), "completed")
    assert team.patient.stage == "completed"
    steps = care.patient_path(db, team.patient)["timeline"]
    assert all(s["state"] == "done" for s in steps)


# --- scheduling ---------------------------------------------------------------------------

def test_schedule_checks_role_and_double_booking(db, team):
    with pytest.raises(RuleViolation, match="prescriber"):
        care.schedule_session(db, team.therapist, team.patient, kind="follow_up",
                              clinician=team.therapist, start=at(1), duration_minutes=30)
    session_for(db, team, "preparation", at(1))
    with pytest.raises(RuleViolation, match="already has a session"):
        care.schedule_session(db, team.therapist, team.patient, kind="integration",
                              clinician=team.therapist, start=at(1) + timedelta(minutes=30),
                              duration_minutes=60)
    outsider = make_user(db, roles=("therapist",))
    with pytest.raises(PermissionDenied):
        care.schedule_session(db, outsider, team.patient, kind="preparation",
                              clinician=team.therapist, start=at(2), duration_minutes=60)


def test_cancel_needs_reason(db, team):
    cs = session_for(db, team, "preparation", at(1))
    with pytest.raises(RuleViolation):
        care.cancel_session(db, team.therapist, cs, " ")
    care.cancel_session(db, team.therapist, cs, "Patient ill")
    assert cs.status == "cancelled"


# --- rescheduling -------------------------------------------------------------------------

def _move(db, actor, cs, start, **kwargs):
    values = dict(start=start, duration_minutes=cs.duration_minutes, modality=cs.modality,
                  clinician=cs.clinician, expected_version=cs.version)
    values.update(kwargs)
    return care.reschedule_session(db, actor, cs, **values)


def test_reschedule_moves_the_session_and_audits_old_and_new_time(db, team):
    cs = session_for(db, team, "preparation", at(1))
    version = cs.version
    _move(db, team.therapist, cs, at(2, hour=18), duration_minutes=90, modality="telehealth")
    assert cs.scheduled_start == at(2, hour=18) and cs.duration_minutes == 90
    assert cs.modality == "telehealth" and cs.status == "scheduled"
    assert cs.version == version + 1
    event = db.query(AuditEvent).filter_by(entity_type="care_session", action="update").one()
    assert event.detail == (f"rescheduled from {at(1):%Y-%m-%d} 17:00 UTC, 60 min "
                            f"to {at(2):%Y-%m-%d} 18:00 UTC, 90 min")
    # A small shift overlapping its own old slot is no double booking.
    _move(db, team.therapist, cs, at(2, hour=18) + timedelta(minutes=30))


def test_reschedule_to_another_team_clinician_of_the_right_role(db, team):
    from kapms.patients.models import CareTeamMember

    colleague = make_user(db, roles=("therapist",))
    db.add(CareTeamMember(patient_id=team.patient.id, user_id=colleague.id, role="therapist"))
    db.flush()
    db.expire(team.patient, ["care_team"])
    cs = session_for(db, team, "integration", at(1))
    _move(db, team.prescriber, cs, at(1), clinician=colleague)
    assert cs.clinician_id == colleague.id
    assert "clinician" in db.query(AuditEvent).filter_by(
        entity_type="care_session", action="update").one().detail


@pytest.mark.parametrize("state", ["completed", "held", "cancelled"])
def test_reschedule_refuses_sessions_that_are_not_scheduled(db, team, state):
    if state == "completed":
        cs = session_for(db, team, "preparation", at(-1), "completed")
    elif state == "held":
        ready_for_dosing(db, team)
        cs = session_for(db, team, "dosing", at(-1))
        care.record_dosing(db, team.therapist, cs, dosing_input(pre=(170, 100)), THRESHOLDS)
    else:
        cs = session_for(db, team, "preparation", at(1))
        care.cancel_session(db, team.therapist, cs, "Patient ill")
    assert cs.status == state
    start = cs.scheduled_start
    with pytest.raises(RuleViolation, match=f"Only a scheduled session.*{state}"):
        _move(db, team.therapist, cs, at(3))
    assert cs.scheduled_start == start


def test_reschedule_refuses_an_outsider(db, team):
    cs = session_for(db, team, "preparation", at(1))
    for outsider in (make_user(db, roles=("therapist",)), make_user(db, roles=("billing",))):
        with pytest.raises(PermissionDenied):
            _move(db, outsider, cs, at(2))
    assert cs.scheduled_start == at(1)
    _move(db, make_user(db, roles=("admin",)), cs, at(2))  # same rule as scheduling
    assert cs.scheduled_start == at(2)


def test_reschedule_checks_clinician_like_scheduling(db, team):
    cs = session_for(db, team, "preparation", at(1))
    stranger = make_user(db, roles=("therapist",))
    with pytest.raises(RuleViolation, match="choose one from the care team") as info:
        _move(db, team.therapist, cs, at(2), clinician=stranger)
    assert info.value.field == "clinician_id"
    with pytest.raises(RuleViolation, match="therapist"):  # on the team, wrong role
        _move(db, team.therapist, cs, at(2), clinician=team.prescriber)
    with pytest.raises(RuleViolation, match="duration"):
        _move(db, team.therapist, cs, at(2), duration_minutes=5)
    session_for(db, team, "integration", at(3))
    with pytest.raises(RuleViolation, match="already has a session"):
        _move(db, team.therapist, cs, at(3) + timedelta(minutes=30))
    assert cs.scheduled_start == at(1) and cs.clinician_id == team.therapist.id


def test_reschedule_with_a_stale_version_is_a_conflict(db, team):
    cs = session_for(db, team, "preparation", at(1))
    loaded = cs.version
    _move(db, team.therapist, cs, at(2))
    with pytest.raises(ConflictError, match="changed by someone else"):
        _move(db, team.prescriber, cs, at(4), expected_version=loaded)
    assert cs.scheduled_start == at(2)


def test_dosing_rules_apply_at_the_new_time(db, team):
    ready_for_dosing(db, team)  # preparation at(-10), completed
    dose(db, team, at(-6))
    session_for(db, team, "integration", at(-4), "completed")
    cs = session_for(db, team, "dosing", at(-2))
    assert care.dosing_check(db, cs) is None
    # Moved before the integration: the previous dosing has no integration before it.
    _move(db, team.therapist, cs, at(-5))
    with pytest.raises(RuleViolation, match="integration"):
        care.record_dosing(db, team.therapist, cs, dosing_input(), THRESHOLDS)
    _move(db, team.therapist, cs, at(-1))
    care.record_dosing(db, team.therapist, cs, dosing_input(), THRESHOLDS)
    assert cs.status == "completed"
    assert care.administered_dosing_count(db, team.patient.id) == 2


# --- contract -----------------------------------------------------------------------------

def test_billable_sessions(db, team):
    from zoneinfo import ZoneInfo

    ready_for_dosing(db, team)  # preparation at(-10), completed
    dose(db, team, at(-3))
    session_for(db, team, "integration", at(-2), "completed")
    held = session_for(db, team, "dosing", at(-1))
    care.record_dosing(db, team.therapist, held, dosing_input(pre=(170, 100)), THRESHOLDS)
    session_for(db, team, "integration", at(2))  # scheduled: not billable
    cancelled = session_for(db, team, "integration", at(-0.5))
    care.cancel_session(db, team.therapist, cancelled, "no show")
    rows = care.billable_sessions(db, team.patient.id, clinic_time.today() - timedelta(days=30),
                                  clinic_time.today() + timedelta(days=30))
    assert [(r.kind, r.held) for r in rows] == [("preparation", False), ("dosing", False),
                                                ("integration", False), ("dosing", True)]
    assert rows[1].minutes == 120 and rows[0].minutes == 60
    assert rows[0].clinician_name == team.therapist.display_name
    la = care.billable_sessions(db, team.patient.id, clinic_time.today() - timedelta(days=30),
                                clinic_time.today(), tz=ZoneInfo("America/Los_Angeles"))
    assert la[0].service_date == (at(-10).astimezone(ZoneInfo("America/Los_Angeles")).date())
    assert care.billable_sessions(db, team.patient.id, clinic_time.today() + timedelta(days=1),
                                  clinic_time.today() + timedelta(days=30)) == []


# --- prescriptions ------------------------------------------------------------------------

def test_prescription_needs_profile_and_limits_refills(db, team):
    from kapms.network.services import ProfileData, save_profile

    # 21 CFR 1306.03: a licence in the patient's state on the issue date (tests/network).
    save_profile(db, team.prescriber, team.prescriber, ProfileData(
        kind="prescriber", licences=[("PMHNP", "NP1", team.patient.state, date(2027, 1, 10))]))
    data = care.PrescriptionInput(issued_on=date(2026, 1, 10), drug_name="Ketamine HCl",
                                  strength="100 mg", dosage_form="sublingual troche",
                                  quantity=6, directions="One troche as directed in session",
                                  refills_authorized=2)
    with pytest.raises(RuleViolation, match="DEA"):
        care.record_prescription(db, team.prescriber, team.patient, data)
    with pytest.raises(RuleViolation, match="DEA"):
        care.save_prescriber_profile(db, team.prescriber, "AB1234564", "1 Clinic Way")
    care.save_prescriber_profile(db, team.prescriber, "ab1234563", "1 Clinic Way, Oakland CA")
    with pytest.raises(RuleViolation, match="at most 5"):
        care.record_prescription(db, team.prescriber, team.patient,
                                 care.PrescriptionInput(**{**data.__dict__,
                                                           "refills_authorized": 6}))
    rx = care.record_prescription(db, team.prescriber, team.patient, data)
    assert rx.prescriber_dea == "AB1234563" and rx.patient_name == team.patient.full_name
    assert "Oakland" in rx.patient_address
    with pytest.raises(RuleViolation, match="6 months"):
        care.record_refill(db, team.prescriber, team.patient, rx, date(2026, 7, 11))
    care.record_refill(db, team.prescriber, team.patient, rx, date(2026, 2, 10))
    care.record_refill(db, team.prescriber, team.patient, rx, date(2026, 3, 10))
    with pytest.raises(RuleViolation, match="used"):
        care.record_refill(db, team.prescriber, team.patient, rx, date(2026, 4, 10))
    with pytest.raises(PermissionDenied):
        care.record_prescription(db, team.therapist, team.patient, data)


def test_sessions_cannot_be_completed_or_dosed_before_they_start(db, team):
    ready_for_dosing(db, team)
    future = session_for(db, team, "integration", at(2))
    with pytest.raises(RuleViolation, match="before it has started"):
        care.complete_session(db, team.therapist, future)
    future_dose = session_for(db, team, "dosing", at(3))
    with pytest.raises(RuleViolation, match="before the session has started"):
        care.record_dosing(db, team.therapist, future_dose, dosing_input(), THRESHOLDS)
