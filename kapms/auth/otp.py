"""Second-factor rules over plain values: TOTP codes (RFC 6238, via pyotp), the enrolment QR
code (SVG, via segno), recovery codes and one-time sign-in codes. No database, no Flask."""

import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import segno

STEP_SECONDS = 30  # RFC 6238 default, what every authenticator app uses
DIGITS = 6
# A code from the step before or after the current one is accepted, for clock drift
# between the phone and the server (RFC 6238 section 5.2 recommends at most one step).
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: codes are read aloud and typed from paper.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def time_step(at: datetime) -> int:
    """The RFC 6238 time step that ``at`` falls in."""
    return int(at.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code an authenticator shows during ``step`` (used by the demo and the tests)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step whose code equals ``code`` (within the allowed drift), or None.

    The caller refuses a step at or before the last one accepted, so a code works once."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = time_step(at)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        # Compare every candidate, so the time taken does not depend on which one matched.
        if hmac.compare_digest(code_at(secret, step), code):
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code: paths only, no style or script (CSP-safe)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=4, xmldecl=False,
                                    svgns=True, nl=False, dark="#000", light="#fff",
                                    title="QR code for your authenticator app")
    return out.getvalue().decode("utf-8")


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _random_code(groups: int) -> str:
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(groups * 4))
    return "-".join(chars[i:i + 4] for i in range(0, len(chars), 4))


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Fresh recovery codes, e.g. "K7QM-2XPD-9RTA-W4HN" (16 characters, about 79 bits each)."""
    return [_random_code(4) for _ in range(count)]


def normalise_recovery_code(code: str) -> str:
    """What the person typed, in the stored form: upper case, no spaces, groups of four."""
    chars = "".join(c for c in code.upper() if c.isalnum())
    return "-".join(chars[i:i + 4] for i in range(0, len(chars), 4))


def recovery_code_hash(code: str) -> str:
    """SHA-256 of the normalised code. Recovery codes carry ~79 random bits, so a fast hash
    is enough (a slow one would only slow down the lookup)."""
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    """True for input shaped like a recovery code rather than a 6-digit TOTP code."""
    return len(normalise_recovery_code(code).replace("-", "")) == 16


def new_one_time_password() -> str:
    """The one-time code an admin reset gives the person instead of a password (the same
    shape as a recovery code: readable over the phone, about 79 bits)."""
    return _random_code(4)


def token_hash(token: str) -> str:
    """SHA-256 of a random remembered-device token (the database never holds the token)."""
    return hashlib.sha256(token.encode()).hexdigest()
