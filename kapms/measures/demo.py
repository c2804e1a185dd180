"""Demo measures.

- The living clinic: baselines for avery, elena, marcus and grace (marcus has had one
  dosing, so nothing later is due yet); grace through after dosing 6 and follow-up,
  improving; and elena's baseline PHQ-9 with item 9 = 1, so an open safety alert shows on
  the dashboard.
- An outcome history for the network report and the published summary: 160 past patients
  of Ana Silva's (completed courses, synthetic, "Past" surnames) with PHQ-9 and, by
  diagnosis, GAD-7, PCL-5 or MBI-GS at every point, and their six dosing records (some
  held, some with adverse events). Written in bulk like the benchmark network
  (bench/measures_generate.py), scored by the scoring library.
"""

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from kapms import clinic_time
from kapms.measures import scoring
from kapms.measures.instruments import INSTRUMENTS, MBIGS
from kapms.measures.models import Administration
from kapms.measures.outcomes import LATER_POINTS
from kapms.measures.services import record_administration

# patient -> [(instrument, point, days before today, answers)]
DEMO_MEASURES = {
    "avery": [("PHQ-9", "baseline", 6, [2, 2, 2, 1, 1, 2, 1, 1, 0])],
    "elena": [("PHQ-9", "baseline", 3, [2, 3, 2, 2, 1, 2, 2, 1, 1]),
              ("PCL-5", "baseline", 3, [3, 3, 2, 3, 2, 3, 3, 1, 2, 2, 3, 2, 2, 2, 2, 1, 3, 3,
                                        2, 3])],
    "marcus": [("PHQ-9", "baseline", 30, [3, 3, 2, 2, 2, 2, 2, 1, 0])],
    "grace": [
        ("PHQ-9", "baseline", 120, [2, 2, 3, 3, 1, 2, 2, 1, 0]),
        ("PHQ-9", "after_dosing_2", 104, [1, 2, 2, 2, 1, 1, 1, 0, 0]),
        ("PHQ-9", "after_dosing_4", 90, [1, 1, 1, 1, 1, 1, 1, 0, 0]),
        ("PHQ-9", "after_dosing_6", 76, [0, 1, 1, 1, 0, 0, 1, 0, 0]),
        ("PHQ-9", "follow_up", 20, [0, 1, 1, 1, 0, 0, 0, 0, 0]),
        ("MBI-GS", "baseline", 120, [6, 5, 6, 5, 3, 6, 3, 5, 4, 3, 4, 3, 5, 4, 4, 4]),
        ("MBI-GS", "after_dosing_2", 104, [5, 5, 5, 4, 3, 5, 4, 4, 4, 4, 4, 3, 4, 3, 4, 4]),
        ("MBI-GS", "after_dosing_4", 90, [4, 4, 4, 4, 4, 4, 4, 3, 3, 4, 4, 4, 3, 3, 3, 4]),
        ("MBI-GS", "after_dosing_6", 76, [3, 3, 4, 3, 4, 3, 4, 2, 2, 5, 4, 4, 2, 2, 2, 5]),
        ("MBI-GS", "follow_up", 20, [3, 3, 3, 3, 5, 3, 5, 2, 2, 5, 5, 4, 2, 2, 2, 5]),
    ],
}
# the outcome history: (diagnosis, second instrument, how many patients)
PAST_COHORT = (("F33.1", None, 50), ("F41.1", "GAD-7", 35), ("F43.10", "PCL-5", 30),
               ("Z73.0", "MBI-GS", 45))
SEXES = ("female", "female", "female", "male", "male", "intersex", "not_disclosed", None)


def seed(session, ctx: dict) -> None:
    """Record the demo administrations as the demo therapist, then the outcome history."""
    therapist = ctx["users"]["therapist"]
    today = clinic_time.today()
    for key, rows in DEMO_MEASURES.items():
        patient = ctx["patients"][key]
        for instrument, point, days_ago, answers in rows:
            given: date = today - timedelta(days=days_ago)
            record_administration(session, therapist, patient, instrument, point, given,
                                  answers)
    seed_outcome_history(session, ctx["users"]["ana.silva@demo.kapms.test"], today)


def _answers(rng: random.Random, instrument: str, severity: float, step: int) -> list[int]:
    """Answers at a point: severity (0-1) easing with treatment, with noise."""
    inst = INSTRUMENTS[instrument]
    level = max(0.0, severity * (1 - [0, 0.3, 0.45, 0.55, 0.5][step] * rng.uniform(0, 1.7)))
    if instrument == MBIGS.name:
        efficacy = MBIGS.subscales["professional_efficacy"]
        return [min(6, max(0, round(((1 - level) if n in efficacy else level) * 6
                                    + rng.uniform(-1.2, 1.2)))) for n in range(1, 17)]
    answers = [min(inst.max_answer, max(0, round(level * inst.max_answer + rng.uniform(-1, 1))))
               for _ in range(inst.item_count)]
    if instrument == "PHQ-9":  # thoughts of self-harm are the exception, not the rule
        answers[8] = 1 if rng.random() < 0.3 * (1 - step / 5) else 0
        if rng.random() < 0.25:
            answers[2] = 0  # sleeps well
    return answers


def seed_outcome_history(session, therapist, today: date, *, seed_value: int = 13) -> int:
    """Past patients with measures and dosing records (see the module docstring)."""
    from kapms.patients.models import CareTeamMember, Patient

    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    number = 0
    for diagnosis, second, count in PAST_COHORT:
        for _ in range(count):
            number += 1
            patient = Patient(
                first_name=f"Client{number:03d}", last_name="Past",
                date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50)),
                sex_at_birth=rng.choice(SEXES), address_line1="1 Harbor Way",
                city="Oakland", state="CA", postal_code="94607", diagnosis_code=diagnosis,
                stage="completed")
            session.add(patient)
            session.flush()
            session.add(CareTeamMember(patient_id=patient.id, user_id=therapist.id,
                                       role="therapist"))
            start = today - timedelta(days=rng.randrange(150, 480))
            rows = []
            for instrument in ("PHQ-9", second) if second else ("PHQ-9",):
                severity = rng.uniform(0.35, 0.95)
                missing = rng.random() < 0.15  # some miss a middle point
                for step, point in enumerate(("baseline", *LATER_POINTS)):
                    if missing and point == "after_dosing_4":
                        continue
                    answers = _answers(rng, instrument, severity, step)
                    result = scoring.score(instrument, answers)
                    rows.append({"patient_id": patient.id, "instrument": instrument,
                                 "point": point, "source": "clinician",
                                 "given_on": start + timedelta(days=14 * step
                                                               + (60 if step == 4 else 0)),
                                 "recorded_by_id": therapist.id, "recorded_at": now,
                                 "answers": ",".join(map(str, answers)),
                                 **scoring.derived_values(result),
                                 "end_recorded": True if point == "baseline" else None,
                                 "all_points_recorded": (not missing) if point == "baseline"
                                 else None})
            session.execute(insert(Administration), rows)
            _past_dosings(session, rng, patient, therapist, start + timedelta(days=3), now)
    return number


def _past_dosings(session, rng, patient, therapist, first: date, now) -> None:
    """Six administered dosings a week apart, now and then a held one: the sessions and
    live dosing records (number on the course, setting in office / telehealth / at home,
    route, blood-pressure rise flag) and adverse events the report's safety section reads
    (kapms/measures/services/care_data.py)."""
    from kapms.care.models import AdverseEvent, CareSession, DosingRecord

    setting = rng.choices(("office", "telehealth", "home"), weights=(40, 40, 20))[0]
    route = "intramuscular" if setting == "office" and rng.random() < 0.5 else "sublingual"
    given, day = 0, first
    while given < 6:
        held = rng.random() < 0.05
        start = datetime.combine(day, datetime.min.time(), UTC).replace(hour=17)
        dosed = start + timedelta(minutes=20)
        care = CareSession(patient_id=patient.id, kind="dosing", clinician_id=therapist.id,
                           scheduled_start=start, duration_minutes=120,
                           modality="office" if setting == "office" else "telehealth",
                           status="held" if held else "completed", started_at=start,
                           ended_at=start + timedelta(minutes=10 if held else 120),
                           completed_at=now)
        session.add(care)
        session.flush()
        events = []
        if not held and rng.random() < 0.12:
            events = [AdverseEvent(kind=rng.choice(("nausea", "dissociation", "dizziness",
                                                    "headache", "anxiety")),
                                   severity="mild", serious=rng.random() < 0.03,
                                   occurred_at=dosed + timedelta(minutes=15),
                                   recorded_by_id=therapist.id, recorded_at=now)]
        session.add(DosingRecord(
            session_id=care.id, dosing_number=given + 1, checked_in_at=start,
            checked_in_by_id=therapist.id, setting=setting,
            chaperone_name=None if setting == "office" else "Family member",
            chaperone_phone=None if setting == "office" else "510-555-0100",
            outcome="held" if held else "administered",
            hold_reason="Pre-dose blood pressure at or above the hold threshold" if held
            else None, route=None if held else route, given_at=None if held else dosed,
            bp_flag="Systolic rose 40 mmHg or more" if not held and rng.random() < 0.04
            else None, adverse_events=events, recorded_by_id=therapist.id, recorded_at=now,
            updated_at=now))
        given += not held
        day += timedelta(days=7)
    session.flush()
