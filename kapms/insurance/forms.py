"""Admin forms for payers and plans."""

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from kapms.insurance.models import NAME_MAX
from kapms.web.forms import Form

PLAN_TYPES = ["PPO", "HMO", "EPO", "POS", "HDHP", "Medicare", "Medicaid", "Other"]


class PayerForm(Form):
    """A new payer."""

    name = StringField("Payer name", validators=[DataRequired(), Length(max=NAME_MAX)])


class PlanForm(Form):
    """A new plan of a payer."""

    name = StringField("Plan name", validators=[DataRequired(), Length(max=NAME_MAX)])
    plan_type = SelectField("Plan type", choices=[("", "—")] + [(t, t) for t in PLAN_TYPES],
                            validators=[Optional()])
