"""Clinicians' NPIs, kept on their directory profiles, print on superbills and GFEs."""

from datetime import date

import pytest
from sqlalchemy import select

from kapms.billing.services import Practice
from kapms.billing.services.gfe import GfeRequest, create_gfe
from kapms.billing.services.superbills import build_superbill
from kapms.errors import RuleViolation
from kapms.network.models import ClinicianProfile
from kapms.network.services import ProfileData, save_profile
from tests.billing.care_record import CareRecord
from tests.billing.helpers import make_patient, make_schedule
from tests.factories import make_user

CLINIC_TODAY = date(2026, 3, 2)

PRACTICE = Practice("Harbor KAP Clinic", "1234567893", "94-1234567", "1 Bay St, Oakland, CA")


def seen_by_maya(db):
    """A self-pay patient with one preparation session by Maya Okafor, whose NPI is on file."""
    make_schedule(db, None)
    therapist = make_user(db, roles=["therapist"], full_name="Maya Okafor", credentials="LMFT")
    save_profile(db, therapist, therapist, ProfileData(npi="1987654328"))
    patient = make_patient(db)
    record = CareRecord(db, patient, therapist=therapist)
    record.visit("preparation", date(2026, 2, 3), 60)
    return therapist, patient


def test_npis_print_on_superbills_and_gfes(db):
    therapist, patient = seen_by_maya(db)
    bill = build_superbill(db, None, patient, date(2026, 2, 1), date(2026, 2, 28), PRACTICE)
    assert bill.lines[0].clinician_npi == "1987654328"
    assert bill.clinicians == (("Maya Okafor, LMFT", "1987654328"),)
    gfe = create_gfe(db, None, patient, GfeRequest(date(2026, 3, 16), date(2026, 3, 2), None),
                     PRACTICE, date(2026, 3, 2))
    assert gfe.clinicians.startswith("Maya Okafor, LMFT (NPI 1987654328)")


def test_the_app_refuses_to_start_with_an_invalid_practice_npi():
    from kapms import create_app
    from kapms.config import TestConfig

    config = type("BadNpi", (TestConfig,), {"CLINIC_NPI": "1234567890",
                                             "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="CLINIC_NPI '1234567890' is not a valid NPI"):
        create_app(config)


def test_documents_refuse_an_npi_that_fails_its_check_digit(db):
    therapist, patient = seen_by_maya(db)
    # A bad NPI that reached the directory another way (an import, an old record).
    therapist_profile = db.scalar(select(ClinicianProfile).where(
        ClinicianProfile.user_id == therapist.id))
    therapist_profile.npi = "1987654320"
    with pytest.raises(RuleViolation, match="Maya Okafor, LMFT \\(1987654320\\)"):
        build_superbill(db, None, patient, date(2026, 2, 1), date(2026, 2, 28), PRACTICE)
    with pytest.raises(RuleViolation, match="1987654320"):
        create_gfe(db, None, patient, GfeRequest(date(2026, 3, 16), date(2026, 3, 2), None),
                   PRACTICE, date(2026, 3, 2))
    bad_practice = Practice("Harbor KAP Clinic", "1234567890", "94-1234567", "1 Bay St")
    therapist_profile.npi = "1987654328"
    with pytest.raises(RuleViolation, match="the practice \\(1234567890\\)"):
        create_gfe(db, None, patient, GfeRequest(date(2026, 3, 16), date(2026, 3, 2), None),
                   bad_practice, date(2026, 3, 2))
