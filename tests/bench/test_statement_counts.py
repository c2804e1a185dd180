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
from tests.factories import make_patient, make_user
from tests.network.helpers import make_clinician, make_plan
from tests.sqlcount import counting, get_counted, statement_kind

MAX_STATEMENTS = 15


def _flat(client, url, add_more) -> int:
    """Open ``url``, call ``add_more()``, open it again; both counts must agree."""
    first, log_before = get_counted(client, url)
    assert first.status_code == 200, first.status_code
    add_more()
    second, log_after = get_counted(client, url)
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
