"""Factory helpers returning saved objects with sensible defaults."""

from datetime import date
from itertools import count

from kapms.auth.services import create_user
from kapms.patients.models import CareTeamMember, Patient

DEFAULT_PASSWORD = "correct horse battery staple"
_seq = count(1)


def make_user(session, roles=("therapist",), email=None, password=DEFAULT_PASSWORD,
              full_name=None, **kwargs):
    """A user with the given roles (flushed, not committed)."""
    n = next(_seq)
    role_list = list(roles)
    return create_user(
        session, None,
        email=email or f"{'-'.join(role_list) or 'nobody'}{n}@example.com",
        full_name=full_name or f"Test {role_list[0].title() if role_list else 'User'} {n}",
        roles=role_list, password=password, **kwargs)


def make_patient_account(session, patient, email=None, password=DEFAULT_PASSWORD):
    """A portal account for ``patient`` that has chosen its password (flushed)."""
    return create_user(session, None, email=email or f"patient{patient.id}@example.com",
                       full_name=patient.full_name, roles=["patient"], patient_id=patient.id,
                       password=password)


def make_patient(session, therapist=None, prescriber=None, **fields) -> Patient:
    """A patient (flushed) with sensible defaults; ``fields`` override any column, and the
    given clinicians join the care team."""
    n = next(_seq)
    values = dict(first_name=f"Pat{n}", last_name=f"Client{n}", date_of_birth=date(1985, 5, 5),
                  address_line1="1 Main St", city="Oakland", state="CA", postal_code="94610")
    values.update(fields)
    patient = Patient(**values)
    session.add(patient)
    session.flush()
    for user, role in ((therapist, "therapist"), (prescriber, "prescriber")):
        if user is not None:
            add_member(session, patient, user, role)
    return patient


def add_member(session, patient, user, role: str) -> CareTeamMember:
    """Put ``user`` on ``patient``'s care team directly (test set-up; the doors and their
    eligibility rule are tested in tests/network)."""
    member = CareTeamMember(patient_id=patient.id, user_id=user.id, role=role)
    session.add(member)
    session.flush()
    session.expire(patient, ["care_team"])
    return member
