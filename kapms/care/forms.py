"""Forms of the care path. Screen, co-medication and adverse-event fields are generated
from the lists in kapms.care.constants, so the form and the domain guide cannot drift."""

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from kapms.care.constants import (
    ADVERSE_EVENTS,
    CO_MEDICATIONS,
    CONTRAINDICATIONS,
    DECISIONS,
    MODALITIES,
    PRODUCTS,
    ROUTES,
    SESSION_KINDS,
    SEVERITIES,
)
from kapms.web.forms import ClinicTimes, Form, Versioned

NOTE_MAX = 50_000


def _bp(label):
    return IntegerField(label, validators=[Optional(), NumberRange(40, 300)])


def _dia(label):
    return IntegerField(label, validators=[Optional(), NumberRange(20, 200)])


def _hr(label):
    return IntegerField(label, validators=[Optional(), NumberRange(20, 250)])


def _spo2(label):
    return IntegerField(label, validators=[Optional(), NumberRange(50, 100)])


class ClearanceForm(Form):
    """Medical intake: screen, co-medications, baseline vitals, decision and plan."""

    co_medication_notes = StringField("Co-medication details", validators=[Optional(),
                                                                           Length(max=500)])
    bp_systolic = _bp("Systolic BP")
    bp_diastolic = _dia("Diastolic BP")
    heart_rate = _hr("Heart rate")
    spo2 = _spo2("SpO2 %")
    decision = SelectField("Decision", choices=list(DECISIONS.items()))
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])
    override_reason = TextAreaField(
        "Override reason", validators=[Optional(), Length(max=2000)],
        description="Required to clear when an absolute contraindication is answered yes.")
    dosing_count = IntegerField("Dosing sessions in the plan",
                                validators=[Optional(), NumberRange(1, 36)])
    product = SelectField("Product", choices=[("", "—")] + list(PRODUCTS.items()))
    route = SelectField("Route", choices=[("", "—")] + list(ROUTES.items()))
    dose_mg = DecimalField("Dose (mg)", places=2,
                           validators=[Optional(), NumberRange(0.01, 2000)])
    expires_on = DateField("Expires on", validators=[Optional()],
                           description="Leave empty for the default validity.")

    def screen(self) -> dict:
        """The screen answers as the service expects them."""
        return {key: {"yes": self[f"ci_{key}"].data, "notes": self[f"ci_{key}_notes"].data}
                for key, _, _ in CONTRAINDICATIONS}

    def co_medications(self) -> dict:
        """Co-medication classes answered yes/no."""
        return {key: self[f"cm_{key}"].data for key, _ in CO_MEDICATIONS}


for _key, _label, _absolute in CONTRAINDICATIONS:
    setattr(ClearanceForm, f"ci_{_key}", BooleanField(
        _label + (" (absolute)" if _absolute else "")))
    setattr(ClearanceForm, f"ci_{_key}_notes", StringField(
        "Notes", validators=[Optional(), Length(max=500)]))
for _key, _label in CO_MEDICATIONS:
    setattr(ClearanceForm, f"cm_{_key}", BooleanField(_label))


class ReasonForm(Form):
    """A reason (revoking a clearance, cancelling a session)."""

    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


class AmendPlanForm(Versioned, Form):
    """Change the plan's number of dosing sessions."""

    dosing_count = IntegerField("Dosing sessions", validators=[InputRequired(),
                                                               NumberRange(1, 36)])


class PrescriberProfileForm(Form):
    """The prescriber's DEA number and practice address."""

    dea_number = StringField("DEA number", validators=[DataRequired(), Length(max=9)])
    practice_address = StringField("Practice address", validators=[DataRequired(),
                                                                   Length(max=300)])


class PrescriptionForm(Form):
    """The drug fields of a Schedule III prescription (21 CFR 1306.05)."""

    issued_on = DateField("Date issued", validators=[DataRequired()])
    drug_name = StringField("Drug", default="Ketamine HCl",
                            validators=[DataRequired(), Length(max=120)])
    strength = StringField("Strength", validators=[DataRequired(), Length(max=60)])
    dosage_form = StringField("Dosage form", validators=[DataRequired(), Length(max=60)])
    quantity = IntegerField("Quantity", validators=[InputRequired(), NumberRange(1, 1000)])
    directions = TextAreaField("Directions", validators=[DataRequired(), Length(max=1000)])
    refills_authorized = IntegerField("Refills", default=0,
                                      validators=[InputRequired(), NumberRange(0, 99)])


class RefillForm(Form):
    """A refill dispensed."""

    dispensed_on = DateField("Dispensed on", validators=[DataRequired()])


class ScheduleForm(ClinicTimes, Form):
    """Schedule a session (date and time in the clinic's zone)."""

    kind = SelectField("Session", choices=list(SESSION_KINDS.items()))
    clinician_id = SelectField("Clinician", coerce=int, validators=[InputRequired()])
    day = DateField("Date", validators=[DataRequired()])
    start_time = TimeField("Start time", validators=[DataRequired()])
    duration_minutes = IntegerField("Duration (minutes)", default=60,
                                    validators=[InputRequired(), NumberRange(15, 480)])
    modality = SelectField("Modality", choices=list(MODALITIES.items()))
    location = StringField("Location", validators=[Optional(), Length(max=200)])


class RescheduleForm(Versioned, ScheduleForm):
    """Move a scheduled session: the schedule form's fields without the kind (a session
    keeps its kind) and the location, plus the version the editor loaded."""

    kind = None
    location = None


class CompleteForm(Form):
    """Mark a session as held, with the minutes it actually took."""

    actual_minutes = IntegerField("Actual minutes", validators=[Optional(),
                                                                NumberRange(15, 480)])


class DosingForm(ClinicTimes, Form):
    """Everything a dosing session records. Times are clinic-local on the session's day."""

    pre_systolic = IntegerField("Pre-dose systolic", validators=[InputRequired(),
                                                                 NumberRange(40, 300)])
    pre_diastolic = IntegerField("Pre-dose diastolic", validators=[InputRequired(),
                                                                   NumberRange(20, 200)])
    pre_heart_rate = _hr("Pre-dose heart rate")
    pre_spo2 = _spo2("Pre-dose SpO2 %")
    new_contraindication = StringField(
        "New contraindication reported today", validators=[Optional(), Length(max=500)],
        description="Anything entered here holds the dose.")
    location = StringField("Location", validators=[Optional(), Length(max=200)])
    monitored_by = StringField("Monitored by", validators=[Optional(), Length(max=200)])
    chaperone_name = StringField("Chaperone (telehealth)", validators=[Optional(),
                                                                       Length(max=160)])
    chaperone_phone = StringField("Chaperone phone", validators=[Optional(), Length(max=30)])
    checkin_interval_minutes = IntegerField("Check-in every (minutes)",
                                            validators=[Optional(), NumberRange(5, 60)])
    checkins = StringField("Check-in times", validators=[Optional(), Length(max=300)],
                           description="HH:MM, comma-separated")
    mid_systolic = _bp("~40 min systolic")
    mid_diastolic = _dia("~40 min diastolic")
    mid_heart_rate = _hr("~40 min heart rate")
    mid_spo2 = _spo2("~40 min SpO2 %")
    discharge_systolic = _bp("Discharge systolic")
    discharge_diastolic = _dia("Discharge diastolic")
    discharge_heart_rate = _hr("Discharge heart rate")
    discharge_spo2 = _spo2("Discharge SpO2 %")
    product = SelectField("Product", choices=[("", "—")] + list(PRODUCTS.items()))
    route = SelectField("Route", choices=[("", "—")] + list(ROUTES.items()))
    dose_mg = DecimalField("Dose (mg)", places=2, validators=[Optional(),
                                                              NumberRange(0.01, 2000)])
    lot_number = StringField("Lot number", validators=[Optional(), Length(max=60)])
    given_at = TimeField("Time given", validators=[Optional()])
    monitoring_start = TimeField("Monitoring start", validators=[Optional()])
    monitoring_end = TimeField("Monitoring end", validators=[Optional()])
    ready_to_leave_at = TimeField("Ready to leave", validators=[Optional()])
    discharge_stable = BooleanField("Stable at discharge")
    ride_home = BooleanField("Safe ride home arranged")
    no_driving_advised = BooleanField("Told not to drive until the next day")

    def co_medications(self) -> dict:
        """Co-medications taken today, yes/no."""
        return {key: self[f"cm_{key}"].data for key, _ in CO_MEDICATIONS}

    def adverse_events(self) -> list[dict]:
        """Adverse events with a severity chosen."""
        return [{"event": key, "severity": self[f"ae_{key}"].data,
                 "serious": self[f"ae_{key}_serious"].data}
                for key in ADVERSE_EVENTS if self[f"ae_{key}"].data]


for _key, _label in CO_MEDICATIONS:
    setattr(DosingForm, f"cm_{_key}", BooleanField(_label + " today"))
for _key, _label in ADVERSE_EVENTS.items():
    setattr(DosingForm, f"ae_{_key}", SelectField(
        _label, choices=[("", "None")] + list(SEVERITIES.items()), validators=[Optional()]))
    setattr(DosingForm, f"ae_{_key}_serious", BooleanField("Serious"))


class NoteForm(Versioned, Form):
    """The progress note draft, with the version the editor loaded."""

    body = TextAreaField("Progress note", validators=[Optional(), Length(max=NOTE_MAX)])
    sign = SubmitField("Save and sign")


class SignForm(Versioned, Form):
    """Sign the note as loaded."""


class AddendumForm(Form):
    """A signed addendum."""

    body = TextAreaField("Addendum", validators=[DataRequired(), Length(max=NOTE_MAX)])


class ProcessNoteForm(Versioned, Form):
    """A psychotherapy (process) note: private to its author."""

    body = TextAreaField("Psychotherapy note (private)", validators=[DataRequired(),
                                                                    Length(max=NOTE_MAX)])


__all__ = ["AddendumForm", "AmendPlanForm", "ClearanceForm", "CompleteForm", "DosingForm",
           "NoteForm", "PrescriberProfileForm", "PrescriptionForm", "ProcessNoteForm",
           "ReasonForm", "RefillForm", "RescheduleForm", "ScheduleForm", "SignForm"]
