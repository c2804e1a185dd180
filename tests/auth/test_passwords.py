"""Password policy and hashing."""

import pytest

from kapms.auth import passwords

LONG_128 = ("river stone maple cloud " * 6)[:128]


@pytest.mark.parametrize("pw", ["a" * 0, "short pass", "elevenchars"])
def test_too_short_is_refused(pw):
    assert "at least 12" in passwords.password_problems(pw)[0]


def test_twelve_and_128_characters_are_accepted():
    assert passwords.password_problems("tidal orchid") == []
    assert passwords.password_problems(LONG_128) == []


def test_over_128_is_refused():
    assert "at most 128" in passwords.password_problems(LONG_128 + "y")[0]


@pytest.mark.parametrize("pw", ["password1234", "QWERTYUIOP123", "aaaaaaaaaaaaaa",
                                "abcdefghijklmno", "123456789012", "qwertyuiopasdf"])
def test_common_or_trivial_passwords_are_refused(pw):
    assert "too common" in passwords.password_problems(pw)[0]


def test_no_composition_rules_a_lowercase_phrase_is_fine():
    assert passwords.password_problems("purple giraffe umbrella") == []


def test_own_email_is_refused():
    problems = passwords.password_problems("maya.okafor-2026!", "maya.okafor@clinic.test")
    assert "email" in problems[0]


def test_hash_is_argon2id_and_verifies():
    h = passwords.hash_password("purple giraffe umbrella")
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, "purple giraffe umbrella")
    assert not passwords.verify_password(h, "purple giraffe umbrellA")
    assert not passwords.verify_password("not-a-hash", "anything")


def test_needs_rehash_when_parameters_change():
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    h = passwords.hash_password("purple giraffe umbrella")
    assert not passwords.needs_rehash(h)
    passwords.configure(time_cost=2, memory_cost=1024, parallelism=1)
    try:
        assert passwords.needs_rehash(h)
    finally:
        passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
