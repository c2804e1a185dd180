"""Forms of the consent pages: documents and versions (admins), a paper signature
(clinicians) and the patient's e-signature."""

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from kapms.consent.models import APPLIES_TO, REQUIRED_BEFORE
from kapms.consent.services import BODY_MAX, TITLE_MAX
from kapms.web.forms import Form, IdField, VersionField, version_of


class DocumentSettingsForm(Form):
    """A document's title, when it is required and whom it concerns."""

    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    required_before = SelectField("Required", choices=list(REQUIRED_BEFORE.items()),
                                  validate_choice=True)
    applies_to = SelectField("Concerns", choices=list(APPLIES_TO.items()))
    active = BooleanField("In use", default=True)


class NewDocumentForm(DocumentSettingsForm):
    """A new document and the text of its first version."""

    body = TextAreaField("Text (Markdown)", validators=[DataRequired(), Length(max=BODY_MAX)],
                         render_kw={"rows": 16})


class VersionForm(Form):
    """A new version of a document's text."""

    body = TextAreaField("Text (Markdown)", validators=[DataRequired(), Length(max=BODY_MAX)],
                         render_kw={"rows": 16})
    material = BooleanField("Material change: everyone who signed before signs again",
                            default=True)
    change_note = StringField("What changed", validators=[Optional(), Length(max=300)])
    expected_number = VersionField()  # the version the admin edited from

    def edited_from(self) -> int:
        """The version number the text was edited from (ConflictError when not a number)."""
        return version_of(self.expected_number)


class PaperSignatureForm(Form):
    """A clinician records a consent the patient signed on paper."""

    version_id = IdField(validators=[InputRequired()])
    typed_name = StringField("Name as signed", validators=[DataRequired(), Length(max=200)])
    signed_on = DateField("Date signed", validators=[InputRequired()])
    witness = StringField("Witnessed by", validators=[DataRequired(), Length(max=200)])


class SignForm(Form):
    """The patient's e-signature of the version shown."""

    version_id = IdField(validators=[InputRequired()])
    text_sha256 = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
    typed_name = StringField("Type your full name", validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "name"})
    agree = BooleanField("I have read this document and I agree to it")
