"""Demo directory: profiles for the demo clinicians and ~20 directory-only therapists.

Seeded before the patients (kapms.domains.DOMAINS), whose care teams are checked against
these profiles. Noah (San Jose, Aetna PPO, PTSD) and Lucia (Fresno, self-pay, Spanish) wait
on the coordinators' queue, so "Find a therapist" shows a meaningful ranked list. One
therapist's licence expires within the warning window, one has expired. The network admin
records every profile; directory-only therapists get accounts with random passwords that
are never shown.
"""

import random
import secrets
from datetime import date, time, timedelta

from kapms import clinic_time
from kapms.auth.services import create_user
from kapms.network.services import ProfileData, save_profile

ALL_PLANS = ["Aetna/Open Access PPO", "Blue Shield of California/PPO Gold", "Cigna/LocalPlus",
             "UnitedHealthcare/Choice Plus"]

# (name, credentials, states, city, lat, lon, languages, specialties, plan keys, private
#  pay rate or None, in office, telehealth, accepting)
SYNTHETIC = [
    ("Priya Shah", "LMFT", ["CA"], "San Jose", 37.33, -121.88, ["English", "Hindi"],
     ["anxiety", "depression"], ["Aetna/Open Access PPO"], 18000, True, True, True),
    ("Marcus Bell", "LCSW", ["CA"], "Palo Alto", 37.44, -122.14, ["English"],
     ["ptsd", "substance_use"], ["Aetna/Open Access PPO", "Cigna/LocalPlus"], None, True,
     False, True),
    ("Hannah Cole", "PsyD", ["CA"], "Santa Cruz", 36.97, -122.03, ["English"],
     ["trauma", "grief"], ["Blue Shield of California/PPO Gold"], 22000, True, True, True),
    ("Luis Ortega", "LMFT", ["CA"], "Fresno", 36.75, -119.77, ["English", "Spanish"],
     ["depression", "chronic_pain"], [], 14000, True, True, True),
    ("Grace Tan", "LPC", ["CA"], "Sacramento", 38.58, -121.49, ["English", "Mandarin"],
     ["burnout", "sleep"], ["UnitedHealthcare/Choice Plus"], 16000, True, True, True),
    ("Omar Haddad", "LCSW", ["CA"], "Los Angeles", 34.05, -118.25, ["English", "Arabic"],
     ["ptsd", "anxiety"], ["Aetna/HMO Select"], None, True, True, False),
    ("Rosa Jimenez", "LMFT", ["CA"], "San Diego", 32.72, -117.16, ["Spanish", "English"],
     ["depression", "grief"], ["Blue Shield of California/Trio HMO"], 15000, False, True,
     True),
    ("Ethan Park", "PhD", ["CA", "OR"], "Berkeley", 37.87, -122.27, ["English", "Korean"],
     ["ocd", "anxiety"], ["Cigna/LocalPlus"], 25000, True, True, True),
    ("Nina Volkova", "LMFT", ["CA"], "San Francisco", 37.76, -122.43, ["English", "Russian"],
     ["ptsd", "trauma", "sleep"], ["Aetna/Open Access PPO"], 20000, True, True, True),
    ("Sam Rivers", "LPC", ["OR"], "Portland", 45.53, -122.66, ["English"],
     ["burnout", "depression"], ["UnitedHealthcare/Choice Plus"], 15000, True, True, True),
    ("Ivy Chen", "LCSW", ["OR"], "Eugene", 44.05, -123.09, ["English", "Mandarin"],
     ["anxiety"], ["Aetna/Open Access PPO"], None, True, True, True),
    ("Noel Grant", "LMFT", ["OR", "WA"], "Bend", 44.06, -121.31, ["English"],
     ["substance_use", "trauma"], ["Cigna/LocalPlus"], 17000, False, True, True),
    ("Maria Lopez", "LMHC", ["WA"], "Seattle", 47.61, -122.33, ["English", "Spanish"],
     ["depression", "ptsd"], ["UnitedHealthcare/Choice Plus"], 19000, True, True, True),
    ("Ben Carter", "LMHC", ["WA"], "Tacoma", 47.25, -122.44, ["English"],
     ["chronic_pain", "sleep"], ["Aetna/HMO Select"], None, True, False, True),
    ("Aisha Bello", "PsyD", ["WA"], "Spokane", 47.66, -117.43, ["English", "French"],
     ["grief", "anxiety"], [], 21000, True, True, True),
    ("David Stein", "PhD", ["NY"], "New York", 40.72, -74.00, ["English", "Hebrew"],
     ["ocd", "anxiety"], ["Aetna/Open Access PPO"], 30000, True, True, True),
    ("Keisha Brown", "LCSW", ["NY"], "Brooklyn", 40.68, -73.95, ["English"],
     ["trauma", "ptsd"], ["Cigna/LocalPlus", "UnitedHealthcare/Choice Plus"], 20000, True,
     True, True),
    ("Tomas Novak", "LMHC", ["NY"], "Albany", 42.65, -73.76, ["English", "Czech"],
     ["burnout"], ["UnitedHealthcare/Choice Plus"], None, True, True, True),
    ("Leah Goldberg", "LMFT", ["NY", "CA"], "New York", 40.75, -73.99, ["English"],
     ["eating", "anxiety"], [], 28000, False, True, True),
    ("Chris Young", "LPC", ["CA"], "Oakland", 37.80, -122.27, ["English"],
     ["depression"], ["Aetna/Open Access PPO"], None, True, True, True),
]


def _licences(states, number, *, days=540):
    expires = clinic_time.today() + timedelta(days=days)
    return [("LMFT", f"{number}{s}", s, expires) for s in states]


def _slots(*days, start=9, end=13):
    return [(d, time(start), time(end)) for d in days]


def seed(session, ctx: dict) -> None:
    """Profiles for the demo clinicians and the synthetic directory."""
    users, plans, admin = ctx["users"], ctx["plans"], ctx["users"]["admin"]

    def plan_ids(keys):
        return [plans[k].id for k in keys if k in plans]

    trained = dict(kap_course="Polarity Process KAP Training", kap_trained_on=date(2024, 3, 8))
    save_profile(session, admin, users["therapist"], ProfileData(
        npi="1987654328", licences=_licences(["CA"], "98765"), **trained,
        plan_ids=plan_ids(["Aetna/Open Access PPO", "Blue Shield of California/PPO Gold",
                           "Cigna/LocalPlus"]),
        accepts_private_pay=True, private_pay_rate_cents=19000, in_office=True,
        office_address="4200 Telegraph Ave, Oakland, CA 94609", latitude=37.83,
        longitude=-122.26, telehealth=True, specialties=["ptsd", "trauma", "depression",
                                                         "anxiety"],
        languages=["English"], capacity=12, availability=_slots(1, 3, 4)))
    today = clinic_time.today()
    save_profile(session, admin, users["prescriber"], ProfileData(
        kind="prescriber", npi="1543210987", licences=[
            ("PMHNP", "NP55501", "CA", today + timedelta(days=700)),
            ("PMHNP", "NP77102", "OR", today + timedelta(days=400))], **trained,
        plan_ids=plan_ids(ALL_PLANS), accepts_private_pay=True, private_pay_rate_cents=25000,
        telehealth=True, languages=["English", "Spanish"], capacity=60,
        availability=_slots(0, 2, 4, start=8, end=16)))
    save_profile(session, admin, users["jordan.lee@demo.kapms.test"], ProfileData(
        npi="1765432103", licences=_licences(["OR", "WA"], "C4412"), **trained,
        plan_ids=plan_ids(["UnitedHealthcare/Choice Plus", "Aetna/Open Access PPO"]),
        in_office=True, office_address="1120 SW 5th Ave, Portland, OR 97204", latitude=45.52,
        longitude=-122.68, telehealth=True, specialties=["anxiety", "burnout", "sleep"],
        languages=["English"], capacity=10, availability=_slots(0, 1, 2)))
    save_profile(session, admin, users["ana.silva@demo.kapms.test"], ProfileData(
        npi="1654321094", licences=_licences(["CA"], "PSY3310"), **trained,
        plan_ids=plan_ids(["Blue Shield of California/PPO Gold"]), accepts_private_pay=True,
        private_pay_rate_cents=15000, telehealth=True,
        specialties=["depression", "anxiety", "grief"], languages=["Spanish", "English"],
        capacity=8, availability=_slots(0, 3)))
    rng = random.Random(5)  # the same demo every time
    for i, row in enumerate(SYNTHETIC):
        (name, creds, states, city, lat, lon, langs, specs, plan_keys, rate, office, tele,
         accepting) = row
        email = name.lower().replace(" ", ".") + "@directory.kapms.test"
        user = create_user(session, admin, email=email, full_name=name, roles=["therapist"],
                           password=secrets.token_urlsafe(24), credentials=creds)
        untrained = i == 13  # one therapist without KAP training, for the explanations
        save_profile(session, admin, user, ProfileData(
            # Tomas Novak's licence has lapsed; Omar Haddad's expires within the warning.
            licences=_licences(states, f"D{1000 + i}", days={17: -30, 5: 35}.get(i, 540)),
            kap_course=None if untrained else trained["kap_course"],
            kap_trained_on=None if untrained else date(2023, 1 + i % 12, 1 + i),
            plan_ids=plan_ids(plan_keys), accepts_private_pay=rate is not None,
            private_pay_rate_cents=rate, in_office=office,
            office_address=f"{100 + 7 * i} Main St, {city}" if office else None,
            latitude=lat if office else None, longitude=lon if office else None,
            telehealth=tele, specialties=specs, languages=langs, accepting_new=accepting,
            capacity=rng.randint(5, 15), availability=_slots(*rng.sample(range(5), 2))))
