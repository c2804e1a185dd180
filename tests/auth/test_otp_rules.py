"""Second-factor rules over plain values (kapms/auth/otp.py).

Codes are checked against RFC 6238's own test vectors (Appendix B: the ASCII secret
"12345678901234567890", SHA-1; a 6-digit code is the last six digits of the 8-digit value
listed there), with 30-second steps and one step of drift either way (section 5.2).
Recovery codes: four groups of four characters from an alphabet without 0/O and 1/I/L,
stored as SHA-256 of the normalised form.
"""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kapms.auth import otp

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
# (Unix time, the RFC's 8-digit TOTP) from RFC 6238 Appendix B, SHA-1 rows.
RFC_VECTORS = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
               (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")]
CODE_SHAPE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}(-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}){3}$")


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


@pytest.mark.parametrize("unix, code", RFC_VECTORS)
def test_codes_are_rfc_6238(unix, code):
    step = unix // 30
    assert otp.time_step(at(unix)) == step
    assert otp.code_at(RFC_SECRET, step) == code[-6:]


def test_time_steps_are_30_seconds():
    assert otp.time_step(at(0)) == 0
    assert otp.time_step(at(29)) == 0
    assert otp.time_step(at(30)) == 1
    assert otp.time_step(at(89)) == 2


def test_a_code_matches_its_step_and_one_step_either_side():
    now = at(1111111111)  # step 37037037
    step = 37037037
    assert otp.matching_step(RFC_SECRET, "050471", now) == step  # RFC vector for this step
    assert otp.matching_step(RFC_SECRET, otp.code_at(RFC_SECRET, step - 1), now) == step - 1
    assert otp.matching_step(RFC_SECRET, otp.code_at(RFC_SECRET, step + 1), now) == step + 1
    assert otp.matching_step(RFC_SECRET, otp.code_at(RFC_SECRET, step - 2), now) is None
    assert otp.matching_step(RFC_SECRET, otp.code_at(RFC_SECRET, step + 2), now) is None


def test_a_code_may_be_typed_with_spaces_but_must_be_six_digits():
    now = at(59)
    assert otp.matching_step(RFC_SECRET, " 287 082 ", now) == 1
    assert otp.matching_step(RFC_SECRET, "28708", now) is None
    assert otp.matching_step(RFC_SECRET, "2870820", now) is None
    assert otp.matching_step(RFC_SECRET, "28708a", now) is None
    assert otp.matching_step(RFC_SECRET, "", now) is None
    assert otp.matching_step(RFC_SECRET, "28708é", now) is None  # six characters, one a letter


def test_new_secrets_are_160_bits_of_base32():
    secret = otp.new_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)  # 32 x 5 bits
    assert secret != otp.new_secret()


def test_the_provisioning_uri_follows_the_key_uri_format():
    uri = otp.provisioning_uri(RFC_SECRET, "ada@clinic.org", "KAPMS Clinic")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/KAPMS Clinic:ada@clinic.org"
    query = parse_qs(parts.query)
    assert query["secret"] == [RFC_SECRET] and query["issuer"] == ["KAPMS Clinic"]
    # 6 digits and 30 seconds are the format's defaults: no parameter says otherwise.
    assert query.get("digits", ["6"]) == ["6"] and query.get("period", ["30"]) == ["30"]


def test_the_qr_code_is_plain_svg():
    uri = otp.provisioning_uri(RFC_SECRET, "ada@clinic.org", "KAPMS Clinic")
    svg = otp.qr_svg(uri)
    # This URI needs a version 7 symbol: 17 + 4 x 7 = 45 modules, a border of 4 each side,
    # 5 pixels a module: (45 + 8) x 5 = 265.
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="265" height="265"')
    assert "<title>QR code for your authenticator app</title>" in svg
    assert 'fill="#fff"' in svg and 'stroke="#000"' in svg
    assert "<style" not in svg and "<script" not in svg and "<?xml" not in svg
    assert "\n" not in svg


def test_a_secret_in_groups_of_four():
    assert otp.grouped_secret(RFC_SECRET) == "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
    assert otp.grouped_secret("ABCDEF") == "ABCD EF"


def test_recovery_codes_are_ten_readable_codes():
    codes = otp.new_recovery_codes()
    assert len(codes) == 10 == len(set(codes))
    assert all(CODE_SHAPE.match(code) for code in codes)
    assert len(otp.new_recovery_codes(3)) == 3
    assert CODE_SHAPE.match(otp.new_one_time_password())


def test_a_recovery_code_in_any_spelling_is_the_same_code():
    assert otp.normalise_recovery_code("k7qm 2xpd-9rta w4hn") == "K7QM-2XPD-9RTA-W4HN"
    assert otp.normalise_recovery_code("K7QM2XPD9RTAW4HN") == "K7QM-2XPD-9RTA-W4HN"
    expected = hashlib.sha256(b"K7QM-2XPD-9RTA-W4HN").hexdigest()
    assert otp.recovery_code_hash("k7qm-2xpd 9rta-w4hn") == expected


@pytest.mark.parametrize("typed, looks", [
    ("K7QM-2XPD-9RTA-W4HN", True), ("k7qm 2xpd 9rta w4hn", True), ("123456", False),
    ("K7QM-2XPD-9RTA-W4H", False), ("K7QM-2XPD-9RTA-W4HNX", False)])
def test_what_looks_like_a_recovery_code(typed, looks):
    assert otp.looks_like_recovery_code(typed) is looks


def test_remembered_device_tokens_are_stored_hashed():
    assert otp.token_hash("abc") == hashlib.sha256(b"abc").hexdigest()


def test_codes_depend_on_the_time_not_the_moment_of_the_call():
    base = at(1234567890)
    assert otp.matching_step(RFC_SECRET, "005924", base + timedelta(seconds=25)) == 41152263


def test_the_groups_of_a_recovery_code_are_its_sixteen_characters_in_turn():
    # Four groups cut from sixteen random characters, not overlapping windows of the first
    # seven (which would have the same shape): one code in ten sharing three characters
    # between its first two groups by chance is a 1 in 30,000 event.
    codes = otp.new_recovery_codes()
    assert any(code[1:4] != code[5:8] for code in codes)
