"""Demo patients: demographics, coverage and care teams. Clinical records for them are
seeded by the care domain's demo (ctx["patients"] is keyed by the short names below)."""

from datetime import date

from kapms.patients.models import Patient
from kapms.patients.services import add_to_care_team

# key: (first, last, dob, city, state, zip, lat, lon, language, diagnosis, plan key or None,
#       therapist email or None, prescriber?, stage)
DEMO_PATIENTS = {
    "avery": ("Avery", "Chen", date(1988, 3, 14), "Oakland", "CA", "94610", 37.81, -122.24,
              "English", "F33.1", "Aetna/Open Access PPO", "therapist@demo.kapms.test", True,
              "intake"),
    "elena": ("Elena", "Morales", date(1979, 11, 2), "Berkeley", "CA", "94704", 37.87, -122.26,
              "Spanish", "F43.10", "Blue Shield of California/PPO Gold",
              "therapist@demo.kapms.test", True, "preparation"),
    "marcus": ("Marcus", "Johnson", date(1991, 6, 21), "San Francisco", "CA", "94110", 37.75,
               -122.41, "English", "F33.1", "Cigna/LocalPlus", "therapist@demo.kapms.test", True,
               "dosing"),
    "grace": ("Grace", "Kim", date(1984, 1, 30), "Alameda", "CA", "94501", 37.77, -122.27,
              "English", "Z73.0", None, "therapist@demo.kapms.test", True, "completed"),
    "owen": ("Owen", "Brooks", date(1975, 8, 9), "Portland", "OR", "97205", 45.52, -122.68,
             "English", "F41.1", "UnitedHealthcare/Choice Plus", "jordan.lee@demo.kapms.test",
             False, "intake"),
    "noah": ("Noah", "Williams", date(1995, 4, 17), "San Jose", "CA", "95112", 37.35, -121.89,
             "English", "F43.10", "Aetna/Open Access PPO", None, False, "referral"),
    "lucia": ("Lucia", "Romero", date(1990, 12, 5), "Fresno", "CA", "93721", 36.74, -119.79,
              "Spanish", "F32.1", None, None, False, "referral"),
}


def seed(session, ctx: dict) -> None:
    """Create the demo patients and their care teams."""
    users = {u.email: u for u in ctx["users"].values()}
    prescriber = ctx["users"]["prescriber"]
    ctx["patients"] = {}
    for key, row in DEMO_PATIENTS.items():
        (first, last, dob, city, state, postal, lat, lon, language, dx, plan_key,
         therapist_email, with_prescriber, stage) = row
        plan = ctx["plans"][plan_key] if plan_key else None
        patient = Patient(
            first_name=first, last_name=last, date_of_birth=dob,
            address_line1=f"{100 + len(key) * 7} Main Street", city=city, state=state,
            postal_code=postal, latitude=lat, longitude=lon, preferred_language=language,
            phone="(510) 555-01" + str(10 + len(ctx["patients"])),
            email=f"{first.lower()}.{last.lower()}@example.com",
            emergency_contact_name="Pat " + last, emergency_contact_phone="(510) 555-0199",
            emergency_contact_relation="Partner", diagnosis_code=dx,
            plan=plan, member_id=f"M{1000 + len(ctx['patients']):08d}" if plan else None,
            stage=stage)
        session.add(patient)
        session.flush()
        if therapist_email:
            add_to_care_team(session, None, patient, users[therapist_email], "therapist")
        if with_prescriber:
            add_to_care_team(session, None, patient, prescriber, "prescriber")
        ctx["patients"][key] = patient
