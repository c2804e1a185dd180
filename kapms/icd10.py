"""The ICD-10-CM diagnoses the network records, with their public titles (CMS/NCHS).

Shared by the patient record (the diagnosis field) and billing (estimates, GFEs, claims):
a neutral home, so neither domain owns the other's vocabulary.
"""

ICD10_LABELS: dict[str, str] = {
    "F41.1": "Generalized anxiety disorder",
    "F43.10": "Post-traumatic stress disorder, unspecified",
    "F43.12": "Post-traumatic stress disorder, chronic",
    "F33.1": "Major depressive disorder, recurrent, moderate",
    "F32.0": "Major depressive disorder, single episode, mild",
    "F32.1": "Major depressive disorder, single episode, moderate",
    "F32.2": "Major depressive disorder, single episode, severe without psychotic features",
    "F32.3": "Major depressive disorder, single episode, severe with psychotic features",
    "F32.4": "Major depressive disorder, single episode, in partial remission",
    "F32.5": "Major depressive disorder, single episode, in full remission",
    # F32.8 is a heading, not billable: its billable codes are F32.81 and F32.89.
    "F32.81": "Premenstrual dysphoric disorder",
    "F32.89": "Other specified depressive episodes",
    "F32.9": "Major depressive disorder, single episode, unspecified",
    "F32.A": "Depression, unspecified",
    "Z73.0": "Burn-out",
}
