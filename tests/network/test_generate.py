"""The benchmark generator builds a directory the matcher can use (50 therapists)."""

from datetime import date

from sqlalchemy import func, select

from bench.network_generate import generate
from kapms.network.matching import MatchRequest
from kapms.network.models import ClinicianLicence, ClinicianProfile
from kapms.network.services.search import match_request


def test_generator_makes_a_matchable_directory(db):
    ids = generate(db, 50, seed=3, today=date(2026, 11, 24))
    assert len(ids) == 50
    assert db.scalar(select(func.count()).select_from(ClinicianProfile)) == 50
    states = set(db.scalars(select(ClinicianLicence.state)).all())
    assert len(states) >= 4  # spread across states, not one
    found = 0
    for state in states:
        outcome = match_request(db, MatchRequest(state=state, plan_id=None,
                                                 today=date(2026, 11, 24),
                                                 modality="telehealth"))
        found += outcome.eligible_count
        assert all(r.candidate.clinician_id in ids for r in outcome.results)
    assert found > 0
