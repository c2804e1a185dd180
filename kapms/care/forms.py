"""Forms of the care path. Screen, co-medication and adverse-event fields are generated
from the lists in kapms.care.constants, so the form and the domain guide cannot drift."""

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from kapms.care.constants import (
    ADVERSE_EVENTS,
    CHECKIN_STATUSES,
    CO_MEDICATIONS,
    CONTRAINDICATIONS,
    DECISIONS,
    DOSING_SETTINGS,
    END_KINDS,
    MAX_DOSINGS,
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
    MISSED_STATUSES,
    MODALITIES,
    PRODUCTS,
    REPEATS,
    ROUTES,
    SESSION_KINDS,
    SEVERITIES,
)
from kapms.care.rules import VITAL_RANGES
from kapms.web.forms import ClinicTimes, Form, Versioned, VersionField, version_of

NOTE_MAX = 50_000
YES_NO = [("yes", "Yes"), ("no", "No")]


def _vital(name: str, label: str):
    low, high = VITAL_RANGES[name]
    return IntegerField(label, validators=[Optional(), NumberRange(low, high)])


def _bp(label):
    return _vital("systolic", label)


def _dia(label):
    return _vital("diastolic", label)


def _hr(label):
    return _vital("heart_rate", label)


def _spo2(label):
    return _vital("spo2", label)


def yes_no(label: str) -> RadioField:
    """A yes / no question with nothing preselected ("not answered" stays visible)."""
    return RadioField(label, choices=YES_NO, validate_choice=False)


def answer(field) -> bool | None:
    """A yes / no field's answer: True, False or None when not answered."""
    return {"yes": True, "no": False}.get(field.data)


def required_choice(label: str, choices, message: str = "Choose one.") -> RadioField:
    """A set of large buttons, one of which must be chosen (none preselected)."""
    return RadioField(label, choices=choices, invalid_choice_message=message)


def time_now(label: str, required: bool = True) -> TimeField:
    """A clinic-local time of day on the session's day (the page adds a "now" button)."""
    return TimeField(label, validators=[InputRequired("Enter the time.") if required
                                        else Optional()],
                     render_kw={"data-now": "1"})


class ClearanceForm(Form):
    """Medical intake: every screen item yes / no, co-medications, baseline vitals, the
    decision (none preselected) and the plan."""

    co_medication_notes = StringField("Co-medication details", validators=[Optional(),
                                                                           Length(max=500)])
    bp_systolic = _bp("Systolic BP")
    bp_diastolic = _dia("Diastolic BP")
    heart_rate = _hr("Heart rate")
    spo2 = _spo2("SpO2 %")
    weight_kg = DecimalField("Weight (kg, optional)", places=1,
                             validators=[Optional(), NumberRange(20, 400)])
    decision = SelectField("Decision", choices=[("", "— choose —")] + list(DECISIONS.items()),
                           validators=[InputRequired("Choose the decision.")])
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])
    override_reason = TextAreaField(
        "Override reason", validators=[Optional(), Length(max=2000)],
        description="Required to clear when any contraindication is answered yes.")
    dosing_count = IntegerField("Dosing sessions in the plan",
                                validators=[Optional(), NumberRange(1, MAX_DOSINGS)])
    product = SelectField("Product", choices=[("", "—")] + list(PRODUCTS.items()))
    route = SelectField("Route", choices=[("", "—")] + list(ROUTES.items()))
    dose_mg = DecimalField("Dose (mg)", places=2,
                           validators=[Optional(), NumberRange(0.01, 2000)])
    expires_on = DateField("Expires on", validators=[Optional()],
                           description="Leave empty for the default validity.")

    def screen(self) -> dict:
        """The screen answers as the service expects them (yes: None when not answered)."""
        return {key: {"yes": answer(self[f"ci_{key}"]), "notes": self[f"ci_{key}_notes"].data}
                for key, _ in CONTRAINDICATIONS}

    def co_medications(self) -> dict:
        """Co-medication classes: True, False or None (not answered)."""
        return {key: answer(self[f"cm_{key}"]) for key, _ in CO_MEDICATIONS}


for _key, _label in CONTRAINDICATIONS:
    setattr(ClearanceForm, f"ci_{_key}", yes_no(_label))
    setattr(ClearanceForm, f"ci_{_key}_notes", StringField(
        "Notes", validators=[Optional(), Length(max=500)]))
for _key, _label in CO_MEDICATIONS:
    setattr(ClearanceForm, f"cm_{_key}", yes_no(_label))


class ReasonForm(Form):
    """A reason (revoking a clearance, cancelling a session)."""

    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


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
    """Schedule a session (date and time in the clinic's zone), once or repeating. No kind
    is chosen for the user: a wrong default would book the wrong session silently."""

    kind = SelectField("Session", choices=[("", "Choose the kind of session")]
                       + list(SESSION_KINDS.items()),
                       validators=[InputRequired(message="Choose the kind of session.")])
    clinician_id = SelectField("Clinician", coerce=int, validators=[InputRequired()])
    day = DateField("Date", validators=[DataRequired()])
    start_time = TimeField("Start time", validators=[DataRequired()])
    duration_minutes = IntegerField("Duration (minutes)", default=60, validators=[
        InputRequired(), NumberRange(MIN_SESSION_MINUTES, MAX_SESSION_MINUTES)])
    modality = SelectField("Modality", choices=list(MODALITIES.items()))
    location = StringField("Location", validators=[Optional(), Length(max=200)])
    repeat = SelectField("Repeats", choices=list(REPEATS.items()), coerce=int, default=0)
    repeat_count = IntegerField("Number of sessions", validators=[Optional(), NumberRange(2, 52)],
                                description="For a repeating session: how many, or give an "
                                            "end date instead.")
    repeat_until = DateField("Until (date)", validators=[Optional()])
    record_past = BooleanField("It already took place (entered afterwards)")

    def validate_repeat(self, field):
        """A repeating session needs how many or until when (one of the two)."""
        if field.data and (self.repeat_count.data is None) == (self.repeat_until.data is None):
            raise ValidationError("For a repeating session, give the number of sessions or "
                                  "an end date (one of the two).")


class RescheduleForm(Versioned, ScheduleForm):
    """Move a scheduled session: the schedule form's date, time, duration, modality and
    clinician (a session keeps its kind and location; one occurrence of a series moves
    alone), plus the version the editor loaded."""

    kind = None
    location = None
    repeat = None
    repeat_count = None
    repeat_until = None
    record_past = None


class MissedForm(Form):
    """Record a missed appointment: a no-show or a late cancellation by the patient."""

    status = RadioField("What happened", choices=list(MISSED_STATUSES.items()),
                        validators=[InputRequired(message="Choose no-show or late "
                                                          "cancellation.")])
    note = StringField("Note", validators=[Optional(), Length(max=500)])


class CompleteForm(Form):
    """Mark a session as held, with the minutes it actually took."""

    actual_minutes = IntegerField("Actual minutes", validators=[
        Optional(), NumberRange(MIN_SESSION_MINUTES, MAX_SESSION_MINUTES)])
    # Part of the visit, so shorter than the longest visit (rules.psychotherapy_refusal).
    psychotherapy_minutes = IntegerField("Psychotherapy within the visit (minutes)",
                                         validators=[Optional(),
                                                     NumberRange(0, MAX_SESSION_MINUTES - 1)])


# --- the live dosing record: one form per phase -------------------------------------------

class CheckInForm(ClinicTimes, Form):
    """Check-in: setting, who monitors, chaperone, co-medications today, any new
    contraindication and the pre-dose vitals. Saving it makes the hold decision."""

    checked_in_at = time_now("Checked in at")
    setting = required_choice("Setting", list(DOSING_SETTINGS.items()), "Choose the setting.")
    location = StringField("Location", validators=[Optional(), Length(max=200)])
    monitored_by = StringField("Monitored by", validators=[Optional(), Length(max=200)])
    monitoring_staff = IntegerField("Staff monitoring", default=1,
                                    validators=[InputRequired(), NumberRange(1, 10)])
    monitoring_clinicians = IntegerField(
        "Of them, clinicians", default=1, validators=[InputRequired(), NumberRange(1, 10)],
        description="Physicians or qualified clinicians, you included; the rest are "
                    "clinical staff.")
    chaperone_name = StringField("Chaperone (peer treatment monitor)",
                                 validators=[Optional(), Length(max=160)],
                                 description="Telehealth and at home: who sits with the patient.")
    chaperone_phone = StringField("Chaperone phone", validators=[Optional(), Length(max=30)],
                                  render_kw={"type": "tel", "autocomplete": "off"})
    new_contraindication = TextAreaField(
        "New contraindication reported today", validators=[Optional(), Length(max=500)],
        description="Anything entered here holds the dose.", render_kw={"rows": 2})
    pre_systolic = _bp("Pre-dose systolic")
    pre_diastolic = _dia("Pre-dose diastolic")
    pre_heart_rate = _hr("Pre-dose heart rate")
    pre_spo2 = _spo2("Pre-dose SpO2 %")

    def co_medications(self) -> dict:
        """Co-medications taken today: True, False or None (not answered)."""
        return {key: answer(self[f"cm_{key}"]) for key, _ in CO_MEDICATIONS}


for _key, _label in CO_MEDICATIONS:
    setattr(CheckInForm, f"cm_{_key}", yes_no(f"{_label} today"))


class AdministrationForm(ClinicTimes, Versioned, Form):
    """The dose given, checked against the plan."""

    given_at = time_now("Time given")
    product = SelectField("Product", choices=[("", "—")] + list(PRODUCTS.items()))
    route = SelectField("Route", choices=[("", "—")] + list(ROUTES.items()))
    dose_mg = DecimalField("Dose (mg)", places=2, validators=[InputRequired("Enter the dose."),
                                                              NumberRange(0.01, 2000)])
    lot_number = StringField("Lot number", validators=[Optional(), Length(max=60)])
    sedation_reason = TextAreaField(
        "Reason to dose despite the sedating co-medication",
        validators=[Optional(), Length(max=1000)], render_kw={"rows": 2})


class HoldForm(Versioned, Form):
    """Hold the dose instead of giving it."""

    reason = TextAreaField("Reason for holding", validators=[DataRequired(), Length(max=1000)],
                           render_kw={"rows": 2})


class VitalsForm(ClinicTimes, Versioned, Form):
    """A vitals reading during monitoring."""

    kind = required_choice("Reading", [("mid", "~40 minutes"), ("extra", "Additional")])
    taken_at = time_now("Taken at")
    systolic = _bp("Systolic")
    diastolic = _dia("Diastolic")
    heart_rate = _hr("Heart rate")
    spo2 = _spo2("SpO2 %")


class AdverseEventForm(ClinicTimes, Versioned, Form):
    """An adverse event as it happens."""

    kind = SelectField("Adverse event", choices=[("", "— choose —")]
                       + list(ADVERSE_EVENTS.items()),
                       validators=[InputRequired("Choose the adverse event.")])
    severity = required_choice("Severity", list(SEVERITIES.items()), "Choose the severity.")
    serious = BooleanField("Serious")
    occurred_at = time_now("Time")
    notes = StringField("Notes", validators=[Optional(), Length(max=500)])
    late_reason = StringField("Reason for the late entry (after closing)",
                              validators=[Optional(), Length(max=500)])


class ChaperoneCheckinForm(ClinicTimes, Versioned, Form):
    """A chaperone check-in (telehealth, at home)."""

    at = time_now("Time")
    by = StringField("By", validators=[Optional(), Length(max=160)])
    status = required_choice("Status", list(CHECKIN_STATUSES.items()), "Choose OK or concern.")
    note = StringField("Note", validators=[Optional(), Length(max=500)])


class DischargeForm(ClinicTimes, Versioned, Form):
    """Discharge: vitals, checks and the time."""

    discharged_at = time_now("Discharged at")
    ready_to_leave_at = time_now("Ready to leave at (optional)", required=False)
    systolic = _bp("Discharge systolic")
    diastolic = _dia("Discharge diastolic")
    heart_rate = _hr("Discharge heart rate")
    spo2 = _spo2("Discharge SpO2 %")
    stable = BooleanField("Stable for discharge")
    ride_home = BooleanField("Safe ride home arranged")
    no_driving_advised = BooleanField("Told not to drive until the next day")


class EndEarlyForm(ClinicTimes, Versioned, Form):
    """Close a session in monitoring that cannot end in a discharge (transfer, left)."""

    kind = required_choice("How the session ended", list(END_KINDS.items()),
                           "Choose how the session ended.")
    ended_at = time_now("Ended at")
    reason = TextAreaField("What happened", validators=[DataRequired(), Length(max=2000)],
                           render_kw={"rows": 3})
    transferred_to = StringField("Transferred to (emergency transfer)",
                                 validators=[Optional(), Length(max=200)])
    systolic = _bp("Last systolic (if taken)")
    diastolic = _dia("Last diastolic")
    heart_rate = _hr("Last heart rate")
    spo2 = _spo2("Last SpO2 %")
    ride_home = BooleanField("A safe ride home is arranged")
    no_driving_advised = BooleanField("Told not to drive until the next day")


class AmendForm(Versioned, Form):
    """Correct one recorded value, with a reason (the old value is kept)."""

    target = SelectField("Value to correct", choices=[],
                         validators=[InputRequired("Choose the value to correct.")])
    new_value = StringField("Corrected value", validators=[Optional(), Length(max=500)],
                            description="Times as HH:MM; choices by name.")
    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])
    confirm_deviation = BooleanField("The medication corrected departs from the plan and is "
                                     "what was given (the prescriber signs it off)")


class PlanRequestForm(Form):
    """A therapist asks the prescriber to change the plan."""

    dose_mg = DecimalField("Dose (mg)", places=2, validators=[Optional(), NumberRange(0.01, 2000)])
    product = SelectField("Product", choices=[("", "unchanged")] + list(PRODUCTS.items()))
    route = SelectField("Route", choices=[("", "unchanged")] + list(ROUTES.items()))
    dosing_count = IntegerField("Dosing sessions", validators=[Optional(), NumberRange(1, MAX_DOSINGS)])
    reason = TextAreaField("Why", validators=[DataRequired(), Length(max=2000)],
                           render_kw={"rows": 3})


class PlanForm(Form):
    """A new plan version (the prescriber), with the version they were looking at."""

    dosing_count = IntegerField("Dosing sessions", validators=[InputRequired(),
                                                               NumberRange(1, MAX_DOSINGS)])
    maintenance_dosings = IntegerField("Maintenance dosings", default=0,
                                       validators=[InputRequired(), NumberRange(0, MAX_DOSINGS)],
                                       description="After the course and its follow-up.")
    product = SelectField("Product", choices=list(PRODUCTS.items()))
    route = SelectField("Route", choices=list(ROUTES.items()))
    dose_mg = DecimalField("Dose (mg)", places=2, validators=[InputRequired(),
                                                              NumberRange(0.01, 2000)])
    expires_on = DateField("Expires on", validators=[DataRequired()])
    reason = TextAreaField("Reason for the change", validators=[DataRequired(),
                                                                Length(max=2000)],
                           render_kw={"rows": 2})
    plan_number = VersionField()
    request_version = VersionField()

    def loaded_plan(self) -> int:
        """The plan version number the prescriber was looking at (strict, as every version)."""
        return version_of(self.plan_number)

    def loaded_request(self) -> int | None:
        """The version of the request being approved (None: no request)."""
        return version_of(self.request_version, optional=True)


class DeclineForm(Versioned, Form):
    """Decline a plan change request with a note."""

    note = TextAreaField("Why not", validators=[DataRequired(), Length(max=2000)],
                         render_kw={"rows": 2})


class AcknowledgeForm(Versioned, Form):
    """Acknowledge a review item with a note."""

    note = TextAreaField("Note", validators=[DataRequired(), Length(max=2000)],
                         render_kw={"rows": 2})

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


__all__ = ["AcknowledgeForm", "AddendumForm", "AdministrationForm", "AdverseEventForm",
           "AmendForm", "ChaperoneCheckinForm", "CheckInForm", "ClearanceForm", "CompleteForm",
           "DeclineForm", "DischargeForm", "HoldForm", "NoteForm", "PlanForm",
           "PlanRequestForm", "PrescriberProfileForm", "PrescriptionForm", "ProcessNoteForm",
           "ReasonForm", "RefillForm", "RescheduleForm", "ScheduleForm", "SignForm",
           "VitalsForm"]
