"""Forms of the portal: the staff's invitation, the chaperone, the reminder choices."""

from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length

from kapms.auth.forms import RolesField
from kapms.web.forms import Form, Versioned


class InviteForm(Form):
    """A clinician or billing user invites the patient to the portal."""

    email = EmailField("Patient's email", validators=[DataRequired(), Email(),
                                                      Length(max=254)])


class ChaperoneForm(Versioned, Form):
    """The patient names the chaperone of a telehealth or at-home dosing."""

    name = StringField("Chaperone's name", validators=[DataRequired(), Length(max=160)],
                       render_kw={"autocomplete": "off"})
    phone = StringField("Chaperone's phone", validators=[DataRequired(), Length(max=30)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})


class ReminderChoicesForm(Form):
    """Which reminders the patient receives (every kind ticked is kept)."""

    kinds = RolesField("Email me about", choices=[])
