"""Forms for giving measures, acknowledging alerts, self-report links, reports and the
licensed item text upload."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from kapms.measures.instruments import INSTRUMENTS, get_instrument
from kapms.measures.models import POINTS, VOID_REASON_MAX
from kapms.measures.outcomes import BREAKDOWNS, COMPLETERS
from kapms.measures.services.links import DEFAULT_TTL_HOURS, MAX_TTL_HOURS
from kapms.web.forms import Form, QueryForm, Versioned

INSTRUMENT_CHOICES = [(name, name) for name in INSTRUMENTS]
POINT_CHOICES = list(POINTS.items())


class AnswersForm(Form):
    """Base for an instrument's answers; ``answers_form_class`` adds one radio per item."""

    item_count = 0

    def answers(self) -> list[int]:
        """The answers in item order (after validation)."""
        return [getattr(self, f"item_{n}").data for n in range(1, self.item_count + 1)]


def answers_form_class(instrument: str, item_labels: list[str], options: list[tuple[int, str]],
                       *, with_point: bool):
    """A form class for ``instrument``: one required radio per item (answer range enforced
    by the choices), plus the point and date when a clinician records it."""
    inst = get_instrument(instrument)
    attrs = {"item_count": inst.item_count}
    if with_point:
        attrs["point"] = SelectField("Measurement point", choices=POINT_CHOICES,
                                     validators=[InputRequired()])
        attrs["given_on"] = DateField("Date given", validators=[InputRequired()])
    choices = [(value, label) for value, label in options]
    for number, label in enumerate(item_labels, start=1):
        attrs[f"item_{number}"] = RadioField(
            f"{number}. {label}", choices=choices, coerce=int,
            validators=[InputRequired(message="Choose an answer.")])
    return type(f"{inst.name.replace('-', '')}Form", (AnswersForm,), attrs)


class AcknowledgeForm(Versioned, Form):
    """A clinician acknowledges a safety alert with a note."""

    note = TextAreaField("What was done", validators=[
        DataRequired(message="Write a note saying what was done."), Length(max=2000)])
    stale_message = "This alert was already acknowledged."  # the service's conflict wording


class VoidForm(Form):
    """A clinician marks an administration as entered in error, saying why."""

    reason = TextAreaField("Why was it entered in error?", validators=[
        InputRequired(message="Say why this measure was entered in error."),
        Length(max=VOID_REASON_MAX)])


class LinkForm(Form):
    """Create a self-report link."""

    instrument = SelectField("Instrument", choices=INSTRUMENT_CHOICES, validators=[InputRequired()])
    point = SelectField("Measurement point", choices=POINT_CHOICES, validators=[InputRequired()])
    ttl_hours = IntegerField("Valid for (hours)", default=DEFAULT_TTL_HOURS, validators=[
        InputRequired(), NumberRange(min=1, max=MAX_TTL_HOURS)])


class ReportForm(QueryForm):
    """Filters of the outcome report (a GET form)."""

    instrument = SelectField("Instrument", choices=INSTRUMENT_CHOICES, default="PHQ-9")
    cohort = StringField("Diagnosis code starts with", validators=[
        Optional(), Length(max=10),
        Regexp(r"^[A-Za-z][0-9A-Za-z.]*$", message="A code prefix such as F33 or F43.1.")],
        description="Empty for every patient, e.g. F33 for recurrent depression.")
    date_from = DateField("Baseline from", validators=[Optional()])
    date_to = DateField("Baseline to", validators=[Optional()])
    completers = SelectField("Who is counted", choices=list(COMPLETERS.items()),
                             default="end")
    breakdown = SelectField("Subgroups", choices=list(BREAKDOWNS.items()), default="")
    burnout_only = BooleanField("MBI-GS: only those meeting the burnout threshold at baseline",
                                description="The burnout preprint's eligibility rule: "
                                            "exhaustion, then cynicism or efficacy.")


class ItemTextForm(Form):
    """Upload the licensed MBI-GS item wording."""

    file = FileField("Item text file (item_number,text per line)", validators=[FileRequired()])
