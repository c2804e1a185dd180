"""20 identical submits at once make one record: every create action of the app, fired
from 20 real threads against a live threaded server, through one signed-in browser session
with CSRF and submission tokens on (as in production), on SQLite and PostgreSQL.

Each scenario opens the page a user would, takes its form as rendered (tokens included),
sends it 20 times at the same instant, and checks that exactly one record was made, that
no request failed, and that every twin answered like the first (the same redirect). A
last test makes sure no POST route of the app is left out of this list unknowingly.
"""

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from kapms import clinic_time
from kapms.auth.models import User
from kapms.billing.models import (
    BenefitsRecord,
    Claim,
    Estimate,
    FeeSchedule,
    GoodFaithEstimate,
    Payment,
    PaymentPlan,
)
from kapms.billing.services import plans as plan_svc
from kapms.care import services as care
from kapms.care.constants import CO_MEDICATION_LABELS, CONTRAINDICATION_LABELS
from kapms.care.models import (
    Addendum,
    AdverseEvent,
    CareSession,
    ChaperoneCheckin,
    Clearance,
    DosingRecord,
    PlanChangeRequest,
    PlanVersion,
    Prescription,
    PrescriptionRefill,
    ProcessNote,
    ProgressNote,
    VitalsReading,
)
from kapms.consent import services as consent
from kapms.consent.models import ConsentDocument, ConsentSignature, ConsentVersion
from kapms.insurance.models import InsurancePlan, Payer
from kapms.measures.models import Administration, SelfReportLink
from kapms.measures.services import links
from kapms.network.models import ClinicianProfile, Referral
from kapms.network.services.referrals import offer_referral
from kapms.outbox.models import OutboxMessage
from kapms.patients.models import CareTeamMember, Patient
from tests.billing.helpers import make_benefits, make_plan, make_schedule
from tests.care.factories import administer, at, check_in, clear, session_for
from tests.factories import DEFAULT_PASSWORD, make_patient, make_patient_account, make_user
from tests.network.helpers import make_clinician
from tests.web.html_forms import Browser, find_form

TWINS = 20
TODAY = clinic_time.today()


@pytest.fixture(scope="module")
def live(app):
    """The test app served on a free port by a threaded server, with CSRF and submission
    tokens switched on for this module."""
    saved = {k: app.config[k] for k in ("WTF_CSRF_ENABLED", "SUBMISSION_TOKENS_REQUIRED")}
    app.config.update(WTF_CSRF_ENABLED=True, SUBMISSION_TOKENS_REQUIRED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.config.update(saved)


@dataclass
class Scenario:
    """A create action: who sends it, from which page, which form, what it makes."""

    role: str
    page: str  # format string over the world's attributes
    action: str  # part of the form's action URL
    made: object  # the model (or a callable(db, world) -> count)
    values: dict = field(default_factory=dict)
    prepare: object = None  # callable(db, world) run before signing in
    files: dict | None = None
    # What the 20 answers are: "redirect" (all the same redirect, to what the first made),
    # "page" (all the same page, e.g. "thank you"), or "shown once" (the first shows a
    # page that cannot be shown again, a secret; its twins redirect).
    answers: str = "redirect"


def _clinician(db, kind: str):
    """A clinician the care-team rule admits for the self-pay patients here (CA)."""
    return make_clinician(db, kind=kind, accepts_private_pay=True, private_pay_rate_cents=15000)


def _world(db) -> SimpleNamespace:
    """Users of every role and patients on whom each action is possible."""
    w = SimpleNamespace()
    w.therapist = _clinician(db, "therapist")
    w.prescriber = _clinician(db, "prescriber")
    w.billing = make_user(db, roles=("billing",))
    w.admin = make_user(db, roles=("admin",))
    w.patient = make_patient(db, w.therapist, w.prescriber)
    w.plan = make_plan(db)
    make_schedule(db, w.plan, start=TODAY - timedelta(days=30))
    make_schedule(db, None, start=TODAY - timedelta(days=30))
    w.insured = make_patient(db, plan=w.plan, member_id="M1", diagnosis_code="F41.1")
    w.self_pay = make_patient(db, diagnosis_code="F43.10")
    return w


def _prescriber_profile(db, w):
    care.save_prescriber_profile(db, w.prescriber, "AB1234563", "1 Clinic Way, Oakland CA")


def _prescription(db, w):
    _prescriber_profile(db, w)
    w.rx = care.record_prescription(db, w.prescriber, w.patient, care.PrescriptionInput(
        issued_on=TODAY, drug_name="Ketamine HCl", strength="100 mg", dosage_form="troche",
        quantity=6, directions="One as directed", refills_authorized=2))


def _dosing_session(db, w, modality="office"):
    """Cleared, prepared, and a dosing that began an hour ago."""
    clear(db, w, 6)
    session_for(db, w, "preparation", at(-10), "completed")
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    w.session = session_for(db, w, "dosing", start, modality=modality)


def _dose_given(db, w, modality="office"):
    """The dosing checked in and the dose given (monitoring now)."""
    _dosing_session(db, w, modality)
    setting = "office" if modality == "office" else "telehealth"
    check_in(db, w, w.session, setting=setting)
    administer(db, w, w.session)


def _clearance(db, w):
    w.clearance = clear(db, w, 6)


def _held_session(db, w):
    w.session = session_for(db, w, "preparation", at(-1), "completed")


def _signed_note(db, w):
    _held_session(db, w)
    note = care.save_draft(db, w.therapist, w.session, "Went well.", 0)
    care.sign_note(db, w.therapist, w.session, note.version)


def _offer(db, w):
    w.clinician = _clinician(db, "prescriber")
    w.referral = offer_referral(db, w.admin, w.self_pay, w.clinician, "prescriber",
                                today=TODAY)


def _licensed_prescriber(db, w):
    _clinician(db, "prescriber")


def _newcomer(db, w):
    w.newcomer = make_user(db, roles=("therapist",))  # no directory profile yet


def _self_report_link(db, w):
    w.link, w.token = links.create_link(db, w.therapist, w.patient, "GAD-7", "baseline")


def _payment_plan(db, w):
    w.payment_plan = plan_svc.create_plan(db, None, w.self_pay, balance_cents=60000,
                                          upfront_cents=12000, installments=4,
                                          first_due=TODAY)


def _benefits(db, w):
    make_benefits(db, w.insured, as_of=TODAY)


def _directory_csv() -> bytes:
    header = "email,full_name,role,licences,capacity\n"
    return (header + "new.prescriber@example.test,Nova Scribe,prescriber,"
            f"MD 99 CA {TODAY.year + 2}-01-01,4\n").encode()


def _care_record(db, w):
    """A visit of the insured patient ten days ago, to claim."""
    from kapms.network.services import ProfileData, save_profile
    from tests.billing.care_record import CareRecord

    w.plan.payer.payer_code = "62308"
    record = CareRecord(db, w.insured, therapist=w.therapist, prescriber=w.prescriber)
    save_profile(db, w.therapist, w.therapist, ProfileData(npi="1987654328"))
    record.visit("preparation", TODAY - timedelta(days=10), 50)


def _members(db, w):
    return db.scalar(select(func.count()).select_from(CareTeamMember).where(
        CareTeamMember.patient_id == w.self_pay.id))


def _consent_document(db, w):
    w.document = consent.create_document(
        db, w.admin, title="KAP informed consent", body="# KAP\n\nRisks and benefits.\n",
        required_before="first_dosing", applies_to="all")
    w.version = w.document.current


def _portal_account(db, w):
    """The patient's portal account, and a document waiting for their signature."""
    w.account = make_patient_account(db, w.patient)
    _consent_document(db, w)


def _emails(kind: str):
    def count(db, w) -> int:
        return db.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == kind))
    return count


def _gad7(**answers):
    return {f"item_{n}": "1" for n in range(1, 8)} | answers


SCENARIOS = {
    "register a patient": Scenario(
        "therapist", "/patients/new", "/patients/new", Patient,
        {"first_name": "Twin", "last_name": "Submit", "date_of_birth": "1980-04-05",
         "address_line1": "1 Main St", "city": "Oakland", "state": "CA",
         "postal_code": "94610", "plan_id": "0"}),
    "add to the care team": Scenario(
        "admin", "/patients/{self_pay.id}", "/care-team", _members,
        {"user_id": "{therapist.id}", "role": "therapist"}),
    "make claims": Scenario(
        "billing", "/billing/patients/{insured.id}", "/claims", Claim,
        {"start": (TODAY - timedelta(days=30)).isoformat(), "end": TODAY.isoformat()},
        prepare=_care_record),
    "record a clearance": Scenario(
        "prescriber", "/care/patients/{patient.id}/clearance", "/clearance", Clearance,
        {"decision": "cleared", "reason": "Suitable", "dosing_count": "6",
         "product": "ketamine_sl_lozenge", "route": "sublingual", "dose_mg": "200",
         "bp_systolic": "120", "bp_diastolic": "80", "heart_rate": "70",
         "confirmed": "yes"}  # the answer to the confirmation step (kapms.web.confirm)
        | {f"ci_{key}": "no" for key in CONTRAINDICATION_LABELS}
        | {f"cm_{key}": "no" for key in CO_MEDICATION_LABELS}),
    "change the plan": Scenario(
        "prescriber", "/care/clearances/{clearance.id}/plan", "/plan", PlanVersion,
        {"dosing_count": "8", "reason": "Two more dosings."}, prepare=_clearance),
    "write a prescription": Scenario(
        "prescriber", "/care/patients/{patient.id}/prescriptions/new", "/prescriptions/new",
        Prescription, {"strength": "100 mg", "dosage_form": "troche", "quantity": "6",
                       "directions": "One as directed", "issued_on": TODAY.isoformat()},
        prepare=_prescriber_profile),
    "record a refill": Scenario(
        "prescriber", "/patients/{patient.id}", "/refill", PrescriptionRefill,
        {"dispensed_on": TODAY.isoformat()}, prepare=_prescription),
    "schedule a session": Scenario(
        "therapist", "/care/patients/{patient.id}/sessions/new", "/sessions/new", CareSession,
        {"kind": "preparation", "clinician_id": "{therapist.id}",
         "day": (TODAY + timedelta(days=3)).isoformat(), "start_time": "10:00"}),
    "check in for a dosing": Scenario(
        "therapist", "/care/sessions/{session.id}/dosing", "/dosing/check-in", DosingRecord,
        {"checkin-setting": "office", "checkin-pre_systolic": "120",
         "checkin-pre_diastolic": "80", "checkin-pre_heart_rate": "70"}
        | {f"checkin-cm_{key}": "no" for key in CO_MEDICATION_LABELS},
        prepare=_dosing_session),
    "record vitals": Scenario(
        "therapist", "/care/sessions/{session.id}/dosing", "/dosing/vitals", VitalsReading,
        {"vitals-kind": "mid", "vitals-systolic": "130", "vitals-diastolic": "84",
         "vitals-heart_rate": "72"}, prepare=_dose_given),
    "record an adverse event": Scenario(
        "therapist", "/care/sessions/{session.id}/dosing", "/dosing/adverse-events",
        AdverseEvent, {"event-kind": "nausea", "event-severity": "mild"},
        prepare=_dose_given),
    "record a chaperone check-in": Scenario(
        "therapist", "/care/sessions/{session.id}/dosing", "/dosing/chaperone",
        ChaperoneCheckin, {"chaperone-status": "ok", "chaperone-by": "Sam"},
        prepare=lambda db, w: _dose_given(db, w, "telehealth")),
    "ask for a plan change": Scenario(
        "therapist", "/care/sessions/{session.id}/plan-request", "/plan-request",
        PlanChangeRequest, {"dosing_count": "8", "reason": "Responding well."},
        prepare=_dosing_session),
    "save the first draft of a note": Scenario(
        "therapist", "/care/sessions/{session.id}", "/note", ProgressNote,
        {"body": "Twenty times the same draft."}, prepare=_held_session),
    "sign an addendum": Scenario(
        "therapist", "/care/sessions/{session.id}", "/note/addendum", Addendum,
        {"body": "One addendum.", "confirmed": "yes"}, prepare=_signed_note),
    "write a psychotherapy note": Scenario(
        "therapist", "/care/patients/{patient.id}/process-notes", "/process-notes",
        ProcessNote, {"body": "Private."}),
    "record a measure": Scenario(
        "therapist", "/measures/patients/{patient.id}/record/GAD-7", "/record/GAD-7",
        Administration, _gad7(point="baseline")),
    "create a self-report link": Scenario(
        "therapist", "/patients/{patient.id}", "/links", SelfReportLink,
        {"instrument": "PHQ-9", "point": "baseline", "ttl_hours": "24"},
        answers="shown once"),
    "answer a self-report link": Scenario(
        "anonymous", "/m/{token}", "/m/", Administration, _gad7(),
        prepare=_self_report_link, answers="page"),
    "offer a patient to a prescriber": Scenario(
        "admin", "/network/patients/{self_pay.id}/prescribers", "/offer", Referral,
        {"confirmed": "yes"}, prepare=_licensed_prescriber),
    "accept an offer": Scenario(
        "clinician", "/network/offers/{referral.id}", "/accept", _members, prepare=_offer),
    "create one's directory profile": Scenario(
        "newcomer", "/network/profile", "/network/profile", ClinicianProfile,
        {"licences": f"LMFT 77 CA {TODAY.year + 2}-01-01", "capacity": "5"},
        prepare=_newcomer),
    "import the directory": Scenario(
        "admin", "/network/directory/import", "/directory/import", ClinicianProfile,
        files={"file": ("directory.csv", _directory_csv())}, answers="page"),
    "record benefits": Scenario(
        "billing", "/billing/patients/{insured.id}/benefits/new", "/benefits/new", BenefitsRecord,
        {"deductible": "500", "deductible_met": "0", "coinsurance": "20", "oop_max": "3000",
         "oop_met": "0"}),
    "compute an estimate": Scenario(
        "billing", "/billing/patients/{insured.id}/estimates/new", "/estimates/new", Estimate,
        prepare=_benefits),
    "issue a Good Faith Estimate": Scenario(
        "billing", "/billing/patients/{self_pay.id}/gfe/new", "/gfe/new", GoodFaithEstimate,
        {"scheduled_on": TODAY.isoformat(),
         "primary_service_date": (TODAY + timedelta(days=14)).isoformat()}),
    "agree a payment plan": Scenario(
        "billing", "/billing/patients/{self_pay.id}/plans/new", "/plans/new", PaymentPlan,
        {"balance": "600", "upfront": "120", "installments": "4"}),
    "record a payment": Scenario(
        "billing", "/billing/plans/{payment_plan.id}", "/payments", Payment,
        {"amount": "50", "method": "card"}, prepare=_payment_plan),
    "add a payer": Scenario(
        "admin", "/admin/payers/", "/admin/payers/new", Payer, {"name": "Twin Health"}),
    "add a plan": Scenario(
        "admin", "/admin/payers/{plan.payer_id}", "/admin/payers/{plan.payer_id}$",
        InsurancePlan, {"name": "Twin PPO", "plan_type": "PPO"}),
    "add a fee schedule": Scenario(
        "admin", "/admin/fees/plans/{plan.id}/new", "/admin/fees/plans/{plan.id}/new",
        FeeSchedule,
        {"effective_from": (TODAY + timedelta(days=60)).isoformat()}),
    "create an account": Scenario(
        "admin", "/admin/users/new", "/admin/users/new", User,
        {"email": "twin@example.com", "full_name": "Twin User", "roles": "billing",
         "password": "a long enough passphrase of mine"}),
    # Issue 11: the portal, consents and password links.
    "add a consent document": Scenario(
        "admin", "/admin/consents/new", "/admin/consents/new", ConsentDocument,
        {"title": "Twin consent", "required_before": "first_dosing", "applies_to": "all",
         "body": "# Twin\n\nOne document."}),
    "publish a consent version": Scenario(
        "admin", "/admin/consents/{document.id}", "/versions", ConsentVersion,
        {"version-body": "# KAP\n\nRisks, benefits and a new paragraph.",
         "version-change_note": "A new paragraph."}, prepare=_consent_document),
    "record a paper signature": Scenario(
        "therapist", "/patients/{patient.id}", "/paper-signature", ConsentSignature,
        {"paper-witness": "Front desk"}, prepare=_consent_document),
    "sign a consent in the portal": Scenario(
        "account", "/portal/consents/{version.id}", "/portal/consents/{version.id}",
        ConsentSignature, {"typed_name": "{patient.full_name}", "agree": "y"},
        prepare=_portal_account),
    "answer a questionnaire in the portal": Scenario(
        "account", "/portal/questionnaires/PHQ-9/baseline",
        "/portal/questionnaires/PHQ-9/baseline", Administration,
        {f"item_{n}": "1" for n in range(1, 9)} | {"item_9": "0"},
        prepare=_portal_account),
    "invite a patient to the portal": Scenario(
        "billing", "/patients/{self_pay.id}", "/portal-invitations/", _emails("invitation"),
        {"portal-email": "twin.patient@example.com"}),
    "ask for a password reset link": Scenario(
        "anonymous", "/forgot-password", "/forgot-password", _emails("password_reset"),
        {"email": "{billing.email}"}),
}
# POST routes that create no record, by why a twin of them is harmless.
_EDIT = "edits a record: version-checked, a twin is answered as already saved or as stale"
_DECIDE = "decides a pending record once (a conditional update refuses a twin)"
_SIGN_IN = "a sign-in step: nothing is created"
_PHASE = ("writes a phase of the one dosing record (or a correction of it): version-checked, "
          "so a twin is answered as already saved or as stale")
NOT_CREATES = {
    "auth.login": _SIGN_IN, "auth.enter_code": _SIGN_IN, "auth.logout": _SIGN_IN,
    "auth.enrol": "sets up the account's one second factor: an enrolled account refuses it",
    "auth.enrol_at_sign_in": "the same, during the first sign-in",
    "auth.new_recovery_codes": "replaces the account's recovery codes (the last set counts)",
    "auth.forget_browsers": "deletes remembered browsers", "auth.change_password": _EDIT,
    "admin_users.edit_user": _EDIT, "admin_users.reset_password": _EDIT,
    "admin_users.clear_second_factor": _EDIT, "patients.edit": _EDIT,
    "patients.decide_review": _DECIDE, "care.clearance_revoke": _DECIDE,
    "care.prescriber_profile": _EDIT, "care.plan_request_decide": _DECIDE,
    "care.plan_request_decline": _DECIDE, "care.review_acknowledge": _DECIDE,
    "care.dosing_administer": _PHASE, "care.dosing_hold": _PHASE,
    "care.dosing_discharge": _PHASE, "care.dosing_amend": _PHASE,
    "care.dosing_end_early": _PHASE,
    "care.session_reschedule": _EDIT, "care.session_complete": _DECIDE,
    "care.session_cancel": _DECIDE, "care.session_missed": _DECIDE,
    "admin_users.edit_details": _EDIT, "care.note_sign": _DECIDE, "care.process_note_edit": _EDIT,
    "measures.void": _DECIDE, "measures.acknowledge": _DECIDE, "measures.revoke_link": _DECIDE,
    "measures_admin.item_text": "replaces the licensed item text", "network.edit_profile": _EDIT,
    "network.decline_offer": _DECIDE, "network.withdraw_offer": _DECIDE,
    "network.leave": _DECIDE, "billing.void_payment": _DECIDE, "billing.claim": _EDIT,
    "billing.submit_claim": _DECIDE,
    "billing.remittance": "posts an 835 file's answers to claims; a claim already posted is "
                          "skipped by the import itself",
    "insurance.toggle_payer": _EDIT, "insurance.toggle_plan": _EDIT,
    # Issue 11 (portal):
    "auth.set_password": "uses a single-use link (a conditional UPDATE refuses a twin)",
    "consent_admin.save_settings": _EDIT, "portal.intake_form": _EDIT,
    "portal.chaperone": _EDIT, "portal.reminder_settings": "sets the reminder choices "
                                                           "(the same twice is the same)",
    "outbox.send_again": _DECIDE,
}
# Scenario -> endpoint, for the coverage check below.
ENDPOINTS = {
    "register a patient": "patients.register", "add to the care team": "network.add_to_team",
    "make claims": "billing.new_claims",
    "record a clearance": "care.clearance_new", "write a prescription": "care.prescription_new",
    "record a refill": "care.prescription_refill", "schedule a session": "care.session_new",
    "check in for a dosing": "care.dosing_check_in", "record vitals": "care.dosing_vitals",
    "record an adverse event": "care.dosing_adverse_event",
    "record a chaperone check-in": "care.dosing_chaperone",
    "ask for a plan change": "care.plan_request_new", "change the plan": "care.plan_revise",
    "save the first draft of a note": "care.note_save",
    "sign an addendum": "care.note_addendum", "write a psychotherapy note": "care.process_notes",
    "record a measure": "measures.record", "create a self-report link": "measures.create_link",
    "answer a self-report link": "self_report.fill", "offer a patient to a prescriber":
    "network.offer", "accept an offer": "network.accept_offer",
    "create one's directory profile": "network.my_profile",
    "import the directory": "network.import_csv", "record benefits": "billing.new_benefits",
    "compute an estimate": "billing.new_estimate", "issue a Good Faith Estimate":
    "billing.new_gfe", "agree a payment plan": "billing.new_plan",
    "record a payment": "billing.record_payment", "add a payer": "insurance.add_payer",
    "add a plan": "insurance.payer", "add a fee schedule": "fees.new_schedule",
    "create an account": "admin_users.create_user",
    "add a consent document": "consent_admin.new_document",
    "publish a consent version": "consent_admin.publish_version",
    "record a paper signature": "consent.paper_signature",
    "sign a consent in the portal": "portal.sign",
    "answer a questionnaire in the portal": "portal.questionnaire",
    "invite a patient to the portal": "portal_staff.invite",
    "ask for a password reset link": "auth.forgot_password",
}


def _count(db, made, w) -> int:
    db.expire_all()
    if isinstance(made, type):
        return db.scalar(select(func.count()).select_from(made))
    return made(db, w)


def _messages(body: str) -> list[str]:
    """The flashed messages and field errors of a page (for failure reports)."""
    return [" ".join(m.split()) for m in re.findall(
        r'class="(?:alert[^"]*|invalid-feedback|text-danger small)"[^>]*>(.*?)<', body, re.S)]


def _fill(value, w):
    return value.format(**vars(w)) if isinstance(value, str) else value


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_twenty_identical_submits_make_one_record(live, db, name):
    scenario = SCENARIOS[name]
    w = _world(db)
    if scenario.prepare:
        scenario.prepare(db, w)
    db.commit()
    browser = Browser(live)
    if scenario.role != "anonymous":
        user = getattr(w, scenario.role)
        browser.sign_in(user.email, DEFAULT_PASSWORD)
    page_url = live + _fill(scenario.page, w)
    form = find_form(browser.get(page_url), _fill(scenario.action, w), page_url)
    before = _count(db, scenario.made, w)
    values = {k: _fill(v, w) for k, v in scenario.values.items()}

    start, results = threading.Barrier(TWINS), []

    def submit():
        start.wait()
        results.append(browser.send(form, files=scenario.files, keep_cookie=False, **values))

    threads = [threading.Thread(target=submit) for _ in range(TWINS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    statuses = sorted(status for status, _, _ in results)
    messages = {m for _, _, body in results for m in _messages(body)}
    assert all(s < 500 for s in statuses), (statuses, messages)
    assert _count(db, scenario.made, w) == before + 1, (name, statuses, messages)
    if scenario.answers == "redirect":
        assert statuses == [302] * TWINS, (statuses, messages)
        assert len({location for _, location, _ in results}) == 1  # all: the first's result
    elif scenario.answers == "page":
        assert statuses == [200] * TWINS, (statuses, messages)
    else:
        assert statuses == [200] + [302] * (TWINS - 1), (statuses, messages)


def test_twenty_different_bookings_of_one_slot_make_one_session(live, db):
    """Not twins: 20 forms each shown anew (20 tokens), all booking the clinician's same
    hour for different patients. The service's check and a lock on the clinician's bookings
    let exactly one through; the rest are told the clinician is busy."""
    w = _world(db)
    others = [make_patient(db, w.therapist) for _ in range(TWINS - 1)]
    db.commit()
    browser = Browser(live)
    browser.sign_in(w.therapist.email, DEFAULT_PASSWORD)
    forms = []
    for patient in [w.patient, *others]:
        url = f"{live}/care/patients/{patient.id}/sessions/new"
        forms.append(find_form(browser.get(url), "/sessions/new", url))
    values = {"kind": "preparation", "clinician_id": str(w.therapist.id),
              "day": (TODAY + timedelta(days=4)).isoformat(), "start_time": "10:00"}
    start, results = threading.Barrier(TWINS), []

    def book(form):
        start.wait()
        results.append(browser.send(form, keep_cookie=False, **values))

    threads = [threading.Thread(target=book, args=(form,)) for form in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [200] * (TWINS - 1) + [302], statuses
    assert all("already has a session then" in body
               for status, _, body in results if status == 200)
    assert _count(db, CareSession, w) == 1


def test_twenty_different_reset_requests_send_no_more_than_the_hourly_limit(live, app, db):
    """Not twins: 20 "Forgot your password?" forms, each shown anew, sent at once for one
    account. Requests for one account take turns, so the hourly limit holds."""
    w = _world(db)
    db.commit()
    email = w.billing.email
    browser = Browser(live)
    forms = [find_form(browser.get(f"{live}/forgot-password"), "/forgot-password",
                       f"{live}/forgot-password") for _ in range(TWINS)]
    start, results = threading.Barrier(TWINS), []

    def ask(form):
        start.wait()
        results.append(browser.send(form, keep_cookie=False, email=email))

    threads = [threading.Thread(target=ask, args=(form,)) for form in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(status for status, _, _ in results) == [302] * TWINS
    assert _emails("password_reset")(db, w) == app.config["PASSWORD_RESET_EMAILS_PER_HOUR"]


def test_every_post_route_is_a_tested_create_or_known_not_to_create(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    tested = set(ENDPOINTS.values())
    assert set(ENDPOINTS) == set(SCENARIOS)
    assert posts - tested - set(NOT_CREATES) == set(), "a new POST route: add a scenario " \
                                                       "above, or say why it creates nothing"
    assert (tested | set(NOT_CREATES)) - posts == set()
