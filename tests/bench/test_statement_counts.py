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
