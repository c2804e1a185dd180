"""Forms of the network pages: directory profile, match request, offers and CSV import.

Licences and weekly availability are typed one per line in the same syntax the CSV import
uses (see kapms.network.parsing), so both are validated by the same parsers.
"""

import math

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from kapms.network import parsing
from kapms.network.cities import CITIES
from kapms.network.matching import MAX_RADIUS_MILES, RADIUS_MILES
from kapms.network.services.profiles import MAX_CAPACITY, ProfileData
from kapms.network.vocabulary import MODALITIES, SPECIALTIES
from kapms.web.forms import Form, IdField, QueryForm, Versioned


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (rendered by the forms macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _parsed(parser):
    """A validator running a kapms.network.parsing function over the field's text."""

    def check(form, field):
        try:
            parser(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    return check


def _finite(form, field):
    """NumberRange lets "nan" through (every comparison with it is false)."""
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError("Enter a number.")


def _specialty_choices():
    return list(SPECIALTIES.items())


class ProfileForm(Versioned, Form):
    """A clinician's directory profile."""

    kind = SelectField("Listed as", choices=[("therapist", "Therapist"),
                                             ("prescriber", "Prescriber")])
    npi = StringField("NPI", validators=[Optional(), Length(min=10, max=10)])
    licences = TextAreaField(
        "Licences", validators=[DataRequired(), Length(max=2000), _parsed(parsing.parse_licences)],
        description="One per line: TYPE NUMBER STATE EXPIRY, e.g. LMFT 12345 CA 2027-06-30. "
                    "An expired licence does not count for matching.")
    kap_course = StringField("KAP training course", validators=[Optional(), Length(max=200)])
    kap_trained_on = DateField("KAP training completed on", validators=[Optional()])
    plan_ids = CheckboxListField("Insurance plans accepted (in network)", coerce=int,
                                 validate_choice=True)
    accepts_private_pay = BooleanField("Accepts private pay")
    private_pay_rate = StringField("Private pay rate per session ($)",
                                   validators=[Optional(), _parsed(
                                       lambda t: parsing.parse_cents(t, "Rate"))])
    in_office = BooleanField("Sees patients in office")
    office_address = StringField("Office address", validators=[Optional(), Length(max=300)])
    latitude = FloatField("Office latitude", validators=[Optional(), _finite, NumberRange(-90, 90)])
    longitude = FloatField("Office longitude", validators=[Optional(), _finite, NumberRange(-180, 180)])
    telehealth = BooleanField("Offers telehealth")
    specialties = CheckboxListField("Specialties", choices=_specialty_choices())
    languages = StringField("Languages", default="English",
                            validators=[Length(max=200), _parsed(parsing.parse_languages)],
                            description="Comma-separated, e.g. English, Spanish")
    accepting_new = BooleanField("Accepting new patients", default=True)
    capacity = IntegerField("Capacity (maximum active KAP patients)", default=10,
                            validators=[DataRequired(message="Give a capacity."),
                                        NumberRange(0, MAX_CAPACITY)])
    availability = TextAreaField(
        "Weekly availability", validators=[Length(max=2000), _parsed(parsing.parse_slots)],
        description="One block per line in your local time, e.g. Tue 09:00-12:00")

    def to_data(self) -> ProfileData:
        """The validated form as plain values."""
        return ProfileData(
            kind=self.kind.data, npi=self.npi.data or None,
            kap_course=self.kap_course.data or None, kap_trained_on=self.kap_trained_on.data,
            accepts_private_pay=self.accepts_private_pay.data,
            private_pay_rate_cents=parsing.parse_cents(self.private_pay_rate.data, "Rate"),
            in_office=self.in_office.data, office_address=self.office_address.data or None,
            latitude=self.latitude.data, longitude=self.longitude.data,
            telehealth=self.telehealth.data, specialties=list(self.specialties.data or []),
            languages=parsing.parse_languages(self.languages.data) or ["English"],
            accepting_new=self.accepting_new.data, capacity=self.capacity.data,
            licences=parsing.parse_licences(self.licences.data),
            plan_ids=list(self.plan_ids.data or []),
            availability=parsing.parse_slots(self.availability.data))


class MatchForm(QueryForm):
    """A match request, for a patient (prefilled) or anonymous. Sent by GET: a search."""

    patient_id = IdField()
    state = SelectField("State", choices=[(s, s) for s in sorted(parsing.US_STATES)],
                        default="CA")
    plan_id = SelectField("Insurance", coerce=int, default=0)
    modality = SelectField("Modality", choices=list(MODALITIES.items()), default="either")
    city = SelectField("Near", choices=[("", "Coordinates below / none")] +
                       [(c, c) for c in CITIES], default="")
    latitude = FloatField("Latitude", validators=[Optional(), _finite, NumberRange(-90, 90)])
    longitude = FloatField("Longitude", validators=[Optional(), _finite, NumberRange(-180, 180)])
    max_distance = IntegerField("Maximum distance (miles)", default=RADIUS_MILES,
                                validators=[Optional(), NumberRange(1, MAX_RADIUS_MILES)])
    needs = CheckboxListField("Needs", choices=_specialty_choices())
    language = StringField("Preferred language", validators=[Optional(), Length(max=40)])

    def location(self) -> tuple[float | None, float | None]:
        """(lat, lon) from the city list or the coordinates."""
        if self.city.data:
            return CITIES[self.city.data]
        return self.latitude.data, self.longitude.data

    def validate_latitude(self, field):
        """Both coordinates or neither."""
        if (field.data is None) != (self.longitude.data is None):
            raise ValidationError("Give both latitude and longitude, or neither.")

    def validate_modality(self, field):
        """In-office care needs to know where the patient is."""
        if field.data == "in_office" and self.location() == (None, None):
            raise ValidationError("For in-office care, pick a city or give coordinates.")


OVERRIDE_HELP = ("Admins only: assign or offer a clinician the eligibility rule refuses, "
                 "saying why (kept with the care team).")


class OfferForm(Form):
    """Offer the patient to a clinician (from a match or the prescriber list)."""

    clinician_id = IdField(validators=[DataRequired()])
    role = HiddenField(validators=[DataRequired()])
    note = StringField("Note to the clinician", validators=[Optional(), Length(max=500)])
    private_pay = HiddenField()  # "1": offered out of network, the patient pays privately
    override_reason = StringField("Override reason", validators=[Optional(), Length(max=500)],
                                  description=OVERRIDE_HELP)


class EligibleSearchForm(QueryForm):
    """The care-team page's search of the clinicians eligible for the patient (GET)."""

    role = SelectField("Eligible", choices=[("therapist", "Therapists"),
                                            ("prescriber", "Prescribers")],
                       default="therapist")
    q = StringField("Name", validators=[Optional(), Length(max=100)])


class CareTeamForm(Form):
    """Assign (admins) or invite (care-team members) a clinician to the care team.

    The list holds the clinicians eligible for this patient; an admin overriding the rule
    names anyone else by email.
    """

    user_id = SelectField("Clinician", coerce=int, validators=[Optional()],
                          validate_choice=False)  # the eligibility rule says why not
    email = StringField("Or by email", validators=[Optional(), Length(max=254)])
    role = SelectField("Role", choices=[("prescriber", "Prescriber"), ("therapist", "Therapist")])
    note = StringField("Note to the clinician", validators=[Optional(), Length(max=500)])
    private_pay = BooleanField("The patient pays this clinician privately (out of network)")
    override_reason = StringField("Override reason", validators=[Optional(), Length(max=500)],
                                  description=OVERRIDE_HELP)


class DepartureForm(Form):
    """A clinician leaves the care team: why, from when, and what becomes of the sessions.

    With a successor it is a transfer; without, a removal (sessions go to another member of
    the same role or are cancelled with notice).
    """

    reason = StringField("Reason", validators=[DataRequired(message="Say why."),
                                               Length(max=500)])
    effective = DateField("Effective from", validators=[DataRequired(
        message="Give the day it takes effect (YYYY-MM-DD).")])
    successor_id = SelectField("Transfer to", coerce=int, validators=[Optional()])
    sessions = SelectField("Their scheduled sessions from that day", choices=[
        ("reassign", "Move to the successor (or the other member of that role)"),
        ("cancel", "Cancel, with this notice to the patient")])
    reassign_to = SelectField("Other member taking the sessions", coerce=int,
                              validators=[Optional()])
    notice = TextAreaField("Notice to the patient", validators=[Optional(), Length(max=1000)])
    private_pay = BooleanField("The patient pays the successor privately (out of network)")
    override_reason = StringField("Override reason for the successor",
                                  validators=[Optional(), Length(max=500)],
                                  description=OVERRIDE_HELP)


class DeclineForm(Form):
    """Decline an offer, saying why."""

    reason = TextAreaField("Reason", validators=[DataRequired(message="Say why you decline."),
                                                 Length(max=500)])


class ImportForm(Form):
    """Upload a directory CSV."""

    file = FileField("Directory CSV", validators=[FileRequired()])


class ConfirmForm(Form):
    """A button that posts (accept, withdraw): only the CSRF token."""
