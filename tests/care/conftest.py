"""Fixtures for care tests."""

import pytest

from tests.care.factories import make_team


@pytest.fixture
def team(db):
    """A therapist, a prescriber and their shared patient (committed)."""
    t = make_team(db)
    db.commit()
    return t
