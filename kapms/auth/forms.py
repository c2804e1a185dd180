"""Forms for signing in, changing passwords and managing accounts."""

from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from kapms.auth.models import ROLE_LABELS, ROLES
from kapms.auth.passwords import MAX_LENGTH
from kapms.web.forms import Form


class LoginForm(Form):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])


class ChangePasswordForm(Form):
    """A signed-in user changes their own password."""

    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField("Repeat new password", validators=[
        DataRequired(), EqualTo("new_password", message="The two new passwords differ.")])


class RolesField(SelectMultipleField):
    """Roles as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _role_choices():
    return [(r, ROLE_LABELS[r]) for r in ROLES]


class UserCreateForm(Form):
    """An admin creates an account."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    credentials = StringField("Credentials", validators=[Optional(), Length(max=60)],
                              description="e.g. LCSW, PMHNP-BC, MD")
    roles = RolesField("Roles", choices=_role_choices(),
                       validators=[DataRequired(message="Choose at least one role.")])
    password = PasswordField("Initial password", validators=[DataRequired()],
                             description="At least 12 characters; share it privately.")


class UserEditForm(Form):
    """An admin changes roles and whether the account is active."""

    roles = RolesField("Roles", choices=_role_choices(),
                       validators=[DataRequired(message="Choose at least one role.")])
    active = BooleanField("Account active")


class ResetPasswordForm(Form):
    """An admin sets a new password for someone (it also unlocks the account)."""

    password = PasswordField("New password", validators=[DataRequired()])
