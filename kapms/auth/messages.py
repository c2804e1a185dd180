"""The account emails: a portal invitation and a password reset, each with a link to set
a password. The link's token is minted as the email is written (kapms.auth.services.tokens),
so it exists only in the email that goes out.

Also the admin reset's sender (``app.extensions["kapms_reset_sender"]``): with email in
place an admin's reset sends the person a link instead of showing the admin a code."""

from kapms.auth.models import User
from kapms.auth.services import tokens
from kapms.extensions import db
from kapms.outbox import kinds, writing

INVITATION = tokens.INVITATION_KIND
PASSWORD_RESET = tokens.RESET_KIND


def _render_link(session, message, config, *, purpose: str, template: str, subject: str):
    user = session.get(User, message.user_id)
    if user is None or not user.active:
        return None
    hours = int(message.params.get("hours") or 2)
    token = tokens.mint_token(session, user, purpose, hours)
    return writing.write(template, subject, link=writing.external_url("auth.open_password_link",
                                                                       token=token),
                         hours=hours, first_name=user.full_name.split(" ")[0])


def render_invitation(session, message, config):
    """"Your patient portal": a link to set a password (single use, expiring)."""
    return _render_link(session, message, config, purpose="invitation", template=INVITATION,
                        subject=f"Your {config['CLINIC_NAME']} patient portal")


def render_reset(session, message, config):
    """"Reset your password": a link to choose a new one (single use, expiring)."""
    return _render_link(session, message, config, purpose="reset", template=PASSWORD_RESET,
                        subject=f"Reset your {config['CLINIC_NAME']} password")


kinds.register(kinds.Kind(INVITATION, "Portal invitation", render_invitation))
kinds.register(kinds.Kind(PASSWORD_RESET, "Password reset", render_reset))


def make_reset_sender(hours: int):
    """The admin reset's sender: email the person a link (valid ``hours``) instead of
    showing the admin the one-time code, which nobody ever sees."""

    def send(user: User, issued) -> None:
        tokens.queue_reset(db.session, user, hours)
        db.session.commit()

    return send
