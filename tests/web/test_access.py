"""Deny by default: walk every route of the app and prove its guard."""

import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, NumberConverter

from kapms.auth.models import STAFF_ROLES
from kapms.web.access import ANY_SIGNED_IN, PUBLIC_ENDPOINTS, required_roles
from tests.factories import make_patient, make_patient_account, make_user

EXPECTED_PUBLIC = {"auth.login", "auth.enter_code", "auth.enrol_at_sign_in", "web.health", "static",
                   "self_report.fill", "web.favicon", "auth.forgot_password",
                   "auth.open_password_link", "auth.set_password"}


def _url(rule: Rule) -> str:
    """Build a URL for ``rule`` with placeholder arguments (1 for ints, an allowed value
    for <any(...)>, "x" otherwise)."""
    args = {}
    for name, conv in rule._converters.items():
        args[name] = 1 if isinstance(conv, NumberConverter) else \
            sorted(conv.items)[0] if isinstance(conv, AnyConverter) else "x"
    return rule.build(args, append_unknown=False)[1]


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def _public_endpoints(app):
    return {e for e in app.view_functions if required_roles(app, e)[0]}


def test_only_the_expected_endpoints_are_public(app):
    assert _public_endpoints(app) == EXPECTED_PUBLIC
    assert PUBLIC_ENDPOINTS == {"static"}


def test_every_endpoint_declares_who_may_use_it(app):
    undeclared = [e for e in app.view_functions
                  if not required_roles(app, e)[0] and required_roles(app, e)[1] is None]
    assert undeclared == []


def test_every_non_public_route_sends_anonymous_visitors_to_login(app, client):
    public = _public_endpoints(app)
    checked = 0
    for rule, method in _routes(app):
        if rule.endpoint in public:
            continue
        response = client.open(_url(rule), method=method)
        assert response.status_code == 302, (rule.rule, method, response.status_code)
        assert "/login" in response.location, (rule.rule, method)
        checked += 1
    assert checked > 5


def test_every_role_guarded_route_refuses_users_without_the_role(app, client, db, login):
    # Routes grouped by who must be refused: one sign-in per group of roles, not per route.
    outsiders: dict[tuple, list] = {}
    for rule, method in _routes(app):
        is_public, roles = required_roles(app, rule.endpoint)
        if is_public or ANY_SIGNED_IN in roles:
            continue
        outsider_roles = tuple(sorted(set(STAFF_ROLES) - set(roles)))
        if not outsider_roles:  # every staff role may use it: the patient walk covers it
            continue
        outsiders.setdefault(outsider_roles, []).append((rule, method, roles))
    checked = 0
    for outsider_roles, routes in outsiders.items():
        user = make_user(db, roles=outsider_roles)
        db.commit()
        client.post("/logout")
        login(user)
        for rule, method, roles in routes:
            response = client.open(_url(rule), method=method)
            assert response.status_code == 403, (rule.rule, method, roles, response.status_code)
            checked += 1
    assert checked > 3 and len(outsiders) > 1


def test_a_patient_reaches_nothing_but_the_portal_and_their_account(app, client, db, login):
    """The patient role, deny by default: every route not declared for patients (or for
    any signed-in person) refuses a patient's portal account with 403."""
    patient = make_patient(db)
    account = make_patient_account(db, patient)
    db.commit()
    login(account)
    checked, portal = 0, 0
    for rule, method in _routes(app):
        is_public, roles = required_roles(app, rule.endpoint)
        if is_public or ANY_SIGNED_IN in roles:
            continue
        if "patient" in roles:
            portal += 1
            continue
        response = client.open(_url(rule), method=method)
        assert response.status_code == 403, (rule.rule, method, roles, response.status_code)
        checked += 1
    assert checked > 50 and portal >= 10
    assert client.get("/").location == "/portal/"


def test_a_user_with_no_role_reaches_only_login_only_pages(app, client, db, login):
    user = make_user(db, roles=())
    db.commit()
    login(user)
    assert client.get("/").status_code == 200
    assert client.get("/account/password").status_code == 200
    assert client.get("/admin/users/").status_code == 403
    assert client.get("/patients/").status_code == 403


def test_access_denied_is_audited(client, db, login_as):
    from kapms.audit.models import AuditEvent

    user = login_as("therapist")
    client.get("/admin/audit/")
    event = db.query(AuditEvent).filter_by(action="access-denied").one()
    assert event.user_id == user.id and event.outcome == "denied"


@pytest.mark.parametrize("path", ["/health", "/login"])
def test_public_pages_open_without_login(client, path):
    assert client.get(path).status_code == 200


def test_the_favicon_is_found_without_signing_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.location.endswith("/static/favicon.svg")
    icon = client.get(response.location)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
