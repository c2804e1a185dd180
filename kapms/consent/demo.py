"""Demo consent documents and signatures.

Four documents: the KAP informed consent (required before the first dosing; version 2, a
material change five days ago: no driving until the next morning), the financial
responsibility agreement (before clearance), the telehealth and chaperone agreement
(before a telehealth or at-home dosing) and the release of information (optional).
Elena and Grace signed everything on paper; Marcus signed version 1 before his first
dosing but not version 2, so his booked dosing is refused until he signs it; Avery, Noah
and Lucia have signed nothing yet (Lucia is the demo portal login).
"""

from datetime import datetime, time, timedelta

from kapms import clinic_time
from kapms.consent import services

KAP_V1 = """# Informed consent to ketamine-assisted psychotherapy

Please read this document carefully and ask your care team about anything that is unclear.

## The treatment
Ketamine is approved by the FDA as an anesthetic. Its use for depression, anxiety, PTSD or
burnout in ketamine-assisted psychotherapy (KAP) is **off-label**. In KAP, a prescriber
clears you medically and prescribes a low dose (for example a sublingual lozenge); a
therapist prepares you, stays with you during each dosing session and helps you integrate
the experience afterwards.

## What you may feel
During a dosing session (1 to 3 hours) you may feel dissociated or dreamlike, dizzy, nauseous
or sleepy; your blood pressure and heart rate usually rise for a while. These effects pass
within hours. Rarely, people feel anxious or confused. Your blood pressure is checked before
the dose, about 40 minutes after it and before you leave.

## Risks
- Raised blood pressure and heart rate during the session.
- Nausea or vomiting; do not eat for 2 hours before a session.
- Misuse and dependence: ketamine is a Schedule III controlled substance. Take it only as
  prescribed and only during a supervised session.
- Bladder irritation with frequent, high-dose use.

## Safety rules
- **Do not drive, cycle or operate machinery on the day of a dosing.** Arrange a ride home.
- Tell your care team about every medicine you take, and about pregnancy or breastfeeding.
- A dose is held (not given) if your blood pressure before the dose is too high.

## Your choice
Taking part is voluntary. You may stop at any time without affecting your other care.
"""
KAP_V2 = KAP_V1.replace(
    "- **Do not drive, cycle or operate machinery on the day of a dosing.** Arrange a ride "
    "home.",
    "- **Do not drive, cycle or operate machinery until the morning after a dosing.** Arrange "
    "a ride home.")

FINANCIAL = """# Financial responsibility agreement

- I understand which services my insurance may cover and that I am responsible for what it
  does not pay: deductibles, copays, coinsurance and services out of network.
- I received a cost estimate (or, paying myself, a Good Faith Estimate). It is an estimate,
  not a contract.
- Sessions cancelled with less than 24 hours' notice may be charged.
- If I agree to a payment plan, I pay its installments by their due dates.
"""

TELEHEALTH = """# Telehealth and chaperone agreement

For a dosing by telehealth or at home:

- A **chaperone** (a trusted adult, the peer treatment monitor) stays with me for the whole
  session and until I am fully recovered. I give the clinic their name and phone number.
- My clinician checks in by video at set times (every 15 minutes by default). If the video
  drops, my clinician calls my chaperone.
- I take the dose only when my clinician says so, in a safe, quiet place, lying or sitting.
- I will not drive until the next morning. In an emergency my chaperone calls 911.
"""

RELEASE = """# Release of information to my care team

I allow the members of my KAP care team (my therapist and my prescriber) to share with each
other the information they need to treat me: clearance, dosing records, progress notes and
questionnaire results. Psychotherapy notes are never shared. I may withdraw this release in
writing at any time.
"""


def _at(days: int, hour: int = 10) -> datetime:
    day = clinic_time.today() + timedelta(days=days)
    return datetime.combine(day, time(hour), clinic_time.zone())


def seed(session, ctx: dict) -> None:
    """Publish the demo documents and record the patients' signatures (as history)."""
    admin, therapist = ctx["users"]["admin"], ctx["users"]["therapist"]
    p = ctx["patients"]
    kap = services.create_document(session, admin, title="KAP informed consent",
                                   required_before="first_dosing", applies_to="all",
                                   body=KAP_V1, now=_at(-200))
    financial = services.create_document(session, admin,
                                         title="Financial responsibility agreement",
                                         required_before="clearance", applies_to="all",
                                         body=FINANCIAL, now=_at(-200))
    telehealth = services.create_document(session, admin,
                                          title="Telehealth and chaperone agreement",
                                          required_before="first_dosing",
                                          applies_to="remote_dosing", body=TELEHEALTH,
                                          now=_at(-200))
    services.create_document(session, admin, title="Release of information to the care team",
                             required_before="", applies_to="all", body=RELEASE,
                             now=_at(-200))

    def paper(patient, document, days):
        services.record_paper_signature(
            session, therapist, patient, document.current.id, typed_name=patient.full_name,
            signed_on=clinic_time.today() + timedelta(days=days),
            witness="Jamie Park, front desk", now=_at(days, 16))

    for key, days in (("grace", -126), ("marcus", -40), ("elena", -14)):
        paper(p[key], kap, days)
        paper(p[key], financial, days)
    paper(p["grace"], telehealth, -21)
    session.expire(kap, ["versions"])
    services.publish_version(session, admin, kap, body=KAP_V2, material=True,
                             change_note="No driving until the morning after a dosing.",
                             expected_number=1, now=_at(-5, 9))
    session.expire(kap, ["versions"])
    paper(p["elena"], kap, -3)
    paper(p["grace"], kap, -2)
