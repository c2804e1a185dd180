"""Authenticator secrets are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256, from the
cryptography library) with a key that lives in the settings, not in the database: a copied
database or a stolen backup does not give away anyone's second factor.

The key is TOTP_ENCRYPTION_KEY, by default derived from SECRET_KEY. Changing it makes every
stored secret unreadable, and everyone re-enrols (an admin clears their second factor).
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

_fernet: Fernet | None = None


def configure(secret: str | bytes) -> None:
    """Derive the encryption key from a configured secret (at start-up)."""
    global _fernet
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    key = hmac.new(raw, b"kapms totp secrets v1", hashlib.sha256).digest()
    _fernet = Fernet(base64.urlsafe_b64encode(key))


def _box() -> Fernet:
    if _fernet is None:
        raise RuntimeError("the authenticator secret key is not configured")
    return _fernet


def seal(secret: str) -> str:
    """The secret encrypted for storage."""
    return _box().encrypt(secret.encode("ascii")).decode("ascii")


def unseal(stored: str) -> str | None:
    """The secret from storage, or None when it cannot be read (another key)."""
    try:
        return _box().decrypt(stored.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        return None
