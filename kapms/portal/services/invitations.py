"""Inviting a patient to the portal: a portal account (the patient role, linked to the
record, no usable password yet) and an email with a single-use, expiring link to choose a
password. Asking again sends a fresh link and the old one stops working."""

import secrets
from datetime import datetime

from sqlalchemy import select

from kapms.audit.services import record
from kapms.auth import passwords
from kapms.auth.models import User
from kapms.auth.services import create_user, normalise_email
from kapms.auth.services.tokens import INVITATION_KIND
from kapms.errors import DomainError, PermissionDenied
from kapms.outbox.services import queue_message
from kapms.patients.access import BILLING
from kapms.patients.services import get_patient

INVITER_ROLES = ("therapist", "prescriber", "billing")


def portal_account(session, patient_id: int) -> User | None:
    """The patient's portal account, if any."""
    return session.scalar(select(User).where(User.patient_id == patient_id))


def account_status(session, account: User | None) -> str:
    """"none", "invited" (no password chosen yet), "active" or "deactivated"."""
    if account is None:
        return "none"
    if not account.active:
        return "deactivated"
    accepted = account.last_login_at is not None or account.invitation_accepted
    return "active" if accepted else "invited"


def invite_patient(session, actor, patient, email: str, *, hours: int,
                   now: datetime | None = None) -> User:
    """Invite ``patient`` (loaded through get_patient) to the portal at ``email``.

    Clinicians on the care team and billing staff invite. A patient who already chose a
    password is not invited again (they use "Forgot your password?"); an invitation not
    yet accepted is sent again to the email given."""
    if actor is None or not actor.has_role(*INVITER_ROLES):
        raise PermissionDenied("Clinicians on the care team and billing staff invite "
                               "patients to the portal.")
    get_patient(session, actor, patient.id, need=BILLING, audit=False)
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise DomainError("Enter the patient's email address.", field="email")
    account = portal_account(session, patient.id)
    status = account_status(session, account)
    if status == "active":
        raise DomainError("This patient already uses the portal. If they forgot their "
                          "password, they choose a new one from the sign-in page.",
                          field="email")
    if status == "deactivated":
        raise DomainError("This patient's portal account is deactivated. Ask a network "
                          "admin to reactivate it.", field="email")
    if account is None:
        account = create_user(session, actor, email=email, full_name=patient.full_name,
                              roles=["patient"], patient_id=patient.id,
                              password_hash=passwords.hash_password(secrets.token_urlsafe(32)))
    elif account.email != email:
        if session.scalar(select(User.id).where(User.email == email, User.id != account.id)):
            raise DomainError("Another account already uses this email.", field="email")
        account.email = email
    queue_message(session, kind=INVITATION_KIND, recipient=email, user_id=account.id,
                  patient_id=patient.id, params={"hours": hours}, now=now)
    record(session, actor, "create", "portal_invitation", account.id, patient_id=patient.id,
           detail=f"invitation link valid {hours} h")
    return account
