"""Password hashing (argon2id) and the password policy (NIST SP 800-63B style).

Policy: 12 to 128 characters, no composition rules, and not a commonly used password
(the shipped list, see COMMON_PASSWORDS.md), a run of one character, a keyboard or
alphabet sequence, or the person's own email.
"""

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 128
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "1234567890",
    "0987654321",
    "zyxwvutsrqponmlkjihgfedcba",
)

_hasher = PasswordHasher()


def configure(time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Set argon2id parameters; hashes made with older parameters are upgraded at login."""
    global _hasher
    _hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
    )


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


def _is_trivial(lowered: str) -> bool:
    """A single repeated character or a slice of a well-known sequence."""
    if len(set(lowered)) <= 2:
        return True
    return any(lowered in seq * 2 for seq in _SEQUENCES)


def password_problems(password: str, email: str | None = None) -> list[str]:
    """Reasons the password is refused (empty when it is acceptable)."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters (a short phrase works well)."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    lowered = password.lower()
    if lowered in _common_passwords() or _is_trivial(lowered):
        return ["That password is too common; choose something less predictable."]
    if email:
        local = email.lower().split("@")[0]
        if lowered == email.lower() or (len(local) >= 4 and local in lowered):
            return ["Do not use your email address in your password."]
    return []
