"""Vocabulary of the care path, taken from the domain guide (docs/domain.md).

Kept as data so forms, services, PDFs and tests share one list.
"""

# The contraindication screen: (key, label). Every item is asked as yes / no (nothing
# preselected). The sources call each of these "not appropriate" for ketamine treatment, so
# clearing a patient with any item answered yes needs an explicit, recorded override reason.
CONTRAINDICATIONS: list[tuple[str, str]] = [
    ("hypertension", "Uncontrolled hypertension"),
    ("vascular", "Aneurysmal vascular disease, arteriovenous malformation or "
                 "intracerebral haemorrhage history"),
    ("breathing", "Severe breathing problems"),
    ("glaucoma", "Uncontrolled glaucoma"),
    ("unstable_medical", "Other unstable medical condition (e.g. recent traumatic injury)"),
    ("mania", "Acute mania or mixed state"),
    ("psychosis", "History of primary psychotic disorder"),
    ("suicidality", "Active suicidal ideation or severe psychiatric instability"),
    ("substance_use", "Active substance (including ketamine) use disorder"),
    ("allergy", "Ketamine allergy or hypersensitivity"),
    ("pregnancy", "Pregnancy or breastfeeding"),
]
CONTRAINDICATION_LABELS = dict(CONTRAINDICATIONS)

# Sedating co-medications asked about at clearance and on each dosing day.
CO_MEDICATIONS: list[tuple[str, str]] = [
    ("benzodiazepines", "Benzodiazepines"),
    ("sedative_hypnotics", "Other sedative-hypnotics"),
    ("stimulants", "Stimulants"),
    ("maois", "MAOIs"),
]
CO_MEDICATION_LABELS = dict(CO_MEDICATIONS)

# Co-medication classes that sedate: taken on a dosing day, the clinician must confirm
# the dose with a reason (stimulants and MAOIs are recorded, not a sedation warning).
SEDATING_CO_MEDICATIONS = frozenset({"benzodiazepines", "sedative_hypnotics"})

# Dosings in a plan: 1 to MAX_DOSINGS in the course, 0 to MAX_DOSINGS of maintenance after
# it (the plan rule, the plan-change service and every plan form share this one number).
MAX_DOSINGS = 36
# A session's length, booked or as held (the booking and completion forms and services).
MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 15, 8 * 60

DECISIONS = {"cleared": "Cleared", "not_cleared": "Not cleared", "deferred": "Deferred"}

PRODUCTS = {
    "ketamine_sl_lozenge": "Ketamine sublingual lozenge (troche)",
    "ketamine_sl_tablet": "Ketamine sublingual tablet",
    "ketamine_injection": "Ketamine HCl injection",
}
ROUTES = {
    "sublingual": "Sublingual",
    "subcutaneous": "Subcutaneous injection",
    "intramuscular": "Intramuscular (in office)",
}
# Injections are given by staff: never at a telehealth or at-home dosing.
CLINIC_ONLY_ROUTES = frozenset({"intramuscular", "subcutaneous"})

SESSION_KINDS = {
    "intake": "Medical intake",
    "preparation": "Preparation",
    "dosing": "Dosing",
    "integration": "Integration",
    "follow_up": "Medical follow-up",
}
MODALITIES = {"office": "In office", "telehealth": "Telehealth"}
SESSION_STATUSES = {"scheduled": "Scheduled", "in_progress": "In progress",
                    "completed": "Completed", "held": "Held", "cancelled": "Cancelled",
                    "no_show": "No-show", "late_cancel": "Late cancellation"}
# A missed appointment: the patient did not come, or cancelled too late to fill the time.
MISSED_STATUSES = {"no_show": "No-show", "late_cancel": "Late cancellation"}
# Sessions that give their time back: another session may be booked over them.
FREED_STATUSES = ("cancelled", "late_cancel")
# Sessions that did not take place (no note is due for them).
NOT_HELD_STATUSES = ("cancelled", "late_cancel", "no_show")
# How a session repeats (weeks between occurrences).
REPEATS = {0: "Does not repeat", 1: "Every week", 2: "Every 2 weeks", 4: "Every 4 weeks"}

# Where the patient is during a dosing (recorded at check-in).
DOSING_SETTINGS = {"office": "In office", "telehealth": "Telehealth", "home": "At home"}
# Settings where a chaperone (peer treatment monitor) sits with the patient.
CHAPERONED_SETTINGS = frozenset({"telehealth", "home"})

# The phases of a live dosing record, in order.
DOSING_PHASES = {"check_in": "Check-in", "administration": "Administration",
                 "monitoring": "Monitoring", "discharge": "Discharge"}
# Vitals readings during a dosing.
VITALS_KINDS = {"pre": "Pre-dose", "mid": "~40 minutes", "extra": "Additional",
                "discharge": "Before discharge", "end": "At the early end"}
# How a dosing session in monitoring ends when it cannot end in a normal discharge (the
# patient is not stable, or leaves): the record is closed with what happened and why.
END_KINDS = {"emergency_transfer": "Transferred to emergency care",
             "left_against_advice": "Left against clinical advice",
             "ended_early": "Ended early (other reason)"}
CHECKIN_STATUSES = {"ok": "OK", "concern": "Concern"}

# What the prescriber reviews (each acknowledged with a note).
REVIEW_KINDS = {"held": "Held dosing", "bp_rise": "Blood-pressure rise",
                "serious_ae": "Serious adverse event", "ended_early": "Dosing ended early",
                "plan_deviation": "Dose outside the plan (amended)"}

ADVERSE_EVENTS = {
    "dissociation": "Dissociation", "sedation": "Sedation",
    "dizziness": "Dizziness / vertigo", "nausea": "Nausea", "vomiting": "Vomiting",
    "headache": "Headache", "blurred_vision": "Blurred vision", "anxiety": "Anxiety",
    "elevated_bp": "Elevated blood pressure",
    "respiratory_depression": "Respiratory depression", "other": "Other",
}
SEVERITIES = {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"}
