"""Helpers of the portal's pages: the signed-in patient's record."""

from flask_login import current_user

from kapms.extensions import db
from kapms.portal.services import own_record


def me():
    """(the patient's account, their record); the read is audited."""
    user = current_user._get_current_object()
    return user, own_record.own_patient(db.session, user)
