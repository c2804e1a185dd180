"""Where a patient stands on the care path: stage, timeline and what is due next.

Pure functions over ``PathFacts`` (gathered from the records by services.stage), so the
derivation is tested without a database and the stored ``Patient.stage`` always comes from
the one function ``derive_stage``.
"""

from dataclasses import dataclass

# Warn the care team this many days before a current clearance runs out.
CLEARANCE_RENEWAL_WARNING_DAYS = 30


@dataclass(frozen=True)
class PathFacts:
    """Facts about one patient's records, as of now."""

    has_care_team: bool = False
    has_prescriber: bool = False
    clearance_decision: str | None = None  # latest clearance: cleared/not_cleared/deferred
    clearance_current: bool = False
    clearance_revoked: bool = False
    plan_count: int | None = None
    completed_preparations: int = 0
    administered: int = 0  # administered dosings under the latest clearance
    held: int = 0
    integration_after_last: bool = True  # True when there is no dosing yet
    follow_ups_after_first_dosing: int = 0
    follow_up_after_last: bool = False
    clearance_days_left: int | None = None  # days until a current clearance expires


def course_done(f: PathFacts) -> bool:
    """All planned dosings administered."""
    return f.plan_count is not None and f.administered >= f.plan_count and f.administered > 0


def derive_stage(f: PathFacts) -> str:
    """The stage key (kapms.patients.models.STAGES) the facts put the patient in."""
    if f.clearance_decision is None:
        return "intake" if f.has_care_team else "referral"
    if f.clearance_decision in ("not_cleared", "deferred") and not f.clearance_revoked:
        return f.clearance_decision
    if course_done(f):
        if not f.integration_after_last:
            return "dosing"
        return "completed" if f.follow_up_after_last else "follow_up"
    if not f.clearance_current:
        return "intake"  # revoked or expired: a new clearance is needed
    return "preparation" if f.administered == 0 else "dosing"


def timeline(f: PathFacts) -> list[dict]:
    """The path's steps with state "done", "current" or "todo" and a short detail."""
    n = f.plan_count
    done = course_done(f)
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
        ("dosing", f"Dosing {f.administered} of {n if n is not None else '?'}", done,
         f"{f.held} held" if f.held else ""),
        ("integration", "Integration", done and f.integration_after_last,
         "After each dosing" if f.integration_after_last else "Due after the last dosing"),
        ("follow_up", "Medical follow-up", done and f.follow_up_after_last,
         f"{f.follow_ups_after_first_dosing} since dosing began"),
        ("completed", "Completed", derive_stage(f) == "completed", ""),
    ]
    result, current_given = [], False
    for key, label, is_done, detail in steps:
        state = "done" if is_done else ("todo" if current_given else "current")
        current_given = current_given or not is_done
        result.append({"key": key, "label": label, "state": state, "detail": detail})
    return result


def next_due(f: PathFacts) -> list[str]:
    """What the care team should do next, in words (most urgent first)."""
    stage = derive_stage(f)
    due = []
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
    elif stage == "dosing":
        if not f.integration_after_last:
            due.append(f"Integration session after dosing {f.administered}.")
        elif not course_done(f):
            due.append(f"Dosing {f.administered + 1} of {f.plan_count}.")
        if f.administered >= 2 and f.follow_ups_after_first_dosing == 0:
            due.append("Medical follow-up with the prescriber (due after dosing 2).")
    elif stage == "follow_up":
        due.append("Medical follow-up after the final dosing.")
    else:
        due.append("Course complete; maintenance dosing is at the prescriber's discretion.")
    left = f.clearance_days_left
    if left is not None and left <= CLEARANCE_RENEWAL_WARNING_DAYS and not course_done(f):
        due.append(f"The clearance expires in {left} day{'s' if left != 1 else ''}: "
                   "the prescriber should review and renew it before further dosing.")
    return due
