"""Care sessions to billed lines, and the fallbacks before the care domain is merged."""

from datetime import date

from kapms.billing import care_link
from tests.billing.helpers import FakeSession

D = date(2026, 3, 2)


def codes(sessions):
    return [(line.code, line.units) for line in care_link.session_lines(sessions)]


def test_kinds_map_to_codes():
    sessions = [
        FakeSession(1, D, "intake", 60), FakeSession(2, D, "preparation", 45),
        FakeSession(3, D, "integration", 60), FakeSession(4, D, "follow_up", 25),
    ]
    assert codes(sessions) == [("99204", 1), ("90834", 1), ("90837", 1), ("99214", 1)]


def test_office_dosing_bills_monitoring_hours_and_medication():
    assert codes([FakeSession(1, D, "dosing", 150)]) == [("0820T", 2), ("MED-KETAMINE", 1)]


def test_telehealth_dosing_bills_psychotherapy_and_medication():
    sessions = [FakeSession(1, D, "dosing", 120, modality="telehealth")]
    assert codes(sessions) == [("90837", 1), ("MED-KETAMINE", 1)]


def test_held_dosing_bills_the_therapist_time_only():
    assert codes([FakeSession(1, D, "dosing", 50, held=True)]) == [("90834", 1)]
    assert codes([FakeSession(1, D, "dosing", 10, held=True)]) == []


def test_too_short_sessions_bill_nothing():
    assert codes([FakeSession(2, D, "preparation", 10), FakeSession(3, D, "dosing", 20)]) == [
        ("MED-KETAMINE", 1)]  # 20 minutes of monitoring is under the 31-minute minimum


def test_the_clinic_time_zone_is_passed_to_the_care_domain(monkeypatch):
    from zoneinfo import ZoneInfo

    calls = []

    class FakeCare:
        @staticmethod
        def billable_sessions(session, patient_id, start, end, **kwargs):
            calls.append(kwargs)
            return []

    monkeypatch.setattr(care_link, "_care", FakeCare)
    zone = ZoneInfo("America/Los_Angeles")
    care_link.billable_sessions(None, 1, D, D, zone)
    care_link.billable_sessions(None, 1, D, D)
    assert calls == [{"tz": zone}, {}]


def test_lines_come_in_date_order():
    sessions = [FakeSession(2, date(2026, 3, 9), "integration", 60), FakeSession(1, D, "intake", 60)]
    assert [line.service_date for line in care_link.session_lines(sessions)] == [D, date(2026, 3, 9)]
