"""Forms for registering and editing patients (care-team forms are the network's)."""

from wtforms import DateField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import RadioInput

from kapms.icd10 import ICD10_LABELS
from kapms.patients.models import CARE_MODALITIES, GENDER_IDENTITIES, SEX_AT_BIRTH, URGENCIES
from kapms.web.forms import Form, IdField, Versioned


def diagnosis_choices() -> list[tuple[str, str]]:
    """ICD-10 codes with their plain-language labels (kapms.icd10, shared)."""
    return [("", "Not yet known")] + [(code, f"{code} · {label}")
                                      for code, label in ICD10_LABELS.items()]


class PatientForm(Versioned, Form):
    """Demographics, emergency contact, diagnosis and coverage. Choices are set by the view."""

    first_name = StringField("First name", validators=[DataRequired(), Length(max=80)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=80)])
    date_of_birth = DateField("Date of birth", validators=[DataRequired(
        message="Enter the date of birth (YYYY-MM-DD).")])
    sex_at_birth = SelectField("Sex at birth (optional)",
                               choices=[("", "Not recorded"), *SEX_AT_BIRTH.items()],
                               validators=[Optional()])
    gender_identity = SelectField("Gender identity (optional)",
                                  choices=[("", "Not recorded"), *GENDER_IDENTITIES.items()],
                                  validators=[Optional()])
    address_line1 = StringField("Address", validators=[DataRequired(), Length(max=200)])
    address_line2 = StringField("Address line 2", validators=[Optional(), Length(max=200)])
    city = StringField("City", validators=[DataRequired(), Length(max=100)])
    state = StringField("State", validators=[DataRequired(), Regexp(
        r"^[A-Za-z]{2}$", message="Use the two-letter state code, e.g. CA.")])
    postal_code = StringField("ZIP code", validators=[DataRequired(), Regexp(
        r"^\d{5}(-\d{4})?$", message="Use a 5-digit ZIP code.")])
    phone = StringField("Phone", validators=[Optional(), Length(max=30)])
    email = EmailField("Email", validators=[Optional(), Email(), Length(max=254)])
    preferred_language = StringField("Preferred language", default="English",
                                     validators=[DataRequired(), Length(max=40)])
    emergency_contact_name = StringField("Emergency contact", validators=[Optional(),
                                                                          Length(max=160)])
    emergency_contact_phone = StringField("Emergency contact phone",
                                          validators=[Optional(), Length(max=30)])
    emergency_contact_relation = StringField("Relation", validators=[Optional(),
                                                                     Length(max=60)])
    diagnosis_code = SelectField("Primary diagnosis (ICD-10)", choices=diagnosis_choices(),
                                 validators=[Optional()])
    plan_id = SelectField("Insurance", coerce=int, validators=[InputRequired()])
    member_id = StringField("Member id", validators=[Optional(), Length(max=40)])
    care_modality = SelectField("Wants to be seen", choices=list(CARE_MODALITIES.items()),
                                default="either")
    urgency = SelectField("Urgency", choices=list(URGENCIES.items()), default="routine")


class ChosenIdField(IdField):
    """A record id chosen with radio buttons the template draws: read like an IdField, but
    not a hidden input (``hidden_tag`` would add an empty twin of the choice)."""

    widget = RadioInput()


class RegisterPatientForm(PatientForm):
    """Registration adds, for admins, the therapist to assign (0 or none: a referral, none
    yet), chosen from a paged, searchable list of the therapists eligible for the state and
    coverage entered (the view draws it; the service checks eligibility again)."""

    therapist_id = ChosenIdField("Therapist")
    therapist_q = StringField("Therapist's name", validators=[Optional(), Length(max=100)])
    therapist_page = IntegerField(validators=[Optional(), NumberRange(1, 100_000)])
    version = None  # a new chart: nothing to be stale against
