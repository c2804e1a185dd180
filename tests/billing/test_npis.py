"""Clinicians' NPIs, kept on their directory profiles, print on superbills and GFEs."""

from datetime import date

from kapms.billing.services import Practice
from kapms.billing.services.gfe import GfeRequest, create_gfe
from kapms.billing.services.superbills import build_superbill
from kapms.network.services import ProfileData, save_profile
from tests.billing.care_record import CareRecord
from tests.billing.helpers import make_patient, make_schedule
from tests.factories import make_user

CLINIC_TODAY = date(2026, 3, 2)

PRACTICE = Practice("Harbor KAP Clinic", "1234567893", "94-1234567", "1 Bay St, Oakland, CA")


def test_npis_print_on_superbills_and_gfes(db):
    make_schedule(db, None)
    therapist = make_user(db, roles=["therapist"], full_name="Maya Okafor", credentials="LMFT")
    save_profile(db, None, therapist, ProfileData(npi="1987654328"))
    patient = make_patient(db)
    record = CareRecord(db, patient, therapist=therapist)
    record.visit("preparation", date(2026, 2, 3), 60)
    bill = build_superbill(db, None, patient, date(2026, 2, 1), date(2026, 2, 28), PRACTICE)
    assert bill.lines[0].clinician_npi == "1987654328"
    assert bill.clinicians == (("Maya Okafor, LMFT", "1987654328"),)
    gfe = create_gfe(db, None, patient, GfeRequest(date(2026, 3, 16), date(2026, 3, 2), None),
                     PRACTICE, date(2026, 3, 2))
    assert gfe.clinicians.startswith("Maya Okafor, LMFT (NPI 1987654328)")
