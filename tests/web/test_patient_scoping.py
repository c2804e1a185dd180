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
