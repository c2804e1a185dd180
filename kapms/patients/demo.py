"""Demo patients: demographics, coverage and care teams. Clinical records for them are
seeded by the care domain's demo (ctx["patients"] is keyed by the short names below).

Care teams are built through the doors of kapms.network (the directory is seeded first):
Maya Okafor registered her own clients and invited Daniel Reyes, who accepted; Ana Silva
joined Elena's team on Maya's invitation and has since left Elena's plan, so the patient
page flags her; Jordan Lee registered Owen and has invited Daniel Reyes, who has not
answered yet (the prescriber's login shows the invitation to accept). Noah and Lucia, and
Owen for a prescriber, wait on the coordinators' queue.
"""

from datetime import date, timedelta

from sqlalchemy import select

from kapms.database import utcnow
from kapms.network.models import Referral
from kapms.network.services import care_teams, profiles, referrals
from kapms.patients.models import CareTeamMember, Patient

# key: (first, last, dob, city, state, zip, lat, lon, language, diagnosis, plan key or None,
#       therapist email or None, prescriber?, stage); prescriber False with a therapist: the
#       therapist's invitation to the prescriber is still open.
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


# How long ago each was registered (the queue shows who has waited longest).
DAYS_AGO = {"avery": 21, "elena": 75, "marcus": 120, "grace": 240, "owen": 9, "noah": 3,
            "lucia": 16}


def seed(session, ctx: dict) -> None:
    """Create the demo patients and their care teams (as the network's doors record them)."""
    users = {u.email: u for u in ctx["users"].values()}
    prescriber, admin = ctx["users"]["prescriber"], ctx["users"]["admin"]
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
            stage=stage, created_by_id=admin.id,
            urgency="urgent" if key == "noah" else "routine",
            care_modality="telehealth" if key == "lucia" else "either")
        session.add(patient)
        session.flush()
        if therapist_email:
            therapist = users[therapist_email]
            care_teams.join_own_client(session, therapist, patient)
            invitation = referrals.invite_colleague(
                session, therapist, patient, prescriber, "prescriber",
                note="Medical intake and clearance for KAP, please.")
            if with_prescriber:
                referrals.accept_referral(session, prescriber, invitation)
        ctx["patients"][key] = patient
    _co_therapist_no_longer_in_network(session, admin, ctx)
    _backdate(session, ctx["patients"])


def _co_therapist_no_longer_in_network(session, admin, ctx) -> None:
    """Ana Silva joins Elena's team on Maya's invitation; then her profile drops Elena's
    plan, so Elena's page flags her as no longer eligible."""
    elena, maya = ctx["patients"]["elena"], ctx["users"]["therapist"]
    ana = ctx["users"]["ana.silva@demo.kapms.test"]
    invitation = referrals.invite_colleague(session, maya, elena, ana, "therapist",
                                            note="Spanish-speaking integration sessions.")
    referrals.accept_referral(session, ana, invitation)
    data = profiles.profile_data(profiles.profile_for(session, ana.id))
    data.plan_ids = [pid for pid in data.plan_ids if pid != elena.plan_id]
    profiles.save_profile(session, admin, ana, data)


def _backdate(session, patients: dict) -> None:
    """Move registrations, offers and places back in time, as a clinic's history would be
    (the doors stamp them with the time of seeding)."""
    for key, patient in patients.items():
        registered = utcnow() - timedelta(days=DAYS_AGO[key])
        patient.created_at = registered
        for offer in session.scalars(select(Referral).where(Referral.patient_id == patient.id)):
            offer.offered_at = registered + timedelta(hours=3)
            if offer.responded_at:
                offer.responded_at = registered + timedelta(days=1)
        for member in session.scalars(select(CareTeamMember).where(
                CareTeamMember.patient_id == patient.id)):
            member.added_at = registered + (timedelta(hours=1) if member.joined_via ==
                                            "registration" else timedelta(days=1))
    session.flush()
