"""The coordinators' queue (who waits, since when, oldest first, with their offers) and the
licence expiry warnings."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.errors import PermissionDenied
from kapms.network.services import care_teams, departures, queue, referrals
from kapms.network.services.profiles import licence_warnings
from tests.factories import add_member, make_user
from tests.network.helpers import TODAY, make_clinician, make_patient, make_plan


def registered(db, days_ago: int, **kw):
    patient = make_patient(db, **kw)
    patient.created_at = datetime.now(UTC) - timedelta(days=days_ago)
    return patient


@pytest.fixture
def admin(db):
    return make_user(db, roles=("admin",))


def names(rows):
    return [w.patient.last_name for w in rows]


def test_oldest_first_by_role_and_completed_courses_leave(db, admin):
    therapist, prescriber = make_clinician(db), make_clinician(db, kind="prescriber")
    both = registered(db, 5, last_name="Both")
    needs_prescriber = registered(db, 30, last_name="NeedsRx")
    add_member(db, needs_prescriber, therapist, "therapist")
    full = registered(db, 40, last_name="Full")
    add_member(db, full, therapist, "therapist")
    add_member(db, full, prescriber, "prescriber")
    registered(db, 50, last_name="Done", stage="completed")
    rows, total = queue.waiting_patients(db, admin)
    assert names(rows) == ["NeedsRx", "Both"] and total == 2
    assert [w.roles for w in rows] == [("prescriber",), ("therapist", "prescriber")]
    rows, total = queue.waiting_patients(db, admin, role="therapist")
    assert names(rows) == ["Both"] and total == 1
    assert queue.waiting_count(db) == 2
    since = clinic_time.local_date(rows[0].waiting_since)
    assert rows[0].waiting_days(since + timedelta(days=3)) == 3
    assert both.id == rows[0].patient.id


def test_waiting_starts_again_when_the_last_clinician_of_a_role_leaves(db, admin):
    plan = make_plan(db)
    therapist = make_clinician(db, plans=[plan])
    left = registered(db, 100, last_name="Left", plan=plan)
    member = care_teams.assign_member(db, admin, left, therapist, "therapist")
    member.added_at -= timedelta(days=90)
    registered(db, 10, last_name="Newer")
    departures.remove_member(db, admin, member, departures.Departure(
        reason="Retired", effective=member.added_at.date() + timedelta(days=80),
        sessions="cancel", notice="Sorry"))
    rows, _ = queue.waiting_patients(db, admin, role="therapist")
    # Waiting since the therapist left (now), not since registration 100 days ago.
    assert names(rows) == ["Newer", "Left"]


def test_offers_shown_and_paging(db, admin):
    plan = make_plan(db)
    patients = [registered(db, 20 - i, last_name=f"P{i}", plan=plan) for i in range(3)]
    first, second = make_clinician(db, name="Open Offer", plans=[plan]), make_clinician(
        db, name="Said No", plans=[plan])
    referrals.offer_referral(db, admin, patients[0], first, "therapist", today=TODAY)
    declined = referrals.offer_referral(db, admin, patients[1], second, "therapist",
                                        today=TODAY)
    referrals.decline_referral(db, second, declined, "No openings")
    page1, total = queue.waiting_patients(db, admin, page=1, per_page=2)
    page2, _ = queue.waiting_patients(db, admin, page=2, per_page=2)
    assert total == 3 and names(page1) == ["P0", "P1"] and names(page2) == ["P2"]
    assert [(o.clinician_id, o.status) for o in page1[0].offers] == [(first.id, "offered")]
    assert [(o.decline_reason) for o in page1[1].offers] == ["No openings"]
    assert page2[0].offers == []
    audits = db.scalars(select(AuditEvent.detail).where(
        AuditEvent.entity_type == "waiting_queue")).all()
    assert audits[0] == f"page 1: patients {patients[0].id},{patients[1].id}"


def test_needs_come_from_the_diagnosis(db, admin):
    registered(db, 3, diagnosis_code="F43.10")
    [row], _ = queue.waiting_patients(db, admin)
    assert row.needs == ["PTSD", "Trauma"]


def test_only_coordinators_see_the_queue(db):
    with pytest.raises(PermissionDenied):
        queue.waiting_patients(db, make_clinician(db))


def test_licence_warnings(db):
    soon = make_clinician(db, name="Soon", expires=TODAY + timedelta(days=20))
    make_clinician(db, name="Later", expires=TODAY + timedelta(days=61))
    renewed = make_clinician(db, name="Renewed", expires=TODAY + timedelta(days=5))
    from kapms.network.models import ClinicianLicence
    from kapms.network.services import profile_for

    profile_for(db, renewed.id).licences.append(ClinicianLicence(
        licence_type="LMFT", number="R2", state="CA", expires_on=TODAY + timedelta(days=800)))
    lapsed_idle = make_clinician(db, name="Lapsed Idle", expires=TODAY - timedelta(days=3))
    lapsed_busy = make_clinician(db, name="Lapsed Busy", expires=TODAY - timedelta(days=3))
    add_member(db, make_patient(db, state="CA"), lapsed_busy, "therapist")
    add_member(db, make_patient(db, state="OR"), soon, "therapist")
    db.flush()
    warnings = licence_warnings(db, TODAY, 60)
    assert [(w.profile.user.full_name, w.days_left, w.patients_in_state)
            for w in warnings] == [("Lapsed Busy", -3, 1), ("Soon", 20, 0)]
    assert lapsed_idle.id not in {w.profile.user_id for w in warnings}
    assert [w.profile.user.full_name for w in licence_warnings(db, TODAY, 61)] == [
        "Lapsed Busy", "Soon", "Later"]
