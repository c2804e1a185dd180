"""Password hashing (argon2id) and the password policy (NIST SP 800-63B style).

Policy: 12 to 128 characters, no composition rules, and not a commonly used password
(the shipped list, see COMMON_PASSWORDS.md), not a predictable pattern, and not the person's
own email. A pattern is anything made of at most three predictable pieces: slices of the
alphabet, the number row or a keyboard row or column (either direction), runs of one
character, and runs of digits or of symbols - so "qwertyuiop12", "1234567890ab",
"abcdefgh!!!!" and "1qaz2wsx3edc" are refused. A common password with digits or symbols
around it ("password2024!") is refused too.
"""

import secrets
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 128
_FORWARD = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "`1234567890-=",
    "~!@#$%^&*()_+",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "qwertzuiop",  # German and French layouts
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",  # keyboard columns
    "zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0",
    "7894561230",  # the number pad
)
_SEQUENCES = _FORWARD + tuple(seq[::-1] for seq in _FORWARD)
MAX_PATTERN_PIECES = 3

_hasher = PasswordHasher()


def configure(time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Set argon2id parameters; hashes made with older parameters are upgraded at login."""
    global _hasher
    _hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
    )
    dummy_hash.cache_clear()


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash with the current parameters that no password matches in practice."""
    return _hasher.hash(secrets.token_urlsafe(32))


def verify_dummy(password: str) -> bool:
    """Do exactly the work of a real check (one argon2 verify) and fail: sign-in runs it for
    unknown emails and locked accounts, so timing does not tell them apart."""
    verify_password(dummy_hash(), password)
    return False


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises on a malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip() for line in path.read_text().splitlines() if line.strip())


def _predictable_piece(piece: str) -> bool:
    """One run of a character, of digits or of symbols, or a slice of a known sequence."""
    return (len(set(piece)) == 1 or piece.isdigit()
            or not any(c.isalnum() for c in piece)
            or any(piece in seq for seq in _SEQUENCES))


def pattern_pieces(lowered: str) -> int:
    """The fewest predictable pieces that make up ``lowered`` (see the module docstring)."""
    n = len(lowered)
    fewest = [0] + [n + 1] * n  # fewest[i]: pieces covering lowered[:i]
    for end in range(1, n + 1):
        for start in range(end):
            if fewest[start] + 1 < fewest[end] and _predictable_piece(lowered[start:end]):
                fewest[end] = fewest[start] + 1
    return fewest[n]


def _is_common(lowered: str) -> bool:
    """On the list, or a listed password wrapped in digits and symbols ("password2024!")."""
    core = lowered.strip("0123456789 !@#$%^&*()_+-=.,?~`'\"[]{}<>/\\|;:")
    return lowered in _common_passwords() or (len(core) >= 4 and core in _common_passwords())


def password_problems(password: str, email: str | None = None) -> list[str]:
    """Reasons the password is refused (empty when it is acceptable)."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters (a short phrase works well)."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    lowered = password.lower()
    if _is_common(lowered):
        return ["That password is too common; choose something less predictable."]
    if len(set(lowered)) <= 2 or pattern_pieces(lowered) <= MAX_PATTERN_PIECES:
        return ["That password is a predictable pattern (keyboard or alphabet runs, repeated "
                "characters, digits); a phrase of a few unrelated words works well."]
    if email:
        local = email.lower().split("@")[0]
        if lowered == email.lower() or (len(local) >= 4 and local in lowered):
            return ["Do not use your email address in your password."]
    return []
