"""SQLite that holds: no request keeps the write lock while it renders a PDF or hashes a
password, and several threads writing at once through a live server never meet
"database is locked". (SQLite only: PostgreSQL has row locks, not one writer.)"""

import sqlite3
import threading
from datetime import timedelta

import pytest
import weasyprint
from argon2 import PasswordHasher
from sqlalchemy import func, select
from werkzeug.serving import make_server

from kapms import clinic_time
from kapms.auth.models import User
from kapms.billing.models import BenefitsRecord
from kapms.care import services as care
from kapms.care.models import Clearance, ProcessNote
from kapms.network.services import ProfileData, save_profile
from kapms.patients.models import Patient
from tests.billing.care_record import CareRecord
from tests.billing.helpers import make_benefits, make_plan, make_schedule
from tests.factories import DEFAULT_PASSWORD, make_patient, make_patient_account, make_user
from tests.network.helpers import make_clinician
from tests.web.html_forms import Browser, find_form

TODAY = clinic_time.today()


@pytest.fixture
def sqlite_path(db):
    url = db.get_bind().url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite has one writer at a time; PostgreSQL locks rows")
    return url.database


@pytest.fixture
def lock_checks(sqlite_path, monkeypatch):
    """Record, whenever a PDF is rendered or a password hashed, whether another
    connection could have written at that moment."""
    seen = []

    def check(what):
        other = sqlite3.connect(sqlite_path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            seen.append((what, "free"))
        except sqlite3.OperationalError as error:
            seen.append((what, str(error)))
        finally:
            other.close()

    def checked(name, original):
        def wrapper(*args, **kwargs):
            check(name)
            return original(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(weasyprint.HTML, "write_pdf",
                        checked("pdf", weasyprint.HTML.write_pdf))
    monkeypatch.setattr(PasswordHasher, "hash", checked("hash", PasswordHasher.hash))
    monkeypatch.setattr(PasswordHasher, "verify", checked("verify", PasswordHasher.verify))
    return seen


def test_no_write_lock_while_any_pdf_renders(app, client, login, db, lock_checks):
    billing, admin = (make_user(db, roles=(r,)) for r in ("billing", "admin"))
    plan = make_plan(db)
    plan.payer.payer_code = "62308"
    make_schedule(db, plan, start=TODAY - timedelta(days=30))
    make_schedule(db, None, start=TODAY - timedelta(days=30))
    insured = make_patient(db, plan=plan, member_id="M1", diagnosis_code="F41.1")
    self_pay = make_patient(db, diagnosis_code="F43.10")
    make_benefits(db, insured, as_of=TODAY)
    record = CareRecord(db, insured)
    therapist = record.therapist
    save_profile(db, therapist, therapist, ProfileData(npi="1987654328"))
    record.clear(TODAY - timedelta(days=5))
    cs = record.visit("preparation", TODAY - timedelta(days=2), 50)
    care.save_draft(db, therapist, cs, "A note to print.", 0)
    db.commit()
    lock_checks.clear()  # the factories hashed inside the test's own transaction
    login(billing)
    client.post(f"/billing/patients/{insured.id}/estimates/new",
                data={"start_date": TODAY.isoformat(), "basis": "template"})
    client.post(f"/billing/patients/{self_pay.id}/gfe/new", data={
        "primary_service_date": (TODAY + timedelta(days=14)).isoformat(),
        "scheduled_on": TODAY.isoformat(), "dosings": "6", "diagnosis_code": "F43.10",
        "separately_scheduled": "Lab work"})
    client.post(f"/billing/patients/{self_pay.id}/plans/new", data={
        "balance": "600", "upfront": "120", "installments": "4",
        "first_due": TODAY.isoformat()})
    client.post(f"/billing/patients/{insured.id}/claims", data={
        "start": (TODAY - timedelta(days=30)).isoformat(), "end": TODAY.isoformat()})
    from kapms.billing.models import Claim, Estimate, GoodFaithEstimate, PaymentPlan

    ids = {m: db.scalar(select(m.id)) for m in (Estimate, GoodFaithEstimate, PaymentPlan, Claim)}
    assert None not in ids.values(), "the billing forms should have saved"
    billing_pdfs = [f"/billing/estimates/{ids[Estimate]}.pdf",
                    f"/billing/gfe/{ids[GoodFaithEstimate]}.pdf",
                    f"/billing/plans/{ids[PaymentPlan]}.pdf",
                    f"/billing/claims/{ids[Claim]}.pdf",
                    f"/billing/patients/{insured.id}/statement.pdf",
                    f"/billing/patients/{insured.id}/superbill.pdf?start="
                    f"{(TODAY - timedelta(days=30)).isoformat()}&end={TODAY.isoformat()}"]
    # The same documents in the patient portal, and a signed consent's copy (issue 11).
    from kapms.consent import services as consent

    admin_doc = consent.create_document(db, admin, title="KAP consent", body="# KAP\n\nRisks "
                                        "and benefits.\n", required_before="first_dosing",
                                        applies_to="all")
    signature = consent.record_paper_signature(
        db, therapist, insured, admin_doc.current.id, typed_name=insured.full_name,
        signed_on=TODAY, witness="Front desk")
    insured_account = make_patient_account(db, insured)
    self_pay_account = make_patient_account(db, self_pay)
    db.commit()
    lock_checks.clear()
    printed = set()
    clearance = db.scalar(select(Clearance.id))
    for user, paths in ((billing, billing_pdfs),
                        (therapist, [f"/care/sessions/{cs.id}/note.pdf",
                                     f"/care/clearances/{clearance}.pdf"]),
                        (admin, ["/outcomes/report.pdf?instrument=PHQ-9&all_patients=y",
                                 "/outcomes/summary.pdf?instrument=PHQ-9"]),
                        (insured_account, [f"/portal/billing/estimates/{ids[Estimate]}.pdf",
                                           "/portal/billing/statement.pdf",
                                           f"/consent/signatures/{signature.id}.pdf"]),
                        (self_pay_account, [f"/portal/billing/gfe/{ids[GoodFaithEstimate]}.pdf",
                                            f"/portal/billing/plans/{ids[PaymentPlan]}.pdf",
                                            f"/portal/billing/superbill.pdf?year={TODAY.year}"])):
        client.post("/logout")
        login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200 and response.data[:4] == b"%PDF", path
            printed.add(app.url_map.bind("localhost").match(path.split("?")[0])[0])
    pdf_routes = {r.endpoint for r in app.url_map.iter_rules() if r.rule.endswith(".pdf")}
    assert printed == pdf_routes  # every PDF of the app
    assert lock_checks and all(state == "free" for _, state in lock_checks), lock_checks


def test_no_write_lock_while_a_password_is_hashed(client, login, db, lock_checks):
    admin = make_user(db, roles=("admin",))
    db.commit()
    lock_checks.clear()  # the factory hashed outside any request
    login(admin)
    created = client.post("/admin/users/new", data={
        "email": "new.user@example.com", "full_name": "New User", "roles": "billing",
        "password": "a long enough passphrase indeed"})
    assert created.status_code == 302
    user = db.scalar(select(User).where(User.email == "new.user@example.com"))
    reset = client.post(f"/admin/users/{user.id}/reset-password",
                        data={"reset-password": "another long passphrase here"})
    assert reset.status_code in (302, 200)
    changed = client.post("/account/password", data={
        "current_password": DEFAULT_PASSWORD, "new_password": "my brand new passphrase",
        "confirm": "my brand new passphrase"})
    assert changed.status_code == 302
    login(admin, password="my brand new passphrase")
    imported = client.post("/network/directory/import", data={"file": (
        __import__("io").BytesIO(b"email,full_name,role,licences,capacity\n"
                                 b"imported@example.test,Ima Port,therapist,"
                                 b"LMFT 1 CA 2031-01-01,3\n"), "directory.csv")},
        content_type="multipart/form-data")
    assert imported.status_code == 200 and b"Imported 1 profile" in imported.data
    assert len(lock_checks) >= 4
    assert all(state == "free" for _, state in lock_checks), lock_checks


def test_several_threads_writing_at_once_never_meet_a_locked_database(app, db, sqlite_path):
    """Eight people save at the same moment, five times over: every save goes through."""
    saved = {k: app.config[k] for k in ("WTF_CSRF_ENABLED", "SUBMISSION_TOKENS_REQUIRED")}
    app.config.update(WTF_CSRF_ENABLED=True, SUBMISSION_TOKENS_REQUIRED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        therapists = [make_clinician(db, kind="therapist", accepts_private_pay=True,
                                     private_pay_rate_cents=15000, capacity=50)
                      for _ in range(4)]
        billers = [make_user(db, roles=("billing",)) for _ in range(4)]
        patients = [make_patient(db, t) for t in therapists]
        plan = make_plan(db)
        insured = make_patient(db, plan=plan, member_id="M9")
        db.commit()
        # Plain values for the threads (ORM objects belong to this thread's session).
        therapist_emails = [t.email for t in therapists]
        biller_emails = [b.email for b in billers]
        note_urls = [f"/care/patients/{p.id}/process-notes" for p in patients]
        benefits_url = f"/billing/patients/{insured.id}/benefits/new"
        rounds, start = 5, threading.Barrier(8)
        failures = []

        def therapist_writes(n):
            browser = Browser(base)
            browser.sign_in(therapist_emails[n], DEFAULT_PASSWORD)
            for i in range(rounds):
                register = find_form(browser.get("/patients/new"), "/patients/new",
                                     base + "/patients/new")
                note = find_form(browser.get(note_urls[n]), "/process-notes",
                                 base + note_urls[n])
                start.wait()
                for form, values in ((register, {
                        "first_name": f"Parallel{n}x{i}", "last_name": "Writer",
                        "date_of_birth": "1970-01-01", "address_line1": "1 Main St",
                        "city": "Oakland", "state": "CA", "postal_code": "94610",
                        "plan_id": "0"}), (note, {"body": f"note {n} {i}"})):
                    status, location, body = browser.send(form, **values)
                    if status != 302 or "/login" in location:
                        failures.append((status, location, body[-300:]))

        def biller_writes(n):
            browser = Browser(base)
            browser.sign_in(biller_emails[n], DEFAULT_PASSWORD)
            for i in range(rounds):
                form = find_form(browser.get(benefits_url), "/benefits/new", base + benefits_url)
                start.wait()
                status, _, body = browser.send(form, deductible=str(100 + i), deductible_met="0",
                                               coinsurance="20", oop_max="3000", oop_met="0")
                if status != 302:
                    failures.append((status, body[-300:]))

        def run(work, n):
            try:
                work(n)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(repr(error))
                start.abort()

        threads = [threading.Thread(target=run, args=(work, n))
                   for work in (therapist_writes, biller_writes) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        db.expire_all()
        count = lambda model: db.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(Patient) == 5 + 4 * rounds
        assert count(ProcessNote) == 4 * rounds and count(BenefitsRecord) == 4 * rounds
    finally:
        server.shutdown()
        app.config.update(saved)
