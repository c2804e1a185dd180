"""Forms of the portal: the staff's invitation, the chaperone, the reminder choices."""

from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import HiddenInput

from kapms.auth.forms import RolesField


class InviteForm(FlaskForm):
    """A clinician or billing user invites the patient to the portal."""

    email = EmailField("Patient's email", validators=[DataRequired(), Email(),
                                                      Length(max=254)])


class ChaperoneForm(FlaskForm):
    """The patient names the chaperone of a telehealth or at-home dosing."""

    name = StringField("Chaperone's name", validators=[DataRequired(), Length(max=160)],
                       render_kw={"autocomplete": "off"})
    phone = StringField("Chaperone's phone", validators=[DataRequired(), Length(max=30)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ReminderChoicesForm(FlaskForm):
    """Which reminders the patient receives (every kind ticked is kept)."""

    kinds = RolesField("Email me about", choices=[])
