"""Synthetic therapist network for benchmarks: N therapists spread like a real network.

States follow a population-like weighting (CA and NY largest), offices cluster around
each state's cities, most therapists take two to four plans of the payers present, some
take private pay only, about one in ten licences has expired, and care teams are filled
so that some therapists are at capacity. Rows go in with bulk Core inserts; passwords are
unusable hashes (nobody can sign in as a synthetic therapist).

    python -m bench.network_generate --count 10000 --database /tmp/network_bench.db
"""

import argparse
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select, text

from kapms.auth.models import User, UserRole
from kapms.insurance.models import InsurancePlan, Payer
from kapms.network.models import (
    SPECIALTIES,
    AvailabilitySlot,
    ClinicianLicence,
    ClinicianPlan,
    ClinicianProfile,
)
from kapms.patients.models import CareTeamMember, Patient

# state -> (weight, [(city, lat, lon)])
STATES = {
    "CA": (30, [("Los Angeles", 34.05, -118.24), ("San Francisco", 37.77, -122.42),
                ("San Diego", 32.72, -117.16), ("Sacramento", 38.58, -121.49),
                ("San Jose", 37.34, -121.89), ("Fresno", 36.74, -119.79)]),
    "NY": (15, [("New York", 40.71, -74.01), ("Buffalo", 42.89, -78.88),
                ("Albany", 42.65, -73.76)]),
    "TX": (10, [("Austin", 30.27, -97.74), ("Houston", 29.76, -95.37), ("Dallas", 32.78, -96.80)]),
    "FL": (8, [("Miami", 25.76, -80.19), ("Tampa", 27.95, -82.46), ("Orlando", 28.54, -81.38)]),
    "WA": (7, [("Seattle", 47.61, -122.33), ("Spokane", 47.66, -117.43)]),
    "OR": (6, [("Portland", 45.52, -122.68), ("Eugene", 44.05, -123.09)]),
    "CO": (6, [("Denver", 39.74, -104.99), ("Boulder", 40.01, -105.27)]),
    "MA": (6, [("Boston", 42.36, -71.06), ("Worcester", 42.26, -71.80)]),
    "IL": (6, [("Chicago", 41.88, -87.63)]),
    "AZ": (6, [("Phoenix", 33.45, -112.07), ("Tucson", 32.22, -110.97)]),
}
PAYERS = {
    "Aetna": ["Open Access PPO", "HMO Select"], "Blue Shield": ["PPO Gold", "Trio HMO"],
    "Cigna": ["LocalPlus", "Open Access Plus"], "UnitedHealthcare": ["Choice Plus", "Navigate"],
    "Anthem": ["Blue PPO"], "Kaiser": ["HMO"], "Optum": ["EAP"], "Medicare": ["Part B"],
}
LANGUAGES = [("English", 100), ("Spanish", 18), ("Mandarin", 4), ("Vietnamese", 3),
             ("Tagalog", 3), ("Russian", 2), ("French", 2), ("Korean", 2)]
UNUSABLE_HASH = "!synthetic-no-login"


def ensure_plans(session) -> list[int]:
    """The active plan ids, creating a payer set first when the database has none."""
    ids = session.scalars(select(InsurancePlan.id).where(InsurancePlan.active.is_(True))).all()
    if ids:
        return list(ids)
    for payer_name, plans in PAYERS.items():
        payer = Payer(name=payer_name)
        session.add(payer)
        session.flush()
        for name in plans:
            session.add(InsurancePlan(payer_id=payer.id, name=name))
    session.flush()
    return list(session.scalars(select(InsurancePlan.id)).all())


def _pick_state(rng) -> str:
    states = list(STATES)
    return rng.choices(states, weights=[STATES[s][0] for s in states])[0]


def generate(session, count: int, *, seed: int = 1, today: date | None = None) -> list[int]:
    """Insert ``count`` synthetic therapists (with care teams); returns their user ids."""
    rng = random.Random(seed)
    today = today or date.today()
    plan_ids = ensure_plans(session)
    now = datetime.now(UTC)
    start = (session.scalar(select(func.max(User.id))) or 0) + 1
    users, roles, profiles, licences, plans, slots, patients, members = ([] for _ in range(8))
    pid = (session.scalar(select(func.max(ClinicianProfile.id))) or 0) + 1
    patient_id = (session.scalar(select(func.max(Patient.id))) or 0) + 1
    for i in range(count):
        uid = start + i
        state = _pick_state(rng)
        city, lat, lon = rng.choice(STATES[state][1])
        users.append(dict(id=uid, email=f"synthetic{uid}@bench.kapms.test",
                          full_name=f"Synthetic Therapist {uid}", credentials="LMFT",
                          password_hash=UNUSABLE_HASH, active=True, failed_logins=0,
                          session_version=1, created_at=now))
        roles.append(dict(user_id=uid, role="therapist"))
        in_office = rng.random() < 0.6
        capacity = rng.randint(4, 25)
        langs = [n for n, w in LANGUAGES if rng.randint(1, 100) <= w]
        profiles.append(dict(
            id=pid, user_id=uid, kind="therapist", npi=f"{1000000000 + uid}",
            kap_course="KAP Foundations" if rng.random() < 0.9 else None,
            kap_trained_on=today - timedelta(days=rng.randint(30, 2000)),
            accepts_private_pay=rng.random() < 0.7, private_pay_rate_cents=rng.choice(
                [15000, 18000, 20000, 25000]), in_office=in_office,
            office_address=f"{rng.randint(1, 999)} Main St, {city}, {state}" if in_office
            else None,
            latitude=lat + rng.uniform(-0.35, 0.35) if in_office else None,
            longitude=lon + rng.uniform(-0.35, 0.35) if in_office else None,
            telehealth=not in_office or rng.random() < 0.7,
            specialties=",".join(rng.sample(list(SPECIALTIES), rng.randint(1, 4))),
            languages=",".join(langs), accepting_new=rng.random() < 0.8, capacity=capacity,
            updated_at=now, version=1))
        if profiles[-1]["kap_course"] is None:
            profiles[-1]["kap_trained_on"] = None
        lic_states = [state] + ([_pick_state(rng)] if rng.random() < 0.2 else [])
        for s in dict.fromkeys(lic_states):
            expired = rng.random() < 0.1
            licences.append(dict(profile_id=pid, licence_type="LMFT", number=f"L{uid}{s}",
                                 state=s, expires_on=today + timedelta(
                                     days=rng.randint(-400, -1) if expired
                                     else rng.randint(1, 900))))
        for plan in rng.sample(plan_ids, rng.choice([0, 1, 2, 2, 3, 3, 4, 5])):
            plans.append(dict(profile_id=pid, plan_id=plan))
        for day in rng.sample(range(6), rng.randint(0, 4)):
            slots.append(dict(profile_id=pid, weekday=day, starts_at=time(9), ends_at=time(13)))
        for _ in range(rng.randint(0, capacity + 1)):
            patients.append(dict(
                id=patient_id, first_name="Synthetic", last_name=f"Patient {patient_id}",
                date_of_birth=date(1985, 1, 1), address_line1="1 Main St", city=city,
                state=state, postal_code="00000", preferred_language="English",
                stage="preparation", created_at=now, version=1))
            members.append(dict(patient_id=patient_id, user_id=uid, role="therapist",
                                active=True, added_at=now))
            patient_id += 1
        pid += 1
    for model, rows in ((User, users), (UserRole, roles), (ClinicianProfile, profiles),
                        (ClinicianLicence, licences), (ClinicianPlan, plans),
                        (AvailabilitySlot, slots), (Patient, patients),
                        (CareTeamMember, members)):
        for i in range(0, len(rows), 5000):
            session.execute(insert(model), rows[i:i + 5000])
    session.flush()
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("ANALYZE"))  # give the planner row counts for the indexes
    return [u["id"] for u in users]


def main() -> None:
    """Create (or extend) a benchmark database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database", default="/tmp/network_bench.db")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from bench.network_bench import bench_app

    app = bench_app(args.database)
    with app.app_context():
        from kapms.extensions import db

        generate(db.session, args.count, seed=args.seed)
        db.session.commit()
    print(f"{args.count} therapists written to {args.database}")


if __name__ == "__main__":
    main()
