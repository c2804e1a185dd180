"""Forms for signing in, changing passwords and managing accounts."""

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from kapms.auth.models import ROLE_LABELS, STAFF_ROLES
from kapms.auth.passwords import MAX_LENGTH
from kapms.web.forms import Form


class LoginForm(Form):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})


class CodeForm(Form):
    """The second step of signing in: a code from the app, or a recovery code."""

    code = StringField("Code", validators=[DataRequired(), Length(max=40)],
                       description="The 6-digit code your authenticator app shows now, or one "
                                   "of your recovery codes.",
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text",
                                  "autofocus": True, "spellcheck": "false"})
    remember = BooleanField("Remember this browser")  # the view adds for how long


class EnrolForm(Form):
    """Confirm a new authenticator app with the code it shows."""

    code = StringField("Code from the app", validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false"})


class ConfirmCodeForm(Form):
    """A current code from the app before a change to the second factor."""

    code = StringField("Code from the app", validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ButtonForm(Form):
    """A POST button with nothing but its CSRF token."""


class ChangePasswordForm(Form):
    """A signed-in user changes their own password."""

    current_password = PasswordField("Current password (or your one-time code)",
                                     validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[DataRequired()],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat new password", validators=[
        DataRequired(), EqualTo("new_password", message="The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"})


class RolesField(SelectMultipleField):
    """Roles as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _role_choices():
    # Patient accounts come only by invitation (kapms.portal), never from this form.
    return [(r, ROLE_LABELS[r]) for r in STAFF_ROLES]


class UserCreateForm(Form):
    """An admin creates an account."""

    # autocomplete off: the browser would offer the admin's own name and email.
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "off"})
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "off"})
    credentials = StringField("Credentials", validators=[Optional(), Length(max=60)],
                              description="e.g. LCSW, PMHNP-BC, MD")
    roles = RolesField("Roles", choices=_role_choices(),
                       validators=[DataRequired(message="Choose at least one role.")])
    password = PasswordField("Initial password", validators=[DataRequired()],
                             description="At least 12 characters; share it privately.",
                             render_kw={"autocomplete": "new-password"})


class UserEditForm(Form):
    """An admin changes roles and whether the account is active."""

    roles = RolesField("Roles", choices=_role_choices(),
                       validators=[DataRequired(message="Choose at least one role.")])
    active = BooleanField("Account active")


class UserDetailsForm(Form):
    """An admin corrects a person's name, email (their sign-in) and credentials."""

    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "off"})
    email = EmailField("Email (signs in with it)",
                       validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "off"})
    credentials = StringField("Credentials", validators=[Optional(), Length(max=60)],
                              description="e.g. LCSW, PMHNP-BC, MD",
                              render_kw={"autocomplete": "off"})


class ClearSecondFactorForm(Form):
    """An admin removes someone's second factor, saying why (kept in the audit log)."""

    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=400)],
                           description="e.g. \"Lost phone and recovery codes; identity checked "
                                       "by video call with the clinical director\".")


class ForgotPasswordForm(Form):
    """Ask for a password-reset link by email."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})


class SetPasswordForm(Form):
    """Choose a password through an invitation or reset link."""

    password = PasswordField("New password", validators=[DataRequired(),
                                                         Length(max=MAX_LENGTH)],
                             description="At least 12 characters. A phrase of a few unrelated "
                                         "words is easy to remember and hard to guess.",
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the password", validators=[
        DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"})
