"""Filter form for the audit log page (and its CSV export)."""

from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from kapms.audit.models import ACTIONS
from kapms.web.edge import ID_MAX
from kapms.web.forms import QueryForm


class AuditFilterForm(QueryForm):
    """GET filters: user and patient by name (or exact id), action, date range, position."""

    user = StringField("User", validators=[Optional(), Length(max=100)],
                       render_kw={"placeholder": "Part of a name or email"})
    user_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=ID_MAX)])
    patient = StringField("Patient", validators=[Optional(), Length(max=100)],
                          render_kw={"placeholder": "Start of a first or last name"})
    patient_id = IntegerField("Patient id", validators=[Optional(),
                                                        NumberRange(min=1, max=ID_MAX)])
    action = SelectField("Action", choices=[("", "Any action")] + [(a, a) for a in ACTIONS],
                         validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    older = HiddenField()
    newer = HiddenField()

    REVERSED = "“To” is before “From”: nothing was searched. Choose a range that runs forwards."

    def validate_date_to(self, field):
        """A range that ends before it starts is refused, not searched (it finds nothing)."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(self.REVERSED)

    def reversed_range(self) -> bool:
        """Whether the dates were refused as a reversed range (after validate())."""
        return self.REVERSED in self.date_to.errors
