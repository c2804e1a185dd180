"""The network's fixed vocabularies: specialties, licence types, weekdays, statuses.

Plain constants with no imports, shared by the models and the pure matching rules.
"""

# The fixed vocabulary of needs a therapist may specialise in (key -> label).
SPECIALTIES = {
    "anxiety": "Anxiety",
    "depression": "Depression",
    "ptsd": "PTSD",
    "trauma": "Trauma",
    "burnout": "Burnout",
    "sleep": "Sleep",
    "ocd": "OCD",
    "substance_use": "Substance use",
    "chronic_pain": "Chronic pain",
    "grief": "Grief",
    "eating": "Eating disorders",
    "end_of_life": "End-of-life distress",
}
LICENCE_TYPES = ("LMFT", "LCSW", "LPC", "LMHC", "PsyD", "PhD", "MD", "DO", "PMHNP", "NP", "PA")
PROFILE_KINDS = ("therapist", "prescriber")
# How a patient wants to be seen (the matcher's modality, and the patient's care request).
MODALITIES = {"in_office": "In office", "telehealth": "Telehealth", "either": "Either"}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # index = date.weekday()
REFERRAL_STATUSES = {
    "offered": "Offered",
    "accepted": "Accepted",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
    "expired": "Expired",  # unanswered for OFFER_EXPIRY_DAYS
}
# What an offer is: a coordinator's referral or a care-team colleague's invitation.
OFFER_KINDS = {"referral": "Referral", "invitation": "Invitation"}
