"""Informed consent: versioned documents kept by admins, signed by the patient in the
portal (or on paper, recorded by a clinician), and the rule that a dosing waits for every
required signature."""
