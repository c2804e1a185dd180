"""Questionnaires due, answered in the portal and scored by the measures library (a PHQ-9
item 9 above 0 raises the same safety alert as anywhere)."""

from flask import abort, current_app, flash, redirect, render_template, url_for

from kapms import clinic_time
from kapms.extensions import db
from kapms.measures.forms import answers_form_class
from kapms.measures.instruments import INSTRUMENTS
from kapms.measures.models import POINTS
from kapms.measures.services import item_labels, option_labels, settings_from_config
from kapms.portal.blueprint import bp
from kapms.portal.services import own_record
from kapms.portal.views.common import me
from kapms.web.forms import attempt


@bp.route("/questionnaires/<instrument>/<point>", methods=["GET", "POST"])
def questionnaire(instrument: str, point: str):
    """Answer one questionnaire that is due."""
    if instrument not in INSTRUMENTS or point not in POINTS:
        abort(404)
    user, patient = me()
    form = answers_form_class(instrument, item_labels(db.session, instrument),
                              option_labels(instrument), with_point=False)()
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: own_record.answer_measure(
            db.session, user, patient, instrument, point, form.answers(),
            settings=settings_from_config(current_app.config), today=clinic_time.today()))
        if ok:
            flash("Thank you: your answers were sent to your care team.", "success")
            return redirect(url_for(".home"))
    elif own_record.MeasureDue(instrument, point) not in own_record.measures_due(
            db.session, user, patient):
        db.session.commit()
        flash("This questionnaire is not due now.", "info")
        return redirect(url_for(".home"))
    db.session.commit()
    return render_template("portal/questionnaire.html", form=form,
                           instrument=INSTRUMENTS[instrument])
