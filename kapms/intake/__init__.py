"""The patient's medical-history questionnaire (intake), filled in the portal and shown to
the prescriber beside the clearance screen, where it prefills the answers the prescriber
then decides."""
