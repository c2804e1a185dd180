"""Filter form for the audit log page."""

from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from kapms.audit.models import ACTIONS
from kapms.web.forms import QueryForm


class AuditFilterForm(QueryForm):
    """GET filters: user, patient, action, date range."""

    user_id = SelectField("User", coerce=int, validators=[Optional()])
    patient_id = IntegerField("Patient id", validators=[Optional(), NumberRange(min=1)])
    action = SelectField("Action", choices=[("", "Any action")] + [(a, a) for a in ACTIONS],
                         validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1)], default=1)
