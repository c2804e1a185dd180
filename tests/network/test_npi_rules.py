"""The NPI check digit (45 CFR 162.406; kapms/network/npi.py): ten digits, the last a Luhn
check digit over "80840" and the first nine. Worked by hand: double every second digit of
the nine from the right (subtracting 9 from a two-digit result), add the others and the
prefix's 24 (80840: 8 + 2x4 + 8 + 2x0 + 0), and the check digit brings the sum to a multiple
of ten."""

import pytest

from kapms.network.npi import valid_npi


@pytest.mark.parametrize("npi", [
    # CMS's example: doubled 9,7,5,3,1 -> 9+5+1+6+2 = 23; others 8+6+4+2 = 20; 23+20+24 = 67 -> 3
    "1234567893",
    # doubled 2,4,6,8,1 -> 4+8+3+7+2 = 24; others 3+5+7+9 = 24; 24+24+24 = 72 -> 8
    "1987654328",
    # doubled 0,0,0,0,1 -> 2; others 0; 2+24 = 26 -> 4 (the demo practice's NPI)
    "1000000004",
    # doubled 5,5,5,5,2 -> 1+1+1+1+4 = 8; others 5+5+5+5 = 20; 8+20+24 = 52 -> 8
    "2555555558",
    # doubled 9,9,9,9,1 -> 9x4+2 = 38; others 9x4 = 36; 38+36+24 = 98 -> 2
    "1999999992",
])
def test_valid_npis(npi):
    assert valid_npi(npi)


@pytest.mark.parametrize("npi", [
    "1234567890", "1234567894", "1987654321", "2555555557", "1999999999",
    # the Luhn digit without the 80840 prefix (67 - 24 = 43 -> 7): not an NPI
    "1234567897",
    # doubling the wrong digits of 198765432: 9+7+5+3 doubled -> 9+5+1+6 = 21, others
    # 1+8+6+4+2 = 21; 21+21+24 = 66 -> 4
    "1987654324",
])
def test_wrong_check_digits(npi):
    assert not valid_npi(npi)


@pytest.mark.parametrize("npi", [
    # Nine and eleven digits that would pass the Luhn check with the prefix (the prefix then
    # counts 0 + 4 + 2x8-9 + 0 + 2x8-9 = 18; 18 + 2 = 20): the length alone refuses them.
    "000000002", "00000000002",
    "123456789", "12345678930", "12345678a3", "１２３４５６７８９３", " 1234567893", "",
    None, 1234567893])
def test_not_ten_ascii_digits(npi):
    assert valid_npi(npi) is False
