"""The intake questionnaire as a form: one yes/no per contraindication and per sedating
co-medication class, then medications, allergies, substance use, prior experience, blood
pressure and the emergency contact."""

from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from kapms.intake.questions import (
    CO_MEDICATION_QUESTIONS,
    CONTRAINDICATION_QUESTIONS,
    DETAILS_MAX,
    TEXT_MAX,
    IntakeAnswers,
)
from kapms.web.forms import Form, Versioned

YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label: str) -> RadioField:
    return RadioField(label, choices=YES_NO, validators=[Optional()])


def _text(label: str, description: str = "", cap: int = TEXT_MAX) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=cap)],
                         description=description, render_kw={"rows": 3})


class IntakeForm(Versioned, Form):
    """The patient's medical history (the fields ci_* and cm_* are added below)."""

    contraindication_details = _text(
        "If you answered yes to any of these, tell us more", cap=DETAILS_MAX)
    medications = _text("Medicines you take now", "Name, dose and how often, including "
                        "anything for sleep, anxiety or pain, and supplements.")
    allergies = _text("Allergies", "Medicines, foods or anything else, and what happens.")
    substance_use = _text("Alcohol, cannabis and other drugs",
                          "What, how much and how often. This stays with your care team.")
    prior_ketamine = _yes_no("Have you taken ketamine before (medically or otherwise)?")
    prior_psychedelics = _yes_no("Have you taken psychedelics before (for example psilocybin, "
                                 "LSD, MDMA, ayahuasca)?")
    prior_experience = _text("How did it go?", "When, how often, and anything that was "
                             "difficult.")
    bp_systolic = IntegerField("Blood pressure, top number", validators=[
        Optional(), NumberRange(min=40, max=300)], description="If you know a recent "
        "reading, e.g. 120.", render_kw={"inputmode": "numeric"})
    bp_diastolic = IntegerField("Blood pressure, bottom number", validators=[
        Optional(), NumberRange(min=20, max=200)], description="e.g. 80.",
        render_kw={"inputmode": "numeric"})
    emergency_contact_name = StringField("Emergency contact: name",
                                         validators=[Optional(), Length(max=160)])
    emergency_contact_phone = StringField("Emergency contact: phone",
                                          validators=[Optional(), Length(max=30)],
                                          render_kw={"inputmode": "tel", "autocomplete": "tel"})
    emergency_contact_relation = StringField("Emergency contact: relationship to you",
                                             validators=[Optional(), Length(max=60)])

    def fill(self, answers: IntakeAnswers) -> None:
        """Show ``answers`` (a GET)."""
        for key in CONTRAINDICATION_QUESTIONS:
            self[f"ci_{key}"].data = _word(answers.contraindications.get(key))
        for key in CO_MEDICATION_QUESTIONS:
            self[f"cm_{key}"].data = _word(answers.co_medications.get(key))
        for name in ("contraindication_details", "medications", "allergies", "substance_use",
                     "prior_experience", "bp_systolic", "bp_diastolic",
                     "emergency_contact_name", "emergency_contact_phone",
                     "emergency_contact_relation"):
            self[name].data = getattr(answers, name)
        self.prior_ketamine.data = _word(answers.prior_ketamine)
        self.prior_psychedelics.data = _word(answers.prior_psychedelics)

    def answers(self) -> IntakeAnswers:
        """The answers as submitted."""
        return IntakeAnswers(
            contraindications={k: _bool(self[f"ci_{k}"].data)
                               for k in CONTRAINDICATION_QUESTIONS},
            co_medications={k: _bool(self[f"cm_{k}"].data) for k in CO_MEDICATION_QUESTIONS},
            prior_ketamine=_bool(self.prior_ketamine.data),
            prior_psychedelics=_bool(self.prior_psychedelics.data),
            **{name: self[name].data for name in (
                "contraindication_details", "medications", "allergies", "substance_use",
                "prior_experience", "bp_systolic", "bp_diastolic", "emergency_contact_name",
                "emergency_contact_phone", "emergency_contact_relation")})


for _key, _question in CONTRAINDICATION_QUESTIONS.items():
    setattr(IntakeForm, f"ci_{_key}", _yes_no(_question))
for _key, _question in CO_MEDICATION_QUESTIONS.items():
    setattr(IntakeForm, f"cm_{_key}", _yes_no(_question))


def _word(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _bool(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value)
