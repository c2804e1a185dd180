"""Admin forms for payers and plans."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

PLAN_TYPES = ["PPO", "HMO", "EPO", "POS", "HDHP", "Medicare", "Medicaid", "Other"]


class PayerForm(FlaskForm):
    """A new payer."""

    name = StringField("Payer name", validators=[DataRequired(), Length(max=120)])


class PlanForm(FlaskForm):
    """A new plan of a payer."""

    name = StringField("Plan name", validators=[DataRequired(), Length(max=120)])
    plan_type = SelectField("Plan type", choices=[("", "—")] + [(t, t) for t in PLAN_TYPES],
                            validators=[Optional()])
