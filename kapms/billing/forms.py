"""Billing forms. Money is typed in dollars and cents and converted to integer cents here;
every field is validated so bad input becomes a form error, never a server error."""

from decimal import Decimal

from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from kapms.billing.codes import SERVICE_CODES
from kapms.billing.models import DOSING_BILLED_AS, NETWORKS, PAYMENT_METHODS, SETTINGS
from kapms.billing.services.estimates import DOSING_MINUTES
from kapms.billing.services.fees import FEE_CODES
from kapms.billing.services.gfe import DEFAULT_SEPARATELY_SCHEDULED, MAX_DOSINGS
from kapms.billing.services.plans import MAX_INSTALLMENTS
from kapms.icd10 import ICD10_LABELS
from kapms.web.forms import Form, QueryForm, Versioned

MAX_DOLLARS = Decimal("1000000")


class Money:
    """Dollars from 0 to MAX_DOLLARS with at most two decimal places (whole cents)."""

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if not value.is_finite() or value < 0 or value > MAX_DOLLARS:
            raise StopValidation(f"Enter an amount from $0 to ${MAX_DOLLARS:,}.")
        if value != value.quantize(Decimal("0.01")):
            raise StopValidation("Use at most two decimal places (whole cents).")


class Percent:
    """A percentage from 0 to 100 with at most two decimal places."""

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if not value.is_finite() or not 0 <= value <= 100:
            raise StopValidation("Enter a percentage from 0 to 100.")
        if value != value.quantize(Decimal("0.01")):
            raise StopValidation("Use at most two decimal places.")


def money_field(label: str, required: bool = True, **kwargs) -> DecimalField:
    """A dollars field (places=2) that must be whole cents from 0 up."""
    first = InputRequired(message="Enter an amount.") if required else Optional()
    return DecimalField(label, places=2, validators=[first, Money()], **kwargs)


def cents(value: Decimal | None) -> int | None:
    """Dollars (validated by Money) to integer cents; None stays None."""
    return None if value is None else int((value * 100).to_integral_value())


def fraction(percent: Decimal | None) -> Decimal | None:
    """A percentage (validated by Percent) to a fraction; None stays None."""
    return None if percent is None else percent / 100


def percent_field(label: str, required: bool = True, **kwargs) -> DecimalField:
    """A percentage from 0 to 100 with at most two decimals."""
    first = InputRequired(message="Enter a percentage.") if required else Optional()
    return DecimalField(label, places=2, validators=[first, Percent()], **kwargs)


DOSING_LENGTHS = [(m, f"{m // 60} hour{'s' if m > 60 else ''}" if m % 60 == 0
                   else f"{m / 60:.1f} hours") for m in DOSING_MINUTES]


class BenefitsForm(Form):
    """A verification of the patient's plan benefits, as of a date."""

    as_of = DateField("Benefits as of", validators=[InputRequired()])
    in_network = SelectField("Network", choices=[("1", "In network"), ("0", "Out of network")],
                             default="1")
    deductible = money_field("Deductible ($)")
    deductible_met = money_field("Deductible met so far ($)")
    plan_year_start = DateField("Plan year starts", validators=[Optional()],
                                description="First day of the plan year these amounts are "
                                            "for; empty: 1 January")
    coinsurance = percent_field("Coinsurance (%)",
                                description="The patient's share after the deductible, e.g. 20")
    oop_max = money_field("Out-of-pocket maximum ($)")
    oop_met = money_field("Out-of-pocket met so far ($)")
    copay_office_visit = money_field("Copay: medical visits ($)", required=False,
                                     description="Leave empty when there is no copay")
    copay_psychotherapy = money_field("Copay: psychotherapy ($)", required=False)
    copay_monitoring = money_field("Copay: dosing monitoring ($)", required=False)
    copay_bypasses_deductible = BooleanField("Copays apply before the deductible is met",
                                             default=True)
    medication_covered = BooleanField("Plan covers the ketamine medication")
    oon_covered = BooleanField("The plan pays out of network")
    oon_deductible = money_field("Out-of-network deductible ($)", required=False)
    oon_deductible_met = money_field("Out-of-network deductible met ($)", required=False)
    oon_coinsurance = percent_field("Out-of-network coinsurance (%)", required=False)
    oon_oop_max = money_field("Out-of-network out-of-pocket maximum ($)", required=False)
    oon_oop_met = money_field("Out-of-network out-of-pocket met ($)", required=False)
    oon_allowed_share = percent_field(
        "Out of network, the plan allows (% of the charge)", required=False,
        description="Leave empty when the plan has an out-of-network fee schedule")
    reference = StringField("Verification reference", validators=[Optional(), Length(max=80)])


class EstimateForm(Form):
    """Recompute the whole-course estimate."""

    start_date = DateField("Course starts", validators=[InputRequired()])
    basis = SelectField("Based on", choices=[
        ("template", "Typical course (6 to 8 dosings)"),
        ("plan", "The patient's treatment plan")], default="template")
    session_minutes = SelectField("Preparation and integration sessions", coerce=int, choices=[
        (60, "60 minutes (90837)"), (45, "45 minutes (90834)")], default=60)
    dosing_minutes = SelectField("Dosing sessions last", coerce=int, choices=DOSING_LENGTHS)
    dosing_setting = SelectField("Dosings happen", choices=list(SETTINGS.items()),
                                 default="office")
    compare_networks = BooleanField("Also price the other network side by side")


class PaymentPlanForm(Form):
    """A balance split into an upfront amount and monthly installments."""

    balance = money_field("Balance ($)")
    upfront = money_field("Upfront payment ($)")
    installments = IntegerField("Monthly installments", default=6,
                                validators=[InputRequired(), NumberRange(min=0, max=MAX_INSTALLMENTS)])
    first_due = DateField("Upfront due on", validators=[InputRequired()],
                          description="Installments follow monthly from this date")


class PaymentForm(Form):
    """Money received against a plan."""

    amount = money_field("Amount ($)")
    paid_on = DateField("Paid on", validators=[InputRequired()])
    method = SelectField("Method", choices=list(PAYMENT_METHODS.items()))
    reference = StringField("Reference", validators=[Optional(), Length(max=80)],
                            description="e.g. last four card digits or check number")


class GfeForm(Form):
    """Issue a Good Faith Estimate."""

    primary_service_date = DateField("Medical intake (primary service) date",
                                     validators=[InputRequired()])
    scheduled_on = DateField("Scheduled on", validators=[Optional()])
    requested_on = DateField("Estimate requested on", validators=[Optional()],
                             description="If the patient asked for an estimate")
    dosings = IntegerField("Dosings expected", default=8,
                           validators=[InputRequired(), NumberRange(min=1, max=MAX_DOSINGS)])
    dosing_minutes = SelectField("Dosing sessions last", coerce=int, choices=DOSING_LENGTHS)
    dosing_setting = SelectField("Dosings happen", choices=list(SETTINGS.items()),
                                 default="office")
    diagnosis_code = SelectField("Diagnosis", choices=[
        (code, f"{code} {text}") for code, text in ICD10_LABELS.items()])
    separately_scheduled = TextAreaField("Services scheduled separately",
                                         default=DEFAULT_SEPARATELY_SCHEDULED,
                                         validators=[InputRequired(), Length(max=2000)])
    self_pay_election = BooleanField("The patient has insurance but chose to pay privately")


class SuperbillForm(QueryForm):
    """The date range of a superbill (a GET form: nothing changes)."""

    start = DateField("From", validators=[InputRequired()])
    end = DateField("To", validators=[InputRequired()])


def as_dollars(value_cents: int | None) -> Decimal | None:
    """Integer cents to a Decimal dollars value for a form default (never a float)."""
    return None if value_cents is None else Decimal(value_cents) / 100


class VoidPaymentForm(Form):
    """Why a payment recorded in error is voided."""

    reason = StringField("Reason", validators=[InputRequired(), Length(max=200)])


def code_field_name(code: str) -> str:
    """Form field name for a service code ("MED-KETAMINE" -> "code_MED_KETAMINE")."""
    return "code_" + code.replace("-", "_")


class FeeScheduleForm(Form):
    """A fee schedule: network, dates, how dosings are billed, and an amount for every
    service code (the amount fields are added per code below)."""

    network = SelectField("Network", choices=list(NETWORKS.items()), default="in",
                          description="Private pay has no network: leave it in network")
    dosing_billed_as = SelectField("A dosing session is billed as",
                                   choices=list(DOSING_BILLED_AS.items()), default="monitoring")
    effective_from = DateField("Effective from", validators=[InputRequired()])
    effective_to = DateField("Effective to (optional)", validators=[Optional()],
                             description="Leave empty until a newer schedule replaces it")

    def amounts_cents(self) -> dict[str, int]:
        """Allowed cents per unit by code, from the validated dollar fields."""
        return {code: cents(getattr(self, code_field_name(code)).data) for code in FEE_CODES}

    def code_fields(self):
        """(code, field) pairs in the schedule's order."""
        return [(code, getattr(self, code_field_name(code))) for code in FEE_CODES]


for _code in FEE_CODES:
    setattr(FeeScheduleForm, code_field_name(_code),
            money_field(f"{_code} {SERVICE_CODES[_code][0]} ($)"))


class ClaimsForm(Form):
    """The dates of service to claim."""

    start = DateField("From", validators=[InputRequired()])
    end = DateField("To", validators=[InputRequired()])


class RemittanceForm(Versioned, Form):
    """The payer's answer to a claim, posted by hand."""

    status = SelectField("Payer's answer", choices=[("paid", "Paid"), ("denied", "Denied")])
    allowed = money_field("Allowed amount ($)", required=False,
                          description="Empty for a denial")
    paid = money_field("Paid by the payer ($)")
    patient_share = money_field("Patient's share ($)",
                                description="Deductible, coinsurance and copay the payer "
                                            "assigned to the patient")
    posted_on = DateField("Paid or denied on", validators=[InputRequired()])
    reference = StringField("Check, EFT or payer claim number",
                            validators=[Optional(), Length(max=80)])
    denial_reason = StringField("Denial reason", validators=[Optional(), Length(max=200)])


class RemittanceFileForm(Form):
    """An 835 remittance file from the payer or clearinghouse."""

    file = FileField("835 remittance file", validators=[
        FileRequired("Choose the 835 file."),
        FileSize(max_size=2 * 1024 * 1024, message="An 835 file of at most 2 MB.")])
