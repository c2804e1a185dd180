"""Time a match against a 10,000-therapist directory on SQLite.

Builds the database with bench.network_generate when it is missing, then times 200 random
match requests (state, plan or self-pay, modality, location, needs, language) end to end:
SQL eligibility, exact distance, availability lookup and ranking.

    python -m bench.network_bench [--count 10000] [--requests 200]
"""

import argparse
import random
import statistics
import time
from datetime import date
from pathlib import Path

from kapms import create_app
from kapms.config import Config

DEFAULT_DB = "/tmp/network_bench.db"


def bench_app(path: str):
    """An app bound to the benchmark database, schema created from the models."""
    config = type("BenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench-only",
        "SINGLE_PROCESS": True})
    app = create_app(config)
    with app.app_context():
        from kapms.extensions import db

        db.create_all()
    return app


def random_request(rng, plan_ids, today):
    """A plausible patient request."""
    from bench.network_generate import LANGUAGES, STATES, _pick_state
    from kapms.network.matching import MatchRequest
    from kapms.network.models import SPECIALTIES

    state = _pick_state(rng)
    _, lat, lon = rng.choice(STATES[state][1])
    return MatchRequest(
        state=state, plan_id=None if rng.random() < 0.25 else rng.choice(plan_ids), today=today,
        modality=rng.choice(["in_office", "telehealth", "either"]),
        latitude=lat + rng.uniform(-0.2, 0.2), longitude=lon + rng.uniform(-0.2, 0.2),
        max_distance_miles=rng.choice([10.0, 25.0, 50.0]),
        needs=frozenset(rng.sample(list(SPECIALTIES), rng.randint(1, 3))),
        language=rng.choice(["English"] * 6 + [n for n, _ in LANGUAGES[1:4]]))


def run(path: str, count: int, requests: int, seed: int = 7) -> dict:
    """Generate when needed, then time ``requests`` matches; returns the figures in ms."""
    from sqlalchemy import func, select

    from bench.network_generate import ensure_plans, generate
    from kapms.extensions import db
    from kapms.network.models import ClinicianProfile
    from kapms.network.services.search import match_request

    app = bench_app(path)
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(ClinicianProfile))
        if have < count:
            generate(db.session, count - have)
            db.session.commit()
        plan_ids = ensure_plans(db.session)
        rng, today = random.Random(seed), date.today()
        timings, sizes, empty = [], [], 0
        for _ in range(requests):
            req = random_request(rng, plan_ids, today)
            started = time.perf_counter()
            outcome = match_request(db.session, req)
            timings.append((time.perf_counter() - started) * 1000)
            sizes.append(outcome.eligible_count)
            empty += not outcome.results
        timings.sort()
        return {
            "therapists": db.session.scalar(select(func.count()).select_from(ClinicianProfile)),
            "requests": requests,
            "median_ms": statistics.median(timings),
            "p95_ms": timings[int(0.95 * (len(timings) - 1))],
            "max_ms": timings[-1],
            "median_eligible": statistics.median(sizes),
            "empty_results": empty,
        }


def main() -> None:
    """Print the benchmark figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    if args.database == DEFAULT_DB and not Path(args.database).exists():
        print("Generating the directory (once) ...")
    for key, value in run(args.database, args.count, args.requests).items():
        print(f"{key:>16}: {value:.1f}" if isinstance(value, float) else f"{key:>16}: {value}")


if __name__ == "__main__":
    main()
