"""Claims from the care record: made per date and clinician (or batched), checked NPIs,
submitted as an 837P that pyx12 validates, printed on the CMS-1500, posted by hand, and the
patient statement that follows."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from kapms.audit.models import AuditEvent
from kapms.billing.models import Claim
from kapms.billing.services import Practice
from kapms.billing.services import claims as claim_svc
from kapms.billing.services import plans as plan_svc
from kapms.billing.services.statements import build_statement
from kapms.billing.x837 import write_837p
from kapms.errors import ConflictError, RuleViolation
from kapms.network.services import ProfileData, save_profile
from tests.billing.care_record import CareRecord
from tests.billing.helpers import make_patient, make_plan, make_schedule
from tests.billing.pdftext import pdf_text
from tests.billing.x12check import validate

CLINIC_TODAY = date(2026, 3, 20)
PRACTICE = Practice("Harbor KAP Clinic", "1234567893", "94-1234567",
                    "1 Bay St, Suite 4, Oakland, CA 94607", "America/Los_Angeles")
THERAPIST_NPI, PRESCRIBER_NPI = "1987654328", "1245319599"


@pytest.fixture
def course(db):
    """An insured patient whose payer takes claims electronically, and a February course."""
    make_schedule(db, None)
    plan = make_plan(db, payer_name="Cigna", plan_name="LocalPlus")
    plan.payer.payer_code = "62308"
    patient = make_patient(db, plan, first_name="Marcus", last_name="Reyes",
                           diagnosis_code="F33.1")
    record = CareRecord(db, patient)
    save_profile(db, record.therapist, record.therapist, ProfileData(npi=THERAPIST_NPI))
    save_profile(db, record.prescriber, record.prescriber, ProfileData(kind="prescriber", npi=PRESCRIBER_NPI))
    record.visit("intake", date(2026, 2, 2), 60)
    record.clear(date(2026, 2, 2))
    record.visit("preparation", date(2026, 2, 9), 50)
    record.dose(date(2026, 2, 16), 120)
    record.visit("integration", date(2026, 2, 18), 60, setting="telehealth")
    db.commit()
    return record


def make_claims(db, record, start=date(2026, 2, 1), end=date(2026, 2, 28)):
    return claim_svc.create_claims(db, None, record.patient, start, end, PRACTICE)


def test_one_claim_per_date_and_clinician_from_the_care_record(db, course):
    claims = make_claims(db, course)
    rows = [(c.first_date, c.rendering_name, c.rendering_npi,
             [(x.code, x.modifier, x.units, x.place_of_service, x.charge_cents) for x in c.lines],
             c.charge_cents) for c in claims]
    assert rows == [
        (date(2026, 2, 2), "Sam Rivera, PMHNP", PRESCRIBER_NPI, [("99204", "", 1, "11", 20000)],
         20000),
        (date(2026, 2, 9), "Maya Okafor, LMFT", THERAPIST_NPI, [("90834", "", 1, "11", 10000)],
         10000),
        # the medication is the patient's: never on a claim
        (date(2026, 2, 16), "Maya Okafor, LMFT", THERAPIST_NPI, [("0820T", "", 2, "11", 32000)],
         32000),
        (date(2026, 2, 18), "Maya Okafor, LMFT", THERAPIST_NPI,
         [("90837", "95", 1, "10", 15000)], 15000),
    ]
    assert {c.status for c in claims} == {"draft"}
    assert (claims[0].payer_code, claims[0].member_id, claims[0].diagnosis_code) == (
        "62308", "M123", "F33.1")
    with pytest.raises(RuleViolation, match="Nothing to claim"):
        make_claims(db, course)  # each visit is claimed once
    course.visit("integration", date(2026, 2, 25), 45)
    [later] = make_claims(db, course)
    assert [x.code for x in later.lines] == ["90834"]


def test_a_payer_that_takes_batches_gets_one_claim_per_clinician(db, course):
    course.patient.plan.payer.batches_claims = True
    claims = make_claims(db, course)
    assert [(c.rendering_name, c.first_date, c.last_date, len(c.lines)) for c in claims] == [
        ("Sam Rivera, PMHNP", date(2026, 2, 2), date(2026, 2, 2), 1),
        ("Maya Okafor, LMFT", date(2026, 2, 9), date(2026, 2, 18), 3)]


def test_claims_need_a_payer_id_a_member_an_npi_and_a_valid_one(db, course):
    payer = course.patient.plan.payer
    payer.payer_code = None
    with pytest.raises(RuleViolation, match="no electronic payer id"):
        make_claims(db, course)
    payer.payer_code = "62308"
    save_profile(db, course.therapist, course.therapist, ProfileData(npi=None))
    with pytest.raises(RuleViolation, match="No NPI on file for Maya Okafor, LMFT"):
        make_claims(db, course)
    save_profile(db, course.therapist, course.therapist, ProfileData(npi=THERAPIST_NPI))
    bad_practice = Practice("Harbor", "1234567890", "94-1234567", PRACTICE.address)
    with pytest.raises(RuleViolation, match="Not a valid NPI.*the practice \\(1234567890\\)"):
        claim_svc.create_claims(db, None, course.patient, date(2026, 2, 1),
                                date(2026, 2, 28), bad_practice)
    self_pay = make_patient(db)
    with pytest.raises(RuleViolation, match="self-pay"):
        claim_svc.create_claims(db, None, self_pay, date(2026, 2, 1), date(2026, 2, 28),
                                PRACTICE)
    assert db.scalar(select(func.count()).select_from(Claim)) == 0


def test_the_837p_passes_an_independent_validator(db, course):
    claims = make_claims(db, course)
    text = write_837p(claims, submitter_contact="Priya Natarajan", submitter_phone="5105550100",
                      control_number=42, created=datetime(2026, 3, 1, 9, 30))
    ok, ack = validate(text)
    assert ok, ack
    assert "ST*837*0042*005010X222A1~" in text and "GS*HC*941234567*62308*" in text
    assert f"CLM*{claims[3].number}*150.00***10:B:1*Y*A*Y*Y~" in text  # at home
    assert "SV1*HC:90837:95*150.00*UN*1*10**1~" in text and "HI*ABK:F331~" in text
    assert f"NM1*82*1*OKAFOR*MAYA****XX*{THERAPIST_NPI}~" in text
    assert "NM1*85*2*HARBOR KAP CLINIC*****XX*1234567893~" in text
    # The validator is not a rubber stamp: the same file without its first CLM is refused.
    broken, _ = validate(re.sub(r"CLM\*[^~]*~\n?", "", text, count=1))
    assert not broken


def test_submit_then_post_the_payment_leaving_the_patient_share(db, course):
    claim = make_claims(db, course)[2]  # the dosing, $320
    with pytest.raises(RuleViolation, match="Only a submitted claim"):
        claim_svc.post_remittance(db, None, claim, claim_svc.Remittance(
            "paid", 25000, 20000, 5000, date(2026, 3, 10)), CLINIC_TODAY)
    claim_svc.submit_claims(db, None, [claim])
    assert claim.status == "submitted" and claim.submitted_at is not None
    with pytest.raises(RuleViolation, match="already submitted"):
        claim_svc.submit_claims(db, None, [claim])
    with pytest.raises(RuleViolation, match="add up to the allowed amount"):
        claim_svc.post_remittance(db, None, claim, claim_svc.Remittance(
            "paid", 25000, 20000, 4000, date(2026, 3, 10)), CLINIC_TODAY)
    with pytest.raises(RuleViolation, match="more than the charge"):
        claim_svc.post_remittance(db, None, claim, claim_svc.Remittance(
            "paid", 33000, 28000, 5000, date(2026, 3, 10)), CLINIC_TODAY)
    with pytest.raises(RuleViolation, match="future"):
        claim_svc.post_remittance(db, None, claim, claim_svc.Remittance(
            "paid", 25000, 20000, 5000, date(2026, 3, 21)), CLINIC_TODAY)
    claim_svc.post_remittance(db, None, claim, claim_svc.Remittance(
        "paid", 25000, 20000, 5000, date(2026, 3, 10), reference="EFT 7781"), CLINIC_TODAY)
    assert (claim.status, claim.paid_cents, claim.patient_share_cents,
            claim.adjustment_cents) == ("paid", 20000, 5000, 7000)
    with pytest.raises(RuleViolation, match="this one is paid"):
        claim_svc.post_remittance(db, None, claim, claim_svc.Remittance(
            "paid", 25000, 20000, 5000, date(2026, 3, 10)), CLINIC_TODAY)


def test_a_denial_needs_a_reason_and_leaves_what_staff_decide(db, course):
    claim = make_claims(db, course)[0]
    claim_svc.submit_claims(db, None, [claim])
    with pytest.raises(RuleViolation, match="reason"):
        claim_svc.post_remittance(db, None, claim, claim_svc.Remittance(
            "denied", 0, 0, 0, date(2026, 3, 10)), CLINIC_TODAY)
    with pytest.raises(RuleViolation, match="nothing paid"):
        claim_svc.post_remittance(db, None, claim, claim_svc.Remittance(
            "denied", 0, 100, 0, date(2026, 3, 10), denial_reason="CO-50"), CLINIC_TODAY)
    claim_svc.post_remittance(db, None, claim, claim_svc.Remittance(
        "denied", 0, 0, 20000, date(2026, 3, 10), denial_reason="Not covered (PR-96)"),
        CLINIC_TODAY)
    assert (claim.status, claim.patient_share_cents, claim.adjustment_cents) == (
        "denied", 20000, 0)


def test_two_clerks_cannot_both_post_a_claim(db, course):
    from sqlalchemy import update

    claim = make_claims(db, course)[0]
    claim_svc.submit_claims(db, None, [claim])
    db.commit()
    db.execute(update(Claim).where(Claim.id == claim.id).values(version=Claim.version + 1)
               .execution_options(synchronize_session=False))
    with pytest.raises(ConflictError):
        claim_svc.post_remittance(db, None, claim, claim_svc.Remittance(
            "paid", 20000, 16000, 4000, date(2026, 3, 10)), CLINIC_TODAY)
    db.rollback()


def test_the_statement_leaves_the_patient_share_less_payments(db, course):
    first, second, third, _fourth = make_claims(db, course)
    claim_svc.submit_claims(db, None, [first, second, third])
    claim_svc.post_remittance(db, None, first, claim_svc.Remittance(
        "paid", 18000, 14400, 3600, date(2026, 3, 5)), CLINIC_TODAY)
    claim_svc.post_remittance(db, None, second, claim_svc.Remittance(
        "paid", 9000, 7200, 1800, date(2026, 3, 5)), CLINIC_TODAY)
    plan = plan_svc.create_plan(db, None, course.patient, balance_cents=5400, upfront_cents=2000,
                                installments=1, first_due=date(2026, 3, 6))
    plan_svc.record_payment(db, None, plan, amount_cents=2000, paid_on=date(2026, 3, 6),
                            method="card", reference=None, today=CLINIC_TODAY)
    statement = build_statement(db, None, course.patient, CLINIC_TODAY, PRACTICE)
    assert [c.number for c in statement.answered] == [first.number, second.number]
    assert [c.number for c in statement.pending] == [third.number]
    assert (statement.charges_cents, statement.insurance_paid_cents,
            statement.adjustments_cents, statement.patient_share_cents,
            statement.paid_by_patient_cents, statement.balance_cents) == (
        30000, 21600, 3000, 5400, 2000, 3400)


def audited(db, action):
    return db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.entity_type == "claim"))


def test_claim_pages_cms1500_837p_and_statement(client, login_as, db, course):
    login_as("billing")
    response = client.post(f"/billing/patients/{course.patient.id}/claims",
                           data={"start": "2026-02-16", "end": "2026-02-16"})
    assert response.status_code == 302
    claim = db.scalar(select(Claim))
    assert response.headers["Location"].endswith(f"/billing/claims/{claim.id}")
    page = client.get(f"/billing/claims/{claim.id}").get_data(as_text=True)
    assert claim.number in page and "0820T" in page and "Draft" in page
    text = pdf_text(client.get(f"/billing/claims/{claim.id}.pdf"))
    for expected in ("HEALTH INSURANCE CLAIM FORM", "02/12", "1a. INSURED'S I.D. NUMBER M123",
                     "2. PATIENT'S NAME", "Reyes, Marcus", "21. DIAGNOSIS", "A. F33.1",
                     "02 16 26", "0820T", "$320.00", "25. FEDERAL TAX I.D. NUMBER",
                     "94-0000000", "33a. NPI", "NPI 1000000004", THERAPIST_NPI,
                     f"{claim.number} · YES"):
        assert expected in text, expected
    edi = client.get(f"/billing/claims/{claim.id}.837")
    assert edi.status_code == 200 and edi.headers["Content-Type"] == "application/edi-x12"
    ok, ack = validate(edi.get_data(as_text=True))
    assert ok, ack
    assert client.post(f"/billing/claims/{claim.id}/submit").status_code == 302
    db.expire_all()
    assert claim.status == "submitted"
    bad = client.post(f"/billing/claims/{claim.id}", data={
        "status": "paid", "allowed": "250.00", "paid": "200.00", "patient_share": "40.00",
        "posted_on": "2026-03-10", "version": str(claim.version)})
    assert "add up to the allowed amount" in bad.get_data(as_text=True)
    stale = client.post(f"/billing/claims/{claim.id}", data={
        "status": "paid", "allowed": "250.00", "paid": "200.00", "patient_share": "50.00",
        "posted_on": "2026-03-10", "version": str(claim.version - 1)})
    assert "changed by someone else" in stale.get_data(as_text=True)
    posted = client.post(f"/billing/claims/{claim.id}", data={
        "status": "paid", "allowed": "250.00", "paid": "200.00", "patient_share": "50.00",
        "posted_on": "2026-03-10", "reference": "EFT 1", "version": str(claim.version)},
        follow_redirects=True)
    assert "posted as paid" in posted.get_data(as_text=True)
    listing = client.get("/billing/claims?status=paid").get_data(as_text=True)
    assert claim.number in listing
    statement = pdf_text(client.get(f"/billing/patients/{course.patient.id}/statement.pdf"))
    for expected in ("Statement", "Marcus Reyes", claim.number, "$320.00", "$200.00", "$70.00",
                     "$50.00", "Balance due: $50.00"):
        assert expected in statement, expected
    assert audited(db, "create") == 1 and audited(db, "print") == 2


def test_clinicians_cannot_open_claims(client, login_as, course):
    login_as("therapist")
    assert client.get("/billing/claims").status_code == 403
    assert client.post(f"/billing/patients/{course.patient.id}/claims",
                       data={"start": "2026-02-01", "end": "2026-02-28"}).status_code == 403


def test_a_zone_for_service_dates(db, course):
    # Service dates are the clinic's: an evening visit in California is not the next day.
    course.visit("integration", date(2026, 2, 26), 60, hour=20)
    claims = claim_svc.create_claims(db, None, course.patient, date(2026, 2, 26),
                                     date(2026, 2, 26), PRACTICE)
    assert [c.first_date for c in claims] == [date(2026, 2, 26)]
    assert PRACTICE.zone == ZoneInfo("America/Los_Angeles")


def remittance_file(*claims) -> str:
    """An 835 (005010X221A1) as a payer sends it, checked by pyx12: ``claims`` are (claim
    number, status, charge, paid, patient responsibility, [(group, reason, amount)]) in
    cents."""
    body, total = [], 0
    for i, (number, status, charge, paid, share, adjustments) in enumerate(claims):
        total += paid
        body += [f"CLP*{number}*{status}*{charge / 100:.2f}*{paid / 100:.2f}*{share / 100:.2f}"
                 f"*12*PAY{i:05d}~"]
        body += [f"CAS*{group}*{reason}*{amount / 100:.2f}~" for group, reason, amount
                 in adjustments]
        body += ["NM1*QC*1*REYES*MARCUS****MI*M123~"]
    segments = ["ST*835*0001~", f"BPR*I*{total / 100:.2f}*C*CHK************20260315~",
                "TRN*1*EFT7781*1620000000~", "DTM*405*20260315~", "N1*PR*CIGNA~",
                "N3*900 COTTAGE GROVE RD~", "N4*BLOOMFIELD*CT*06002~",
                "PER*BL*PROVIDER SERVICES*TE*8008828460~",
                "N1*PE*HARBOR KAP CLINIC*XX*1234567893~", "LX*1~", *body]
    segments.append(f"SE*{len(segments) + 1}*0001~")
    text = ("ISA*00*          *00*          *ZZ*62308          *30*941234567      *260315*1200"
            "*^*00501*000000101*0*T*:~GS*HP*62308*941234567*20260315*1200*101*X*005010X221A1~"
            + "".join(segments) + "GE*1*101~IEA*1*000000101~")
    ok, errors = validate(text)
    assert ok, errors
    return text


def test_an_835_posts_payments_and_denials_and_lists_what_it_left(db, course):
    from kapms.billing.services.remittance import import_835

    first, second, third, fourth = make_claims(db, course)
    claim_svc.submit_claims(db, None, [first, second, third])
    text = remittance_file(
        (first.number, "1", 20000, 14400, 3600, [("CO", "45", 2000), ("PR", "1", 3600)]),
        (second.number, "4", 10000, 0, 0, [("CO", "50", 10000)]),
        (fourth.number, "1", 15000, 12000, 3000, [("PR", "2", 3000)]),  # a draft
        ("KAP9999999", "1", 9000, 7200, 1800, [("PR", "2", 1800)]),
        (third.number, "22", 32000, 0, 0, [("CO", "45", 32000)]))
    result = import_835(db, None, text, CLINIC_TODAY)
    assert first.posted_on == date(2026, 3, 15) and first.payer_reference == "EFT7781"
    assert [c.number for c in result.posted] == [first.number, second.number]
    assert (first.status, first.allowed_cents, first.paid_cents, first.patient_share_cents,
            first.adjustment_cents) == ("paid", 18000, 14400, 3600, 2000)
    assert (second.status, second.paid_cents, second.denial_reason) == ("denied", 0, "CO-50")
    skipped = dict(result.skipped)
    assert "submitted" in skipped[fourth.number] and skipped["KAP9999999"] == "no such claim"
    assert "status 22" in skipped[third.number]
    assert (third.status, fourth.status) == ("submitted", "draft")
    with pytest.raises(RuleViolation, match="not a readable 835"):
        import_835(db, None, "ISA*nonsense~", CLINIC_TODAY)


def test_the_835_upload_page(client, login_as, db, course):
    import io

    claim = make_claims(db, course)[0]
    claim_svc.submit_claims(db, None, [claim])
    db.commit()
    login_as("billing")
    text = remittance_file((claim.number, "1", 20000, 14400, 3600, [("CO", "45", 2000),
                                                                    ("PR", "1", 3600)]))
    page = client.post("/billing/claims/remittance", data={
        "file": (io.BytesIO(text.encode()), "remit.835")}, follow_redirects=True,
        content_type="multipart/form-data").get_data(as_text=True)
    assert f"Posted 1 claim(s): {claim.number}." in page
    db.expire_all()
    assert claim.status == "paid" and claim.patient_share_cents == 3600
    empty = client.post("/billing/claims/remittance", data={}, follow_redirects=True)
    assert "Choose the 835 file." in empty.get_data(as_text=True)
