"""Clinicians' individual NPIs (set by admins), looked up for superbills and GFEs."""

from sqlalchemy import select

from kapms.audit.services import record
from kapms.auth.models import CLINICIAN_ROLES, User, UserRole
from kapms.billing.models import ClinicianNpi
from kapms.billing.npi import valid_npi
from kapms.errors import NotFound, RuleViolation


def clinicians(session) -> list[User]:
    """Active therapists and prescribers, by name."""
    return session.scalars(select(User).join(UserRole).where(
        UserRole.role.in_(CLINICIAN_ROLES), User.active.is_(True))
        .order_by(User.full_name).distinct()).all()


def npi_by_user(session, user_ids=None) -> dict[int, str]:
    """NPIs on file by user id (all, or only ``user_ids``)."""
    query = select(ClinicianNpi)
    if user_ids is not None:
        query = query.where(ClinicianNpi.user_id.in_(list(user_ids)))
    return {row.user_id: row.npi for row in session.scalars(query)}


def set_npi(session, actor, user_id: int, npi: str | None) -> ClinicianNpi | None:
    """Set (or with an empty value, remove) a clinician's NPI; refuses an invalid number."""
    user = session.get(User, user_id)
    if user is None or not user.has_role(*CLINICIAN_ROLES):
        raise NotFound("No such clinician.")
    row = session.scalar(select(ClinicianNpi).where(ClinicianNpi.user_id == user_id))
    npi = (npi or "").strip()
    if not npi:
        if row is not None:
            session.delete(row)
            session.flush()
            record(session, actor, "delete", "clinician_npi", user_id)
        return None
    if not valid_npi(npi):
        raise RuleViolation("An NPI is 10 digits with a valid check digit.", field="npi")
    if row is None:
        row = ClinicianNpi(user_id=user_id, npi=npi)
        session.add(row)
    row.npi, row.updated_by_id = npi, getattr(actor, "id", None)
    session.flush()
    record(session, actor, "update", "clinician_npi", user_id)
    return row
