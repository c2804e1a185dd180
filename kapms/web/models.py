"""One-time submission tokens: the record that a form was saved once.

Every POST form carries a random token (kapms.web.forms.SubmissionField). The request
that saves the form inserts the token here in the same transaction as what it saved, with
a reference to the record it made; the unique token makes any twin of that request (a
double click, a resent page, a replayed POST) fail its insert, and that twin answers with
the first one's result instead of saving again.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db

TOKEN_MAX = 64


class FormSubmission(db.Model):
    """A form submission that was saved: its token, who sent it to which page, and the
    record it made (type and id), if any."""

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(TOKEN_MAX), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    endpoint: Mapped[str] = mapped_column(String(120))
    result_type: Mapped[str | None] = mapped_column(String(60))
    result_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
