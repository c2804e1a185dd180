"""Builders for directory tests: plans, clinicians with profiles, patients."""

from datetime import date, time, timedelta

from kapms import clinic_time
from kapms.insurance.models import InsurancePlan, Payer
from kapms.network.npi import valid_npi
from kapms.network.services import ProfileData, save_profile
from kapms.patients.models import CareTeamMember, Patient
from tests import factories
from tests.factories import make_user

TODAY = date(2026, 11, 24)  # a Tuesday: the day service tests match on


def licence_expiry() -> date:
    """A year after both TODAY and the real clinic day: service tests match on TODAY, the
    pages on the clinic's today, and a licence must be current for either, in any year."""
    return max(TODAY, clinic_time.today()) + timedelta(days=365)
SF = (37.77, -122.42)
OAKLAND = (37.80, -122.27)  # about 8.5 miles from SF
SACRAMENTO = (38.58, -121.49)  # about 75 miles from SF


def npi(n: int) -> str:
    """A distinct valid NPI for each ``n`` (the check digit itself is tested in test_npi)."""
    body = f"1{n:08d}"
    return next(body + d for d in "0123456789" if valid_npi(body + d))


def make_plan(session, payer="Aetna", name="Open Access PPO") -> InsurancePlan:
    """A plan (and its payer when new)."""
    payer_row = session.query(Payer).filter_by(name=payer).one_or_none() or Payer(name=payer)
    plan = InsurancePlan(payer=payer_row, name=name)
    session.add(plan)
    session.flush()
    return plan


def make_clinician(session, *, kind="therapist", name=None, states=("CA",), expires=None,
                   plans=(), **overrides):
    """A clinician user with a directory profile; keyword arguments override ProfileData."""
    user = make_user(session, roles=(kind,), full_name=name)
    expires = expires or licence_expiry()
    values = dict(
        kind=kind, kap_course="KAP Foundations", kap_trained_on=date(2024, 5, 1),
        telehealth=True, accepting_new=True, capacity=5,
        licences=[("LMFT", f"L{user.id}{s}", s, expires) for s in states],
        plan_ids=[p.id for p in plans], availability=[(2, time(9), time(12))])
    values.update(overrides)
    save_profile(session, user, user, ProfileData(**values))  # the clinician keeps it
    return user


def make_patient(session, *, state="CA", plan=None, location=SF, language="English",
                 stage="referral", **fields) -> Patient:
    """A patient with a location and coverage; ``fields`` set any other column."""
    return factories.make_patient(session, state=state, plan=plan, latitude=location[0],
                                  longitude=location[1], preferred_language=language,
                                  stage=stage, member_id="M1" if plan else None, **fields)


def fill_caseload(session, clinician, n: int, role="therapist") -> None:
    """Put ``clinician`` on ``n`` patients' care teams (their active load)."""
    for _ in range(n):
        patient = make_patient(session, stage="dosing")
        session.add(CareTeamMember(patient_id=patient.id, user_id=clinician.id, role=role))
    session.flush()
