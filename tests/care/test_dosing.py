"""The live dosing record at the service level: every phase, every rule, both orders of
entry, the clinic-time edges, amendments, the prescriber's review list and maintenance.

Times are given to the services explicitly (``now=``): no test depends on the wall clock.
"""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.care import services as care
from kapms.care.models import PrescriberReview
from kapms.care.rules import Thresholds
from kapms.errors import ConflictError, DomainError, NotFound, PermissionDenied, RuleViolation
from tests.care.factories import (
    THRESHOLDS,
    administer,
    at,
    check_in,
    check_in_input,
    clear,
    discharge,
    dose,
    later,
    make_team,
    ready_for_dosing,
    run_dosing,
    session_for,
    vitals,
)
from tests.factories import make_user


def _reviews(db, team, kind=None):
    rows = db.query(PrescriberReview).filter_by(patient_id=team.patient.id)
    return [r for r in rows if kind is None or r.kind == kind]


# --- check-in and the hold decision -------------------------------------------------------

def test_check_in_clears_to_dose(db, team):
    clearance = ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    dosing = check_in(db, team, cs)
    assert dosing.phase == "administration" and dosing.outcome is None
    assert cs.status == "in_progress" and cs.started_at == cs.scheduled_start + timedelta(minutes=5)
    assert dosing.dosing_number == 1 and dosing.plan_version_id == clearance.plan.id
    pre = dosing.reading("pre")
    assert (pre.systolic, pre.diastolic, pre.taken_at) == (120, 80, dosing.checked_in_at)
    assert db.query(AuditEvent).filter_by(entity_type="dosing", action="create").count() == 1
    with pytest.raises(ConflictError, match="already checked in"):  # a double submit
        check_in(db, team, cs)


@pytest.mark.parametrize("pre, held", [((159, 99), False), ((160, 80), True),
                                       ((120, 100), True)])
def test_pre_dose_bp_at_the_threshold_holds(db, team, pre, held):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    dosing = check_in(db, team, cs, pre=pre)
    assert (dosing.outcome == "held") is held
    if held:
        assert cs.status == "held" and dosing.phase == "held" and dosing.given_at is None
        assert f"{pre[0]}/{pre[1]}" in dosing.hold_reason
        # the held visit lasts from check-in to the decision, within the time booked
        assert cs.started_at == dosing.checked_in_at and cs.actual_minutes == 180
        assert [r.kind for r in _reviews(db, team)] == ["held"]
        assert care.administered_dosing_count(db, team.patient.id) == 0
        # A held dose needs no integration before the next attempt.
        assert care.dosing_check(db, session_for(db, team, "dosing", at(1))) is None


def test_hold_threshold_is_a_setting(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    dosing = care.check_in(db, team.therapist, cs,
                           check_in_input(cs.scheduled_start, pre=(142, 85)),
                           Thresholds(hold_systolic=140, hold_diastolic=90), now=later(cs))
    assert dosing.outcome == "held"


def test_new_contraindication_holds(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    dosing = check_in(db, team, cs, new_contraindication="Reports pregnancy")
    assert dosing.outcome == "held" and "pregnancy" in dosing.hold_reason


@pytest.mark.parametrize("changes, words", [
    ({"setting": "telehealth", "chaperone_name": None}, "chaperone"),
    ({"setting": "home", "chaperone_phone": " "}, "chaperone"),
    ({"setting": "telehealth", "chaperone_phone": "abc"}, "Enter a phone number"),
    ({"setting": "home", "chaperone_phone": "555-1234"}, "Enter a phone number"),
    ({"setting": "car"}, "setting"),
    ({"co_medications": {"benzodiazepines": False}}, "co-medication"),
    ({"pre_heart_rate": None}, "Heart rate"),
    ({"pre_systolic": 400}, "between"),
    ({"monitoring_staff": 0}, "staff"),
])
def test_check_in_refusals_save_nothing(db, team, changes, words):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    data = check_in_input(cs.scheduled_start, setting=changes.pop("setting", "office"),
                          **changes)
    with pytest.raises(RuleViolation, match=words):
        care.check_in(db, team.therapist, cs, data, THRESHOLDS, now=later(cs))
    assert cs.dosing is None and cs.status == "scheduled"


def test_only_the_session_clinician_or_a_team_therapist_records(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    for outsider in (make_user(db, roles=("therapist",)), team.prescriber):
        with pytest.raises(PermissionDenied):
            care.check_in(db, outsider, cs, check_in_input(cs.scheduled_start), THRESHOLDS,
                          now=later(cs))


# --- the care-path rules, judged on the timeline ------------------------------------------

def test_no_dosing_without_clearance_or_preparation(db, team):
    session_for(db, team, "preparation", at(-5), "completed")
    cs = session_for(db, team, "dosing", at(-1))
    with pytest.raises(RuleViolation, match="clearance"):
        check_in(db, team, cs)
    other = make_team(db)
    clear(db, other)
    cs = session_for(db, other, "dosing", at(-1))
    with pytest.raises(RuleViolation, match="preparation"):
        check_in(db, other, cs)
    assert cs.dosing is None


def test_a_clearance_counts_only_for_dosings_after_its_decision(db, team):
    session_for(db, team, "preparation", at(-10), "completed")
    cs = session_for(db, team, "dosing", at(-5))
    clear(db, team, decided=at(-2))
    with pytest.raises(RuleViolation, match="decided after this dosing"):
        check_in(db, team, cs)
    # The check-in time is what counts: the same session checked in after the decision
    # (a session recorded late on its own day) cannot be moved past it either.
    assert "decided after" in care.dosing_check(db, cs)
    later_cs = session_for(db, team, "dosing", at(-1))
    assert care.dosing_check(db, later_cs).startswith("An earlier dosing")  # cs is open
    care.cancel_session(db, team.therapist, cs, "Recorded in error")
    assert care.dosing_check(db, later_cs) is None


def test_integration_between_dosings(db, team):
    ready_for_dosing(db, team)
    dose(db, team, at(-6))
    cs = session_for(db, team, "dosing", at(-3))
    with pytest.raises(RuleViolation, match="integration"):
        check_in(db, team, cs)
    # An integration dated after this dosing does not count for it.
    session_for(db, team, "integration", at(-2), "completed")
    with pytest.raises(RuleViolation, match="integration"):
        check_in(db, team, cs)
    session_for(db, team, "integration", at(-5), "completed")
    assert run_dosing(db, team, cs).phase == "closed"


def test_later_dosing_recorded_first_is_refused_while_the_earlier_is_open(db, team):
    """Order of entry, direction 1: the later dosing first."""
    ready_for_dosing(db, team)
    first = session_for(db, team, "dosing", at(-6))
    session_for(db, team, "integration", at(-5))  # booked, held after the first
    second = session_for(db, team, "dosing", at(-3))
    with pytest.raises(RuleViolation, match="earlier dosing .* is still open"):
        check_in(db, team, second)
    assert second.dosing is None
    run_dosing(db, team, first)
    with pytest.raises(RuleViolation, match="integration"):  # the integration not yet held
        check_in(db, team, second)
    integration = [s for s in care.patient_sessions(db, team.patient.id)
                   if s.kind == "integration"][0]
    care.complete_session(db, team.therapist, integration)
    assert run_dosing(db, team, second).dosing_number == 2


def test_earlier_dosing_recorded_after_a_later_one_is_refused(db, team):
    """Order of entry, direction 2: a dosing dated before one already recorded (e.g. a
    forgotten session entered late) cannot be slotted in, which would skip the integration
    between them and exceed the plan count."""
    ready_for_dosing(db, team, dosing_count=1)
    dose(db, team, at(-3))
    earlier = session_for(db, team, "dosing", at(-6))
    with pytest.raises(RuleViolation, match="later dosing .* is already recorded"):
        check_in(db, team, earlier)
    assert care.administered_dosing_count(db, team.patient.id) == 1


def test_plan_count_and_amending_the_plan(db, team):
    clearance = ready_for_dosing(db, team, dosing_count=1)
    dose(db, team, at(-6))
    session_for(db, team, "integration", at(-5), "completed")
    assert team.patient.stage == "follow_up"
    cs = session_for(db, team, "dosing", at(-3))
    with pytest.raises(RuleViolation, match="plan's 1 dosing sessions are all done"):
        check_in(db, team, cs)
    plan = clearance.plan
    care.revise_plan(db, team.prescriber, team.patient, clearance, care.PlanInput(
        dosing_count=2, product=plan.product, route=plan.route, dose_mg=plan.dose_mg,
        expires_on=plan.expires_on), "One more dosing", expected_number=1)
    # The new version counts for dosings after it was made (now), not for this one.
    with pytest.raises(RuleViolation, match="all done"):
        check_in(db, team, cs)
    care.cancel_session(db, team.therapist, cs, "Rebooked")
    cs = session_for(db, team, "dosing", datetime.now(UTC) - timedelta(minutes=30))
    when = datetime.now(UTC)  # after the new version
    dosing = care.check_in(db, team.therapist, cs, check_in_input(when), THRESHOLDS,
                           now=when + timedelta(minutes=1))
    assert dosing.dosing_number == 2 and dosing.plan_version.number == 2


# --- clinic-time edges --------------------------------------------------------------------

def test_dosing_on_the_clearance_expiry_day_is_judged_on_the_clinic_day(db, team):
    last_day = clinic_time.today() - timedelta(days=3)
    clear(db, team, decided=at(-40), expires_on=clinic_time.today() + timedelta(days=1))
    clearance = care.current_clearance(db, team.patient.id)
    clearance.plan.expires_on = last_day  # the plan ran out three days ago
    session_for(db, team, "preparation", at(-20), "completed")
    evening = datetime.combine(last_day, time(17, 30), clinic_time.zone()).astimezone(UTC)
    assert evening.date() > last_day  # already the next day in UTC
    cs = session_for(db, team, "dosing", evening)
    assert care.dosing_check(db, cs) is None
    next_morning = datetime.combine(last_day + timedelta(days=1), time(9), clinic_time.zone())
    late = session_for(db, team, "dosing", next_morning.astimezone(UTC))
    care.cancel_session(db, team.therapist, cs, "Moved")
    assert "No current medical clearance" in care.dosing_check(db, late)


def test_a_dosing_past_midnight_keeps_its_times_in_order(db, team):
    ready_for_dosing(db, team)
    start = datetime.combine(clinic_time.today() - timedelta(days=4), time(22, 30),
                             clinic_time.zone()).astimezone(UTC)
    cs = session_for(db, team, "dosing", start)

    def instant(hh, mm):
        return care_rules.phase_instant(cs.scheduled_start, time(hh, mm), clinic_time.zone())
    from kapms.care import rules as care_rules
    care.check_in(db, team.therapist, cs, check_in_input(instant(22, 35)), THRESHOLDS,
                  now=later(cs, 300))
    care.administer(db, team.therapist, cs, care.AdministrationInput(
        given_at=instant(23, 10), product="ketamine_sl_lozenge", route="sublingual",
        dose_mg=Decimal("200"), lot_number="L"), THRESHOLDS, cs.dosing.version,
        now=later(cs, 300))
    care.add_vitals(db, team.therapist, cs, care.VitalsInput(
        taken_at=instant(23, 50), systolic=130, diastolic=84, heart_rate=70),
        THRESHOLDS, cs.dosing.version, now=later(cs, 300))
    dosing = care.discharge(db, team.therapist, cs, care.DischargeInput(
        discharged_at=instant(0, 20), systolic=124, diastolic=80, heart_rate=70, stable=True,
        ride_home=True, no_driving_advised=True), THRESHOLDS, cs.dosing.version,
        now=later(cs, 300))
    assert dosing.monitoring_minutes == 70 and cs.actual_minutes == 105
    assert clinic_time.local_date(dosing.monitoring_end) == \
        clinic_time.local_date(cs.scheduled_start) + timedelta(days=1)


# --- the safety alert block ---------------------------------------------------------------

def test_open_suicidal_ideation_alert_blocks_dosing_until_acknowledged(db, team):
    from kapms.measures.services import acknowledge_alert, record_administration

    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    record_administration(db, team.therapist, team.patient, "PHQ-9", "baseline",
                          clinic_time.today(), [1] * 8 + [2])
    block = care.safety_alert_block(db, team.patient.id)
    assert "suicidal-ideation alert" in block
    assert care.dosing_blocks(db, cs) == [block]
    with pytest.raises(RuleViolation, match="suicidal-ideation"):
        check_in(db, team, cs)
    alert = __import__("kapms.measures.for_care", fromlist=["x"]).open_safety_alerts(
        db, team.patient.id)[0]
    acknowledge_alert(db, team.prescriber, alert.id, "Safety plan reviewed; no intent.")
    assert care.dosing_blocks(db, cs) == []
    assert check_in(db, team, cs).phase == "administration"


def test_an_alert_raised_after_check_in_blocks_the_dose(db, team):
    from kapms.measures.services import record_administration

    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    record_administration(db, team.therapist, team.patient, "PHQ-9", "baseline",
                          clinic_time.today(), [0] * 8 + [1])
    with pytest.raises(RuleViolation, match="suicidal-ideation"):
        administer(db, team, cs)
    assert cs.dosing.outcome is None


def test_another_domain_adds_a_dosing_check(db, team):
    """Issue 11's consent rule will plug in here: one list of preconditions."""
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))

    def consent_check(session, care_session, when):
        return "The informed consent is not signed."
    care.add_dosing_check(consent_check)
    try:
        assert care.dosing_blocks(db, cs) == ["The informed consent is not signed."]
        with pytest.raises(RuleViolation, match="consent"):
            check_in(db, team, cs)
    finally:
        care.DOSING_CHECKS.remove(consent_check)


# --- administration -----------------------------------------------------------------------

@pytest.mark.parametrize("changes, words", [
    ({"product": "ketamine_injection"}, "anything else needs a plan change"),
    ({"route": "intramuscular"}, "anything else needs a plan change"),
    ({"dose": Decimal("200.01")}, "above the plan's dose"),
    ({"dose": Decimal("500")}, "request a plan change"),
    ({"lot_number": " "}, "lot number"),
])
def test_the_dose_is_checked_against_the_plan(db, team, changes, words):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    with pytest.raises(RuleViolation, match=words):
        administer(db, team, cs, **changes)
    assert cs.dosing.outcome is None and cs.dosing.dose_mg is None


def test_dose_tolerance_is_a_setting(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    tolerant = Thresholds(dose_tolerance_percent=10)
    with pytest.raises(RuleViolation, match=r"221 mg is above the plan's dose \(200 mg \+ 10% = 220 mg\)"):
        care.administer(db, team.therapist, cs, care.AdministrationInput(
            given_at=cs.dosing.checked_in_at, product="ketamine_sl_lozenge",
            route="sublingual", dose_mg=Decimal("221"), lot_number="L"), tolerant,
            cs.dosing.version, now=later(cs))
    dosing = care.administer(db, team.therapist, cs, care.AdministrationInput(
        given_at=cs.dosing.checked_in_at, product="ketamine_sl_lozenge", route="sublingual",
        dose_mg=Decimal("220"), lot_number="L"), tolerant, cs.dosing.version, now=later(cs))
    assert dosing.outcome == "administered" and dosing.dose_mg == 220


def test_injections_only_in_the_office(db, team):
    clear(db, team, product="ketamine_injection", route="intramuscular")
    session_for(db, team, "preparation", at(-10), "completed")
    tele = session_for(db, team, "dosing", at(-2), modality="telehealth")
    check_in(db, team, tele, setting="telehealth")
    with pytest.raises(RuleViolation, match="never at a telehealth or at-home dosing"):
        administer(db, team, tele, product="ketamine_injection", route="intramuscular")
    care.hold(db, team.therapist, tele, "Injection needs the office", tele.dosing.version,
              now=later(tele))
    office = session_for(db, team, "dosing", at(-1))
    check_in(db, team, office)
    assert administer(db, team, office, product="ketamine_injection",
                      route="intramuscular").outcome == "administered"


def test_a_sedating_co_medication_needs_a_reason(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs, co_medications={"benzodiazepines": True, "sedative_hypnotics": False,
                                           "stimulants": False, "maois": False})
    with pytest.raises(RuleViolation, match="Benzodiazepines taken today") as info:
        administer(db, team, cs)
    assert info.value.field == "sedation_reason"
    dosing = administer(db, team, cs, sedation_reason="Lorazepam 0.5 mg last night only; "
                                                      "alert and oriented")
    assert dosing.sedation_reason.startswith("Lorazepam")


def test_the_dose_is_checked_against_the_plan_version_in_force_when_given(db, team):
    clearance = ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", datetime.now(UTC) - timedelta(minutes=60))
    check_in(db, team, cs)
    request = care.request_plan_change(db, team.therapist, team.patient, care.PlanRequestInput(
        reason="Little effect last time", dose_mg=Decimal("250")), care_session=cs)
    plan = clearance.plan
    version = care.approve_plan_request(db, team.prescriber, team.patient, request,
                                        care.PlanInput(dosing_count=6, product=plan.product,
                                                       route=plan.route,
                                                       dose_mg=Decimal("250"),
                                                       expires_on=plan.expires_on),
                                        "Agreed", expected_plan=1,
                                        expected_version=request.version)
    before = version.created_at - timedelta(minutes=5)
    with pytest.raises(RuleViolation, match="above the plan's dose"):  # v1 was in force
        administer(db, team, cs, dose=Decimal("250"), given_at=before)
    dosing = administer(db, team, cs, dose=Decimal("250"), given_at=version.created_at)
    assert dosing.plan_version_id == version.id


def test_the_dose_is_refused_when_the_clearance_was_revoked_after_check_in(db, team):
    clearance = ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", datetime.now(UTC) - timedelta(minutes=60))
    check_in(db, team, cs)
    care.revoke_clearance(db, team.prescriber, team.patient, clearance, "New finding")
    with pytest.raises(RuleViolation, match="clearance"):
        administer(db, team, cs, given_at=datetime.now(UTC))


def test_hold_instead_of_the_dose(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    with pytest.raises(RuleViolation, match="reason"):
        care.hold(db, team.therapist, cs, " ", cs.dosing.version, now=later(cs))
    dosing = care.hold(db, team.therapist, cs, "Patient anxious, wants to wait",
                       cs.dosing.version, now=later(cs))
    assert dosing.outcome == "held" and cs.status == "held"
    assert "Patient anxious" in dosing.hold_reason
    assert [r.kind for r in _reviews(db, team)] == ["held"]
    with pytest.raises(RuleViolation, match="held"):
        administer(db, team, cs)


# --- monitoring ---------------------------------------------------------------------------

def test_vitals_during_monitoring_and_the_bp_rise_flag(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs, pre=(118, 76))
    with pytest.raises(RuleViolation, match="has not been given"):
        vitals(db, team, cs) if cs.dosing.given_at else care.add_vitals(
            db, team.therapist, cs, care.VitalsInput(taken_at=at(-1), systolic=120,
                                                     diastolic=80, heart_rate=70),
            THRESHOLDS, cs.dosing.version, now=later(cs))
    administer(db, team, cs)
    with pytest.raises(RuleViolation, match="before the dose"):
        vitals(db, team, cs, minutes=-5)
    vitals(db, team, cs, bp=(150, 100))  # +32/+24: no flag
    assert cs.dosing.bp_flag is None
    with pytest.raises(RuleViolation, match="additional"):
        vitals(db, team, cs, minutes=45)
    vitals(db, team, cs, minutes=60, bp=(158, 84), kind="extra")  # +40: flagged
    assert "+40/+8" in cs.dosing.bp_flag
    assert [r.kind for r in _reviews(db, team)] == ["bp_rise"]
    assert care.patient_path(db, team.patient, THRESHOLDS)["flags"][0].id == cs.dosing.id


def test_adverse_events_and_serious_ones_go_to_the_prescriber(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    event = care.add_adverse_event(db, team.therapist, cs, care.AdverseEventInput(
        occurred_at=cs.dosing.checked_in_at, kind="anxiety", severity="mild"),
        cs.dosing.version, now=later(cs))  # before the dose: allowed
    assert not event.serious and _reviews(db, team) == []
    with pytest.raises(RuleViolation, match="adverse event"):
        care.add_adverse_event(db, team.therapist, cs, care.AdverseEventInput(
            occurred_at=cs.dosing.checked_in_at, kind="hiccups", severity="mild"),
            cs.dosing.version, now=later(cs))
    administer(db, team, cs)
    care.add_adverse_event(db, team.therapist, cs, care.AdverseEventInput(
        occurred_at=cs.dosing.given_at + timedelta(minutes=20), kind="respiratory_depression",
        severity="severe", serious=True, notes="SpO2 88%, recovered with stimulation"),
        cs.dosing.version, now=later(cs))
    review = _reviews(db, team, "serious_ae")[0]
    assert "Respiratory depression" in review.summary and "SpO2 88%" in review.summary
    assert [e.kind for e in cs.dosing.adverse_events] == ["anxiety", "respiratory_depression"]


def test_an_adverse_event_after_closing_is_a_late_entry_with_a_reason(db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1))
    data = care.AdverseEventInput(occurred_at=cs.dosing.given_at + timedelta(minutes=30),
                                  kind="nausea", severity="mild")
    with pytest.raises(RuleViolation, match="late entry"):
        care.add_adverse_event(db, team.therapist, cs, data, cs.dosing.version, now=later(cs))
    data.late_reason = "Patient mentioned it at integration"
    care.add_adverse_event(db, team.therapist, cs, data, cs.dosing.version, now=later(cs))
    amendment = cs.dosing.amendments[0]
    assert amendment.new_value == "Nausea, Mild" and amendment.reason.startswith("Patient")
    data.occurred_at = cs.dosing.monitoring_end + timedelta(minutes=1)
    with pytest.raises(RuleViolation, match="after discharge"):
        care.add_adverse_event(db, team.therapist, cs, data, cs.dosing.version, now=later(cs))


def test_chaperone_check_ins_and_missed_ones(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1), modality="telehealth")
    check_in(db, team, cs, setting="telehealth")
    dosing = administer(db, team, cs)
    given = dosing.given_at

    def log(minutes, status="ok", note=None, by="Sam Rivera"):
        return care.add_chaperone_checkin(db, team.therapist, cs, care.ChaperoneCheckinInput(
            at=given + timedelta(minutes=minutes), by=by, status=status, note=note),
            cs.dosing.version, now=later(cs))
    log(15)
    with pytest.raises(RuleViolation, match="Describe the concern"):
        log(30, "concern")
    with pytest.raises(RuleViolation, match="who"):
        log(30, by=" ")
    log(44, "concern", "Patient tearful, settled with music")
    # At 75 minutes: slots 15 and 45 done, 30 and 60 missed, 75 pending.
    live = care.live_status(cs.dosing, THRESHOLDS, given + timedelta(minutes=75))
    assert [(s.due_at - given, s.state) for s in live.checkins] == [
        (timedelta(minutes=15), "done"), (timedelta(minutes=30), "missed"),
        (timedelta(minutes=45), "done"), (timedelta(minutes=60), "missed"),
        (timedelta(minutes=75), "pending")]
    assert live.next_checkin.due_at == given + timedelta(minutes=75)
    assert live.vitals.state == "overdue"  # no ~40-minute vitals yet


def test_chaperone_check_ins_only_for_chaperoned_settings(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    administer(db, team, cs)
    with pytest.raises(RuleViolation, match="telehealth and at-home"):
        care.add_chaperone_checkin(db, team.therapist, cs, care.ChaperoneCheckinInput(
            at=cs.dosing.given_at, by="x", status="ok"), cs.dosing.version, now=later(cs))


def test_vitals_due_then_overdue(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    given = administer(db, team, cs).given_at
    states = [care.live_status(cs.dosing, THRESHOLDS, given + timedelta(minutes=m)).vitals.state
              for m in (39, 40, 49, 50)]
    assert states == ["upcoming", "due", "due", "overdue"]
    vitals(db, team, cs, minutes=52)
    assert care.live_status(cs.dosing, THRESHOLDS, given + timedelta(minutes=60)).vitals.state \
        == "done"


# --- discharge ----------------------------------------------------------------------------

def test_discharge_needs_the_checks_vitals_and_minimum_monitoring(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    administer(db, team, cs)
    with pytest.raises(RuleViolation, match="~40-minute vitals"):
        discharge(db, team, cs)
    vitals(db, team, cs)
    for changes in ({"stable": False}, {"ride_home": False}, {"no_driving_advised": False}):
        with pytest.raises(RuleViolation, match="stable, a safe ride home"):
            discharge(db, team, cs, **changes)
    with pytest.raises(RuleViolation, match="Heart rate"):
        discharge(db, team, cs, heart_rate=None)
    with pytest.raises(RuleViolation, match="last entry"):  # before the 40-minute vitals
        discharge(db, team, cs, minutes=30)
    with pytest.raises(RuleViolation, match="lasted 59 minutes: the clinic's minimum is 60"):
        discharge(db, team, cs, minutes=59)
    dosing = discharge(db, team, cs, minutes=60)
    assert dosing.phase == "closed" and dosing.monitoring_minutes == 60
    assert cs.status == "completed" and cs.ended_at == dosing.monitoring_end
    assert team.patient.stage == "dosing"
    with pytest.raises(RuleViolation, match="closed"):
        vitals(db, team, cs, kind="extra")


def test_minimum_monitoring_is_a_setting(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    administer(db, team, cs)
    vitals(db, team, cs)
    with pytest.raises(RuleViolation, match="minimum is 90"):
        care.discharge(db, team.therapist, cs, care.DischargeInput(
            discharged_at=cs.dosing.given_at + timedelta(minutes=80), systolic=120,
            diastolic=80, heart_rate=70, stable=True, ride_home=True,
            no_driving_advised=True), Thresholds(min_monitoring_minutes=90),
            cs.dosing.version, now=later(cs))


def test_a_stale_phase_save_is_a_conflict(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    loaded = cs.dosing.version
    administer(db, team, cs)
    with pytest.raises(ConflictError, match="changed by someone else"):
        care.add_vitals(db, team.therapist, cs, care.VitalsInput(
            taken_at=cs.dosing.given_at + timedelta(minutes=40), systolic=120, diastolic=80,
            heart_rate=70), THRESHOLDS, loaded, now=later(cs))
    with pytest.raises(ConflictError):
        care.hold(db, team.therapist, cs, "x", None, now=later(cs))


# --- amendments ---------------------------------------------------------------------------

def _amend(db, team, cs, target, value, reason="Typing mistake"):
    return care.amend_dosing(db, team.therapist, cs, target, value, reason, THRESHOLDS,
                             cs.dosing.version, now=later(cs))


def test_an_amendment_keeps_the_old_value(db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1))
    amendment = _amend(db, team, cs, "lot_number", "KX-2")
    assert (amendment.old_value, amendment.new_value) == ("LOT-1", "KX-2")
    assert amendment.amended_by_id == team.therapist.id and cs.dosing.lot_number == "KX-2"
    assert "amended lot_number" in db.query(AuditEvent).filter_by(
        entity_type="dosing").order_by(AuditEvent.id.desc()).first().detail
    with pytest.raises(RuleViolation, match="reason"):
        _amend(db, team, cs, "lot_number", "KX-3", reason=" ")
    with pytest.raises(RuleViolation, match="already recorded"):
        _amend(db, team, cs, "lot_number", "KX-2")
    with pytest.raises(DomainError, match="Choose a recorded value"):
        _amend(db, team, cs, "hold_reason", "x")
    values = {a.target: a.current for a in care.amendable_values(cs.dosing)}
    assert values["lot_number"] == "KX-2" and values["dose_mg"] == "200"


@pytest.mark.parametrize("target, value, words", [
    ("dose_mg", "250", "above the plan's dose"),
    ("route", "Intramuscular (in office)", "needs a plan change"),
    ("monitoring_end", None, "minimum is 60"),
    ("given_at", None, "after discharge|before the dose|minimum"),
    ("monitoring_staff", "0", "staff"),
    ("dose_mg", "abc", "not a valid value"),
    ("chaperone_phone", "abc", "Enter a phone number"),
])
def test_an_amendment_must_keep_the_rules(db, team, target, value, words):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1))
    local = clinic_time.zone()
    if target == "monitoring_end":  # 50 minutes after the dose
        value = f"{(cs.dosing.given_at + timedelta(minutes=50)).astimezone(local):%H:%M}"
    if target == "given_at":  # after the ~40-minute vitals
        value = f"{(cs.dosing.given_at + timedelta(minutes=45)).astimezone(local):%H:%M}"
    with pytest.raises(RuleViolation, match=words):
        _amend(db, team, cs, target, value)
    assert cs.dosing.amendments == []


def test_amending_a_reading_recomputes_the_flag(db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1), pre=(120, 80), mid=(130, 85))
    mid = cs.dosing.reading("mid")
    _amend(db, team, cs, f"vitals:{mid.id}:systolic", "165")
    assert "+45" in cs.dosing.bp_flag and _reviews(db, team, "bp_rise")
    pre = cs.dosing.reading("pre")
    with pytest.raises(RuleViolation, match="change the hold decision"):
        _amend(db, team, cs, f"vitals:{pre.id}:systolic", "170")


def test_amending_an_event_to_serious_tells_the_prescriber(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    administer(db, team, cs)
    event = care.add_adverse_event(db, team.therapist, cs, care.AdverseEventInput(
        occurred_at=cs.dosing.given_at, kind="vomiting", severity="moderate"),
        cs.dosing.version, now=later(cs))
    _amend(db, team, cs, f"adverse_event:{event.id}:serious", "yes", "Needed antiemetic")
    assert event.serious and _reviews(db, team, "serious_ae")
    _amend(db, team, cs, f"adverse_event:{event.id}:severity", "Severe")
    assert event.severity == "severe"


def test_amending_the_check_in_time_moves_the_pre_dose_reading(db, team):
    ready_for_dosing(db, team)
    cs = dose(db, team, at(-1))
    new = cs.dosing.checked_in_at - timedelta(minutes=2)
    _amend(db, team, cs, "checked_in_at", f"{new.astimezone(clinic_time.zone()):%H:%M}")
    assert cs.dosing.reading("pre").taken_at == new == cs.started_at
    assert cs.actual_minutes == 127


# --- the prescriber's home ----------------------------------------------------------------

def test_review_items_are_acknowledged_with_a_note(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs, pre=(170, 105))
    rows = care.open_reviews(db, team.prescriber, limit=10)
    assert [r.kind for r in rows] == ["held"]
    assert care.open_reviews(db, make_user(db, roles=("prescriber",)), limit=10) == []
    with pytest.raises(PermissionDenied):
        care.open_reviews(db, team.therapist, limit=10)
    with pytest.raises(RuleViolation, match="note"):
        care.acknowledge_review(db, team.prescriber, rows[0].id, " ", rows[0].version)
    with pytest.raises(NotFound):
        care.acknowledge_review(db, make_user(db, roles=("prescriber",)), rows[0].id, "ok",
                                rows[0].version)
    care.acknowledge_review(db, team.prescriber, rows[0].id, "Recheck BP in a week; "
                            "amlodipine started", rows[0].version)
    assert rows[0].reviewed_by_id == team.prescriber.id
    assert care.open_reviews(db, team.prescriber, limit=10) == []
    with pytest.raises(ConflictError, match="already acknowledged"):
        care.acknowledge_review(db, team.prescriber, rows[0].id, "again", rows[0].version)


def test_follow_up_due_after_dosing_two(db, team):
    ready_for_dosing(db, team)
    dose(db, team, at(-9))
    session_for(db, team, "integration", at(-8), "completed")
    assert care.follow_ups_due(db, team.prescriber, THRESHOLDS, limit=10) == []
    dose(db, team, at(-6))
    rows = care.follow_ups_due(db, team.prescriber, THRESHOLDS, limit=10)
    assert [r.patient.id for r in rows] == [team.patient.id]
    assert "2 dosings done" in rows[0].reason and rows[0].booked is None
    path = care.patient_path(db, team.patient, THRESHOLDS)
    assert any("due after dosing 2" in d for d in path["next_due"])
    session_for(db, team, "follow_up", at(-5), "completed")
    assert care.follow_ups_due(db, team.prescriber, THRESHOLDS, limit=10) == []


def test_follow_up_due_thirty_clinic_days_after_the_first_dosing(db, team):
    clear(db, team, decided=at(-60))
    session_for(db, team, "preparation", at(-50), "completed")
    # The first dosing at 11:30 pm clinic time: already the next day in UTC.
    day = clinic_time.today() - timedelta(days=40)
    start = datetime.combine(day, time(22, 0), clinic_time.zone()).astimezone(UTC)
    dose(db, team, start)
    assert clinic_time.local_date(start) == day

    def due(today):
        return care.follow_ups_due(db, team.prescriber, THRESHOLDS, today=today, limit=10)
    assert due(day + timedelta(days=29)) == []
    rows = due(day + timedelta(days=30))
    assert "30 days since the first dosing" in rows[0].reason
    assert due(day + timedelta(days=30)) and not due(day + timedelta(days=29))
    booked = session_for(db, team, "follow_up", at(3))
    assert due(day + timedelta(days=31))[0].booked == booked.scheduled_start


def test_clearances_expiring_and_plan_requests_on_the_home(db, team):
    clear(db, team, expires_on=clinic_time.today() + timedelta(days=30))
    rows = care.clearances_expiring(db, team.prescriber, THRESHOLDS, limit=10)
    assert [(r.patient.id, r.days_left) for r in rows] == [(team.patient.id, 30)]
    other = make_team(db)
    clear(db, other, expires_on=clinic_time.today() + timedelta(days=31))
    assert care.clearances_expiring(db, other.prescriber, THRESHOLDS, limit=10) == []
    request = care.request_plan_change(db, team.therapist, team.patient, care.PlanRequestInput(
        reason="Higher dose", dose_mg=Decimal("250")))
    assert care.open_plan_requests(db, team.prescriber, limit=10) == [request]
    assert care.open_plan_requests(db, other.prescriber, limit=10) == []


def test_home_lists_are_paged_and_audited(db, team):
    ready_for_dosing(db, team)
    for day in (-5, -4, -3):
        check_in(db, team, session_for(db, team, "dosing", at(day)), pre=(170, 100))
    first = care.open_reviews(db, team.prescriber, limit=2)
    second = care.open_reviews(db, team.prescriber, limit=2, offset=2)
    assert len(first) == 2 and len(second) == 1 and second[0] not in first
    assert db.query(AuditEvent).filter_by(user_id=team.prescriber.id, detail="review list",
                                          patient_id=team.patient.id).count() == 2


# --- maintenance --------------------------------------------------------------------------

def test_maintenance_is_a_stage_of_its_own(db, team):
    clearance = ready_for_dosing(db, team, dosing_count=1)
    dose(db, team, at(-8))
    session_for(db, team, "integration", at(-7), "completed")
    assert team.patient.stage == "follow_up"
    plan = clearance.plan
    version = care.revise_plan(db, team.prescriber, team.patient, clearance, care.PlanInput(
        dosing_count=1, maintenance_dosings=1, product=plan.product, route=plan.route,
        dose_mg=plan.dose_mg, expires_on=plan.expires_on), "Maintenance after the course",
        expected_number=1)
    version.created_at = at(-6)  # decided a few days ago
    # Maintenance follows the course's medical follow-up.
    early = session_for(db, team, "dosing", at(-5))
    with pytest.raises(RuleViolation, match="follows the course's medical follow-up"):
        check_in(db, team, early)
    care.cancel_session(db, team.therapist, early, "Follow-up first")
    session_for(db, team, "follow_up", at(-4), "completed")
    assert team.patient.stage == "maintenance"
    cs = session_for(db, team, "dosing", at(-3))
    run_dosing(db, team, cs)
    assert cs.dosing.maintenance and cs.dosing.dosing_number == 2
    assert team.patient.stage == "maintenance"  # its integration is due
    session_for(db, team, "integration", at(-2), "completed")
    assert team.patient.stage == "completed"
    again = session_for(db, team, "dosing", at(-1))
    assert "maintenance dosings" in care.dosing_check(db, again)
