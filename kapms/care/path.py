"""Where a patient stands on the care path: stage, timeline and what is due next.

Pure functions over ``PathFacts`` (gathered from the records by services.stage), so the
derivation is tested without a database and the stored ``Patient.stage`` always comes from
the one function ``derive_stage``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PathFacts:
    """Facts about one patient's records, as of now."""

    has_care_team: bool = False
    has_prescriber: bool = False
    clearance_decision: str | None = None  # latest clearance: cleared/not_cleared/deferred
    clearance_current: bool = False
    clearance_revoked: bool = False
    plan_count: int | None = None  # the current plan's course dosings
    maintenance_count: int = 0  # the current plan's maintenance dosings
    completed_preparations: int = 0
    administered: int = 0  # administered dosings under the latest clearance
    maintenance_administered: int = 0  # of which maintenance dosings
    held: int = 0
    integration_after_last: bool = True  # True when there is no dosing yet
    follow_ups_after_first_dosing: int = 0
    follow_up_after_course: bool = False  # after the course's last dosing
    days_since_first_dosing: int | None = None  # clinic days, None before the first
    clearance_days_left: int | None = None  # days until a current clearance expires


def course_done(f: PathFacts) -> bool:
    """All the plan's course dosings administered."""
    return (f.plan_count is not None and f.administered > 0
            and f.administered - f.maintenance_administered >= f.plan_count)


def derive_stage(f: PathFacts) -> str:
    """The stage key (kapms.patients.models.STAGES) the facts put the patient in."""
    if f.clearance_decision is None:
        return "intake" if f.has_care_team else "referral"
    if f.clearance_decision in ("not_cleared", "deferred") and not f.clearance_revoked:
        return f.clearance_decision
    if course_done(f):
        if not f.integration_after_last:
            return "maintenance" if f.maintenance_administered else "dosing"
        if not f.follow_up_after_course:
            return "follow_up"
        if f.clearance_current and f.maintenance_count > f.maintenance_administered:
            return "maintenance"
        return "completed"
    if not f.clearance_current:
        return "intake"  # revoked or expired: a new clearance is needed
    return "preparation" if f.administered == 0 else "dosing"


def follow_up_due(f: PathFacts, after_dosing: int, days: int) -> str | None:
    """Why a medical follow-up is due now, or None: after dosing ``after_dosing`` or
    ``days`` days after the first dosing (whichever comes first), when none was held since
    the first dosing; and after the course's last dosing."""
    if f.administered == 0:
        return None
    if course_done(f) and not f.follow_up_after_course:
        return "Medical follow-up after the course's last dosing."
    if f.follow_ups_after_first_dosing:
        return None
    if f.administered >= after_dosing:
        return f"Medical follow-up with the prescriber (due after dosing {after_dosing})."
    if f.days_since_first_dosing is not None and f.days_since_first_dosing >= days:
        return (f"Medical follow-up with the prescriber (due {days} days after the first "
                "dosing).")
    return None


def timeline(f: PathFacts) -> list[dict]:
    """The path's steps with state "done", "current" or "todo" and a short detail."""
    n = f.plan_count
    done = course_done(f)
    course = f.administered - f.maintenance_administered
    stage = derive_stage(f)
    steps = [
        ("referral", "Referral", f.has_care_team, "Care team assigned" if f.has_care_team
         else "Waiting for a therapist"),
        ("clearance", "Intake and clearance",
         f.clearance_decision == "cleared" and (f.clearance_current or done),
         {"cleared": "Cleared" if f.clearance_current else "Clearance no longer current",
          "not_cleared": "Not cleared", "deferred": "Deferred",
          None: "Awaiting prescriber"}[f.clearance_decision]),
        ("preparation", "Preparation", f.completed_preparations >= 1,
         f"{f.completed_preparations} completed"),
        ("dosing", f"Dosing {course} of {n if n is not None else '?'}", done,
         f"{f.held} held" if f.held else ""),
        ("integration", "Integration", done and f.integration_after_last,
         "After each dosing" if f.integration_after_last else "Due after the last dosing"),
        ("follow_up", "Medical follow-up", done and f.follow_up_after_course,
         f"{f.follow_ups_after_first_dosing} since dosing began"),
    ]
    if f.maintenance_count or f.maintenance_administered:
        steps.append(("maintenance", "Maintenance", stage == "completed",
                      f"{f.maintenance_administered} of {f.maintenance_count} maintenance "
                      "dosings"))
    steps.append(("completed", "Completed", stage == "completed", ""))
    result, current_given = [], False
    for key, label, is_done, detail in steps:
        state = "done" if is_done else ("todo" if current_given else "current")
        current_given = current_given or not is_done
        result.append({"key": key, "label": label, "state": state, "detail": detail})
    return result


def next_due(f: PathFacts, after_dosing: int, days: int, warning_days: int) -> list[str]:
    """What the care team should do next, in words (most urgent first).

    ``after_dosing``/``days``: when the medical follow-up is due; ``warning_days``: warn
    this many days before a current clearance expires (clinic settings)."""
    stage = derive_stage(f)
    due = []
    follow_up = follow_up_due(f, after_dosing, days)
    if stage == "referral":
        due.append("Assign a therapist (care team) to start intake.")
    elif stage == "intake":
        if not f.has_prescriber:
            due.append("Invite a prescriber to the care team.")
        due.append("Medical intake and clearance by the prescriber."
                   if f.clearance_decision is None
                   else "A new medical clearance (the last one is revoked or expired).")
    elif stage == "deferred":
        due.append("Clearance deferred: the prescriber needs more information to decide.")
    elif stage == "not_cleared":
        due.append("Not cleared for dosing: review options with the prescriber.")
    elif stage == "preparation":
        if f.completed_preparations < 1:
            due.append("A preparation session (at least one before the first dosing).")
        else:
            due.append(f"Dosing 1 of {f.plan_count}.")
    elif stage in ("dosing", "maintenance"):
        if not f.integration_after_last:
            due.append(f"Integration session after dosing {f.administered}.")
        elif stage == "maintenance":
            due.append(f"Maintenance dosing {f.maintenance_administered + 1} of "
                       f"{f.maintenance_count}.")
        elif not course_done(f):
            # Course dosings only: maintenance given before a plan version raised the count
            # is not part of the course.
            course = f.administered - f.maintenance_administered
            due.append(f"Dosing {course + 1} of {f.plan_count}.")
    elif stage == "completed":
        due.append("Course complete; maintenance dosing is at the prescriber's discretion.")
    if follow_up:
        due.append(follow_up)
    left = f.clearance_days_left
    if left is not None and left <= warning_days and stage != "completed":
        due.append(f"The clearance expires in {left} day{'s' if left != 1 else ''}: "
                   "the prescriber should review and renew it before further dosing.")
    return due
