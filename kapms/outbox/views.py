"""Admin pages of the outbox and the development mail folder."""

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.extensions import db
from kapms.outbox import kinds, mail, services
from kapms.outbox import tasks as _tasks  # noqa: F401 - registers the jobs and the hand-over
from kapms.outbox.blueprint import bp
from kapms.outbox.models import STATUSES
from kapms.web.edge import id_arg
from kapms.web.forms import Form, attempt_and_flash

BLUEPRINTS = [bp]


@bp.get("/")
def messages():
    """Every message, newest first: recipient, kind, status, attempts, sent at."""
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    before = id_arg("before")
    rows = services.list_messages(db.session, current_user, status=status, before=before)
    db.session.commit()  # keep the audit row of this read
    more = len(rows) == services.PAGE_SIZE
    return render_template("outbox/messages.html", rows=rows, status=status,
                           statuses=STATUSES, more=more, kind_label=kinds.label,
                           folder=current_app.config["MAIL_BACKEND"] == "folder")


@bp.post("/<int:message_id>/send-again")
def send_again(message_id: int):
    """Send a given-up (or waiting) message again now."""
    if Form().validate_on_submit():
        attempt_and_flash(lambda: services.retry_now(db.session, current_user, message_id),
                          "The message will be sent again in a moment.")
    return redirect(url_for(".messages"))


@bp.get("/mail-folder")
def mail_folder():
    """The development mail folder: what the folder backend wrote, newest first."""
    names = mail.folder_names(mail.mail_folder(current_app), before=request.args.get("before"))
    return render_template("outbox/folder.html", names=names,
                           folder=current_app.config["MAIL_BACKEND"] == "folder")


@bp.get("/mail-folder/<name>")
def folder_message(name: str):
    """One message of the mail folder."""
    message = mail.read_message(mail.mail_folder(current_app), name)
    if message is None:
        abort(404)
    return render_template("outbox/folder_message.html", message=message)
