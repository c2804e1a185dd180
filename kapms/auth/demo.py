"""Demo second factor: the demo admin and prescriber have an authenticator app set up with a
published secret (a local demo only), so the demo shows the two-step sign-in; the current
code comes from `flask demo-code ROLE` or from any authenticator app given the secret."""

from kapms.auth import secret_box
from kapms.database import utcnow

# Public by design, like the demo passwords: never use these outside the demo.
DEMO_TOTP_SECRETS = {
    "admin": "KAPMSDEMOADMINXXTOTPSECRETXXXXAA",
    "prescriber": "KAPMSDEMOPRESCRIBERXTOTPSECRETXX",
}


def seed(session, ctx: dict) -> None:
    """Give the demo admin and prescriber their published authenticator secret."""
    for role, secret in DEMO_TOTP_SECRETS.items():
        user = ctx["users"][role]
        # Set directly, not through enrol(): enrol() marks the current code as used, and
        # the first demo sign-in may well fall in the same 30 seconds.
        user.totp_secret = secret_box.seal(secret)
        user.totp_enrolled_at = utcnow()
    session.flush()
