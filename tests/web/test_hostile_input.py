"""Hostile input to every form of the app, as every role: never a 500.

Nothing here lists forms by hand. For each role the test signs in to the demo network and
crawls the app as that user would (every same-site link, a few pages per route), collecting
each <form> with its fields and choices; the public pages (sign-in, a self-report link) are
crawled anonymously. Hypothesis then sends each form back with fields replaced by hostile
values (control characters, NUL, huge and negative numbers, NaN, non-ASCII digits,
impossible dates and times, daylight-saving gaps, overlong text, missing and repeated
fields, forged tokens and versions) mixed with valid choices; the query strings of the
links it met are sent back the same way. Every answer must be
below 500 with nothing refused by the database itself (kapms.web.errors logs that: the
edge must refuse first). A last check proves the crawl reached every POST route.

Two passes per role. First, deterministically, every field of every form meets every EDGE
value once (values rotate across the fields of one post, so a form takes len(EDGE) posts).
Then hypothesis mixes valid choices with hostile values so that some reach the services.
Bounded for CI: KAPMS_FUZZ_EXAMPLES (default 3) mixes per role, each sending every
discovered form once.
"""

import logging
import os
import secrets
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import MethodNotAllowed, NotFound

from kapms import clinic_time
from kapms.auth import otp
from kapms.auth.demo import DEMO_TOTP_SECRETS
from kapms.auth.services import tokens
from kapms.care import services as care
from kapms.database import utcnow
from kapms.demo import DEMO_LOGINS, seed_demo
from kapms.measures.services import links
from kapms.network.services.referrals import offer_referral
from kapms.patients import services as patient_services
from kapms.web.errors import EDGE_MISSED
from tests.care.factories import administer, at, check_in, clear, session_for
from tests.consent.helpers import sign_everything
from tests.factories import DEFAULT_PASSWORD, make_patient, make_patient_account, make_user
from tests.web.html_forms import Field, PageForm, page_forms
from tests.web.html_forms import links as page_links

EXAMPLES = int(os.environ.get("KAPMS_FUZZ_EXAMPLES", "3"))
PAGES_PER_ROUTE = 6
MAX_PAGES = 220  # the calendars, search and admin pages give each role more to walk
SKIP_FETCH = (".pdf", ".csv", ".ics")  # downloads: no forms in them
# Sending these would end the crawl's own session; sign-out has its own check below.
NOT_FUZZED = {"auth.logout"}
# POST routes no page offers a form for, with the fields their form class reads; they are
# sent to an address taken from a crawled page of the same record.
NO_PAGE = {"care.note_sign": ("/care/sessions/{session_id}/note/sign", "care.session_detail",
                              ["version", "submission"])}

# What breaks parsers and databases: each field of each form meets each of these once.
EDGE = ["\x00", "a\x00b", "\x1b[0m", "\ud800", "x" * 5000, "9" * 40, "-1", "2147483648",
        "9223372036854775808", "1e309", "NaN", "sNaN", "Infinity", "-Infinity", "١٢٣", "1.5",
        "0001-01-01", "9999-12-31", "2026-02-30", "25:61", "", "abc"]
# The hypothesis mixes draw from these too.
HOSTILE = EDGE + [
    " ", "\x07", "line\x0bbreak", "\u202eevil", "\ufeff", "🙂" * 3, "0", "1", "2147483647",
    "-2147483649", "18446744073709551616", "-1e309", "nan", "1,5", "0x1F", "²", "true",
    "2026-13-01", "1900-01-01", "2199-12-31", "02:30", "01:30", "23:59:60", "2026-03-08",
    "2026-11-01", "<script>x</script>", "' OR 1=1 --", "%s%n%x", "../../etc/passwd",
    "${7*7}", "{{7*7}}", "null", "[]",
]


def _endpoint(app, method: str, url: str) -> str | None:
    parts = urlsplit(url)
    try:
        return app.url_map.bind("localhost").match(parts.path, method=method.upper())[0]
    except (NotFound, MethodNotAllowed):
        return None


def _crawl(app, client, starts) -> tuple[dict, dict]:
    """Forms reachable from ``starts`` by following same-site links, keyed by
    (method, endpoint of the action), a few instances of each, with every link carrying a
    query string as a GET "form" of its parameters; and the URL arguments of the pages
    visited, by endpoint."""
    seen, queue, per_route, forms, pages = set(), list(starts), {}, {}, {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        endpoint = _endpoint(app, "GET", url)
        if url in seen or endpoint is None or path.endswith(SKIP_FETCH) \
                or per_route.get(endpoint, 0) >= PAGES_PER_ROUTE:
            continue
        seen.add(url)
        per_route[endpoint] = per_route.get(endpoint, 0) + 1
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code in (301, 302, 303) and response.location:
            queue.append(urljoin("http://localhost" + url, response.location)
                         .removeprefix("http://localhost"))
            seen.discard(url)
            per_route[endpoint] -= 1
            continue
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        base = "http://localhost" + url
        pages.setdefault(endpoint, []).append(
            app.url_map.bind("localhost").match(path, method="GET")[1])
        for form in page_forms(html, base):
            key = (form.method, _endpoint(app, form.method, form.action))
            if key[1] is not None and len(forms.setdefault(key, [])) < 2:
                forms[key].append(form)
        for href in page_links(html):
            target = urljoin(base, href)
            if urlsplit(target).netloc == "localhost" and "/static/" not in target:
                queue.append(target.removeprefix("http://localhost"))
                query = parse_qsl(urlsplit(target).query, keep_blank_values=True)
                key = ("get", _endpoint(app, "GET", target))
                if query and key[1] is not None and len(forms.setdefault(key, [])) < 2:
                    forms[key].append(PageForm(target.split("?")[0], "get", [
                        Field(name, "text", value) for name, value in query]))
    return forms, pages


def _values(data, form: PageForm) -> list[tuple[str, str]]:
    """Each field: left out, a valid value, a hostile value, or several values."""
    pairs = []
    for field in form.fields:
        valid = [v for v in [field.value, *field.choices] if v is not None] or [""]
        if field.name == "submission":
            valid = [secrets.token_urlsafe(18)]  # a new submission, not a twin
        choice = data.draw(st.sampled_from(["valid", "valid", "hostile", "hostile", "text",
                                            "omit", "twice"]))
        if choice == "omit":
            continue
        if choice == "valid":
            pairs.append((field.name, data.draw(st.sampled_from(valid))))
        elif choice == "hostile":
            pairs.append((field.name, data.draw(st.sampled_from(HOSTILE))))
        elif choice == "text":
            pairs.append((field.name, data.draw(st.text(max_size=30))))
        else:
            pairs += [(field.name, data.draw(st.sampled_from(HOSTILE))),
                      (field.name, data.draw(st.sampled_from(valid)))]
    return pairs


def _send(client, form: PageForm, pairs):
    path = urlsplit(form.action)
    target = path.path + (f"?{path.query}" if path.query else "")
    encoded = [(k, v.encode("utf-8", "surrogatepass")) for k, v in pairs]
    if form.method == "get":
        return client.get(path.path + "?" + urlencode(encoded))
    return client.post(target, data=urlencode(encoded),
                       content_type="application/x-www-form-urlencoded")


@pytest.fixture
def demo(app, db):
    """The demo network, a registration waiting for review, an open self-report link, an
    offer waiting for the therapist, a psychotherapy note, and dosings in each phase (so
    that every kind of form is on some page; those pages start the therapist's crawl)."""
    seed_demo(db)
    users = {role: email for role, email, _ in DEMO_LOGINS}
    from kapms.auth.services import find_user_by_email
    from kapms.patients.models import Patient

    owen = db.query(Patient).filter_by(first_name="Owen").one()
    therapist = find_user_by_email(db, users["therapist"])
    patient_services.register_patient(db, therapist, patient_services.PatientInput(
        first_name=owen.first_name, last_name=owen.last_name, date_of_birth=owen.date_of_birth,
        address_line1="1 Main St", city="Portland", state="OR", postal_code="97201"))
    elena = db.query(Patient).filter_by(first_name="Elena").one()
    _, token = links.create_link(db, therapist, elena, "GAD-7", "after_dosing_2")
    noah = db.query(Patient).filter_by(first_name="Noah").one()
    admin = find_user_by_email(db, users["admin"])
    offer_referral(db, admin, noah, therapist, "therapist", today=clinic_time.today())
    care.save_process_note(db, therapist, elena, "Private reflections.")
    dosing_pages = [f"/care/sessions/{cs.id}/dosing" for cs in _dosings_in_each_phase(db, users)]
    portal_email = _portal_patient(db, users)
    reset_link = f"/set-password/{tokens.mint_token(db, therapist, 'reset', 2)}"
    # An admin without a second factor while admins must have one: signing in sets it up.
    make_user(db, roles=("admin",), email="new.admin@example.test")
    app.config["MFA_REQUIRED_ROLES"] = "admin,prescriber"
    db.commit()
    yield {"passwords": {role: password for role, _, password in DEMO_LOGINS}
           | {"patient": DEFAULT_PASSWORD},
           "emails": users | {"patient": portal_email}, "link": f"/m/{token}",
           "reset_link": reset_link, "starts": {"therapist": dosing_pages},
           "pending": [(users["admin"], dict((r, p) for r, _, p in DEMO_LOGINS)["admin"]),
                       ("new.admin@example.test", DEFAULT_PASSWORD)]}
    app.config["MFA_REQUIRED_ROLES"] = ""


def _portal_patient(db, users) -> str:
    """A patient who uses the portal with everything on it: documents to sign, the intake,
    a PHQ-9 due and a telehealth dosing booked (its chaperone form); returns the email."""
    from kapms.auth.services import find_user_by_email

    therapist = find_user_by_email(db, users["therapist"])
    prescriber = find_user_by_email(db, users["prescriber"])
    team = SimpleNamespace(therapist=therapist, prescriber=prescriber, patient=make_patient(
        db, therapist, prescriber, first_name="Fuzz", last_name="Portal"))
    session_for(db, team, "dosing", at(6, hour=3), modality="telehealth")  # a free slot
    return make_patient_account(db, team.patient, email="fuzz.portal@example.test").email


def _dosings_in_each_phase(db, users):
    """Telehealth dosings of the demo therapist, a day or two ago at this hour, for two new
    patients: one in monitoring (vitals, chaperone, events, discharge are next), one checked
    in (the dose or a hold is next)."""
    from kapms.auth.services import find_user_by_email

    therapist = find_user_by_email(db, users["therapist"])
    prescriber = find_user_by_email(db, users["prescriber"])
    hour_ago = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    sessions = []
    for days, name in ((1, "Monitoring"), (2, "Checkedin")):  # away from the demo's today
        team = SimpleNamespace(therapist=therapist, prescriber=prescriber, patient=make_patient(
            db, therapist, prescriber, first_name="Fuzz", last_name=name))
        # The demo's consents first: no clearance nor dosing without them.
        sign_everything(db, therapist, team.patient)
        clear(db, team, 6)
        session_for(db, team, "preparation", at(-10 - days), "completed")
        cs = session_for(db, team, "dosing", hour_ago - timedelta(days=days),
                         modality="telehealth")
        check_in(db, team, cs, setting="telehealth")
        if name == "Monitoring":
            administer(db, team, cs)
        sessions.append(cs)
    return sessions


REACHED: set[str] = set()
ROTATED: set[tuple] = set()  # forms every field of which has met every EDGE value


def _sign_in(client, login, demo, role):
    """Sign in as the demo user of ``role``, with the code from their authenticator app
    when they have one (the browser is then remembered, so a new sign-in needs no code)."""
    from kapms.auth.services import find_user_by_email
    from kapms.extensions import db

    response = login(find_user_by_email(db.session, demo["emails"][role]),
                     password=demo["passwords"][role])
    if "/login/code" in response.location:
        code = otp.code_at(DEMO_TOTP_SECRETS[role], otp.time_step(utcnow()))
        done = client.post("/login/code", data={"code": code, "remember": "y"})
        assert done.status_code == 302 and "/login" not in done.location, done.location


def _pending_sign_in(client, email: str, password: str) -> str:
    """The first step of a sign-in (the password); where it leads next."""
    return client.post("/login", data={"email": email, "password": password}).location


def _forms_of(app, client, login, demo, role) -> dict:
    """Sign in as ``role`` and crawl: the forms this role meets (and the routes no page
    offers a form for, aimed at a record of a crawled page). Anonymously: the public pages,
    and the second sign-in step (a code, or setting up the app) of a pending sign-in."""
    if role == "anonymous":
        forms, pages = _crawl(app, client, ["/login", demo["link"], demo["reset_link"]])
        for email, password in demo["pending"]:
            more, _ = _crawl(app, client, [_pending_sign_in(client, email, password)])
            for key, instances in more.items():
                forms.setdefault(key, instances)
    else:
        _sign_in(client, login, demo, role)
        forms, pages = _crawl(app, client, ["/", *demo["starts"].get(role, [])])
    for endpoint, (action, source, names) in NO_PAGE.items():
        for args in pages.get(source, [])[:1]:
            forms[("post", endpoint)] = [PageForm("http://localhost" + action.format(**args),
                                                  "post", [Field(n, "text", "") for n in names])]
    REACHED.update(endpoint for (method, endpoint) in forms if method == "post")
    return {key: instances for key, instances in forms.items() if key[1] not in NOT_FUZZED}


CONTROL_FIELDS = {"version", "csrf_token"}


def _control_value(field, k: int) -> str | None:
    """Fields that decide whether the rest is looked at keep a working value in the
    rotation, so hostile values reach the services: a fresh submission token each post
    (hostile tokens are the mixes' business), the rendered version in every other post."""
    if field.name == "submission":
        return secrets.token_urlsafe(18)
    if field.name in CONTROL_FIELDS and k % 2 == 0:
        return field.value
    return None


def _check(client, login, demo, role, endpoint, form, pairs):
    response = _send(client, form, pairs)
    assert response.status_code < 500, (role, endpoint, pairs)
    if role != "anonymous" and endpoint != "auth.login" \
            and "/login" in (response.location or ""):
        _sign_in(client, login, demo, role)  # a form ended the session (a new password)


@pytest.mark.parametrize("role", ["anonymous", "therapist", "prescriber", "billing", "admin",
                                  "patient"])
def test_hostile_values_in_every_form_never_make_a_500(app, client, login, demo, role, caplog):
    caplog.set_level(logging.WARNING, logger=app.logger.name)
    forms = _forms_of(app, client, login, demo, role)
    assert len(forms) > 1

    # Every field meets every EDGE value once: post k gives field j value (k + j). A query
    # string with a control character anywhere is refused whole at the edge (tested in
    # test_edge), so GET forms and links rotate the other values, which reach the views.
    for (method, endpoint), instances in sorted(forms.items()):
        values = EDGE if method == "post" else [v for v in EDGE if v.isprintable()]
        for form in instances:
            key = (method, endpoint, tuple(f.name for f in form.fields))
            if key in ROTATED:
                continue  # another role (or page) rotated the same form
            ROTATED.add(key)
            for k in range(len(values)):
                _check(client, login, demo, role, endpoint, form, [
                    (f.name, _control_value(f, k) or values[(k + j) % len(values)])
                    for j, f in enumerate(form.fields)])

    # Then mixes of valid and hostile values, so that hostile ones also reach the services.
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def mixes(data):
        for (_method, endpoint), instances in sorted(forms.items()):
            for form in instances:
                _check(client, login, demo, role, endpoint, form, _values(data, form))

    mixes()
    assert EDGE_MISSED not in caplog.text, caplog.text[-2000:]


def test_the_crawl_reached_every_post_route(app):
    if len(REACHED) == 0:
        pytest.skip("runs after the fuzz tests of this module")
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert posts - REACHED - NOT_FUZZED == set()


def test_signing_out_with_hostile_fields_never_makes_a_500(client, login_as):
    login_as("therapist")
    logout = PageForm("http://localhost/logout", "post")
    for value in HOSTILE:
        response = _send(client, logout, [("submission", value), ("csrf_token", value)])
        assert response.status_code < 500
