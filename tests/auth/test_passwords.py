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
    problem = passwords.password_problems(pw)[0]
    assert "too common" in problem or "predictable pattern" in problem


@pytest.mark.parametrize("pw", [
    "1234567890ab", "qwertyuiop12", "QWERTY123456", "abcdefgh!!!!", "1qaz2wsx3edc",
    "zyxwvutsrqpo99", "asdfghjkl;12", "0987654321qw", "azertyuiop12", "7894561230ab",
    "mnbvcxzlkjhg", "aaaaaa123456", "123123123123", "!@#$%^&*()12"])
def test_sequences_and_keyboard_patterns_with_digits_appended_are_refused(pw):
    assert passwords.password_problems(pw)  # some are on the common list as well
    assert passwords.pattern_pieces(pw.lower()) <= passwords.MAX_PATTERN_PIECES


@pytest.mark.parametrize("pw", ["password2024!", "!!iloveyou2020", "Sunshine12345"])
def test_a_common_password_wrapped_in_digits_is_refused(pw):
    assert "too common" in passwords.password_problems(pw)[0]


@pytest.mark.parametrize("pw", ["correct horse battery staple", "harbor lights at dusk",
                                "kx9#mQ2!vLp7", "Tr0ub4dor&3xyz", "tidal orchid 42"])
def test_unpredictable_passwords_pass(pw):
    assert passwords.password_problems(pw) == []


def test_pattern_pieces_counts_the_fewest_predictable_pieces():
    assert passwords.pattern_pieces("qwertyuiop") == 1
    assert passwords.pattern_pieces("1234567890ab") == 2
    assert passwords.pattern_pieces("qwerty!!2024") == 3
    assert passwords.pattern_pieces("harbor lights") > passwords.MAX_PATTERN_PIECES


def test_unknown_and_known_accounts_cost_one_verify_each():
    """The dummy check runs argon2 with the current parameters, as a real check does."""
    passwords.configure(time_cost=2, memory_cost=1024, parallelism=1)
    try:
        assert "t=2" in passwords.dummy_hash()
        assert passwords.verify_dummy("anything at all") is False
    finally:
        passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)


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
