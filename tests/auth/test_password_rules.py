"""The password policy word for word (kapms/auth/passwords.py; README "Accounts"):
12-128 characters, not common (also wrapped in digits and symbols), not a predictable pattern
of at most three pieces (alphabet, number row, keyboard rows and columns either way, runs of
one character, of digits or of symbols) nor of at most two distinct characters, and not the
person's own email."""

import pytest

from kapms.auth import passwords

COMMON = "That password is too common; choose something less predictable."
PATTERN = ("That password is a predictable pattern (keyboard or alphabet runs, repeated "
           "characters, digits); a phrase of a few unrelated words works well.")
EMAIL = "Do not use your email address in your password."


@pytest.mark.parametrize("password, problems", [
    ("tidal orchi", ["Use at least 12 characters (a short phrase works well)."]),
    ("x" * 129, ["Use at most 128 characters."]),
    ("Password2024!", [COMMON]),  # "password" with digits and a symbol around it
    ("!!PASSWORD1234", [COMMON]),
    ("abababababab", [PATTERN]),  # two characters: six pieces, but only two characters
    ("zzzzzzzzzzzzzz", [PATTERN]),
    ("lkjhgfdsa987", [PATTERN]),  # a keyboard row backwards and digits: two pieces
    ("3edc4rfv5tgb", [PATTERN]),  # keyboard columns: one piece
    ("abcdefgh!!!!", [PATTERN]),
    ("0987654321zyx", [PATTERN]),  # the number row and the alphabet backwards
    ("qwerty!!2024", [PATTERN]),  # three pieces: still a pattern
    ("tidal orchid", []),
    ("purple giraffe umbrella", []),
])
def test_password_problems(password, problems):
    assert passwords.password_problems(password) == problems


def test_four_pieces_are_no_longer_a_pattern():
    # "qwerty" + "!!" + "2024" + "m": the fourth piece makes it acceptable to the policy.
    assert passwords.pattern_pieces("qwerty!!2024m") == 4
    assert passwords.password_problems("qwerty!!2024m") == []


@pytest.mark.parametrize("password, email, problems", [
    ("maya.okafor-2026!", "maya.okafor@clinic.test", [EMAIL]),  # the local part inside
    ("MAYA.OKAFOR-2026!", "maya.okafor@clinic.test", [EMAIL]),  # in any case
    ("xmayax river stone", "maya@clinic.test", [EMAIL]),  # four characters are enough
    ("moss@clinic.test", "moss@clinic.test", [EMAIL]),  # the whole address
    ("Jo@Clinic.Test!", "jo@clinic.test", []),  # "jo" alone is too short to count
    ("Jo@Clinic.Test", "jo@clinic.test", [EMAIL]),  # but the whole address is refused
    ("coral fern canyon", "maya@clinic.test", []),
    ("coral fern canyon", None, []),
])
def test_own_email(password, email, problems):
    assert passwords.password_problems(password, email) == problems


@pytest.mark.parametrize("text, pieces", [
    ("qwertyuiop", 1),
    ("zzzzzzzzzzzz", 1),  # one run of one character
    ("2024!!", 2),
    ("1234567890ab", 2),
    ("qwerty!!2024", 3),
    ("harbor", 6),  # no two neighbours are a run or a slice of any sequence
    ("abcxyz", 2),
    ("zyxcba", 2),  # backwards
    ("", 0),
])
def test_pattern_pieces_is_the_fewest_pieces(text, pieces):
    assert passwords.pattern_pieces(text) == pieces


def test_a_malformed_hash_needs_rehashing_and_never_verifies():
    assert passwords.needs_rehash("not-a-hash") is True
    assert passwords.verify_password("not-a-hash", "anything") is False


def test_configure_sets_every_argon2_parameter():
    passwords.configure(time_cost=2, memory_cost=2048, parallelism=2)
    try:
        assert passwords.hash_password("coral fern canyon").startswith(
            "$argon2id$v=19$m=2048,t=2,p=2$")
        assert "m=2048,t=2,p=2" in passwords.dummy_hash()
    finally:
        passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
