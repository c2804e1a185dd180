"""The measures domain's verbs (no Flask; flush, never commit; every read and write of
patient data audited).

administrations.py  recording a measure, marking it entered in error, the schedule
alerts.py           suicidal-ideation safety alerts and their acknowledgement
item_text.py        item wording, the licensed MBI-GS text
links.py            self-report links
reports.py          the network outcome report (SQL aggregates)
care_data.py        every query into the care path's records
"""

from kapms.measures.services.administrations import (
    DueRow,
    is_recorded,
    live,
    measure_schedule,
    patient_administrations,
    record_administration,
    require_clinician,
    settings_from_config,
    void_administration,
)
from kapms.measures.services.alerts import (
    NOTE_MAX,
    acknowledge_alert,
    alert_for,
    open_alerts_for_care_team,
    open_alerts_for_patient,
    patient_alerts,
)
from kapms.measures.services.item_text import item_labels, load_item_texts, option_labels

__all__ = [
    "NOTE_MAX", "DueRow", "acknowledge_alert", "alert_for", "is_recorded", "item_labels",
    "live", "load_item_texts", "measure_schedule", "open_alerts_for_care_team",
    "open_alerts_for_patient", "option_labels", "patient_administrations", "patient_alerts",
    "record_administration", "require_clinician", "settings_from_config",
    "void_administration",
]
