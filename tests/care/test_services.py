"""Care services without HTTP: clearance, plan versions and requests, scheduling, the
contract, prescriptions. The dosing record's rules are in test_dosing.py."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.care import services as care
from kapms.errors import ConflictError, PermissionDenied, RuleViolation
from tests.care.factories import (
    THRESHOLDS,
    at,
    check_in,
    check_in_input,
    clear,
    dose,
    ready_for_dosing,
    run_dosing,
    screen,
    session_for,
)
from tests.factories import make_user

# --- clearance ----------------------------------------------------------------------------

def test_clearance_sets_plan_version_expiry_and_stage(db, team):
    clearance = clear(db, team)
    plan = clearance.plan
    assert plan.number == 1 and plan.dosing_count == 6 and plan.created_by_id == team.prescriber.id
    assert plan.expires_on.year == clinic_time.today().year + 1
    assert team.patient.stage == "preparation"
    assert care.treatment_plan_dosings(db, team.patient.id) == 6


@pytest.mark.parametrize("item", ["psychosis", "pregnancy", "unstable_medical"])
def test_any_contraindication_yes_needs_an_override(db, team, item):
    with pytest.raises(RuleViolation, match="override") as info:
        clear(db, team, screen=screen(item))
    assert info.value.field == "override_reason"
    clearance = clear(db, team, screen=screen(item),
                      override_reason="Reviewed with the patient's physician")
    assert clearance.override_reason.startswith("Reviewed")
    assert clearance.screen[item]["yes"] is True
    assert db.query(AuditEvent).filter_by(entity_type="clearance").count() == 1


def test_clearing_needs_every_item_answered_and_baseline_vitals(db, team):
    partial = screen()
    del partial["glaucoma"]
    with pytest.raises(RuleViolation, match="Uncontrolled glaucoma"):
        clear(db, team, screen=partial)
    unanswered = {**screen(), "allergy": {"yes": None, "notes": ""}}
    with pytest.raises(RuleViolation, match="Ketamine allergy"):
        clear(db, team, screen=unanswered)
    with pytest.raises(RuleViolation, match="baseline vitals"):
        clear(db, team, heart_rate=None)
    with pytest.raises(RuleViolation, match="baseline vitals"):
        clear(db, team, bp_systolic=None)
    with pytest.raises(RuleViolation, match="decision"):
        clear(db, team, decision="")
    # A deferral may be recorded with the screen half done (more information needed).
    deferred = care.record_clearance(db, team.prescriber, team.patient, care.ClearanceInput(
        decision="deferred", reason="Awaiting ECG", screen={"glaucoma": {"yes": False}}),
        THRESHOLDS)
    assert deferred.screen == {"glaucoma": {"yes": False, "notes": ""}} and deferred.plan is None


def test_missing_baseline_measures_are_noted_not_refused(db, team):
    from kapms.measures.services import record_administration

    team.patient.diagnosis_code = "F41.1"  # PHQ-9 and GAD-7
    assert "PHQ-9, GAD-7" in care.baseline_warning(db, team.patient)
    assert clear(db, team).baseline_measures_missing == "PHQ-9, GAD-7"
    record_administration(db, team.therapist, team.patient, "PHQ-9", "baseline",
                          clinic_time.today(), [1] * 9)
    assert care.baseline_warning(db, team.patient) == (
        "No baseline GAD-7 on record: give the baseline measures before dosing (the "
        "clearance notes what was missing).")


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
    cs = session_for(db, team, "dosing", datetime.now(UTC) - timedelta(minutes=30))
    care.revoke_clearance(db, team.prescriber, team.patient, clearance, "New cardiac finding")
    assert team.patient.stage == "intake"
    when = datetime.now(UTC)  # checked in after the revocation
    with pytest.raises(RuleViolation, match="clearance"):
        care.check_in(db, team.therapist, cs, check_in_input(when), THRESHOLDS, now=when)
    # A dosing that happened before the revocation may still be recorded (the timeline).
    earlier = session_for(db, team, "dosing", at(-2))
    assert care.dosing_check(db, earlier) is None
    with pytest.raises(RuleViolation):
        care.revoke_clearance(db, team.prescriber, team.patient, clearance, "again")


def test_read_clearance_is_audited_and_scoped(db, team):
    from kapms.errors import NotFound

    clearance = clear(db, team)
    found, patient = care.read_clearance(db, team.therapist, clearance.id)
    assert found is clearance and patient is team.patient
    assert db.query(AuditEvent).filter_by(entity_type="clearance", action="view").count() == 1
    with pytest.raises(NotFound):
        care.read_clearance(db, make_user(db, roles=("therapist",)), clearance.id)
    with pytest.raises(NotFound):
        care.read_clearance(db, team.therapist, clearance.id + 999)


# --- plan versions and change requests ----------------------------------------------------

def _plan(clearance, **changes) -> care.PlanInput:
    p = clearance.plan
    values = dict(dosing_count=p.dosing_count, product=p.product, route=p.route,
                  dose_mg=p.dose_mg, expires_on=p.expires_on,
                  maintenance_dosings=p.maintenance_dosings)
    values.update(changes)
    return care.PlanInput(**values)


def test_plan_revision_is_a_new_version_and_old_ones_are_kept(db, team):
    clearance = clear(db, team)
    version = care.revise_plan(db, team.prescriber, team.patient, clearance,
                               _plan(clearance, dose_mg=Decimal("250"), route="sublingual"),
                               "Partial response at 200 mg", expected_number=1)
    db.expire(clearance, ["plans"])
    assert [p.number for p in clearance.plans] == [1, 2]
    assert clearance.plans[0].dose_mg == Decimal("200") and clearance.plan.dose_mg == 250
    assert version.reason == "Partial response at 200 mg"
    with pytest.raises(ConflictError, match="changed by someone else"):  # based on version 1
        care.revise_plan(db, team.prescriber, team.patient, clearance,
                         _plan(clearance, dosing_count=8), "More dosings", expected_number=1)
    with pytest.raises(RuleViolation, match="reason"):
        care.revise_plan(db, team.prescriber, team.patient, clearance,
                         _plan(clearance, dosing_count=8), " ", expected_number=2)
    with pytest.raises(RuleViolation, match="Nothing changed"):
        care.revise_plan(db, team.prescriber, team.patient, clearance, _plan(clearance),
                         "same", expected_number=2)
    with pytest.raises(RuleViolation, match="expiry"):
        care.revise_plan(db, team.prescriber, team.patient, clearance,
                         _plan(clearance, expires_on=clinic_time.today()), "x",
                         expected_number=2)
    with pytest.raises(PermissionDenied):
        care.revise_plan(db, team.therapist, team.patient, clearance,
                         _plan(clearance, dosing_count=8), "x", expected_number=2)


def test_plan_request_approved_as_a_new_version(db, team):
    clearance = clear(db, team)
    request = care.request_plan_change(db, team.therapist, team.patient, care.PlanRequestInput(
        reason="Little effect at 200 mg", dose_mg=Decimal("250")))
    with pytest.raises(ConflictError, match="already waiting"):  # one open request
        care.request_plan_change(db, team.therapist, team.patient, care.PlanRequestInput(
            reason="again", dose_mg=Decimal("250")))
    assert care.open_plan_request(db, team.patient.id) is request
    version = care.approve_plan_request(db, team.prescriber, team.patient, request,
                                        _plan(clearance, dose_mg=Decimal("250")),
                                        "Agreed: 250 mg", expected_plan=1,
                                        expected_version=request.version)
    assert request.status == "approved" and request.plan_version_id == version.id
    assert version.number == 2 and version.dose_mg == 250
    assert care.open_plan_request(db, team.patient.id) is None
    with pytest.raises(ConflictError):  # decided already
        care.decline_plan_request(db, team.prescriber, team.patient, request, "no", 99)


def test_plan_request_declined_with_a_note(db, team):
    clear(db, team)
    request = care.request_plan_change(db, team.therapist, team.patient, care.PlanRequestInput(
        reason="More sessions", dosing_count=8))
    with pytest.raises(RuleViolation, match="why"):
        care.decline_plan_request(db, team.prescriber, team.patient, request, " ",
                                  request.version)
    with pytest.raises(PermissionDenied):
        care.decline_plan_request(db, team.therapist, team.patient, request, "no",
                                  request.version)
    care.decline_plan_request(db, team.prescriber, team.patient, request,
                              "Review after dosing 4", request.version)
    assert request.status == "declined" and request.decision_note == "Review after dosing 4"


def test_plan_request_needs_a_change_a_reason_and_a_clearance(db, team):
    with pytest.raises(RuleViolation, match="no current clearance"):
        care.request_plan_change(db, team.therapist, team.patient, care.PlanRequestInput(
            reason="x", dose_mg=Decimal("250")))
    clear(db, team)
    with pytest.raises(RuleViolation, match="what should change"):
        care.request_plan_change(db, team.therapist, team.patient,
                                 care.PlanRequestInput(reason="x"))
    with pytest.raises(RuleViolation, match="why"):
        care.request_plan_change(db, team.therapist, team.patient,
                                 care.PlanRequestInput(reason=" ", dose_mg=Decimal("250")))
    with pytest.raises(PermissionDenied):
        care.request_plan_change(db, make_user(db, roles=("therapist",)), team.patient,
                                 care.PlanRequestInput(reason="x", dose_mg=Decimal("250")))


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
    # The clock a month back: these tests move sessions around days already past.
    values = dict(start=start, duration_minutes=cs.duration_minutes, modality=cs.modality,
                  clinician=cs.clinician, expected_version=cs.version, now=at(-30))
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
        check_in(db, team, cs, pre=(170, 100))
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
        check_in(db, team, cs)
    _move(db, team.therapist, cs, at(-1))
    run_dosing(db, team, cs)
    assert cs.status == "completed"
    assert care.administered_dosing_count(db, team.patient.id) == 2


# --- contract -----------------------------------------------------------------------------

def test_billable_sessions(db, team):
    from zoneinfo import ZoneInfo

    ready_for_dosing(db, team)  # preparation at(-10), completed
    dosed = dose(db, team, at(-3))
    session_for(db, team, "integration", at(-2), "completed")
    held = session_for(db, team, "dosing", at(-1), modality="telehealth")
    check_in(db, team, held, pre=(170, 100), setting="home")
    session_for(db, team, "integration", at(2))  # scheduled: not billable
    cancelled = session_for(db, team, "integration", at(-0.5))
    care.cancel_session(db, team.therapist, cancelled, "no show")
    rows = care.billable_sessions(db, team.patient.id, clinic_time.today() - timedelta(days=30),
                                  clinic_time.today() + timedelta(days=30))
    assert [(r.kind, r.held) for r in rows] == [("preparation", False), ("dosing", False),
                                                ("integration", False), ("dosing", True)]
    assert rows[0].minutes == 60 and rows[0].clinician_name == team.therapist.display_name
    # The dosing: check-in 5 min after the start, dose at 10, discharge 120 min after it.
    dosing = rows[1]
    assert dosing.minutes == 125 and dosing.monitoring_minutes == 120
    assert dosing.started_at == dosed.scheduled_start + timedelta(minutes=5)
    assert dosing.ended_at == dosed.scheduled_start + timedelta(minutes=130)
    assert (dosing.setting, dosing.monitoring_staff) == ("office", 0)  # the therapist alone
    assert rows[3].setting == "home" and rows[3].monitoring_minutes is None
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
    with pytest.raises(RuleViolation, match="in the future"):
        care.check_in(db, team.therapist, future_dose,
                      check_in_input(future_dose.scheduled_start), THRESHOLDS,
                      now=future_dose.scheduled_start - timedelta(hours=1))
    assert future_dose.dosing is None and future_dose.status == "scheduled"
