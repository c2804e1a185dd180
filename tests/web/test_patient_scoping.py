"""Someone else's patient: every route that takes a patient id answers 404 (or 403 for a
role that may never use it) to a clinician outside the care team, and never shows the
patient. A route added later is covered automatically."""

from tests.factories import make_patient, make_user


def _patient_routes(app):
    for rule in app.url_map.iter_rules():
        if "patient_id" in rule.arguments:
            methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
            yield rule, methods


def test_there_are_patient_routes_to_check(app):
    assert len(list(_patient_routes(app))) >= 10


def test_a_clinician_off_the_care_team_cannot_reach_any_patient_route(app, client, db, login):
    owner = make_user(db, roles=["therapist"])
    patient = make_patient(db, therapist=owner, first_name="Zebulon", last_name="Quartz")
    outsider = make_user(db, roles=["therapist", "prescriber"])
    db.commit()
    login(outsider)
    checked = 0
    for rule, methods in _patient_routes(app):
        args = {name: (patient.id if name == "patient_id" else 1) for name in rule.arguments}
        url = rule.build(args, append_unknown=False)[1]
        for method in methods:
            response = client.open(url, method=method, data={})
            body = response.get_data(as_text=True)
            assert response.status_code in (403, 404), (method, rule.rule, response.status_code)
            assert "Quartz" not in body, (method, rule.rule)
            checked += 1
    assert checked >= 10


def test_the_care_team_member_does_reach_the_patient_page(client, db, login):
    owner = make_user(db, roles=["therapist"])
    patient = make_patient(db, therapist=owner, last_name="Quartz")
    db.commit()
    login(owner)
    assert "Quartz" in client.get(f"/patients/{patient.id}").get_data(as_text=True)


def test_a_patient_reaches_no_other_patients_record_by_any_route(app, client, db, login):
    """The patient role: every route that takes a patient id, and every portal route that
    takes the id of a record (appointment, document, signature, estimate ...), answers
    403 or 404 for someone else's and never shows them."""
    from datetime import timedelta

    from kapms import clinic_time
    from kapms.consent import services as consent
    from kapms.database import utcnow
    from tests.care.factories import make_team, session_for
    from tests.factories import make_patient_account

    mine = make_team(db)
    account = make_patient_account(db, mine.patient)
    theirs = make_team(db)
    theirs.patient.last_name = "Quartz"
    other_session = session_for(db, theirs, "dosing", utcnow() + timedelta(days=2))
    admin = make_user(db, roles=["admin"])
    document = consent.create_document(db, admin, title="KAP consent", body="# KAP\n\nRisks "
                                       "and benefits.\n", required_before="first_dosing",
                                       applies_to="all")
    signature = consent.record_paper_signature(
        db, theirs.therapist, theirs.patient, document.current.id,
        typed_name=theirs.patient.full_name, signed_on=clinic_time.today(), witness="Desk")
    db.commit()
    login(account)
    ids = {"patient_id": theirs.patient.id, "session_id": other_session.id,
           "signature_id": signature.id}
    checked = 0
    for rule in app.url_map.iter_rules():
        names = set(rule.arguments)
        if not names & set(ids) and not rule.endpoint.startswith("portal."):
            continue
        args = {name: ids.get(name, 1) for name in rule.arguments}
        if "instrument" in args:
            args.update(instrument="PHQ-9", point="baseline")
        url = rule.build(args, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            assert b"Quartz" not in response.get_data(), (method, rule.rule)
            if names & set(ids):
                assert response.status_code in (403, 404), (method, rule.rule,
                                                             response.status_code)
            checked += 1
    assert checked >= 25
