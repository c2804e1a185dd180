"""Self-report links: single use, expiring, revocable, only a hash stored."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kapms.errors import NotFound, PermissionDenied, RuleViolation
from kapms.measures.models import Administration, SafetyAlert, SelfReportLink
from kapms.measures.services import links
from tests.factories import make_user
from tests.measures.conftest import make_patient, phq9

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def _link(db, therapist, patient, **kw):
    return links.create_link(db, therapist, patient, kw.pop("instrument", "PHQ-9"),
                             kw.pop("point", "baseline"), now=NOW, **kw)


def test_only_the_hash_is_stored(db, therapist, patient):
    link, token = _link(db, therapist, patient)
    assert len(token) >= 40 and token not in link.token_hash
    assert link.token_hash == links.hash_token(token)
    assert link.expires_at == NOW + timedelta(hours=links.DEFAULT_TTL_HOURS)


def test_submit_records_self_report_once(db, therapist, patient):
    link, token = _link(db, therapist, patient)
    admin = links.submit_self_report(db, token, phq9(9, item9=1), now=NOW + timedelta(hours=1))
    assert admin.source == "self_report" and admin.recorded_by_id is None and admin.total == 9
    assert link.used_at is not None and link.administration_id == admin.id
    assert db.scalar(select(SafetyAlert)).administration_id == admin.id  # alert raised too
    with pytest.raises(links.LinkRefused) as refused:
        links.submit_self_report(db, token, phq9(3), now=NOW + timedelta(hours=2))
    assert refused.value.reason == "used"
    assert len(db.scalars(select(Administration)).all()) == 1


def test_expired_link_refused(db, therapist, patient):
    _, token = _link(db, therapist, patient, ttl_hours=1)
    with pytest.raises(links.LinkRefused) as refused:
        links.open_link(db, token, now=NOW + timedelta(hours=1))
    assert refused.value.reason == "expired"
    with pytest.raises(links.LinkRefused):
        links.submit_self_report(db, token, phq9(3), now=NOW + timedelta(hours=2))
    assert db.scalar(select(Administration)) is None


def test_revoked_link_refused(db, therapist, patient):
    link, token = _link(db, therapist, patient)
    links.revoke_link(db, therapist, link.id, now=NOW)
    with pytest.raises(links.LinkRefused) as refused:
        links.submit_self_report(db, token, phq9(3), now=NOW)
    assert refused.value.reason == "revoked"


def test_unknown_or_malformed_token_refused(db):
    for token in ("x" * 43, "short", "y" * 500):
        with pytest.raises(links.LinkRefused) as refused:
            links.open_link(db, token, now=NOW)
        assert refused.value.reason == "unknown"


def test_invalid_answers_leave_the_link_open(db, therapist, patient):
    link, token = _link(db, therapist, patient)
    savepoint = db.begin_nested()
    with pytest.raises(RuleViolation):
        links.submit_self_report(db, token, [9] * 9, now=NOW)
    savepoint.rollback()  # the view rolls back the request's transaction the same way
    db.refresh(link)
    assert link.used_at is None
    links.submit_self_report(db, token, phq9(4), now=NOW)


def test_revoking_needs_the_care_team_and_an_unused_link(db, therapist, patient):
    link, token = _link(db, therapist, patient)
    other = make_user(db, roles=("therapist",))
    with pytest.raises(NotFound):
        links.revoke_link(db, other, link.id)
    with pytest.raises(NotFound):
        links.revoke_link(db, therapist, 424242)
    links.submit_self_report(db, token, phq9(4), now=NOW)
    with pytest.raises(RuleViolation):
        links.revoke_link(db, therapist, link.id)


def test_create_link_validates(db, therapist, patient):
    with pytest.raises(RuleViolation):
        _link(db, therapist, patient, ttl_hours=0)
    with pytest.raises(RuleViolation):
        _link(db, therapist, patient, ttl_hours=links.MAX_TTL_HOURS + 1)
    with pytest.raises(RuleViolation):
        _link(db, therapist, patient, instrument="nope")
    with pytest.raises(RuleViolation):
        _link(db, therapist, patient, point="later")
    with pytest.raises(PermissionDenied):
        _link(db, make_user(db, roles=("billing",)), patient)
    assert db.scalar(select(SelfReportLink)) is None


def test_no_link_for_a_point_already_recorded(db, therapist, patient):
    from datetime import date

    from kapms.measures.services import record_administration

    record_administration(db, therapist, patient, "PHQ-9", "baseline", date(2026, 3, 1),
                          phq9(5), today=date(2026, 3, 1))
    with pytest.raises(RuleViolation):
        _link(db, therapist, patient)
    _link(db, therapist, patient, point="after_dosing_2")


def test_status_words(db, therapist):
    patient = make_patient(db, therapist)
    link, _ = _link(db, therapist, patient, ttl_hours=2)
    assert link.status(NOW) == "open"
    assert link.status(NOW + timedelta(hours=2)) == "expired"


def test_link_closes_when_the_clinician_records_that_point_first(db, therapist, patient):
    from kapms.measures.services import record_administration

    _, token = _link(db, therapist, patient)
    soon = NOW + timedelta(minutes=5)
    assert links.open_link(db, token, now=soon).patient_id == patient.id
    record_administration(db, therapist, patient, "PHQ-9", "baseline", NOW.date(), phq9(4),
                          today=NOW.date())
    with pytest.raises(links.LinkRefused) as refused:
        links.open_link(db, token, now=soon)
    assert refused.value.reason == "recorded"


def test_a_point_entered_in_error_can_be_sent_again(db, therapist, patient):
    from kapms.measures.services import void_administration

    _, token = _link(db, therapist, patient)
    wrong = links.submit_self_report(db, token, phq9(9), now=NOW + timedelta(hours=1))
    with pytest.raises(RuleViolation):
        _link(db, therapist, patient)
    void_administration(db, therapist, wrong.id, "Patient answered for last month")
    _, again = _link(db, therapist, patient)
    right = links.submit_self_report(db, again, phq9(6), now=NOW + timedelta(hours=2))
    assert right.total == 6 and not right.is_voided and wrong.is_voided
