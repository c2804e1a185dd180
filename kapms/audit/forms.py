"""Filter form for the audit log page."""

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from kapms.audit.models import ACTIONS


class AuditFilterForm(FlaskForm):
    """GET filters: user, patient, action, date range."""

    class Meta:
        csrf = False  # a read-only GET filter

    user_id = SelectField("User", coerce=int, validators=[Optional()])
    patient_id = IntegerField("Patient id", validators=[Optional(), NumberRange(min=1)])
    action = SelectField("Action", choices=[("", "Any action")] + [(a, a) for a in ACTIONS],
                         validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1)], default=1)
