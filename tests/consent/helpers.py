"""Consent set-up for tests that dose a patient on a network with consent documents (the
demo): the patient's paper signature of every document in use."""

from kapms import clinic_time
from kapms.consent import services


def sign_everything(db, clinician, patient) -> None:
    """Record a paper signature of every document the patient has to sign, by
    ``clinician`` (on the care team), dated today."""
    for waiting in services.to_sign(db, patient.id, remote=True):
        services.record_paper_signature(db, clinician, patient, waiting.version.id,
                                        typed_name=patient.full_name,
                                        signed_on=clinic_time.today(), witness="Front desk")
