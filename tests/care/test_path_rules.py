"""The care path's stage, timeline and "what is due next" (kapms/care/path.py), stage by stage.

Expected values come from docs/care.md ("Stage", "Follow-up due", "Maintenance") and
domain.md ("The care path"): each case names the facts and writes out by hand what the care
team should see. The follow-up settings used here (after dosing 3, or 20 days after the first
dosing; warn 14 days before the clearance expires) differ from the defaults and from each
other, so a rule reading the wrong setting shows.
"""

import pytest

from kapms.care.path import PathFacts, course_done, derive_stage, follow_up_due, next_due, timeline

AFTER, DAYS, WARN = 3, 20, 14
CLEARED = dict(has_care_team=True, has_prescriber=True, clearance_decision="cleared",
               clearance_current=True, plan_count=6, completed_preparations=1)


def facts(**changes) -> PathFacts:
    """A cleared patient with a 6-dosing plan and one preparation, changed as given."""
    return PathFacts(**{**CLEARED, **changes})


def due(f: PathFacts) -> list[str]:
    return next_due(f, AFTER, DAYS, WARN)


# --- the stage ---------------------------------------------------------------------------

@pytest.mark.parametrize("f, stage", [
    (PathFacts(has_care_team=False), "referral"),
    (PathFacts(has_care_team=True), "intake"),
    (PathFacts(has_care_team=True, clearance_decision="not_cleared"), "not_cleared"),
    (PathFacts(has_care_team=True, clearance_decision="deferred"), "deferred"),
    # A decision revoked is no decision to show: the patient needs a new clearance.
    (PathFacts(has_care_team=True, clearance_decision="deferred", clearance_revoked=True),
     "intake"),
    (facts(), "preparation"),
    (facts(completed_preparations=0), "preparation"),
    (facts(administered=1), "dosing"),
    (facts(administered=5), "dosing"),
    # Expired or revoked before the course is done: back to intake.
    (facts(administered=5, clearance_current=False, clearance_revoked=True), "intake"),
    (facts(clearance_current=False), "intake"),
    # The course's last dosing given: its integration, then the follow-up, then done.
    (facts(administered=6, integration_after_last=False), "dosing"),
    (facts(administered=6), "follow_up"),
    (facts(administered=6, follow_up_after_course=True), "completed"),
    # An expired clearance does not undo a completed course.
    (facts(administered=6, follow_up_after_course=True, clearance_current=False), "completed"),
    # Maintenance dosings in the plan version: a stage until they are given.
    (facts(administered=6, follow_up_after_course=True, maintenance_count=2), "maintenance"),
    (facts(administered=7, maintenance_administered=1, follow_up_after_course=True,
           maintenance_count=2, integration_after_last=False), "maintenance"),
    (facts(administered=7, maintenance_administered=1, follow_up_after_course=True,
           maintenance_count=2), "maintenance"),
    (facts(administered=8, maintenance_administered=2, follow_up_after_course=True,
           maintenance_count=2), "completed"),
    # Maintenance needs a current clearance: expired, the course stays completed.
    (facts(administered=6, follow_up_after_course=True, maintenance_count=2,
           clearance_current=False), "completed"),
])
def test_derive_stage(f, stage):
    assert derive_stage(f) == stage


@pytest.mark.parametrize("f, done", [
    (facts(), False),
    (facts(administered=5), False),
    (facts(administered=6), True),
    (facts(administered=7, maintenance_administered=1), True),
    (facts(plan_count=None, administered=3), False),  # no plan: no course to finish
])
def test_course_done_counts_course_dosings_against_the_plan(f, done):
    assert course_done(f) is done


# --- the follow-up -----------------------------------------------------------------------

@pytest.mark.parametrize("changes, expected", [
    ({"administered": 0, "days_since_first_dosing": None}, None),
    ({"administered": 2, "days_since_first_dosing": 19}, None),
    ({"administered": 2, "days_since_first_dosing": None}, None),
    ({"administered": 3, "days_since_first_dosing": 5},
     "Medical follow-up with the prescriber (due after dosing 3)."),
    ({"administered": 4, "days_since_first_dosing": 5},
     "Medical follow-up with the prescriber (due after dosing 3)."),
    ({"administered": 1, "days_since_first_dosing": 20},
     "Medical follow-up with the prescriber (due 20 days after the first dosing)."),
    ({"administered": 1, "days_since_first_dosing": 45},
     "Medical follow-up with the prescriber (due 20 days after the first dosing)."),
    # One held since the first dosing answers both triggers.
    ({"administered": 4, "days_since_first_dosing": 45, "follow_ups_after_first_dosing": 1},
     None),
    # After the course's last dosing a follow-up is due again, whatever came before.
    ({"administered": 6, "follow_ups_after_first_dosing": 1},
     "Medical follow-up after the course's last dosing."),
    ({"administered": 6, "follow_ups_after_first_dosing": 2, "follow_up_after_course": True},
     None),
])
def test_follow_up_due(changes, expected):
    assert follow_up_due(facts(**changes), AFTER, DAYS) == expected


# --- what is due next, stage by stage ----------------------------------------------------

@pytest.mark.parametrize("f, expected", [
    (PathFacts(), ["Assign a therapist (care team) to start intake."]),
    (PathFacts(has_care_team=True),
     ["Invite a prescriber to the care team.", "Medical intake and clearance by the prescriber."]),
    (PathFacts(has_care_team=True, has_prescriber=True),
     ["Medical intake and clearance by the prescriber."]),
    (facts(clearance_current=False, clearance_revoked=True),
     ["A new medical clearance (the last one is revoked or expired)."]),
    (PathFacts(has_care_team=True, has_prescriber=True, clearance_decision="deferred"),
     ["Clearance deferred: the prescriber needs more information to decide."]),
    (PathFacts(has_care_team=True, has_prescriber=True, clearance_decision="not_cleared"),
     ["Not cleared for dosing: review options with the prescriber."]),
    (facts(completed_preparations=0),
     ["A preparation session (at least one before the first dosing)."]),
    (facts(), ["Dosing 1 of 6."]),
    (facts(administered=1, integration_after_last=False, days_since_first_dosing=0),
     ["Integration session after dosing 1."]),
    (facts(administered=1, days_since_first_dosing=7), ["Dosing 2 of 6."]),
    (facts(administered=3, days_since_first_dosing=14),
     ["Dosing 4 of 6.", "Medical follow-up with the prescriber (due after dosing 3)."]),
    (facts(administered=4, days_since_first_dosing=21, follow_ups_after_first_dosing=1),
     ["Dosing 5 of 6."]),
    (facts(administered=6, integration_after_last=False, follow_ups_after_first_dosing=1),
     ["Integration session after dosing 6.", "Medical follow-up after the course's last dosing."]),
    (facts(administered=6, follow_ups_after_first_dosing=1),
     ["Medical follow-up after the course's last dosing."]),
    (facts(administered=6, follow_ups_after_first_dosing=2, follow_up_after_course=True,
           maintenance_count=2),
     ["Maintenance dosing 1 of 2."]),
    (facts(administered=7, maintenance_administered=1, follow_ups_after_first_dosing=2,
           follow_up_after_course=True, maintenance_count=2, integration_after_last=False),
     ["Integration session after dosing 7."]),
    (facts(administered=7, maintenance_administered=1, follow_ups_after_first_dosing=2,
           follow_up_after_course=True, maintenance_count=2),
     ["Maintenance dosing 2 of 2."]),
    (facts(administered=6, follow_ups_after_first_dosing=2, follow_up_after_course=True),
     ["Course complete; maintenance dosing is at the prescriber's discretion."]),
])
def test_next_due_for_each_stage(f, expected):
    assert due(f) == expected


@pytest.mark.parametrize("days_left, warning", [
    (15, None),
    (14, "The clearance expires in 14 days: the prescriber should review and renew it "
         "before further dosing."),
    (1, "The clearance expires in 1 day: the prescriber should review and renew it before "
        "further dosing."),
    (0, "The clearance expires in 0 days: the prescriber should review and renew it before "
        "further dosing."),
])
def test_the_clearance_warning_starts_warning_days_before_expiry(days_left, warning):
    f = facts(administered=1, days_since_first_dosing=7, clearance_days_left=days_left)
    assert due(f) == ["Dosing 2 of 6."] + ([warning] if warning else [])


def test_no_clearance_warning_once_the_course_is_completed():
    f = facts(administered=6, follow_ups_after_first_dosing=2, follow_up_after_course=True,
              clearance_days_left=3)
    assert due(f) == ["Course complete; maintenance dosing is at the prescriber's discretion."]


# --- the timeline ------------------------------------------------------------------------

def rows(f: PathFacts) -> list[tuple[str, str, str, str]]:
    return [(s["key"], s["label"], s["state"], s["detail"]) for s in timeline(f)]


def test_timeline_of_a_new_referral():
    assert rows(PathFacts()) == [
        ("referral", "Referral", "current", "Waiting for a therapist"),
        ("clearance", "Intake and clearance", "todo", "Awaiting prescriber"),
        ("preparation", "Preparation", "todo", "0 completed"),
        ("dosing", "Dosing 0 of ?", "todo", ""),
        ("integration", "Integration", "todo", "After each dosing"),
        ("follow_up", "Medical follow-up", "todo", "0 since dosing began"),
        ("completed", "Completed", "todo", ""),
    ]


def test_timeline_mid_course_with_a_held_dosing_and_an_integration_due():
    f = facts(completed_preparations=2, administered=3, held=1, integration_after_last=False,
              follow_ups_after_first_dosing=1)
    assert rows(f) == [
        ("referral", "Referral", "done", "Care team assigned"),
        ("clearance", "Intake and clearance", "done", "Cleared"),
        ("preparation", "Preparation", "done", "2 completed"),
        ("dosing", "Dosing 3 of 6", "current", "1 held"),
        ("integration", "Integration", "todo", "Due after the last dosing"),
        ("follow_up", "Medical follow-up", "todo", "1 since dosing began"),
        ("completed", "Completed", "todo", ""),
    ]


@pytest.mark.parametrize("decision, detail", [
    ("not_cleared", "Not cleared"), ("deferred", "Deferred")])
def test_timeline_shows_a_decision_other_than_cleared(decision, detail):
    f = PathFacts(has_care_team=True, clearance_decision=decision)
    assert rows(f)[1] == ("clearance", "Intake and clearance", "current", detail)


def test_timeline_of_a_cleared_patient_whose_clearance_lapsed_before_dosing():
    f = facts(clearance_current=False)
    assert rows(f)[1] == ("clearance", "Intake and clearance", "current",
                          "Clearance no longer current")


def test_timeline_of_a_completed_course_with_maintenance_after_the_clearance_lapsed():
    f = facts(clearance_current=False, plan_count=2, maintenance_count=1, administered=3,
              maintenance_administered=1, follow_ups_after_first_dosing=2,
              follow_up_after_course=True)
    assert rows(f) == [
        ("referral", "Referral", "done", "Care team assigned"),
        ("clearance", "Intake and clearance", "done", "Clearance no longer current"),
        ("preparation", "Preparation", "done", "1 completed"),
        ("dosing", "Dosing 2 of 2", "done", ""),
        ("integration", "Integration", "done", "After each dosing"),
        ("follow_up", "Medical follow-up", "done", "2 since dosing began"),
        ("maintenance", "Maintenance", "done", "1 of 1 maintenance dosings"),
        ("completed", "Completed", "done", ""),
    ]


def test_timeline_during_maintenance():
    f = facts(plan_count=2, maintenance_count=2, administered=3, maintenance_administered=1,
              follow_ups_after_first_dosing=1, follow_up_after_course=True)
    assert [(key, state) for key, _, state, _ in rows(f)] == [
        ("referral", "done"), ("clearance", "done"), ("preparation", "done"),
        ("dosing", "done"), ("integration", "done"), ("follow_up", "done"),
        ("maintenance", "current"), ("completed", "todo")]
    assert rows(f)[6][3] == "1 of 2 maintenance dosings"


def test_timeline_keeps_maintenance_given_under_an_older_plan_version():
    # A later plan version without maintenance: the dosings given still show.
    f = facts(plan_count=2, maintenance_count=0, administered=3, maintenance_administered=1,
              follow_ups_after_first_dosing=1, follow_up_after_course=True)
    assert ("maintenance", "Maintenance", "done", "1 of 0 maintenance dosings") in rows(f)


def test_timeline_after_the_course_before_its_integration():
    f = facts(plan_count=2, administered=2, integration_after_last=False,
              follow_ups_after_first_dosing=1)
    states = {key: state for key, _, state, _ in rows(f)}
    assert states["dosing"] == "done" and states["integration"] == "current"
    assert states["follow_up"] == "todo"


def test_a_one_dosing_plan_is_done_after_its_one_dosing():
    f = facts(plan_count=1, administered=1, follow_ups_after_first_dosing=0)
    assert course_done(f) and derive_stage(f) == "follow_up"


def test_a_plan_version_raising_the_count_after_maintenance_began():
    # Six course dosings and one maintenance dosing given; the prescriber's new plan version
    # asks for 8 course dosings: the course goes on with its 7th, the maintenance dosing is
    # not one of them.
    f = facts(plan_count=8, administered=7, maintenance_administered=1,
              follow_ups_after_first_dosing=1, follow_up_after_course=True)
    assert not course_done(f) and derive_stage(f) == "dosing"
    assert due(f) == ["Dosing 7 of 8."]
    assert rows(f)[3] == ("dosing", "Dosing 6 of 8", "current", "")
