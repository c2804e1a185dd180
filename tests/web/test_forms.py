"""attempt(): one service call for a submitted form, committed or rolled back."""

from flask import get_flashed_messages

from kapms.auth.forms import UserCreateForm
from kapms.auth.services import create_user, find_user_by_email
from kapms.errors import DomainError, RuleViolation
from kapms.web.forms import attempt
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
    from kapms.auth.models import User
    from kapms.web.forms import attempt_and_flash

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
