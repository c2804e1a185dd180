"""Admin forms for payers, plans and fee schedules."""

from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from kapms.billing.codes import SERVICE_CODES
from kapms.billing.forms import money_field
from kapms.billing.services.fees import FEE_CODES
from kapms.web.forms import Form

PLAN_TYPES = ["PPO", "HMO", "EPO", "POS", "HDHP", "Medicare", "Medicaid", "Other"]


class PayerForm(Form):
    """A new payer."""

    name = StringField("Payer name", validators=[DataRequired(), Length(max=120)])


class PlanForm(Form):
    """A new plan of a payer."""

    name = StringField("Plan name", validators=[DataRequired(), Length(max=120)])
    plan_type = SelectField("Plan type", choices=[("", "—")] + [(t, t) for t in PLAN_TYPES],
                            validators=[Optional()])


def code_field_name(code: str) -> str:
    """Form field name for a service code ("MED-KETAMINE" -> "code_MED_KETAMINE")."""
    return "code_" + code.replace("-", "_")


class FeeScheduleBase(Form):
    """Dates of a fee schedule; the amount fields are added per code below."""

    effective_from = DateField("Effective from", validators=[DataRequired()])
    effective_to = DateField("Effective to (optional)", validators=[Optional()],
                             description="Leave empty until a newer schedule replaces it")

    def amounts_cents(self) -> dict[str, int]:
        """Allowed cents per unit by code, from the validated dollar fields."""
        from kapms.billing.forms import cents

        return {code: cents(getattr(self, code_field_name(code)).data) for code in FEE_CODES}

    def code_fields(self):
        """(code, field) pairs in the schedule's order."""
        return [(code, getattr(self, code_field_name(code))) for code in FEE_CODES]


class FeeScheduleForm(FeeScheduleBase):
    """A fee schedule: dates and an allowed amount for every service code."""


for _code in FEE_CODES:
    setattr(FeeScheduleForm, code_field_name(_code),
            money_field(f"{_code} {SERVICE_CODES[_code][0]} ($)"))
