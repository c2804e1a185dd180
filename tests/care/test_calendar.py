"""The calendar: bookings checked against every session (past ones, no-shows) of the
clinician and the patient and refused in the past; repeating series; no-shows and late
cancellations with the clinic's billing setting; calendars by who may see them; and the
pages (time grids, the practice view, booking a free time, the confirmation step)."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.billing.services import care_link
from kapms.care import services as care
from kapms.care.models import CareSession, SessionSeries
from kapms.errors import NotFound, PermissionDenied, RuleViolation
from kapms.network.services.profiles import ProfileData, save_profile
from tests.care.factories import at, session_for
from tests.factories import add_member, make_patient, make_user

POLICY = care.MissedPolicy(late_cancel_hours=24, bill_no_shows=True, bill_late_cancels=False)


def book(db, team, start, kind="integration", minutes=60, **kwargs):
    return care.schedule_session(db, team.therapist, team.patient, kind=kind,
                                 clinician=team.therapist, start=start,
                                 duration_minutes=minutes, **kwargs)


def test_a_booking_in_the_past_is_refused_unless_entered_afterwards(db, team):
    with pytest.raises(RuleViolation, match="That time has passed") as refused:
        book(db, team, at(-1))
    assert refused.value.field == "day"
    assert book(db, team, at(-1), record_past=True).status == "scheduled"
    future = book(db, team, at(3))
    with pytest.raises(RuleViolation, match="That time has passed"):  # never moved back
        care.reschedule_session(db, team.therapist, future, start=at(-2), duration_minutes=60,
                                modality="office", clinician=team.therapist,
                                expected_version=future.version)


def test_no_booking_meets_a_session_of_the_clinician_or_patient_whatever_its_state(db, team):
    done = session_for(db, team, "integration", at(-2), "completed")
    with pytest.raises(RuleViolation, match="already has a session then") as refused:
        book(db, team, done.scheduled_start + timedelta(minutes=30), record_past=True)
    assert "(completed)" in refused.value.message and refused.value.field == "start_time"
    missed = book(db, team, at(-1), record_past=True)
    care.record_missed(db, team.therapist, missed, "no_show", "", POLICY)
    with pytest.raises(RuleViolation, match=r"\(no-show\)"):  # the time was taken
        book(db, team, missed.scheduled_start, record_past=True)
    # The patient cannot be with the prescriber while in a session with the therapist.
    upcoming = book(db, team, at(2))
    with pytest.raises(RuleViolation, match=f"{team.patient.full_name} already has"):
        care.schedule_session(db, team.therapist, team.patient, kind="follow_up",
                              clinician=team.prescriber, start=upcoming.scheduled_start,
                              duration_minutes=30)
    # Back to back is fine.
    assert book(db, team, upcoming.scheduled_start + timedelta(minutes=60)).id


def test_cancelled_and_late_cancelled_sessions_give_their_time_back(db, team):
    cancelled = book(db, team, at(5))
    care.cancel_session(db, team.therapist, cancelled, "Patient has the flu")
    assert book(db, team, at(5)).id
    late = book(db, team, at(0.5, 23))
    care.record_missed(db, team.therapist, late, "late_cancel", "Called an hour before",
                       POLICY, now=late.scheduled_start - timedelta(hours=2))
    assert book(db, team, late.scheduled_start).id


def _local_days(starts) -> list[int]:
    """Days from the first start, counted on the clinic's calendar (a series keeps its
    wall-clock time across a daylight-saving change, so UTC differences are not whole days)."""
    zone = clinic_time.zone()
    first = starts[0].astimezone(zone).date()
    return [(s.astimezone(zone).date() - first).days for s in starts]


def _wall(moment: datetime) -> datetime:
    return moment.astimezone(clinic_time.zone()).replace(tzinfo=None)


def test_a_weekly_series_books_each_occurrence_on_its_own_or_nothing(db, team):
    booked = care.schedule_series(db, team.therapist, team.patient, kind="integration",
                                  clinician=team.therapist, start=at(1), duration_minutes=50,
                                  every_weeks=1, count=4)
    assert _local_days([s.scheduled_start for s in booked]) == [0, 7, 14, 21]
    assert len({_wall(s.scheduled_start).time() for s in booked}) == 1  # the same clinic time
    series = db.get(SessionSeries, booked[0].series_id)
    assert series.sessions == booked and series.repeat_label == "Every week"
    # One occurrence moves alone.
    care.reschedule_session(db, team.therapist, booked[1], start=at(9), duration_minutes=50,
                            modality="office", clinician=team.therapist,
                            expected_version=booked[1].version)
    assert [_wall(s.scheduled_start) for s in (booked[0], booked[2])] == [
        _wall(at(1)), _wall(at(1)) + timedelta(days=14)]
    db.commit()
    # A second series clashing on two dates (at(15), at(22)) books nothing, names both.
    with pytest.raises(RuleViolation, match="Nothing was booked: 2 of the 3 sessions clash"):
        care.schedule_series(db, team.therapist, team.patient, kind="preparation",
                             clinician=team.therapist, start=at(8), duration_minutes=50,
                             every_weeks=1,
                             until=at(22).astimezone(clinic_time.zone()).date())
    db.rollback()  # as attempt() does: nothing half-saved
    assert db.query(CareSession).count() == 4


def test_series_length_is_checked(db, team):
    with pytest.raises(RuleViolation, match="1 to 52") as refused:
        care.schedule_series(db, team.therapist, team.patient, kind="integration",
                             clinician=team.therapist, start=at(1), duration_minutes=50,
                             every_weeks=1, count=60)
    assert refused.value.field == "repeat_count"


def test_no_shows_and_late_cancellations_follow_the_clinic_policy_into_billing(db, team):
    later = book(db, team, at(3))
    with pytest.raises(RuleViolation, match="once the session's time has come"):
        care.record_missed(db, team.therapist, later, "no_show", "", POLICY)
    with pytest.raises(RuleViolation, match="more than 24 hours away"):
        care.record_missed(db, team.therapist, later, "late_cancel", "", POLICY)
    gone = book(db, team, at(-2), record_past=True)
    care.record_missed(db, team.therapist, gone, "no_show", "No answer by phone", POLICY)
    late = book(db, team, at(-1), record_past=True)
    care.record_missed(db, team.therapist, late, "late_cancel", "", POLICY,
                       now=late.scheduled_start - timedelta(hours=3))
    assert (gone.status, gone.missed_billable, gone.cancel_reason) == (
        "no_show", True, "No answer by phone")
    assert (late.status, late.missed_billable) == ("late_cancel", False)
    with pytest.raises(RuleViolation, match="Only a scheduled session"):
        care.record_missed(db, team.therapist, gone, "no_show", "", POLICY)
    rows = care.billable_sessions(db, team.patient.id, clinic_time.today() - timedelta(days=5),
                                  clinic_time.today() + timedelta(days=5))
    assert [(r.session_id, r.missed) for r in rows] == [(gone.id, "no_show")]  # billed only
    # Billing codes no payer line for it (nobody was seen).
    assert care_link.visits(db, team.patient.id, clinic_time.today() - timedelta(days=5),
                            clinic_time.today(), clinic_time.zone()) == []
    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(gone.id),
                                                 AuditEvent.action == "update")).all()
    assert [e.detail for e in events] == ["no_show; billable"]
    assert care.notes_due(db, team.therapist) == []  # no note is due for a missed session


def test_clinicians_see_their_own_calendar_admins_everyones(db, team):
    cs = book(db, team, at(2))
    start, end = at(0), at(7)
    assert care.clinician_calendar(db, team.therapist, [team.therapist.id], start, end) == [cs]
    with pytest.raises(PermissionDenied):
        care.clinician_calendar(db, team.prescriber, [team.therapist.id], start, end)
    with pytest.raises(NotFound):
        care.get_clinician(db, team.prescriber, team.therapist.id)
    admin = make_user(db, roles=("admin",))
    assert care.get_clinician(db, admin, team.therapist.id) is team.therapist
    assert care.clinician_calendar(db, admin, [team.therapist.id], start, end) == [cs]
    with pytest.raises(PermissionDenied):
        care.practice_clinicians(db, team.therapist)
    shown, more = care.practice_clinicians(db, admin, role="prescriber")
    assert shown == [team.prescriber] and not more


def _availability(db, user, blocks):
    save_profile(db, user, user, ProfileData(
        kind="therapist", kap_course="KAP Foundations", kap_trained_on=date(2024, 5, 1),
        telehealth=True, accepting_new=True, capacity=5,
        licences=[("LMFT", f"L{user.id}", "CA", date.today() + timedelta(days=400))],
        availability=blocks))


def _week_of(days_ahead: int) -> date:
    day = clinic_time.today() + timedelta(days=days_ahead)
    return day - timedelta(days=day.weekday())


def test_calendar_pages_show_time_grids_lists_and_free_times(client, login, db, team):
    _availability(db, team.therapist, [(d, time(9), time(12)) for d in range(7)])
    monday = _week_of(7)
    cs = book(db, team, datetime.combine(monday + timedelta(days=1), time(10),
                                         clinic_time.zone()))
    db.commit()
    login(team.therapist)
    week = client.get(f"/care/calendar?view=week&date={monday}").get_data(as_text=True)
    assert 'data-testid="time-grid"' in week and f'/care/sessions/{cs.id}' in week
    assert 'rowspan="4"' in week  # an hour is four quarter-hour rows
    assert "Book 9:00 AM" in week and "Book 11:00 AM" in week
    assert week.count(f'aria-label="Book 10:00 AM on {monday + timedelta(days=1):%a %b %d}"') == 0
    day = client.get(f"/care/calendar?view=day&date={monday}").get_data(as_text=True)
    assert f"{monday:%A %B %d, %Y}" in day
    listed = client.get(f"/care/calendar?view=list&date={monday}").get_data(as_text=True)
    assert 'data-testid="time-grid"' not in listed and team.patient.full_name in listed
    # Booking a free time: choose the patient, then the form is filled in.
    book_page = client.get(f"/care/book?clinician_id={team.therapist.id}&day={monday}"
                           f"&start_time=09:00&duration_minutes=60").get_data(as_text=True)
    assert team.patient.full_name in book_page
    form = client.get(f"/care/patients/{team.patient.id}/sessions/new?clinician_id="
                      f"{team.therapist.id}&day={monday}&start_time=09:00"
                      "&duration_minutes=60").get_data(as_text=True)
    assert f'value="{monday}"' in form and 'value="09:00"' in form
    kinds = form.split('name="kind"')[1].split("</select>")[0]
    assert '<option value="">Choose the kind of session</option>' in kinds
    assert "selected" not in kinds  # no kind is chosen for the user
    assert 'data-testid="open-times"' in form
    # Another clinician's calendar is an admin's page; the therapist gets 403 for it.
    assert client.get(f"/care/practice/{team.prescriber.id}").status_code == 403
    # Links mangled or pushed to the ends of the calendar show today, never a 500.
    for query in ("date=9999-12-31", "date=0001-01-01&view=day", "date=2026-02-30"):
        assert client.get(f"/care/calendar?{query}").status_code == 200, query
    far = client.get("/care/book?clinician_id=9223372036854775808&day=9999-12-31")
    assert far.status_code == 404
    mangled = client.get(f"/care/patients/{team.patient.id}/sessions/new?clinician_id="
                         "99999999999999999999&day=9999-12-31&duration_minutes=-1")
    assert mangled.status_code == 200 and 'value="9999-12-31"' not in mangled.get_data(
        as_text=True)


def test_practice_calendar_for_admins(client, login, db, team):
    cs = book(db, team, at(2))
    admin = make_user(db, roles=("admin",))
    db.commit()
    login(admin)
    day = cs.scheduled_start.astimezone(clinic_time.zone()).date()
    page = client.get(f"/care/practice?view=day&date={day}").get_data(as_text=True)
    assert team.therapist.display_name in page and team.prescriber.display_name in page
    assert f"/care/sessions/{cs.id}" in page
    week = client.get(f"/care/practice?view=week&date={day}&role=prescriber")
    assert team.therapist.display_name not in week.get_data(as_text=True)
    mine = client.get(f"/care/practice/{team.therapist.id}?view=week&date={day}")
    assert f"/care/sessions/{cs.id}" in mine.get_data(as_text=True)
    reads = db.scalars(select(AuditEvent).where(AuditEvent.detail == "practice calendar")).all()
    assert [e.patient_id for e in reads] == [team.patient.id]


def test_schedule_form_asks_the_kind_and_books_a_series(client, login, db, team):
    login(team.therapist)
    day = (at(2).astimezone(clinic_time.zone()).date()).isoformat()
    base = {"clinician_id": team.therapist.id, "day": day, "start_time": "10:00",
            "duration_minutes": "50", "modality": "office", "repeat": "0"}
    url = f"/care/patients/{team.patient.id}/sessions/new"
    refused = client.post(url, data={**base, "kind": ""})
    assert "Choose the kind of session." in refused.get_data(as_text=True)
    assert client.post(url, data={**base, "kind": "integration", "repeat": "1"}
                       ).status_code == 200  # repeating without a count or end date
    response = client.post(url, data={**base, "kind": "integration", "repeat": "2",
                                      "repeat_count": "3"})
    assert response.status_code == 302
    starts = [s.scheduled_start for s in db.query(CareSession).order_by(
        CareSession.scheduled_start)]
    assert _local_days(starts) == [0, 14, 28]
    past = client.post(url, data={**base, "kind": "preparation",
                                  "day": (at(-3).astimezone(clinic_time.zone()).date()
                                          ).isoformat()})
    assert "That time has passed" in past.get_data(as_text=True)


def test_cancelling_asks_first_without_javascript(client, login, db, team):
    cs = book(db, team, at(2))
    db.commit()
    login(team.therapist)
    url = f"/care/sessions/{cs.id}/cancel"
    asked = client.post(url, data={"reason": "Moving house"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'data-testid="confirm-step"' in page
    assert 'name="reason" value="Moving house"' in page and 'name="confirmed" value="yes"' in page
    db.expire_all()
    assert db.get(CareSession, cs.id).status == "scheduled"  # nothing happened yet
    assert client.post(url, data={"reason": "Moving house", "confirmed": "yes"}
                       ).status_code == 302
    db.expire_all()
    assert db.get(CareSession, cs.id).status == "cancelled"


def test_record_a_no_show_over_http(client, login, db, team, app):
    cs = book(db, team, at(-1), record_past=True)
    other = make_patient(db)
    add_member(db, other, team.therapist, "therapist")
    db.commit()
    login(team.therapist)
    response = client.post(f"/care/sessions/{cs.id}/missed", data={"status": "no_show"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Recorded: no-show." in page and "Not billed (clinic setting)." in page
    db.expire_all()
    assert db.get(CareSession, cs.id).missed_billable is False  # the default setting
