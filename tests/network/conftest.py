"""Fixtures shared by the network tests."""

import pytest

from tests.factories import make_user
from tests.network.helpers import make_clinician, make_patient, make_plan


@pytest.fixture
def setup(db):
    """An admin (coordinator), a therapist with one place taking a plan, and a waiting
    patient on that plan: (admin, therapist, patient, plan)."""
    plan = make_plan(db)
    admin = make_user(db, roles=("admin",))
    therapist = make_clinician(db, plans=[plan], capacity=1)
    patient = make_patient(db, plan=plan)
    return admin, therapist, patient, plan
