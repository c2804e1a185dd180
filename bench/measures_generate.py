"""Synthetic network for the outcome-report benchmark.

    python -m bench.measures_generate --patients 100000 --db /tmp/bench.db

Creates a fresh SQLite database (schema from the models), an admin and 200 therapists,
and N patients (date of birth and sex at birth varied), each on one therapist's care team,
with a PHQ-9 at every measurement point (baseline, after dosing 2, 4, 6, follow-up) and,
by diagnosis, a GAD-7, PCL-5 or MBI-GS at every point too (so the table holds 10 rows per
patient), and six administered dosings with their sessions and live dosing records
(setting in office / telehealth / at home, route, the dosing number, now and then a held
dosing or a blood-pressure rise flag) and adverse events as rows of their own. Answers improve over treatment with
random noise; every row is scored by kapms.measures.scoring, exactly as the service does,
and inserted with Core executemany in batches.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from kapms.measures import scoring
from kapms.measures.instruments import INSTRUMENTS, MBIGS
from kapms.measures.outcomes import LATER_POINTS

POINTS = ("baseline", *LATER_POINTS)
DIAGNOSES = (("F33.1", "GAD-7"), ("F41.1", "GAD-7"), ("F43.10", "PCL-5"), ("Z73.0", "MBI-GS"))
THERAPISTS = 200
BATCH = 20_000
ROUTES = ("sublingual", "sublingual", "subcutaneous", "intramuscular")
SETTINGS = ("office", "telehealth", "home")
EVENTS = ("dissociation", "nausea", "dizziness", "headache", "anxiety", "elevated_bp")


def make_app(db_path: str):
    """An app bound to the SQLite file ``db_path``."""
    from kapms import create_app
    from kapms.config import TestConfig

    return create_app(type("BenchConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"}))


def is_current(db_path: str) -> bool:
    """The file holds a generated network with every table and index of today's models
    (one written before a model change is generated again)."""
    if not Path(db_path).exists():
        return False
    from kapms.extensions import db

    with make_app(db_path).app_context():
        names = {name for name, in db.session.execute(db.text(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index')"))}
        wanted = {table.name for table in db.metadata.sorted_tables} | {
            index.name for table in db.metadata.sorted_tables for index in table.indexes}
        return wanted <= names and db.session.execute(db.text(
            "SELECT COUNT(*) FROM users WHERE email = 'admin@bench.test'")).scalar() == 1


def _answers(rng: random.Random, instrument: str, severity: float, point_index: int):
    """Answers for one administration: severity (0-1) shrinking with treatment."""
    inst = INSTRUMENTS[instrument]
    improvement = [0, 0.3, 0.45, 0.55, 0.5][point_index] * rng.uniform(0.2, 1.6)
    level = max(0.0, severity * (1 - improvement))
    if instrument == MBIGS.name:
        values = []
        for n in range(1, 17):
            good = n in MBIGS.subscales["professional_efficacy"]
            x = (1 - level) if good else level
            values.append(min(6, max(0, round(x * 6 + rng.uniform(-1.2, 1.2)))))
        return values
    top = inst.max_answer
    return [min(top, max(0, round(level * top + rng.uniform(-0.9, 0.9))))
            for _ in range(inst.item_count)]


def _row(patient_id, instrument, point, given_on, answers, now):
    return {
        "patient_id": patient_id, "instrument": instrument, "point": point,
        "given_on": given_on, "source": "clinician", "recorded_at": now,
        "recorded_by_id": None, "answers": ",".join(map(str, answers)),
        **scoring.derived_values(scoring.score(instrument, answers)),
        # every synthetic patient has every point, so every baseline is a completer's
        "end_recorded": True if point == "baseline" else None,
        "all_points_recorded": True if point == "baseline" else None,
    }


def _dosings(rng: random.Random, patient_id: int, clinician_id: int, first: date,
             last: dict, now) -> tuple[list[dict], list[dict], list[dict]]:
    """Six administered dosings a week apart (now and then one held first), as care
    sessions, dosing records and adverse events with explicit ids: the columns the live
    dosing record stores (setting, dosing number, outcome, route, BP-rise flag)."""
    sessions, records, events = [], [], []
    setting = rng.choices(SETTINGS, weights=(40, 45, 15))[0]
    route = rng.choice(ROUTES) if setting == "office" else "sublingual"
    day, administered = first, 0
    while administered < 6:
        held = rng.random() < 0.03
        last["session"] += 1
        last["dosing"] += 1
        start = datetime.combine(day, datetime.min.time(), UTC).replace(hour=17)
        given = start + timedelta(minutes=20)
        sessions.append({"id": last["session"], "patient_id": patient_id, "kind": "dosing",
                         "clinician_id": clinician_id, "scheduled_start": start,
                         "duration_minutes": 120,
                         "modality": "office" if setting == "office" else "telehealth",
                         "status": "held" if held else "completed", "started_at": start,
                         "ended_at": start + timedelta(minutes=10 if held else 120),
                         "created_at": now, "version": 1})
        records.append({
            "id": last["dosing"], "session_id": last["session"],
            # the number the dosing had (or would have had) on the course
            "dosing_number": administered + 1, "maintenance": False,
            "outcome": "held" if held else "administered",
            "hold_reason": "Pre-dose blood pressure at or above the hold threshold"
            if held else None,
            "checked_in_at": start, "setting": setting, "co_medications": {},
            "route": None if held else route, "given_at": None if held else given,
            "bp_flag": "Systolic rose 40 mmHg or more"
            if not held and rng.random() < 0.02 else None,
            "recorded_at": now, "updated_at": now, "version": 1})
        if not held and rng.random() < 0.04:
            events += [{"dosing_id": last["dosing"], "kind": rng.choice(EVENTS),
                        "severity": "mild", "serious": rng.random() < 0.02,
                        "occurred_at": given + timedelta(minutes=15), "recorded_at": now}
                       for _ in range(1 + (rng.random() < 0.2))]
        administered += not held
        day += timedelta(days=7)
    return sessions, records, events


def generate(session, patients: int, *, seed: int = 4) -> dict:
    """Fill an empty schema with the synthetic network; returns counts."""
    from kapms.auth.services import create_user
    from kapms.care.models import AdverseEvent, CareSession, DosingRecord
    from kapms.measures.models import Administration
    from kapms.patients.models import CareTeamMember, Patient

    rng = random.Random(seed)
    create_user(session, None, email="admin@bench.test", full_name="Bench Admin",
                roles=["admin"], password="quiet-harbor-lamp-91")
    therapists = [create_user(session, None, email=f"t{n}@bench.test", full_name=f"T {n}",
                              roles=["therapist"], password="quiet-harbor-lamp-91").id
                  for n in range(THERAPISTS)]
    session.flush()
    now = datetime.now(UTC)
    start = date(2025, 1, 1)
    # explicit ids keep the batches simple; start after any patient already there
    next_id = (session.scalar(select(func.max(Patient.id))) or 0) + 1
    last = {"session": session.scalar(select(func.max(CareSession.id))) or 0,
            "dosing": session.scalar(select(func.max(DosingRecord.id))) or 0}
    rows = dosings = adverse_events = 0
    for first in range(0, patients, BATCH):
        count = min(BATCH, patients - first)
        ids = list(range(next_id, next_id + count))
        next_id += count
        diagnoses = [DIAGNOSES[rng.randrange(len(DIAGNOSES))] for _ in ids]
        session.execute(insert(Patient), [{
            "id": pid, "first_name": f"P{pid}", "last_name": "Bench",
            "date_of_birth": date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 52)),
            "sex_at_birth": rng.choice(("female", "female", "male", "male", "intersex", None)),
            "address_line1": "1 Main St", "city": "Oakland",
            "state": "CA", "postal_code": "94610", "preferred_language": "English",
            "diagnosis_code": dx, "stage": "completed", "created_at": now, "version": 1,
        } for pid, (dx, _) in zip(ids, diagnoses, strict=True)])
        session.execute(insert(CareTeamMember), [{
            "patient_id": pid, "user_id": therapists[pid % THERAPISTS], "role": "therapist",
            "active": True, "added_at": now} for pid in ids])
        batch, care_sessions, records, events = [], [], [], []
        for pid, (_, second) in zip(ids, diagnoses, strict=True):
            baseline_day = start + timedelta(days=rng.randrange(365))
            made = _dosings(rng, pid, therapists[pid % THERAPISTS], baseline_day
                            + timedelta(days=3), last, now)
            care_sessions += made[0]
            records += made[1]
            events += made[2]
            for instrument in ("PHQ-9", second):
                severity = rng.uniform(0.35, 0.95)
                for index, point in enumerate(POINTS):
                    given = baseline_day + timedelta(days=14 * index + (60 if index == 4 else 0))
                    batch.append(_row(pid, instrument, point, given,
                                      _answers(rng, instrument, severity, index), now))
        session.execute(insert(Administration), batch)
        session.execute(insert(CareSession), care_sessions)
        session.execute(insert(DosingRecord), records)
        session.execute(insert(AdverseEvent), events)
        rows += len(batch)
        dosings += len(records)
        adverse_events += len(events)
    return {"patients": patients, "administrations": rows, "dosing_records": dosings,
            "adverse_events": adverse_events,
            "therapists": THERAPISTS}


def main(argv=None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--db", default="/tmp/bench.db")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    path = Path(args.db)
    if path.exists():
        path.unlink()
    app = make_app(str(path))
    from kapms.extensions import db

    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        counts = generate(db.session, args.patients, seed=args.seed)
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    print(f"Generated {counts} in {time.perf_counter() - started:.1f} s into {path}")


if __name__ == "__main__":
    main()
