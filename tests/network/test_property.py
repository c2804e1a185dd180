"""Property: the SQL matcher returns exactly the therapists the pure rules call eligible.

Hypothesis draws a random small directory (licences with expiries, plans, private pay,
modalities, offices around the Bay Area, capacity, caseload and open offers) and a random
request; every
returned therapist must pass every rule, and no eligible therapist may be missing.
"""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from kapms.network.matching import ClinicianFacts, MatchRequest, failed_criteria
from kapms.network.models import ClinicianProfile, Referral
from kapms.network.services import ProfileData, save_profile
from kapms.network.services.search import eligible_clinician_ids
from kapms.patients.models import CareTeamMember, Patient
from tests.factories import make_user
from tests.network.helpers import TODAY, make_patient, make_plan

POOL = 6
STATES = ["CA", "CA", "CA", "CA", "OR", "NY"]  # weighted so that many draws are eligible
likely = st.sampled_from([True, True, True, True, False])
coords = st.tuples(st.floats(37.0, 38.6), st.floats(-123.0, -121.0))

clinician = st.fixed_dictionaries({
    "licences": st.lists(st.tuples(st.sampled_from(STATES), st.sampled_from([365, 1, 0, -1, -365])),
                         min_size=1, max_size=2),
    "plans": st.sets(st.integers(0, 2), min_size=1),
    "private_pay": likely,
    "kap": likely,
    "accepting": likely,
    "capacity": st.sampled_from([3, 1, 2, 0]),
    "load": st.sampled_from([0, 1, 2]),
    "offers": st.sampled_from([0, 0, 1, 2]),  # open offers hold places too
    "office": st.one_of(coords, st.none()),
    "telehealth": likely,
})
match_request = st.fixed_dictionaries({
    "state": st.sampled_from(["CA", "CA", "CA", "OR"]),
    "plan": st.one_of(st.none(), st.integers(0, 2)),
    "modality": st.sampled_from(["in_office", "telehealth", "either"]),
    "location": st.one_of(coords, st.none()),
    "distance": st.sampled_from([60.0, 20.0, 5.0]),
})


def test_sql_matches_the_pure_rules(db):
    # Users and plans are made once; each example replaces profiles and caseloads.
    users = [make_user(db) for _ in range(POOL)]
    nonempty = []
    plans = [make_plan(db, f"Payer {i}", "Plan") for i in range(3)]

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(directory=st.lists(clinician, min_size=2, max_size=POOL), req=match_request)
    def check(directory, req):
        db.execute(delete(CareTeamMember))
        db.execute(delete(Referral))
        db.execute(delete(Patient))
        for profile in db.query(ClinicianProfile).all():
            db.delete(profile)
        db.flush()
        expected_facts = []
        for user, c in zip(users, directory, strict=False):
            licences = [(s, TODAY + timedelta(days=d)) for s, d in c["licences"]]
            office = c["office"]
            save_profile(db, user, user, ProfileData(
                kap_course="KAP" if c["kap"] else None, kap_trained_on=date(2024, 5, 1) if c["kap"] else None,
                accepts_private_pay=c["private_pay"], private_pay_rate_cents=15000,
                in_office=office is not None, office_address="x" if office else None,
                latitude=office[0] if office else None, longitude=office[1] if office else None,
                telehealth=c["telehealth"], accepting_new=c["accepting"], capacity=c["capacity"],
                licences=[("LMFT", "1", s, e) for s, e in licences],
                plan_ids=[plans[i].id for i in c["plans"]]))
            for _ in range(c["load"]):
                patient = make_patient(db)
                db.add(CareTeamMember(patient_id=patient.id, user_id=user.id, role="therapist"))
            for _ in range(c["offers"]):
                patient = make_patient(db)
                db.add(Referral(patient_id=patient.id, clinician_id=user.id, role="therapist"))
            expected_facts.append(ClinicianFacts(
                clinician_id=user.id, licences=tuple((s, e) for s, e in licences),
                plan_ids=frozenset(plans[i].id for i in c["plans"]),
                accepts_private_pay=c["private_pay"], kap_trained=c["kap"],
                accepting_new=c["accepting"], capacity=c["capacity"],
                places_taken=c["load"] + c["offers"],
                in_office=office is not None, telehealth=c["telehealth"],
                latitude=office[0] if office else None, longitude=office[1] if office else None))
        db.flush()
        location = req["location"]
        request = MatchRequest(
            state=req["state"], plan_id=None if req["plan"] is None else plans[req["plan"]].id,
            today=TODAY, modality=req["modality"], latitude=location and location[0],
            longitude=location and location[1], max_distance_miles=req["distance"])
        expected = {f.clinician_id for f in expected_facts if not failed_criteria(request, f)}
        found = eligible_clinician_ids(db, request)
        by_id = {f.clinician_id: f for f in expected_facts}
        for clinician_id in found:  # every returned therapist satisfies every rule
            assert failed_criteria(request, by_id[clinician_id]) == []
        assert found == expected  # and nobody eligible is missing
        nonempty.append(bool(found))

    check()
    assert sum(nonempty) >= 5  # the property was exercised, not vacuously true
