"""kapms.web.forms: attempt() saves once per submission token, and turns refusals,
conflicts and races into messages; the optimistic-lock mixin parses versions strictly."""

import re

import pytest
from flask import get_flashed_messages
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from kapms.audit.models import AuditEvent
from kapms.auth.forms import UserCreateForm
from kapms.auth.models import User
from kapms.auth.services import create_user, find_user_by_email
from kapms.errors import ConflictError, DomainError, NotFound, RuleViolation
from kapms.insurance.models import Payer
from kapms.web import submissions
from kapms.web.forms import (
    Form,
    QueryForm,
    Versioned,
    attempt,
    attempt_and_flash,
)
from kapms.web.models import FormSubmission
from tests.factories import DEFAULT_PASSWORD, make_user


def _create(db, email):
    return create_user(db, None, email=email, full_name="Ada Admin", roles=["admin"],
                       password=DEFAULT_PASSWORD)


def test_success_commits_and_returns_the_result(app, db):
    with app.test_request_context(method="POST"):
        form = UserCreateForm(formdata=None)
        ok, user = attempt(form, lambda: _create(db, "saved@example.com"))
        assert ok and user.email == "saved@example.com"
        assert get_flashed_messages() == []
    db.rollback()  # nothing left to roll back: the commit happened
    assert find_user_by_email(db, "saved@example.com") is not None


def test_a_domain_error_rolls_back_and_names_the_field(app, db):
    def action():
        _create(db, "lost@example.com")
        raise DomainError("That email is taken.", field="email")

    with app.test_request_context(method="POST"):
        form = UserCreateForm(formdata=None)
        assert attempt(form, action) == (False, None)
        assert form.email.errors == ["That email is taken."]
        assert form.refusal.message == "That email is taken."
        assert get_flashed_messages() == []
    assert find_user_by_email(db, "lost@example.com") is None


def test_an_error_naming_no_field_is_flashed(app, db):
    def action():
        raise RuleViolation("The plan is closed.")

    with app.test_request_context(method="POST"):
        form = UserCreateForm(formdata=None)
        assert attempt(form, action) == (False, None)
        assert get_flashed_messages(with_categories=True) == [("danger", "The plan is closed.")]


def test_attempt_and_flash_commits_or_rolls_back_with_a_message(app, db):
    with app.test_request_context():
        assert attempt_and_flash(lambda: make_user(db, email="kept@example.com"), "Saved.")

        def refused():
            make_user(db, email="dropped@example.com")
            raise DomainError("Not allowed today.")

        assert not attempt_and_flash(refused, "Saved.")
        assert get_flashed_messages(with_categories=True) == [
            ("success", "Saved."), ("danger", "Not allowed today.")]
    emails = {u.email for u in db.query(User)}
    assert "kept@example.com" in emails and "dropped@example.com" not in emails


def test_a_stale_save_is_a_conflict_message_not_a_500(app, db):
    def action():
        _create(db, "stale@example.com")
        raise StaleDataError("UPDATE statement on table 'x' expected to update 1 row(s)")

    with app.test_request_context(method="POST"):
        assert attempt(None, action) == (False, None)
        [(category, message)] = get_flashed_messages(with_categories=True)
        assert category == "danger" and "changed by someone else" in message
    assert find_user_by_email(db, "stale@example.com") is None


def test_a_lost_race_for_a_unique_value_is_run_again_against_the_new_state(app, db):
    """The first run meets the other request's committed row (IntegrityError); the second
    run sees it, and the service's own check answers."""
    runs = []

    def action():
        runs.append(1)
        if len(runs) == 1:
            make_user(db, email="twin@example.com")
            db.flush()
            raise IntegrityError("INSERT", {}, Exception("unique"))
        raise DomainError("An account with this email already exists.", field="email")

    with app.test_request_context(method="POST"):
        form = UserCreateForm(formdata=None)
        assert attempt(form, action) == (False, None)
        assert form.email.errors == ["An account with this email already exists."]
    assert len(runs) == 2 and find_user_by_email(db, "twin@example.com") is None


def test_a_race_lost_twice_ends_in_a_conflict_message(app, db):
    def action():
        raise IntegrityError("INSERT", {}, Exception("unique"))

    with app.test_request_context(method="POST"):
        assert attempt(None, action) == (False, None)
        assert "at the same moment" in get_flashed_messages()[0]


def test_not_found_is_reraised_after_committing_the_audit(app, db):
    from kapms.audit.services import record

    def action():
        record(db, None, "view", "patient", 99, patient_id=None, outcome="denied")
        raise NotFound("No such patient.")

    with app.test_request_context(method="POST"):
        with pytest.raises(NotFound):
            attempt(None, action)
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_reraise_lets_a_view_answer_its_own_way(app, db):
    class Gone(DomainError):
        pass

    def action():
        _create(db, "gone@example.com")
        raise Gone("This link can no longer be used.")

    with app.test_request_context(method="POST"):
        with pytest.raises(Gone):
            attempt(None, action, reraise=(Gone,))
    assert find_user_by_email(db, "gone@example.com") is None


# --- one-time submission tokens ----------------------------------------------------------

@pytest.fixture
def tokens_required(app):
    app.config["SUBMISSION_TOKENS_REQUIRED"] = True
    yield
    app.config["SUBMISSION_TOKENS_REQUIRED"] = False


def _token(page: str) -> str:
    return re.search(r'name="submission"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="submission"',
                     page).group(1)


def _payer_form(client) -> str:
    return client.get("/admin/payers/").get_data(as_text=True)


def test_the_same_submission_twice_saves_once_and_answers_with_the_first_result(
        client, login_as, db, tokens_required):
    login_as("admin")
    token = _token(_payer_form(client))
    first = client.post("/admin/payers/new", data={"name": "Aetna", "submission": token})
    again = client.post("/admin/payers/new", data={"name": "Aetna", "submission": token})
    assert first.status_code == again.status_code == 302
    assert again.location == first.location  # the payer the first one made
    assert db.scalar(select(func.count()).select_from(Payer)) == 1
    page = client.get(again.location).get_data(as_text=True)
    assert "already been sent" in page
    row = db.scalar(select(FormSubmission))
    assert (row.endpoint, row.result_type) == ("insurance.add_payer", "Payer")


def test_a_post_without_a_valid_token_saves_nothing(client, login_as, db, tokens_required):
    login_as("admin")
    for token in (None, "", "short", "x" * 65, "bad token with spaces!!", "é" * 20):
        data = {"name": "Cigna"} | ({} if token is None else {"submission": token})
        response = client.post("/admin/payers/new", data=data, follow_redirects=True)
        assert response.status_code == 200
        assert "out of date" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Payer)) == 0


def test_a_token_is_bound_to_its_user_and_its_form(client, login_as, db, login,
                                                   tokens_required):
    login_as("admin")
    token = _token(_payer_form(client))
    client.post("/admin/payers/new", data={"name": "Aetna", "submission": token})
    payer = db.scalar(select(Payer))
    # The same token on another form of the same user: out of date, nothing saved.
    other_form = client.post(f"/admin/payers/{payer.id}", data={
        "name": "Gold PPO", "submission": token})
    assert "out of date" in other_form.get_data(as_text=True)
    # Another admin replaying the first admin's token learns nothing and saves nothing.
    client.post("/logout")
    login(make_user(db, roles=("admin",)))
    db.commit()
    stolen = client.post("/admin/payers/new", data={"name": "Aetna", "submission": token},
                         follow_redirects=True)
    assert "out of date" in stolen.get_data(as_text=True)
    assert "Aetna" not in stolen.get_data(as_text=True).split("out of date")[0][-300:]
    assert db.scalar(select(func.count()).select_from(Payer)) == 1


def test_a_refused_submission_can_be_corrected_and_sent_with_the_same_token(
        client, login_as, db, tokens_required):
    login_as("admin")
    token = _token(_payer_form(client))
    refused = client.post("/admin/payers/new", data={"name": "", "submission": token})
    assert refused.status_code == 302  # the payer list again, with the message
    saved = client.post("/admin/payers/new", data={"name": "Kaiser", "submission": token})
    assert saved.status_code == 302 and db.scalar(select(func.count()).select_from(Payer)) == 1


def test_a_form_shown_again_after_a_save_gets_a_new_token(app, db):
    with app.test_request_context(method="POST", data={"submission": "a" * 24}):
        form = UserCreateForm()
        assert attempt(form, lambda: _create(db, "again@example.com"))[0]
        assert form.submission._value() != "a" * 24


def test_every_post_form_of_a_page_has_its_own_token(client, login_as, db):
    login_as("admin")
    page = client.get("/admin/payers/").get_data(as_text=True)
    tokens = re.findall(r'name="submission"[^>]*value="([^"]+)"', page)
    assert len(tokens) == len(set(tokens)) == page.count('method="post"')


def test_prune_forgets_old_submissions(app, db):
    from datetime import timedelta

    from kapms.database import utcnow

    db.add_all([FormSubmission(token="o" * 24, endpoint="x", created_at=utcnow() - timedelta(
        days=40)), FormSubmission(token="n" * 24, endpoint="x")])
    db.commit()
    assert submissions.prune(db, timedelta(days=30)) == 1
    assert [r.token for r in db.scalars(select(FormSubmission))] == ["n" * 24]


# --- the optimistic-lock mixin ------------------------------------------------------------

class _Edit(Versioned, Form):
    pass


@pytest.mark.parametrize("sent", ["abc", "1.5", "NaN", "١", "-1", " 1", "1 ", "", "1e3",
                                  "9" * 10, "0x1", "+1"])
def test_a_version_that_is_not_plain_digits_is_refused_as_stale(app, sent):
    with app.test_request_context(method="POST", data={"version": sent}):
        with pytest.raises(ConflictError, match="changed by someone else"):
            _Edit().loaded_version()


def test_a_missing_version_is_refused_even_when_the_record_has_one(app):
    class Record:
        version = 4

    with app.test_request_context(method="POST", data={"other": "x"}):
        with pytest.raises(ConflictError):
            _Edit(obj=Record()).loaded_version()  # never the record's own version
    with app.test_request_context(method="POST", data={"version": "4"}):
        assert _Edit(obj=Record()).loaded_version() == 4
    with app.test_request_context():
        assert _Edit(obj=Record()).loaded_version() == 4  # shown: the record's version


# --- every form is built on the base classes ----------------------------------------------

def test_every_form_class_of_the_app_derives_from_the_base_form(app):
    from flask_wtf import FlaskForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [c for c in subclasses(FlaskForm) if c.__module__.startswith("kapms.")]
    assert len(forms) > 20
    stray = [f"{c.__module__}.{c.__name__}" for c in forms
             if not issubclass(c, Form | QueryForm) and c not in (Form, QueryForm)]
    assert stray == []
