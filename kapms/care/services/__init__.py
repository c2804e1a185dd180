"""The care domain's verbs. Services take (session, actor, ...), flush, never commit, and
raise kapms.errors exceptions; every read and write of patient data is audited.

Modules: clearance (intake decision), plan (plan versions and change requests),
prescriptions, sessions (booking, series, missed appointments), calendar (reading
calendars: a clinician's, the practice's, free time), preconditions (every dosing precondition, one list),
dosing (the live record, phase by phase), amendments (corrections with reasons), reviews
(the prescriber's home), notes, stage (the patient's stage), contract (for other domains:
``administered_dosing_count``, ``treatment_plan_dosings``, ``billable_sessions``,
``BillableSession``).
"""

from kapms.care.services.amendments import Amendable, amend_dosing, amendable_values
from kapms.care.services.calendar import (
    bookable_patients,
    busy_times,
    calendar_and_busy,
    calendars_and_busy,
    clinician_calendar,
    get_clinician,
    may_view_calendar,
    practice_clinicians,
)
from kapms.care.services.clearance import (
    ClearanceInput,
    add_clearance_check,
    baseline_warning,
    check_clearance,
    clearances_for,
    own_clearance,
    read_clearance,
    record_clearance,
    revoke_clearance,
)
from kapms.care.services.common import get_care_session, on_team
from kapms.care.services.contract import (
    BillableSession,
    administered_dosing_count,
    administered_in,
    billable_sessions,
    treatment_plan_dosings,
)
from kapms.care.services.dosing import (
    STALE_DOSING_MESSAGE,
    AdministrationInput,
    AdverseEventInput,
    ChaperoneCheckinInput,
    CheckInInput,
    DischargeInput,
    EndEarlyInput,
    LiveStatus,
    VitalsInput,
    add_adverse_event,
    add_chaperone_checkin,
    add_vitals,
    administer,
    check_in,
    discharge,
    end_early,
    hold,
    live_status,
)
from kapms.care.services.notes import (
    STALE_MESSAGE,
    add_addendum,
    get_process_note,
    my_process_notes,
    note_for_print,
    read_note,
    save_draft,
    save_process_note,
    sign_note,
)
from kapms.care.services.plan import (
    STALE_PLAN_MESSAGE,
    PlanInput,
    PlanRequestInput,
    approve_plan_request,
    decline_plan_request,
    get_plan_request,
    open_plan_request,
    request_plan_change,
    revise_plan,
)
from kapms.care.services.preconditions import (
    DOSING_CHECKS,
    add_dosing_check,
    alert_block_text,
    dosing_blocks,
    dosing_check,
    dosing_timeline,
    plan_in_force,
    safety_alert_block,
)
from kapms.care.services.prescriptions import (
    PrescriptionInput,
    prescriber_profile,
    prescriptions_for,
    record_prescription,
    record_refill,
    save_prescriber_profile,
)
from kapms.care.services.reviews import (
    acknowledge_review,
    clearances_expiring,
    follow_ups_due,
    open_plan_requests,
    open_reviews,
    open_safety_alerts,
)
from kapms.care.services.sessions import (
    KIND_ROLE,
    MAX_MINUTES,
    MIN_MINUTES,
    STALE_SESSION_MESSAGE,
    MissedPolicy,
    cancel_session,
    clinician_schedule,
    complete_session,
    count_notes_due,
    notes_due,
    record_missed,
    require_scheduler,
    reschedule_session,
    schedule_series,
    schedule_session,
)
from kapms.care.services.stage import (
    current_clearance,
    latest_clearance,
    patient_path,
    patient_sessions,
    refresh_stage,
)

__all__ = [
    "DOSING_CHECKS", "KIND_ROLE", "MAX_MINUTES", "MIN_MINUTES", "STALE_DOSING_MESSAGE", "STALE_MESSAGE",
    "STALE_PLAN_MESSAGE", "STALE_SESSION_MESSAGE", "AdministrationInput", "Amendable",
    "MissedPolicy", "record_missed", "schedule_series", "bookable_patients", "busy_times",
    "calendar_and_busy", "calendars_and_busy", "clinician_calendar", "get_clinician", "check_clearance", "may_view_calendar", "practice_clinicians",
    "AdverseEventInput", "BillableSession", "ChaperoneCheckinInput", "CheckInInput",
    "ClearanceInput", "DischargeInput", "EndEarlyInput", "LiveStatus", "PlanInput", "PlanRequestInput",
    "PrescriptionInput", "VitalsInput", "acknowledge_review", "add_addendum",
    "add_adverse_event", "add_chaperone_checkin", "add_clearance_check", "add_dosing_check",
    "add_vitals",
    "administer", "administered_dosing_count", "administered_in", "alert_block_text", "amend_dosing", "amendable_values",
    "approve_plan_request", "baseline_warning", "billable_sessions", "cancel_session",
    "check_in", "clearances_expiring", "clearances_for", "clinician_schedule",
    "complete_session", "count_notes_due", "current_clearance", "decline_plan_request",
    "discharge", "dosing_blocks", "dosing_check", "dosing_timeline", "end_early", "follow_ups_due",
    "get_care_session",
    "get_plan_request", "get_process_note", "hold", "latest_clearance", "live_status",
    "my_process_notes", "note_for_print", "notes_due", "on_team", "open_plan_request",
    "open_plan_requests", "open_reviews", "open_safety_alerts", "own_clearance", "patient_path",
    "patient_sessions", "plan_in_force", "prescriber_profile", "prescriptions_for", "read_clearance",
    "read_note", "record_clearance", "record_prescription", "record_refill",
    "refresh_stage", "request_plan_change", "require_scheduler", "reschedule_session",
    "revise_plan", "revoke_clearance", "safety_alert_block", "save_draft", "save_process_note",
    "save_prescriber_profile", "schedule_session", "sign_note", "treatment_plan_dosings",
]
