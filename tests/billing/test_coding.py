"""Codes from the care record (pure rules): time codes, add-ons with a medical visit,
monitoring by the hour and by the staff, held dosings, measures, place of service."""

from datetime import date

import pytest

from kapms.billing.coding import Visit, attach_measures, code_visits

D = date(2026, 3, 2)
MAYA, SAM = 1, 2  # therapist, prescriber


def visit(kind, minutes=60, **kw):
    return Visit(kw.pop("session_id", 1), kw.pop("day", D), kind, minutes,
                 clinician_id=kw.pop("clinician_id", SAM if kind in ("intake", "follow_up")
                                     else MAYA), **kw)


def codes(visits, **kw):
    return [(line.code, line.units) for line in code_visits(visits, **kw)]


@pytest.mark.parametrize(("minutes", "expected"), [
    (15, []), (16, [("90832", 1)]), (37, [("90832", 1)]), (38, [("90834", 1)]),
    (52, [("90834", 1)]), (53, [("90837", 1)]), (180, [("90837", 1)])])
def test_psychotherapy_by_actual_minutes(minutes, expected):
    assert codes([visit("integration", minutes)]) == expected
    assert codes([visit("preparation", minutes)]) == expected


def test_medical_visits():
    assert codes([visit("intake", 60), visit("follow_up", 25, session_id=2)]) == [
        ("99204", 1), ("99214", 1)]


def test_psychotherapy_with_a_medical_visit_by_the_same_clinician_is_an_add_on():
    same_day = [visit("follow_up", 25, session_id=1),
                visit("integration", 40, session_id=2, clinician_id=SAM)]
    assert codes(same_day) == [("99214", 1), ("90836", 1)]
    other_clinician = [visit("follow_up", 25, session_id=1), visit("integration", 40,
                                                                   session_id=2)]
    assert codes(other_clinician) == [("99214", 1), ("90834", 1)]
    other_day = [visit("follow_up", 25, session_id=1),
                 visit("integration", 40, session_id=2, clinician_id=SAM, day=date(2026, 3, 3))]
    assert codes(other_day) == [("99214", 1), ("90834", 1)]
    within = [visit("intake", 60, psychotherapy_minutes=55)]
    assert codes(within) == [("99204", 1), ("90838", 1)]
    assert codes([visit("intake", 60, psychotherapy_minutes=10)]) == [("99204", 1)]


@pytest.mark.parametrize(("minutes", "hours"), [(31, 1), (90, 1), (91, 2), (150, 2),
                                                (151, 3), (180, 3)])
def test_office_dosing_bills_monitoring_by_the_hour(minutes, hours):
    dosing = visit("dosing", minutes + 20, monitoring_minutes=minutes)
    assert codes([dosing]) == [("0820T", hours), ("MED-KETAMINE", 1)]


def test_monitoring_under_31_minutes_bills_no_hour():
    assert codes([visit("dosing", 40, monitoring_minutes=30)]) == [("MED-KETAMINE", 1)]


def test_further_monitoring_staff():
    dosing = visit("dosing", 120, monitoring_minutes=120, monitoring_clinicians=2,
                   monitoring_staff=1)
    assert codes([dosing]) == [("0820T", 2), ("0821T", 2), ("0822T", 2), ("MED-KETAMINE", 1)]


def test_dosing_as_psychotherapy_or_remote():
    assert codes([visit("dosing", 180)], dosing_as="psychotherapy") == [
        ("90837", 1), ("MED-KETAMINE", 1)]
    for setting in ("telehealth", "home"):
        assert codes([visit("dosing", 180, setting=setting)]) == [
            ("90837", 1), ("MED-KETAMINE", 1)]
    by_date = codes([visit("dosing", 120, day=date(2026, 12, 30)),
                     visit("dosing", 120, day=date(2027, 1, 4), session_id=2)],
                    dosing_as=lambda day: "monitoring" if day.year == 2026 else "psychotherapy")
    assert by_date == [("0820T", 2), ("MED-KETAMINE", 1), ("90837", 1), ("MED-KETAMINE", 1)]
    with pytest.raises(ValueError, match="billed as"):
        code_visits([visit("dosing", 120)], dosing_as="guesswork")


def test_a_held_dosing_never_bills_medication_or_monitoring():
    held = visit("dosing", 40, held=True, monitoring_minutes=None)
    assert codes([held]) == [("90834", 1)]
    assert codes([held], bill_held_dosings=False) == []
    assert codes([visit("dosing", 10, held=True)]) == []


def test_measures_bill_96127_per_measure():
    assert codes([visit("integration", 60, measures=2)]) == [("90837", 1), ("96127", 2)]
    held = visit("dosing", 40, held=True, measures=1)
    assert codes([held], bill_held_dosings=False) == []


def test_place_of_service_and_modifier_95():
    office, remote = code_visits([visit("integration", 60),
                                  visit("integration", 60, setting="telehealth", session_id=2,
                                        day=date(2026, 3, 3))])
    assert (office.place_of_service, office.modifier) == ("11", "")
    assert (remote.place_of_service, remote.modifier) == ("10", "95")
    at_home = code_visits([visit("dosing", 120, setting="home")])
    assert [(line.code, line.place_of_service, line.modifier) for line in at_home] == [
        ("90837", "10", "95"), ("MED-KETAMINE", "10", "")]


def test_lines_come_in_date_order():
    later = visit("integration", 60, session_id=2, day=date(2026, 3, 9))
    earlier = visit("intake", 60, session_id=5)
    assert [line.service_date for line in code_visits([later, earlier])] == [D, date(2026, 3, 9)]


def test_measures_belong_to_the_visit_of_the_clinician_who_gave_them():
    therapy = visit("integration", 60, session_id=1)
    medical = visit("follow_up", 25, session_id=2)
    given = [(D, SAM), (D, MAYA), (D, None), (D, 99), (date(2026, 3, 5), MAYA)]
    attached = attach_measures([therapy, medical], given)
    assert [(v.session_id, v.measures) for v in attached] == [(1, 3), (2, 1)]


@pytest.mark.parametrize("bad", [dict(kind="massage"), dict(setting="car"), dict(minutes=-1),
                                 dict(monitoring_clinicians=0), dict(measures=True)])
def test_a_bad_visit_is_refused(bad):
    fields = dict(session_id=1, service_date=D, kind="integration", minutes=60) | bad
    with pytest.raises(ValueError):
        Visit(**fields)


def test_a_billed_line_carries_the_visit_it_came_from():
    from kapms.billing.coding import BilledLine

    lines = code_visits([visit("integration", 40, session_id=7, clinician_name="Maya Okafor",
                               setting="telehealth")])
    assert lines == [BilledLine(7, D, "90834", 1, 40, MAYA, "Maya Okafor", "telehealth", "10",
                                "95")]


def test_a_remote_dosing_too_short_for_a_time_code_bills_the_medication_only():
    assert codes([visit("dosing", 10, setting="telehealth")]) == [("MED-KETAMINE", 1)]
    assert codes([visit("dosing", 10)], dosing_as="psychotherapy") == [("MED-KETAMINE", 1)]


def test_measures_at_a_visit_too_short_to_code_are_still_billed():
    assert codes([visit("preparation", 10, measures=2)]) == [("96127", 2)]


def test_same_day_visits_without_a_session_come_first():
    # A planned visit (no session yet) sorts before recorded ones of that day.
    planned, recorded = visit("integration", 40, session_id=None), visit("preparation", 60,
                                                                      session_id=1)
    assert codes([recorded, planned]) == [("90834", 1), ("90837", 1)]
    attached = attach_measures([recorded, planned], [(D, None)])
    assert [(v.session_id, v.measures) for v in attached] == [(None, 1), (1, 0)]


def test_a_measure_on_a_day_without_a_visit_does_not_stop_the_count():
    later = date(2026, 3, 9)
    attached = attach_measures([visit("integration", day=later)],
                               [(date(2026, 3, 5), MAYA), (later, MAYA)])
    assert [v.measures for v in attached] == [1]


def test_a_measure_goes_to_the_visit_of_its_recorder_not_the_first_of_the_day():
    therapy = visit("integration", 60, session_id=1, clinician_id=MAYA)
    medical = visit("follow_up", 25, session_id=2, clinician_id=SAM)
    attached = attach_measures([therapy, medical], [(D, SAM)])
    assert [(v.session_id, v.measures) for v in attached] == [(1, 0), (2, 1)]
