"""Vocabulary of the care path, taken from the domain guide (docs/domain.md).

Kept as data so forms, services, PDFs and tests share one list.
"""

# The contraindication screen: (key, label, absolute). An "absolute" item answered yes
# cannot be cleared without an explicit, recorded override reason. The guide's
# "uncontrolled"/"active"/"acute" items and the vascular conditions are treated as absolute;
# the others call for clinical judgement (relative).
CONTRAINDICATIONS: list[tuple[str, str, bool]] = [
    ("hypertension", "Uncontrolled hypertension", True),
    ("vascular", "Aneurysmal vascular disease, arteriovenous malformation or "
                 "intracerebral haemorrhage history", True),
    ("breathing", "Severe breathing problems", True),
    ("glaucoma", "Uncontrolled glaucoma", True),
    ("unstable_medical", "Other unstable medical condition (e.g. recent traumatic injury)",
     False),
    ("mania", "Acute mania or mixed state", True),
    ("psychosis", "History of primary psychotic disorder", True),
    ("suicidality", "Active suicidal ideation or severe psychiatric instability", True),
    ("substance_use", "Active substance (including ketamine) use disorder", True),
    ("allergy", "Ketamine allergy or hypersensitivity", True),
    ("pregnancy", "Pregnancy or breastfeeding", False),
]
CONTRAINDICATION_LABELS = {key: label for key, label, _ in CONTRAINDICATIONS}
ABSOLUTE_CONTRAINDICATIONS = frozenset(key for key, _, absolute in CONTRAINDICATIONS if absolute)

# Sedating co-medications asked about at clearance and on each dosing day.
CO_MEDICATIONS: list[tuple[str, str]] = [
    ("benzodiazepines", "Benzodiazepines"),
    ("sedative_hypnotics", "Other sedative-hypnotics"),
    ("stimulants", "Stimulants"),
    ("maois", "MAOIs"),
]
CO_MEDICATION_LABELS = dict(CO_MEDICATIONS)

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

SESSION_KINDS = {
    "intake": "Medical intake",
    "preparation": "Preparation",
    "dosing": "Dosing",
    "integration": "Integration",
    "follow_up": "Medical follow-up",
}
MODALITIES = {"office": "In office", "telehealth": "Telehealth"}
SESSION_STATUSES = {"scheduled": "Scheduled", "completed": "Completed", "held": "Held",
                    "cancelled": "Cancelled"}

ADVERSE_EVENTS = {
    "dissociation": "Dissociation", "sedation": "Sedation",
    "dizziness": "Dizziness / vertigo", "nausea": "Nausea", "vomiting": "Vomiting",
    "headache": "Headache", "blurred_vision": "Blurred vision", "anxiety": "Anxiety",
    "elevated_bp": "Elevated blood pressure",
    "respiratory_depression": "Respiratory depression", "other": "Other",
}
SEVERITIES = {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"}
