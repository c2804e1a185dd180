"""Care-path records: clearances and plan versions, prescriptions, sessions, dosing records
(with their vitals, adverse events, chaperone check-ins and amendments), prescriber reviews,
notes.

Answers that are lists of yes/no items (contraindication screen, co-medications) are stored
as JSON on their record: they are always read and written with it and never queried item by
item. Always assign a new dict/list to change them (JSON columns do not track in-place
mutation). Anything other domains aggregate lives in columns and tables of its own.
"""

from kapms.care.models.clearance import (
    Clearance,
    PlanChangeRequest,
    PlanVersion,
    PrescriberProfile,
    Prescription,
    PrescriptionRefill,
)
from kapms.care.models.dosing import (
    AdverseEvent,
    ChaperoneCheckin,
    DosingAmendment,
    DosingRecord,
    PrescriberReview,
    VitalsReading,
)
from kapms.care.models.sessions import (
    Addendum,
    CareSession,
    ClinicianCalendar,
    ProcessNote,
    ProgressNote,
    SessionSeries,
)

__all__ = ["Addendum", "AdverseEvent", "CareSession", "ChaperoneCheckin", "Clearance",
           "ClinicianCalendar", "DosingAmendment", "DosingRecord", "PlanChangeRequest",
           "PlanVersion", "PrescriberProfile", "PrescriberReview", "Prescription",
           "PrescriptionRefill", "ProcessNote", "ProgressNote", "SessionSeries", "VitalsReading"]
