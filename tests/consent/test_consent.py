"""Consent: the pure rules, sanitized Markdown, versions and signatures (portal and paper,
immutable), and the rule that no dosing goes ahead while a required consent is unsigned."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from kapms.care import services as care
from kapms.consent import rules, services
from kapms.consent.markdown import to_html
from kapms.errors import ConflictError, DomainError, PermissionDenied, RuleViolation
from tests.care.factories import (
    THRESHOLDS,
    at,
    check_in_input,
    clear,
    make_team,
    ready_for_dosing,
    session_for,
)
from tests.factories import make_patient_account, make_user

TEXT = "# Consent\n\nI understand the **risks** of ketamine.\n"


@pytest.mark.parametrize("versions, signed, expected", [
    ([], set(), None),
    ([(1, True)], set(), 1),
    ([(1, True)], {1}, None),
    ([(1, True), (2, True)], {1}, 2),  # material: sign again
    ([(1, True), (2, False)], {1}, None),  # a typo fix: the signature holds
    ([(1, True), (2, False)], set(), 2),  # a newcomer signs the current one
    ([(1, False), (2, False)], set(), 2),  # the first version always counts as material
    ([(1, True), (2, True), (3, False)], {2}, None),
    ([(1, True), (2, True), (3, False)], {1}, 3),
])
def test_which_version_a_patient_must_sign(versions, signed, expected):
    assert rules.version_to_sign(versions, signed) == expected


def test_a_typed_name_must_be_the_patients():
    assert rules.name_matches("elena r. MORALES", "Elena", "Morales")
    assert rules.name_matches("José  Núñez", "Jose", "Nunez")
    assert not rules.name_matches("Elena", "Elena", "Morales")
    assert not rules.name_matches("E. Morales", "Elena", "Morales")


def test_consent_text_is_sanitized():
    html = str(to_html("# Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) "
                       "<img src=https://evil.example/x.png> **ok**"))
    assert "<h1>Title</h1>" in html and "<strong>ok</strong>" in html
    assert "<script" not in html and "<img" not in html and "href" not in html
    assert "&lt;script&gt;" in html  # shown as text, never run
    linked = str(to_html("[site](https://clinic.example) [bad](javascript:alert(1))"))
    assert 'href="https://clinic.example"' in linked and "javascript" not in linked.split(
        "href")[-1].split(">")[0]


def _document(db, required_before="first_dosing", applies_to="all", title="KAP consent"):
    admin = make_user(db, roles=["admin"])
    return admin, services.create_document(db, admin, title=title, body=TEXT,
                                           required_before=required_before,
                                           applies_to=applies_to)


def _sign(db, account, patient, version, **changes):
    values = dict(typed_name=patient.full_name, agreed=True, shown_sha256=version.sha256,
                  ip="203.0.113.9", user_agent="Mozilla/5.0 (iPhone)")
    values.update(changes)
    return services.sign(db, account, patient, version.id, **values)


def test_a_patient_signs_the_exact_version_shown_once(db):
    team = make_team(db)
    account = make_patient_account(db, team.patient)
    _, document = _document(db)
    version = document.current
    with pytest.raises(ConflictError):
        _sign(db, account, team.patient, version, shown_sha256="0" * 64)
    with pytest.raises(RuleViolation):
        _sign(db, account, team.patient, version, agreed=False)
    with pytest.raises(RuleViolation):
        _sign(db, account, team.patient, version, typed_name="Someone Else")
    signature = _sign(db, account, team.patient, version)
    assert signature.text_sha256 == rules.text_hash(TEXT) == version.sha256
    assert (signature.ip_address, signature.user_agent, signature.method) == (
        "203.0.113.9", "Mozilla/5.0 (iPhone)", "portal")
    with pytest.raises(ConflictError):
        _sign(db, account, team.patient, version)
    other = make_team(db)
    with pytest.raises(PermissionDenied):  # nobody signs for another patient
        _sign(db, account, other.patient, version)


def test_a_signature_and_a_published_version_never_change(db):
    team = make_team(db)
    account = make_patient_account(db, team.patient)
    _, document = _document(db)
    signature = _sign(db, account, team.patient, document.current)
    db.commit()
    signature.typed_name = "Changed Later"
    with pytest.raises(ValueError):
        db.flush()
    db.rollback()
    document.current.body = "new words"
    with pytest.raises(ValueError):
        db.flush()
    db.rollback()


def test_a_material_new_version_asks_for_a_new_signature(db):
    team = make_team(db)
    account = make_patient_account(db, team.patient)
    admin, document = _document(db)
    _sign(db, account, team.patient, document.current)
    assert services.to_sign(db, team.patient.id, remote=False) == []
    services.publish_version(db, admin, document, body=TEXT + "\nNo driving.\n", material=False,
                             change_note="typo", expected_number=1)
    assert services.to_sign(db, team.patient.id, remote=False) == []
    with pytest.raises(ConflictError):  # edited from version 1, but 2 exists now
        services.publish_version(db, admin, document, body=TEXT + "x\n", material=True,
                                 change_note=None, expected_number=1)
    services.publish_version(db, admin, document, body=TEXT + "\nNever drive.\n",
                             material=True, change_note="driving", expected_number=2)
    [waiting] = services.to_sign(db, team.patient.id, remote=False)
    assert waiting.version.number == 3
    with pytest.raises(ConflictError):  # an old version is not signed any more
        _sign(db, account, team.patient, document.versions[0])


def test_a_clinician_records_a_paper_signature_with_date_and_witness(db):
    team = make_team(db)
    _, document = _document(db)
    outsider = make_user(db, roles=["therapist"])
    today = date.today()
    with pytest.raises(DomainError):
        services.record_paper_signature(db, outsider, team.patient, document.current.id,
                                        typed_name=team.patient.full_name, signed_on=today,
                                        witness="Front desk")
    with pytest.raises(RuleViolation):
        services.record_paper_signature(db, team.therapist, team.patient, document.current.id,
                                        typed_name=team.patient.full_name,
                                        signed_on=today + timedelta(days=2), witness="Desk")
    signature = services.record_paper_signature(
        db, team.therapist, team.patient, document.current.id,
        typed_name=team.patient.full_name, signed_on=today, witness="Jamie Park")
    assert (signature.method, signature.witness, signature.paper_signed_on) == (
        "paper", "Jamie Park", today)


def test_dosing_is_refused_in_the_services_while_a_required_consent_is_unsigned(db):
    team = make_team(db)
    ready_for_dosing(db, team)
    _document(db, title="KAP informed consent")
    _, telehealth = _document(db, applies_to="remote_dosing",
                              title="Telehealth and chaperone agreement")
    _document(db, required_before="", title="Release of information")
    cs = session_for(db, team, "dosing", at(-1))
    db.commit()
    with pytest.raises(RuleViolation) as refused:
        care.check_in(db, team.therapist, cs, check_in_input(cs.scheduled_start),
                      THRESHOLDS, now=cs.scheduled_start + timedelta(hours=4))
    message = refused.value.message
    assert "KAP informed consent (version 1)" in message
    assert "Telehealth" not in message and "Release" not in message  # office; optional
    assert any("Dosing refused until consent is signed" in b
               for b in care.dosing_blocks(db, cs, cs.scheduled_start))
    db.rollback()
    kap = services.list_documents(db)[0]
    services.record_paper_signature(db, team.therapist, team.patient, kap.current.id,
                                    typed_name=team.patient.full_name,
                                    signed_on=date.today(), witness="Front desk")
    assert care.dosing_blocks(db, cs, cs.scheduled_start) == []
    remote = session_for(db, team, "dosing", at(5), modality="telehealth")
    assert "Telehealth and chaperone agreement" in " ".join(
        care.dosing_blocks(db, remote, remote.scheduled_start))
    assert telehealth.applies_to == "remote_dosing"


def test_clearing_is_refused_in_the_services_while_a_pre_clearance_consent_is_unsigned(db):
    team = make_team(db)
    _, financial = _document(db, required_before="clearance", title="Financial agreement")
    _document(db, title="KAP informed consent")  # before the first dosing: not yet
    db.commit()
    with pytest.raises(RuleViolation) as refused:
        clear(db, team)
    assert "Financial agreement (version 1)" in refused.value.message
    assert "KAP informed consent" not in refused.value.message
    db.rollback()
    not_cleared = clear(db, team, decision="not_cleared", reason="Blood pressure first.",
                        dosing_count=None, product=None, route=None, dose_mg=None)
    assert not_cleared.decision == "not_cleared"  # deciding against clearing needs nothing
    services.record_paper_signature(db, team.therapist, team.patient, financial.current.id,
                                    typed_name=team.patient.full_name,
                                    signed_on=date.today(), witness="Front desk")
    assert clear(db, team).decision == "cleared"


def test_the_signed_copy_pdf_carries_the_text_and_the_signature(app, client, db, login):
    team = make_team(db)
    account = make_patient_account(db, team.patient)
    _, document = _document(db)
    signature = _sign(db, account, team.patient, document.current)
    outsider = make_user(db, roles=["therapist"])
    db.commit()
    login(team.therapist)
    response = client.get(f"/consent/signatures/{signature.id}.pdf")
    assert response.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(response.data)).pages)
    for expected in ("KAP consent", "risks of ketamine", team.patient.full_name,
                     "203.0.113.9", "iPhone", signature.text_sha256[:16]):
        assert expected in text
    client.post("/logout")
    login(outsider)
    assert client.get(f"/consent/signatures/{signature.id}.pdf").status_code == 404
    client.post("/logout")
    login(account)
    assert client.get(f"/consent/signatures/{signature.id}.pdf").status_code == 200


def test_admins_publish_documents_and_versions_over_http(app, client, db, login_as):
    login_as("admin")
    created = client.post("/admin/consents/new", data={
        "title": "Financial responsibility", "required_before": "clearance",
        "applies_to": "all", "body": "# Money\n\nI pay what insurance does not.\n"})
    assert created.status_code == 302
    document = services.list_documents(db)[0]
    same = client.post(f"/admin/consents/{document.id}/versions", data={
        "version-body": "# Money\n\nI pay what insurance does not.\n", "version-material": "y",
        "version-expected_number": "1"})
    assert same.status_code == 400 and "same as the current" in same.get_data(as_text=True)
    client.post(f"/admin/consents/{document.id}/versions", data={
        "version-body": "# Money\n\nI pay what insurance does not, within 30 days.\n",
        "version-material": "y", "version-expected_number": "1"})
    db.expire_all()
    assert [v.number for v in services.get_document(db, document.id).versions] == [1, 2]
    page = client.get(f"/admin/consents/{document.id}").get_data(as_text=True)
    assert "within 30 days" in page


