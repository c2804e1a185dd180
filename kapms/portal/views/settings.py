"""The patient's reminder choices: each kind of reminder can be turned off."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from kapms.extensions import db
from kapms.portal.blueprint import bp
from kapms.portal.forms import ReminderChoicesForm
from kapms.reminders import services as reminders
from kapms.web.forms import attempt


@bp.route("/reminders", methods=["GET", "POST"])
def reminder_settings():
    """Tick the reminders to receive by email."""
    user = current_user._get_current_object()
    form = ReminderChoicesForm()
    form.kinds.choices = list(reminders.PATIENT_KINDS.items())
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: reminders.save_choices(db.session, user,
                                                             form.kinds.data or []))
        if ok:
            flash("Your reminder choices are saved.", "success")
            return redirect(url_for(".reminder_settings"))
    else:
        off = reminders.turned_off(db.session, user.id)
        form.kinds.data = [k for k in reminders.PATIENT_KINDS if k not in off]
    return render_template("portal/reminders.html", form=form)
