"""The care domain's verbs. Services take (session, actor, ...), flush, never commit, and
raise kapms.errors exceptions; every read and write of patient data is audited.

Contract for other domains (see contract.py): ``administered_dosing_count``,
``treatment_plan_dosings``, ``billable_sessions`` and ``BillableSession``.
"""

from kapms.care.services.clearance import (
                                           ClearanceInput,
                                           PrescriptionInput,
                                           amend_plan,
                                           clearances_for,
                                           prescriber_profile,
                                           prescriptions_for,
                                           record_clearance,
                                           record_prescription,
                                           record_refill,
                                           revoke_clearance,
                                           save_prescriber_profile,
)
from kapms.care.services.common import get_care_session, on_team
from kapms.care.services.contract import (
                                           BillableSession,
                                           administered_dosing_count,
                                           billable_sessions,
                                           treatment_plan_dosings,
)
from kapms.care.services.dosing import DosingInput, dosing_check, record_dosing
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
from kapms.care.services.sessions import (
                                           KIND_ROLE,
                                           STALE_SESSION_MESSAGE,
                                           cancel_session,
                                           clinician_schedule,
                                           complete_session,
                                           notes_due,
                                           patient_sessions,
                                           require_scheduler,
                                           reschedule_session,
                                           schedule_session,
)
from kapms.care.services.stage import (
                                           current_clearance,
                                           latest_clearance,
                                           patient_path,
                                           refresh_stage,
)

__all__ = [
    "BillableSession", "ClearanceInput", "DosingInput", "KIND_ROLE", "PrescriptionInput",
    "STALE_MESSAGE", "STALE_SESSION_MESSAGE", "add_addendum", "administered_dosing_count",
    "amend_plan", "billable_sessions", "cancel_session", "clearances_for",
    "clinician_schedule", "complete_session", "current_clearance", "dosing_check",
    "get_care_session", "get_process_note", "latest_clearance", "my_process_notes",
    "note_for_print", "notes_due", "on_team", "patient_path", "patient_sessions",
    "prescriber_profile", "prescriptions_for", "read_note", "record_clearance",
    "record_dosing", "record_prescription", "record_refill", "refresh_stage",
    "require_scheduler", "reschedule_session", "revoke_clearance", "save_draft", "save_process_note",
    "save_prescriber_profile", "schedule_session", "sign_note", "treatment_plan_dosings",
]
