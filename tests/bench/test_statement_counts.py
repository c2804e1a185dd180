"""Statements per request on pages that are flat today (tests/sqlcount.py).

Each test opens a page, adds more of the data the page lists or scans, opens it again and
asserts the number of statements did not change and stays within the target of 15. A new
query per row (an N+1) or per listed item fails here, on SQLite and PostgreSQL alike.
Timing is never asserted: bench/scale_bench.py measures time.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kapms.audit.services import record
from kapms.auth.models import User
from tests.care.factories import at, make_team, session_for
from tests.factories import make_patient, make_patient_account, make_user
from tests.network.helpers import make_clinician, make_plan
from tests.sqlcount import counting, get_counted, statement_kind

MAX_STATEMENTS = 15


def _fresh_get(client, url: str):
    """GET ``url`` with nothing in the session, as a request in production starts (an
    object the test loaded is not even expired in it: ``session.get`` would refresh it
    without the request's loader options). The test re-reads what it needs by id after."""
    from kapms.extensions import db

    db.session.commit()
    db.session.expunge_all()
    with counting(db.engine) as log:
        response = client.get(url)
    return response, log


def _flat(client, url, add_more, get=get_counted) -> int:
    """Open ``url``, call ``add_more()``, open it again; both counts must agree."""
    first, log_before = get(client, url)
    assert first.status_code == 200, first.status_code
    add_more()
    second, log_after = get(client, url)
    assert second.status_code == 200, second.status_code
    assert log_after.count == log_before.count, log_after.summary()
    assert log_after.count <= MAX_STATEMENTS, log_after.summary()
    return log_after.count


def test_counting_sees_every_statement_of_the_block(db):
    from kapms.extensions import db as ext

    with counting(ext.engine) as log:
        db.scalars(select(User)).all()
        db.scalars(select(User).where(User.id == 0)).all()
    assert log.count == 2
    assert log.kinds() == {"SELECT users": 2}
    assert "2 statements (SELECT users x2)" in log.summary()


def test_statement_kinds_name_the_table():
    assert statement_kind('INSERT INTO audit_events (at) VALUES (?)') == "INSERT audit_events"
    assert statement_kind('UPDATE "users" SET x = 1') == "UPDATE users"
    assert statement_kind("SELECT 1") == "SELECT"


def test_patient_list_is_flat_in_the_caseload(db, client, login_as):
    therapist = login_as("therapist")
    plans = [make_plan(db, "Aetna", "Open Access PPO"), make_plan(db, "Cigna", "LocalPlus")]

    def patients(count):
        for n in range(count):
            make_patient(db, therapist, plan_id=plans[n % 2].id, member_id=f"M{n}")
        db.commit()

    patients(3)

    def twenty_more():
        patients(20)

    _flat(client, "/patients/", twenty_more)


def test_audit_log_is_flat_in_the_size_of_the_log(db, client, login_as):
    admin = login_as("admin")

    def events(count):
        for n in range(count):
            record(db, admin, "view", "patient", n, patient_id=n + 1)
        db.commit()

    events(3)

    def many_events():
        events(120)

    _flat(client, "/admin/audit/", many_events)
    _flat(client, f"/admin/audit/?user_id={admin.id}&action=view", many_events)


def test_calendar_export_is_flat_in_the_number_of_sessions(db, client, login):
    team = make_team(db)
    db.commit()
    login(team.therapist)
    session_for(db, team, "preparation", at(1, 10))
    db.commit()

    def more_sessions():
        for day in range(2, 12):
            session_for(db, team, "preparation", at(day, 10))
        db.commit()

    _flat(client, "/care/calendar.ics", more_sessions)


def test_directory_is_flat_in_the_number_of_profiles(db, client, login_as):
    login_as("admin")
    for n in range(3):
        make_clinician(db, name=f"Early Clinician {n}")
    db.commit()

    def twelve_more():
        for n in range(12):
            make_clinician(db, name=f"Later Clinician {n}", states=("CA", "OR"))
        db.commit()

    _flat(client, "/network/directory", twelve_more)


def test_outcome_report_is_flat_in_the_number_of_patients(db, client, login):
    from kapms.measures import services
    from kapms.measures.scoring import Settings
    from tests.measures.conftest import phq9

    therapist = make_user(db, roles=("therapist",))
    db.commit()
    login(therapist)

    def measured_patients(count):
        def add():
            for n in range(count):
                patient = make_patient(db, therapist)
                for point, total in (("baseline", 18), ("after_dosing_6", 7 + n % 5)):
                    services.record_administration(
                        db, therapist, patient, "PHQ-9", point,
                        datetime.now(UTC).date() - timedelta(days=30), phq9(total),
                        settings=Settings(), today=datetime.now(UTC).date())
            db.commit()
        return add

    measured_patients(2)()
    _flat(client, "/outcomes/", measured_patients(10))


def test_calendar_and_notes_due_are_flat_in_the_number_of_sessions(db, client, login):
    team = make_team(db)
    db.commit()
    login(team.therapist)
    session_for(db, team, "preparation", at(-3, 10), status="completed")
    session_for(db, team, "preparation", at(1, 10))
    db.commit()

    hours = iter((11, 14))

    def more_sessions():
        hour = next(hours)
        for day in range(2, 6):  # this week and next: some on the calendar's week
            session_for(db, team, "integration", at(day, hour))
        for day in range(4, 10):  # past ones without a note: notes due
            session_for(db, team, "integration", at(-day, hour), status="completed")
        db.commit()

    _flat(client, "/care/calendar", more_sessions)
    _flat(client, "/care/notes-due", more_sessions)


def test_billing_home_is_flat_in_gfes_and_overdue_plans(db, client, login_as):
    """The GFE watch reads the lines kept at write time, and overdue plans come from one
    aggregate: more flagged self-pay patients and more late plans, the same statements."""
    from datetime import date

    from kapms.billing.services import gfe as gfe_svc
    from kapms.billing.services import plans as plan_svc
    from tests.billing.care_record import CareRecord
    from tests.billing.helpers import make_patient as make_billing_patient
    from tests.billing.helpers import make_schedule
    from tests.billing.test_plans_gfe_superbills import PRACTICE, TODAY

    make_schedule(db, None)

    def flagged_patients(count):
        for _ in range(count):
            patient = make_billing_patient(db)
            record = CareRecord(db, patient)
            gfe_svc.create_gfe(db, None, patient, gfe_svc.GfeRequest(
                date(2026, 3, 16), date(2026, 3, 2), None, dosings=1, dosing_minutes=60),
                PRACTICE, TODAY)
            for day in range(7):  # $1,050 of integrations where $300 were expected
                record.visit("integration", date(2026, 3, 16 + day), 60)
            plan_svc.create_plan(db, None, patient, balance_cents=100000, upfront_cents=12000,
                                 installments=4, first_due=date(2026, 1, 15))
        db.commit()

    flagged_patients(1)
    login_as("billing")
    home = client.get("/billing/").get_data(as_text=True)
    assert 'data-testid="gfe-watch-entry"' in home
    _flat(client, "/billing/", lambda: flagged_patients(3))
    _flat(client, "/", lambda: flagged_patients(2))


def test_consent_admin_pages_are_flat_in_the_number_of_signatures(db, client, login_as):
    from kapms.consent import services as consents
    from kapms.consent.demo import KAP_V1
    from tests.consent.helpers import sign_everything

    admin = login_as("admin")
    document = consents.create_document(db, admin, title="KAP informed consent", body=KAP_V1,
                                        required_before="first_dosing", applies_to="all")
    db.commit()

    def patients_sign(count):
        for _ in range(count):
            team = make_team(db)
            sign_everything(db, team.therapist, team.patient)
        db.commit()

    patients_sign(2)
    for url in ("/admin/consents/", f"/admin/consents/{document.id}",
                f"/admin/consents/versions/{document.current.id}"):
        _flat(client, url, lambda: patients_sign(8))


def test_outbox_is_flat_in_the_number_of_messages(db, client, login_as):
    from kapms.outbox.services import queue_message

    login_as("admin")

    def messages(count):
        for _ in range(count):
            team = make_team(db)
            queue_message(db, kind="invitation", recipient=f"p{team.patient.id}@example.com",
                          patient_id=team.patient.id, params={"hours": 72})
        db.commit()

    messages(2)
    _flat(client, "/admin/outbox/", lambda: messages(15))
def test_patient_page_is_flat_in_the_patients_record_for_every_role(db, client, login):
    """The patient page gathers every domain's panel: the care path and sessions, measures
    and alerts, billing, the care team's standing and the eligible clinicians, consents,
    intake and portal. More sessions, dosings, measures, estimates, payments, care-team
    members, offers, clinicians in the directory, consent documents, versions and
    signatures (of a retired document too) and sent intakes: the same statements, for the
    therapist, the prescriber, the admin and the billing user alike."""
    from datetime import date

    from flask import g

    from kapms.billing.services import estimates as est_svc
    from kapms.billing.services import plans as plan_svc
    from kapms.consent import services as consent
    from kapms.intake.models import IntakeResponse
    from kapms.measures import services as measures
    from kapms.network.services import referrals
    from kapms.portal.services import invitations
    from tests.billing.helpers import make_benefits, make_schedule
    from tests.billing.helpers import make_plan as make_insurance_plan
    from tests.care.factories import dose, ready_for_dosing
    from tests.consent.helpers import sign_everything
    from tests.factories import add_member
    from tests.measures.conftest import phq9

    today = date.today()
    plan = make_insurance_plan(db)
    make_schedule(db, plan)
    team = make_team(db)
    patient = team.patient
    patient.plan_id, patient.member_id = plan.id, "M1"
    admin, billing = make_user(db, roles=("admin",)), make_user(db, roles=("billing",))
    make_benefits(db, patient)
    invitations.invite_patient(db, team.therapist, patient, "own@example.com", hours=72)
    wording = "I have read this document and I agree to it."
    documents = [consent.create_document(db, admin, title=title, body=wording,
                                         required_before=required, applies_to=applies)
                 for title, required, applies in (("KAP consent", "first_dosing", "all"),
                                                  ("Chaperone", "first_dosing", "remote_dosing"),
                                                  ("Photos", "", "all"))]
    sign_everything(db, team.therapist, patient)
    ready_for_dosing(db, team)
    plan_svc.create_plan(db, None, patient, balance_cents=100000, upfront_cents=12000,
                         installments=4, first_due=date(2026, 1, 15))
    db.commit()
    rounds = iter(range(1, 10))

    def more_of_everything():
        n = next(rounds)
        if n > 1:  # what the last round published, signed on paper
            sign_everything(db, team.therapist, patient)
        if n < 3:  # an open suicidal-ideation alert (from round 2) blocks dosing
            dose(db, team, at(-9 + 2 * n, 10))
        session_for(db, team, "integration", at(-8 + 2 * n, 10), status="completed")
        session_for(db, team, "integration", at(5 + n, 10))
        measures.record_administration(
            db, team.therapist, patient, "PHQ-9", ("baseline", "after_dosing_2", "follow_up")[n - 1],
            today - timedelta(days=9 - n), phq9(12, item9=int(n > 1)), today=today)
        est_svc.create_estimate(db, None, patient, est_svc.EstimateRequest(start_date=today),
                                today)
        patient_plan = plan_svc.patient_plans(db, patient.id)[0]
        plan_svc.record_payment(db, None, patient_plan, amount_cents=5000, paid_on=today,
                                method="card", reference=None, today=today)
        colleague = make_clinician(db, name=f"Colleague {n}", plans=(plan,))
        add_member(db, patient, colleague, "therapist")
        for k in range(3):  # the directory grows: more eligible clinicians
            make_clinician(db, name=f"Directory {n}-{k}", plans=(plan,))
        if n < 3:  # one open offer per role
            role = ("prescriber", "therapist")[n - 1]
            invited = make_clinician(db, kind=role, name=f"Invited {n}", plans=(plan,))
            referrals.invite_colleague(db, team.therapist, patient, invited, role, today=today)
        # Consents: a new wording to sign again, a new document, and a signed one retired
        # (still listed with the signatures).
        document = documents[0]
        consent.publish_version(db, admin, document, body=f"{wording} Round {n}.",
                                material=True, change_note=None,
                                expected_number=document.versions[-1].number)
        documents.append(consent.create_document(db, admin, title=f"Leaflet {n}", body=wording,
                                                 required_before="", applies_to="all"))
        if n > 1:
            retired = documents[-2]
            consent.update_document(db, admin, retired, title=retired.title,
                                    required_before="", applies_to="all", active=False)
        db.add(IntakeResponse(patient_id=patient.id, submitted_at=datetime.now(UTC)))
        db.add(IntakeResponse(patient_id=patient.id))  # a draft after it: not shown
        db.commit()

    more_of_everything()
    users = {"therapist": team.therapist, "prescriber": team.prescriber, "admin": admin,
             "billing": billing}
    url = f"/patients/{patient.id}"

    def counts(url=url):
        found = {}
        for role, user in users.items():
            client.post("/logout")
            login(user)
            # The request loads the signed-in user from its session cookie, as in
            # production (the suite's app context would keep the one the sign-in loaded).
            g.pop("_login_user", None)
            response, log = _fresh_get(client, url)
            # What the set-up holds, back in the session (emptied of what the request read).
            db.expunge_all()
            for held in (*users.values(), team.therapist, team.prescriber, patient, plan,
                         *documents):
                db.add(held)
            assert response.status_code == 200, (role, response.status_code)
            assert log.count <= MAX_STATEMENTS, (role, log.summary())
            found[role] = log
            pages[role] = response.get_data(as_text=True)
        return found

    pages = {}
    # A newcomer on a plan with benefits and no estimate yet (the billing panel asks
    # whether an estimate can be made) and a portal account: within the target too.
    newcomer = make_patient(db, team.therapist, team.prescriber, plan_id=plan.id,
                            member_id="M2")
    make_benefits(db, newcomer)
    make_patient_account(db, newcomer)
    counts(f"/patients/{newcomer.id}")
    before = counts()
    more_of_everything()
    more_of_everything()
    after = counts()
    # The page shows what the statements read: an open alert, consents to sign and
    # signed (the retired document's too), the intake answers and the portal account.
    for shown in ('data-testid="safety-alert"', 'data-testid="consent-unsigned"',
                  "Leaflet 2", "KAP consent", 'id="portal"', "intake"):
        assert shown in pages["therapist"], shown
    for role in users:
        assert after[role].count == before[role].count, (role, after[role].summary())
# --- the dosing day and the prescriber's home (kapms.care) -----------------------------------

def _dosing_record(db, prior: int, extra_vitals: int, phase: str):
    """A patient with ``prior`` dosings done (each followed by its integration) and a
    dosing session at ``phase``: "scheduled", "checked_in", "monitoring" (with
    ``extra_vitals`` readings after the ~40-minute one) or "closed" (the same, discharged,
    with an adverse event). Returns (team, care session)."""
    from datetime import timedelta

    from kapms.care import services as care
    from tests.care.factories import (
        administer,
        check_in,
        discharge,
        dose,
        later,
        ready_for_dosing,
        vitals,
    )

    team = make_team(db)
    ready_for_dosing(db, team, dosing_count=12)
    for n in range(prior):
        dose(db, team, at(-9 + n, 9))
        session_for(db, team, "integration", at(-9 + n, 15), "completed")
    cs = session_for(db, team, "dosing", at(-2, 9))
    if phase != "scheduled":
        check_in(db, team, cs)
    if phase in ("monitoring", "closed"):
        administer(db, team, cs)
        vitals(db, team, cs)
        for n in range(extra_vitals):
            vitals(db, team, cs, minutes=45 + 5 * n, kind="extra")
    if phase == "closed":
        discharge(db, team, cs)
        care.add_adverse_event(db, team.therapist, cs, care.AdverseEventInput(
            occurred_at=cs.dosing.given_at + timedelta(minutes=30), kind="nausea",
            severity="mild", late_reason="Told at discharge"), cs.dosing.version,
            now=later(cs))
    assert cs.status == {"scheduled": "scheduled", "checked_in": "in_progress",
                         "monitoring": "in_progress", "closed": "completed"}[phase]
    db.commit()
    return team, cs


def _count(client, login, user, url: str) -> int:
    client.post("/logout")
    login(user)
    response, log = _fresh_get(client, url)
    assert response.status_code == 200, response.status_code
    assert log.count <= MAX_STATEMENTS, log.summary()
    return log.count


def test_the_dosing_day_is_flat_in_the_patient_record(db, client, login):
    """The dosing page at each phase, the session page and the plan change request form:
    the care-path checks gather their facts once (clearances, the patient's sessions),
    whatever the number of dosings, sessions and vitals before."""
    for phase in ("scheduled", "checked_in", "monitoring", "closed"):
        counts = []
        for prior, extra in ((1, 0), (4, 5)):
            team, cs = _dosing_record(db, prior, extra, phase)
            therapist, session_id = team.therapist, cs.id
            counts.append(tuple(
                _count(client, login, therapist, f"/care/sessions/{session_id}{page}")
                for page in ("/dosing", "", "/plan-request")))
        assert counts[0] == counts[1], (phase, counts)


def test_the_clinicians_home_is_flat_in_the_prescribers_patients(db, client, login):
    """The prescriber's home (the calendar with the review list, plan requests and
    offers panels) and the therapist's: more patients with a held dosing, a follow-up
    due (and booked), a clearance expiring, a plan change request, sessions on the
    calendar and offers, the same statements."""
    import itertools
    from decimal import Decimal

    from kapms import clinic_time
    from kapms.care import services as care
    from kapms.network.models import Referral
    from tests.care.factories import check_in, clear, dose

    prescriber = make_user(db, roles=("prescriber",))
    first = make_team(db)
    shown, placed = at(1, 12), itertools.count()
    day = f"date={clinic_time.local_date(shown).isoformat()}"

    def patients(count):
        for _ in range(count):
            team = make_team(db)  # each patient with a therapist of their own
            team.prescriber = prescriber
            team.patient = make_patient(db, team.therapist, prescriber)
            clear(db, team, dosing_count=6,
                  expires_on=clinic_time.today() + timedelta(days=20))  # expiring
            session_for(db, team, "preparation", at(-10, 9), "completed")
            dose(db, team, at(-9, 9))
            session_for(db, team, "integration", at(-8, 9), "completed")
            dose(db, team, at(-7, 9))  # two dosings: the follow-up is due
            session_for(db, team, "integration", at(-6, 9), "completed")
            check_in(db, team, session_for(db, team, "dosing", at(-5, 9)),
                     pre=(170, 105))  # held: to review
            care.request_plan_change(db, team.therapist, team.patient, care.PlanRequestInput(
                reason="Little effect", dose_mg=Decimal("250")))
            # on the prescriber's shown day (one clinic day: an hour apart from 4 am on)
            start = shown + timedelta(minutes=61 * next(placed))
            session_for(db, team, "follow_up", start)
            for clinician, role in ((prescriber, "prescriber"), (first.therapist, "therapist")):
                offered = make_patient(db, make_user(db, roles=("therapist",)))
                db.add(Referral(patient_id=offered.id, clinician_id=clinician.id, role=role,
                                kind="invitation", offered_by_id=make_user(
                                    db, roles=("therapist",)).id))
        db.commit()

    patients(1)
    users = {"prescriber": prescriber.id, "therapist": first.therapist.id}
    login(prescriber)
    home = client.get(f"/care/calendar?{day}").get_data(as_text=True)
    for testid in ("review-item", "follow-up-due", "clearance-expiring", "plan-request-item",
                   "pending-offer", "calendar-session"):
        assert f'data-testid="{testid}"' in home, testid
    for user_id in users.values():  # the home, "/", redirects to the calendar
        client.post("/logout")
        login(db.get(User, user_id))
        _flat(client, f"/care/calendar?{day}", lambda: patients(3), get=_fresh_get)
        _flat(client, f"/care/calendar?view=day&{day}", lambda: patients(2), get=_fresh_get)
# --- the network: the care team, prescribers for a patient, matching, the admin's home ---


def _team_patient(db):
    """A CA patient on a plan with a therapist and a prescriber on the team, one eligible
    clinician of each role besides, an ended place and an offer (each list on the page
    holds something before the test adds more)."""
    from kapms.network.models import Referral
    from kapms.patients.models import CareTeamMember
    from tests.network.helpers import make_patient as make_network_patient

    plan = make_plan(db)
    therapist = make_clinician(db, name="Tess Team", plans=[plan])
    prescriber = make_clinician(db, kind="prescriber", name="Pre Team", plans=[plan])
    patient = make_network_patient(db, plan=plan)
    for user, role in ((therapist, "therapist"), (prescriber, "prescriber")):
        db.add(CareTeamMember(patient_id=patient.id, user_id=user.id, role=role))
    for kind in ("therapist", "prescriber"):
        make_clinician(db, kind=kind, name=f"Ellie {kind}", plans=[plan])
    db.flush()

    def more_history(count):
        """Ended places and offers, each recorded by someone else (names on the page)."""
        for n in range(count):
            admin = make_user(db, roles=("admin",))
            gone = make_clinician(db, name=f"Gone {n}", states=("NY",))
            db.add(CareTeamMember(patient_id=patient.id, user_id=gone.id, role="therapist",
                                  active=False, added_by_id=admin.id, removed_by_id=admin.id,
                                  removed_at=datetime.now(UTC), removal_reason="Moved",
                                  successor_id=therapist.id))
            db.add(Referral(patient_id=patient.id, clinician_id=gone.id, role="therapist",
                            status="declined", decline_reason="Full", offered_by_id=admin.id,
                            responded_at=datetime.now(UTC)))

    more_history(1)
    db.commit()
    return plan, patient, therapist, more_history


def test_care_team_page_is_flat_in_the_directory_and_the_teams_history(db, client, login):
    """The eligible clinicians come a page at a time from one statement (their licences,
    plans and slots unloaded); the history and offers load the names they show."""
    plan, patient, therapist, more_history = _team_patient(db)
    url = f"/network/patients/{patient.id}/care-team"

    def more_clinicians_and_history():
        for n in range(12):  # more than a page, in the patient's state and elsewhere
            for kind in ("therapist", "prescriber"):
                make_clinician(db, kind=kind, name=f"Later {kind} {n}", plans=[plan],
                               states=("CA", "OR") if n % 2 else ("NY",))
        more_history(3)
        db.commit()

    admin = make_user(db, roles=("admin",))
    db.commit()
    for user in (admin, therapist):
        login(user)
        page = client.get(url).get_data(as_text=True)
        assert 'data-testid="eligible-clinician"' in page
        _flat(client, url, more_clinicians_and_history)
        _flat(client, url + "?role=prescriber&q=later&page=2", more_clinicians_and_history)
        client.post("/logout")


def test_prescribers_for_a_patient_are_flat_in_the_directory(db, client, login_as):
    """Eligible prescribers ranked in SQL, their children unloaded; when nobody is, the
    criterion that emptied the list comes from one more statement, whatever the size."""
    from tests.network.helpers import make_patient as make_network_patient

    plan = make_plan(db)
    insured = make_network_patient(db, plan=plan)
    elsewhere = make_network_patient(db, plan=plan, state="WA")  # nobody licensed there
    make_clinician(db, kind="prescriber", name="Early Prescriber", plans=[plan])
    db.commit()
    login_as("admin")

    def more_prescribers():
        for n in range(12):
            make_clinician(db, kind="prescriber", name=f"Later Prescriber {n}", plans=[plan],
                           states=("CA", "OR") if n % 2 else ("NY",))
        db.commit()

    assert "Early Prescriber" in client.get(
        f"/network/patients/{insured.id}/prescribers").get_data(as_text=True)
    _flat(client, f"/network/patients/{insured.id}/prescribers", more_prescribers)
    empty = _flat(client, f"/network/patients/{elsewhere.id}/prescribers", more_prescribers)
    assert 'data-testid="no-prescriber"' in client.get(
        f"/network/patients/{elsewhere.id}/prescribers").get_data(as_text=True)
    assert empty <= MAX_STATEMENTS


def test_match_pages_are_flat_in_the_directory(db, client, login_as):
    from tests.network.helpers import make_patient as make_network_patient

    plan = make_plan(db)
    patient = make_network_patient(db, plan=plan)
    make_clinician(db, name="Early Match", plans=[plan])
    db.commit()
    login_as("admin")

    def more_therapists():
        for n in range(12):
            make_clinician(db, name=f"Later Match {n}", plans=[plan],
                           states=("CA", "OR") if n % 2 else ("NY",))
        db.commit()

    _flat(client, f"/network/match?patient_id={patient.id}", more_therapists)
    _flat(client, f"/network/match?state=CA&plan_id={plan.id}&modality=telehealth",
          more_therapists)


def test_admin_home_is_flat_in_offers_licences_and_the_queue(db, client, login_as):
    """Coordination counts and lists from indexed queries: more open offers, declines,
    expiring licences and waiting patients, the same statements."""
    from kapms import clinic_time
    from kapms.network.models import Referral
    from tests.network.helpers import make_patient as make_network_patient

    login_as("admin")

    def more_network_work(count):
        def add():
            for n in range(count):
                soon = clinic_time.today() + timedelta(days=10 + n)
                clinician = make_clinician(db, name=f"Expiring {n}", expires=soon)
                for status in ("offered", "declined"):
                    patient = make_network_patient(db)  # waiting: nobody on the team
                    db.add(Referral(patient_id=patient.id, clinician_id=clinician.id,
                                    role="therapist", status=status, decline_reason="Full",
                                    responded_at=datetime.now(UTC)
                                    if status == "declined" else None))
            db.commit()
            db.commit()  # the offers' notices (outbox), queued by the first
        return add

    more_network_work(1)()
    home = client.get("/").get_data(as_text=True)
    assert "Expiring 0" in home and 'data-testid="waiting-link"' in home
    _flat(client, "/", more_network_work(6))
# --- the admin's practice day (kapms.care) -----------------------------------------------


def test_practice_day_is_flat_in_clinicians_and_sessions(db, client, login_as):
    """A page of clinicians at a time, their sessions, the times they take and their
    weekly availability read once for the page: more clinicians (past a page) with more
    sessions each, the same statements, and the day still shows one page of columns."""
    from datetime import time
    from types import SimpleNamespace

    from kapms import clinic_time
    from kapms.care.views.calendar import PRACTICE_PER_PAGE

    login_as("admin")
    day = clinic_time.today() + timedelta(days=7)

    def clinicians(count, sessions):
        for n in range(count):
            therapist = make_clinician(db, name=f"Day Therapist {n}",
                                       availability=[(d, time(0), time(18)) for d in range(7)])
            team = SimpleNamespace(therapist=therapist,
                                   prescriber=make_user(db, roles=("prescriber",)))
            team.patient = make_patient(db, therapist, team.prescriber)
            for k in range(sessions):
                session_for(db, team, "preparation",
                            datetime.combine(day, time(9 + 2 * k), clinic_time.zone()))
            # the evening before, running into the day: its time is taken, not shown
            session_for(db, team, "integration", datetime.combine(
                day - timedelta(days=1), time(23, 30), clinic_time.zone()))
        db.commit()

    clinicians(1, 1)
    url = f"/care/practice?view=day&date={day}"
    page = client.get(url).get_data(as_text=True)
    assert "Book 12:00 AM on Day Therapist 0" not in page  # the evening's session runs on
    assert "Book 1:00 AM on Day Therapist 0" in page
    assert "Book 10:00 AM on Day Therapist 0" in page
    assert "Book 9:00 AM on Day Therapist 0" not in page  # its own session
    _flat(client, url, lambda: clinicians(PRACTICE_PER_PAGE, 3), get=_fresh_get)
    page = client.get(url).get_data(as_text=True)
    assert page.count("/care/practice/") == PRACTICE_PER_PAGE and "More clinicians" in page
    _flat(client, url + "&page=2&role=therapist", lambda: clinicians(3, 2), get=_fresh_get)
    _flat(client, f"/care/practice?date={day}", lambda: clinicians(2, 2), get=_fresh_get)


# --- the patient portal: home and documents (kapms.portal, kapms.consent) ---------------


def test_portal_home_and_documents_are_flat_in_the_patients_record(db, client, login):
    """The portal's home and documents: more documents to sign and signed (one of them no
    longer in use), more appointments (remote dosings with a chaperone named in the portal
    or confirmed at check-in), more payments: the same statements."""
    from kapms import clinic_time
    from kapms.billing.services import plans as plan_svc
    from kapms.consent import services as consents
    from kapms.database import utcnow
    from kapms.portal.services import own_record
    from tests.care.factories import check_in, ready_for_dosing
    from tests.factories import make_patient_account

    team = make_team(db)
    ready_for_dosing(db, team)
    admin = make_user(db, roles=("admin",))
    account = make_patient_account(db, team.patient)
    plan = plan_svc.create_plan(db, None, team.patient, balance_cents=60000,
                                upfront_cents=12000, installments=4,
                                first_due=clinic_time.today() - timedelta(days=45))
    db.commit()
    rounds = iter(range(1, 10))

    def document(title, applies_to="all", required_before="first_dosing"):
        return consents.create_document(db, admin, title=title, required_before=required_before,
                                        applies_to=applies_to,
                                        body=f"# {title}\n\nWhat the patient agrees to.\n")

    def sign(doc):
        consents.record_paper_signature(db, team.therapist, team.patient, doc.current.id,
                                        typed_name=team.patient.full_name,
                                        signed_on=clinic_time.today(), witness="Front desk")

    def more_of_everything():
        n = next(rounds)
        signed = document(f"Signed {n}")
        sign(signed)
        if n > 1:  # a signed document no longer in use (its title still listed as signed)
            consents.update_document(db, admin, signed, title=signed.title,
                                     required_before="", applies_to="all", active=False)
        document(f"Remote agreement {n}", applies_to="remote_dosing")
        document(f"Optional release {n}", required_before="")
        session_for(db, team, "integration", at(4 * n, 10))
        session_for(db, team, "dosing", at(4 * n + 1, 9))
        remote = session_for(db, team, "dosing", at(4 * n + 2, 9), modality="telehealth")
        own_record.name_chaperone(db, account, team.patient, remote, name=f"Sam {n}",
                                  phone="510-555-0101", expected_version=0)
        plan_svc.record_payment(db, None, plan, amount_cents=1000, paid_on=clinic_time.today(),
                                method="card", reference=None, today=clinic_time.today())
        db.commit()

    more_of_everything()
    # a telehealth dosing under way, its chaperone confirmed on the dosing record
    for pending in consents.to_sign(db, team.patient.id, remote=True):
        sign(pending.document)
    live = session_for(db, team, "dosing", utcnow() - timedelta(hours=1), modality="telehealth")
    check_in(db, team, live, setting="telehealth")
    more_of_everything()
    login(account)
    home = client.get("/portal/").get_data(as_text=True)
    assert "Sam Rivera, (510) 555-0101 <span" in home and "Sam 2, 510-555-0101" in home
    assert "Remote agreement 2" in home and "overdue" in home
    documents = client.get("/portal/consents").get_data(as_text=True)
    assert "Signed 1" in documents and "Optional release 2" in documents
    for url in ("/portal/", "/portal/consents"):
        _flat(client, url, more_of_everything, get=_fresh_get)


def test_billing_patient_page_is_flat_in_the_patients_billing_record(db, client, login_as):
    """Benefits, estimates (with their lines), GFEs (the latest one checked from its kept
    watch lines), payment plans with installments and payments, and claims: each is one
    query however many the patient has."""
    from datetime import date

    from kapms.billing.services import claims as claim_svc
    from kapms.billing.services import estimates as est_svc
    from kapms.billing.services import gfe as gfe_svc
    from kapms.billing.services import plans as plan_svc
    from kapms.network.services import ProfileData, save_profile
    from tests.billing.care_record import CareRecord
    from tests.billing.helpers import make_benefits, make_patient, make_plan, make_schedule
    from tests.billing.test_claims import PRACTICE
    from tests.billing.test_plans_gfe_superbills import TODAY

    plan = make_plan(db, payer_name="Cigna", plan_name="LocalPlus")
    plan.payer.payer_code = "62308"
    make_schedule(db, None)
    make_schedule(db, plan)
    patient = make_patient(db, plan, first_name="Marcus", last_name="Reyes")
    record = CareRecord(db, patient)
    save_profile(db, record.therapist, record.therapist, ProfileData(npi="1987654328"))
    save_profile(db, record.prescriber, record.prescriber,
                 ProfileData(kind="prescriber", npi="1245319599"))
    record.clear(date(2026, 1, 5))

    def billing_record(month: int, rounds: int = 1):
        for n in range(rounds):
            make_benefits(db, patient, as_of=date(2026, month, 1 + n))
            est_svc.create_estimate(db, None, patient, est_svc.EstimateRequest(
                date(2026, 3, 2)), TODAY)
            gfe_svc.create_gfe(db, None, patient, gfe_svc.GfeRequest(
                date(2026, 3, 16), date(2026, 3, 2), None, dosings=1, dosing_minutes=60,
                self_pay_election=True), PRACTICE, TODAY)
            for day in (2, 9, 16):  # three visits, each its own claim
                record.visit("integration", date(2026, month, day + n), 60)
            billing_plan = plan_svc.create_plan(db, None, patient, balance_cents=30000,
                                                upfront_cents=10000, installments=4,
                                                first_due=date(2026, month, 1))
            plan_svc.record_payment(db, None, billing_plan, amount_cents=10000,
                                    paid_on=date(2026, month, 1), method="card",
                                    reference=None, today=date(2026, month, 28))
        claim_svc.create_claims(db, None, patient, date(2026, month, 1),
                                date(2026, month, 28), PRACTICE)
        db.commit()

    billing_record(2)
    login_as("billing")
    page = client.get(f"/billing/patients/{patient.id}").get_data(as_text=True)
    assert 'data-testid="gfe-providers"' in page and "Make claims from visits" in page
    assert page.count("Plan #") == 1 and page.count("Version ") == 1
    _flat(client, f"/billing/patients/{patient.id}", lambda: billing_record(4, rounds=3))
    page = client.get(f"/billing/patients/{patient.id}").get_data(as_text=True)
    assert page.count("Plan #") == 4 and page.count("Version ") == 4


def test_patient_search_is_flat_in_the_network(db, client, login_as):
    """The search reads one page of the matching patients whoever else is registered."""
    from tests.factories import make_patient as make_any_patient

    therapist = login_as("therapist")
    for n in range(3):
        make_patient(db, therapist, last_name=f"Morales{n}")
    db.commit()

    def more_patients():
        for n in range(30):
            make_patient(db, therapist, last_name=f"Moreno{n}")
            make_any_patient(db, last_name=f"Morton{n}")  # someone else's patients
        db.commit()

    assert _flat(client, "/patients/?q=mor", more_patients) <= MAX_STATEMENTS
    page = client.get("/patients/?q=mor").get_data(as_text=True)
    assert "Morales0" in page and "Moreno" in page and "Morton" not in page
