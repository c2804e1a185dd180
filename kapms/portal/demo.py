"""Demo portal accounts (public demo passwords, like the staff's).

Lucia Romero (self-pay, waiting for a therapist) accepted her invitation: she has documents
to sign, the health questionnaire to fill, her baseline PHQ-9 due and a Good Faith
Estimate among her documents; reminders of all this wait in the outbox. Marcus Johnson
(mid-course) has appointments with calendar files, version 2 of the KAP informed consent
to sign before his booked dosing, and a payment plan with an overdue installment. Noah
Williams has no account: a clinician or billing user can invite him.
"""

import hashlib
import secrets
from datetime import timedelta

from kapms.auth.models import PasswordToken
from kapms.auth.services import create_user
from kapms.database import utcnow

# (patient key, email, password) - printed by `flask seed-demo` and listed in the README.
DEMO_PATIENT_LOGINS = [
    ("lucia", "lucia.romero@example.com", "marigold-path-demo"),
    ("marcus", "marcus.johnson@example.com", "harbor-light-demo"),
]


def seed(session, ctx: dict) -> None:
    """Give the demo patients their accepted portal accounts."""
    ctx["portal_users"] = {}
    clerk = ctx["users"]["billing"]  # Priya invited them
    for key, email, password in DEMO_PATIENT_LOGINS:
        patient = ctx["patients"][key]
        user = create_user(session, clerk, email=email, full_name=patient.full_name,
                           roles=["patient"], patient_id=patient.id, password=password)
        accepted = utcnow() - timedelta(days=2)
        # The invitation they accepted (its link is long used; only a hash is kept).
        session.add(PasswordToken(
            user_id=user.id, purpose="invitation",
            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            created_at=accepted - timedelta(hours=5), expires_at=accepted + timedelta(days=3),
            used_at=accepted))
        ctx["portal_users"][key] = user
    session.flush()
