"""The NPI check digit, and the directory refusing an invalid NPI."""

import pytest

from kapms.errors import RuleViolation
from kapms.network.npi import valid_npi
from kapms.network.services import ProfileData, save_profile
from tests.factories import make_user


@pytest.mark.parametrize(("npi", "ok"), [
    ("1234567893", True), ("1000000004", True), ("1234567890", False), ("123456789", False),
    ("12345678930", False), ("12345678a3", False), ("１２３４５６７８９３", False), (None, False)])
def test_npi_check_digit(npi, ok):
    assert valid_npi(npi) is ok


def test_profile_with_a_bad_check_digit_is_refused(db):
    therapist = make_user(db, roles=["therapist"])
    with pytest.raises(RuleViolation, match="check digit"):
        save_profile(db, therapist, therapist, ProfileData(npi="1987654320"))
    assert save_profile(db, therapist, therapist, ProfileData(npi="1987654328")).npi == "1987654328"
