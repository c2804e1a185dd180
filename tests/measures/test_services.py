"""Giving measures, safety alerts and licensed item text, without HTTP."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.errors import ConflictError, NotFound, PermissionDenied, RuleViolation
from kapms.measures import services
from kapms.measures.models import Administration, LicensedItemText, SafetyAlert
from kapms.measures.services import care_data
from tests.factories import make_user
from tests.measures.conftest import make_patient, mbi, phq9

TODAY = date(2026, 3, 10)


def _record(db, actor, patient, instrument="PHQ-9", point="baseline", answers=None, **kw):
    return services.record_administration(
        db, actor, patient, instrument, point, kw.pop("given_on", TODAY),
        answers if answers is not None else phq9(12), today=TODAY, **kw)


def _events(db, action, entity_type):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                               AuditEvent.entity_type == entity_type)).all()


def test_record_stores_derived_columns_and_audits(db, therapist, patient):
    admin = _record(db, therapist, patient, answers=phq9(12, item3=2))
    assert (admin.total, admin.severity, admin.item3, admin.item9) == (12, "moderate", 2, 0)
    assert admin.suicidal_ideation is False and admin.burnout is None
    assert admin.answer_list == phq9(12, item3=2)
    assert len(_events(db, "create", "measure_administration")) == 1
    assert db.scalar(select(SafetyAlert)) is None


def test_mbi_stores_integer_subscale_sums_and_burnout_flag(db, therapist, patient):
    # exhaustion 24/5 = 4.8 exactly, cynicism 19/5 = 3.8 exactly: meets the threshold
    admin = _record(db, therapist, patient, "MBI-GS", answers=mbi(24, 19, 30))
    assert (admin.exhaustion_sum, admin.cynicism_sum, admin.efficacy_sum) == (24, 19, 30)
    assert admin.total is None and admin.burnout is True
    assert admin.subscale_means == {"exhaustion": 4.8, "cynicism": 3.8,
                                    "professional_efficacy": 5.0}
    below = _record(db, therapist, patient, "MBI-GS", "after_dosing_2", answers=mbi(23, 19, 20))
    assert below.burnout is False


def test_pcl5_stores_dsm5_flag(db, therapist, patient):
    admin = _record(db, therapist, patient, "PCL-5", answers=[2] * 20)
    assert admin.total == 40 and admin.severity == "probable ptsd"
    assert admin.dsm5_criteria_met is True


def test_item9_above_zero_raises_audited_alert(db, therapist, patient):
    admin = _record(db, therapist, patient, answers=phq9(10, item9=1))
    alert = db.scalar(select(SafetyAlert))
    assert alert.administration_id == admin.id and alert.item9_answer == 1 and alert.is_open
    assert services.open_alerts_for_patient(db, patient.id) == [alert]
    assert len(_events(db, "create", "safety_alert")) == 1


@pytest.mark.parametrize("answers", [[0] * 8, [4] + [0] * 8, [-1] + [0] * 8,
                                     ["1"] + [0] * 8, [None] * 9, "000000000"])
def test_invalid_answers_refused_and_nothing_saved(db, therapist, patient, answers):
    with pytest.raises(RuleViolation):
        _record(db, therapist, patient, answers=answers)
    assert db.scalar(select(Administration)) is None


def test_unknown_instrument_point_and_future_date_refused(db, therapist, patient):
    with pytest.raises(RuleViolation):
        _record(db, therapist, patient, "BDI-II")
    with pytest.raises(RuleViolation):
        _record(db, therapist, patient, point="after_dosing_3")
    with pytest.raises(RuleViolation):
        _record(db, therapist, patient, given_on=TODAY + timedelta(days=1))


def test_second_administration_at_same_point_is_a_conflict(db, therapist, patient):
    _record(db, therapist, patient)
    with pytest.raises(ConflictError):
        _record(db, therapist, patient)
    assert len(db.scalars(select(Administration)).all()) == 1
    _record(db, therapist, patient, "GAD-7", answers=[1] * 7)  # another instrument is fine


def test_only_clinicians_record(db, patient):
    billing = make_user(db, roles=("billing",))
    with pytest.raises(PermissionDenied):
        _record(db, billing, patient)


def test_acknowledge_with_note_closes_alert_and_audits(db, therapist, patient):
    _record(db, therapist, patient, answers=phq9(10, item9=2))
    alert = db.scalar(select(SafetyAlert))
    services.acknowledge_alert(db, therapist, alert.id, "  Called patient; safety plan.  ")
    assert not alert.is_open and alert.acknowledged_by_id == therapist.id
    assert alert.acknowledgement_note == "Called patient; safety plan."
    assert services.open_alerts_for_patient(db, patient.id) == []
    assert len(_events(db, "acknowledge", "safety_alert")) == 1
    with pytest.raises(ConflictError):
        services.acknowledge_alert(db, therapist, alert.id, "again")


def test_acknowledge_needs_note_and_care_team(db, therapist, patient):
    _record(db, therapist, patient, answers=phq9(10, item9=1))
    alert = db.scalar(select(SafetyAlert))
    with pytest.raises(RuleViolation):
        services.acknowledge_alert(db, therapist, alert.id, "   ")
    with pytest.raises(RuleViolation):
        services.acknowledge_alert(db, therapist, alert.id, "x" * 2001)
    other = make_user(db, roles=("therapist",))
    with pytest.raises(NotFound):
        services.acknowledge_alert(db, other, alert.id, "not mine")
    with pytest.raises(NotFound):
        services.acknowledge_alert(db, therapist, 999999, "missing")
    with pytest.raises(ConflictError):  # a stale form: the version moved on
        services.acknowledge_alert(db, therapist, alert.id, "note", version=alert.version + 1)
    assert alert.is_open


def test_dashboard_alerts_only_for_own_care_team(db, therapist, patient):
    mine = _record(db, therapist, patient, answers=phq9(10, item9=1))
    other = make_user(db, roles=("therapist",))
    theirs = make_patient(db, other)
    _record(db, other, theirs, answers=phq9(5, item9=3))
    assert [a.administration_id for a in services.open_alerts_for_care_team(db, therapist)] \
        == [mine.id]
    assert services.open_alerts_for_care_team(db, make_user(db, roles=("billing",))) == []


def test_schedule_before_any_dosing_has_only_the_baseline(db, therapist, patient):
    rows = [_record(db, therapist, patient)]
    schedule = services.measure_schedule(db, patient, rows)
    assert [r.instrument for r in schedule] == ["PHQ-9"]
    assert dict(schedule[0].points)["baseline"] == "recorded"
    assert care_data.dosings_done(db, patient.id) == 0


def test_schedule_follows_the_dosings_the_care_path_records(db):
    from tests.care.factories import at, dose, make_team, ready_for_dosing, session_for

    team = make_team(db)
    ready_for_dosing(db, team)
    dose(db, team, at(-7))
    session_for(db, team, "integration", at(-6), "completed")
    dose(db, team, at(-3))
    assert care_data.dosings_done(db, team.patient.id) == 2
    _record(db, team.therapist, team.patient)
    schedule = services.measure_schedule(db, team.patient, [])
    assert dict(schedule[0].points)["after_dosing_2"] == "due"


def test_licensed_text_loaded_replaced_and_used_for_labels(db):
    admin = make_user(db, roles=("admin",))
    assert services.item_labels(db, "MBI-GS")[:2] == ["Item 1", "Item 2"]
    texts = {n: f"Wording {n}" for n in range(1, 17)}
    services.load_item_texts(db, admin, "MBI-GS", texts)
    services.load_item_texts(db, admin, "MBI-GS", {**texts, 3: "New wording 3"})
    labels = services.item_labels(db, "MBI-GS")
    assert labels[0] == "Wording 1" and labels[2] == "New wording 3" and len(labels) == 16
    assert len(db.scalars(select(LicensedItemText)).all()) == 16
    with pytest.raises(RuleViolation):
        services.load_item_texts(db, admin, "MBI-GS", {1: "only one"})
    with pytest.raises(PermissionDenied):
        services.load_item_texts(db, make_user(db, roles=("therapist",)), "MBI-GS", texts)
    assert services.option_labels("MBI-GS")[0] == (0, "0")
    assert services.option_labels("PHQ-9")[3] == (3, "Nearly every day")


def test_baseline_knows_whether_the_course_was_completed_in_either_order(db, therapist):
    first = make_patient(db, therapist)
    base = _record(db, therapist, first)
    assert base.end_recorded is False
    _record(db, therapist, first, point="after_dosing_6", answers=phq9(4))
    db.refresh(base)
    assert base.end_recorded is True
    late = make_patient(db, therapist)  # the baseline entered after the end point
    _record(db, therapist, late, point="after_dosing_6", answers=phq9(4))
    assert _record(db, therapist, late).end_recorded is True
    other = _record(db, therapist, late, "GAD-7", answers=[1] * 7)
    assert other.end_recorded is False  # per instrument


# --- entered in error ----------------------------------------------------------------

def test_void_keeps_the_row_frees_the_point_and_audits(db, therapist, patient):
    wrong = _record(db, therapist, patient, answers=phq9(22))
    voided = services.void_administration(db, therapist, wrong.id, "  Scored the wrong\n patient ")
    assert voided is wrong and wrong.is_voided and wrong.voided_by_id == therapist.id
    assert wrong.void_reason == "Scored the wrong patient"
    assert not services.is_recorded(db, patient.id, "PHQ-9", "baseline")
    right = _record(db, therapist, patient, answers=phq9(9))  # the point is free again
    rows = services.patient_administrations(db, therapist, patient)
    assert [(a.id, a.is_voided) for a in rows] == [(wrong.id, True), (right.id, False)]
    assert services.live(rows) == [right]
    schedule = services.measure_schedule(db, patient, rows)
    assert dict(schedule[0].points)["baseline"] == "recorded"
    with pytest.raises(ConflictError):  # only one live administration per point
        _record(db, therapist, patient)
    [event] = [e for e in _events(db, "update", "measure_administration")]
    assert event.entity_id == str(wrong.id) and event.patient_id == patient.id
    assert "Scored" not in event.detail  # the reason stays on the row, not in the log


def test_void_alone_leaves_the_point_due(db, therapist, patient):
    wrong = _record(db, therapist, patient)
    services.void_administration(db, therapist, wrong.id, "Wrong instrument")
    rows = services.patient_administrations(db, therapist, patient)
    assert dict(services.measure_schedule(db, patient, rows)[0].points)["baseline"] == "due"
    # an instrument given only in error is not scheduled because of it
    mbi_wrong = _record(db, therapist, patient, "MBI-GS", answers=mbi(10, 10, 10))
    services.void_administration(db, therapist, mbi_wrong.id, "Wrong instrument")
    rows = services.patient_administrations(db, therapist, patient)
    assert [r.instrument for r in services.measure_schedule(db, patient, rows)] == ["PHQ-9"]


def test_void_needs_a_reason(db, therapist, patient):
    admin = _record(db, therapist, patient)
    for reason in ("", "   ", None, "x" * 501):
        with pytest.raises(RuleViolation) as refused:
            services.void_administration(db, therapist, admin.id, reason)
        assert refused.value.field == "reason"
    assert not admin.is_voided


def test_only_the_care_team_voids(db, therapist, patient):
    admin = _record(db, therapist, patient)
    with pytest.raises(NotFound):
        services.void_administration(db, make_user(db, roles=("therapist",)), admin.id, "no")
    for role in ("billing", "admin"):
        with pytest.raises(PermissionDenied):
            services.void_administration(db, make_user(db, roles=(role,)), admin.id, "no")
    with pytest.raises(NotFound):
        services.void_administration(db, therapist, 999999, "missing")
    assert not admin.is_voided and _events(db, "update", "measure_administration") == []


def test_double_void_refused(db, therapist, patient):
    admin = _record(db, therapist, patient)
    services.void_administration(db, therapist, admin.id, "Typo")
    first = admin.voided_at
    with pytest.raises(ConflictError):
        services.void_administration(db, therapist, admin.id, "Again")
    assert admin.void_reason == "Typo" and admin.voided_at == first


def test_double_void_racing_refused(db, therapist, patient):
    """Another request voided it after this one loaded the row: the UPDATE finds none."""
    admin = _record(db, therapist, patient)
    db.execute(Administration.__table__.update().where(Administration.id == admin.id)
               .values(voided_at=admin.recorded_at, void_reason="Other clinician"))
    assert admin.voided_at is None  # this session's copy is stale
    with pytest.raises(ConflictError):
        services.void_administration(db, therapist, admin.id, "Typo")


def test_voiding_the_end_point_recomputes_the_completer_flag(db, therapist, patient):
    base = _record(db, therapist, patient)
    gad = _record(db, therapist, patient, "GAD-7", answers=[2] * 7)
    end = _record(db, therapist, patient, point="after_dosing_6", answers=phq9(4))
    _record(db, therapist, patient, "GAD-7", "after_dosing_6", answers=[1] * 7)
    db.refresh(base)
    assert base.end_recorded is True
    services.void_administration(db, therapist, end.id, "Was after dosing 4")
    db.refresh(base)
    db.refresh(gad)
    assert base.end_recorded is False and gad.end_recorded is True  # per instrument
    _record(db, therapist, patient, point="after_dosing_6", answers=phq9(5))
    db.refresh(base)
    assert base.end_recorded is True
    # a baseline re-recorded after its own void sees the live end point
    services.void_administration(db, therapist, base.id, "Wrong date")
    assert _record(db, therapist, patient, answers=phq9(13)).end_recorded is True


def test_voided_phq9_keeps_its_safety_alert_open(db, therapist, patient):
    admin = _record(db, therapist, patient, answers=phq9(10, item9=2))
    alert = db.scalar(select(SafetyAlert))
    services.void_administration(db, therapist, admin.id, "Item 9 keyed as 2, paper says 0")
    assert alert.is_open and services.alert_for(db, admin.id) is alert
    assert services.open_alerts_for_patient(db, patient.id) == [alert]
    assert alert.administration.is_voided
    services.acknowledge_alert(db, therapist, alert.id, "Checked the paper form: 0.")
    assert not alert.is_open
