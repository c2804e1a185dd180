"""The patient fills the intake questionnaire: save as they go, then send."""

from flask import flash, redirect, render_template, request, url_for

from kapms.extensions import db
from kapms.intake import services as intake
from kapms.intake.forms import IntakeForm
from kapms.intake.questions import CO_MEDICATION_QUESTIONS, CONTRAINDICATION_QUESTIONS, problems
from kapms.portal.blueprint import bp
from kapms.portal.views.common import me
from kapms.web.forms import attempt

CRISIS_MESSAGE = ("You told us you are having thoughts of ending your life or feel you "
                  "might be in crisis. Your care team has been told. If "
                  "you are in danger now, call or text 988 (Suicide & Crisis Lifeline) or "
                  "call 911.")


@bp.route("/intake", methods=["GET", "POST"])
def intake_form():
    """The medical-history questionnaire (saved as a draft, or sent)."""
    user, patient = me()
    row = intake.latest(db.session, patient.id)
    form = IntakeForm()
    if request.method == "GET":
        form.fill(intake.answers_of(row, patient))
        form.version.data = row.version if row is not None and not row.submitted else 0
    if form.validate_on_submit():
        submit = request.form.get("action") == "send"
        answers = form.answers()
        found = problems(answers, to_submit=submit)
        for field_name, message in found:  # every missing answer at once
            form[field_name].errors = [*form[field_name].errors, message]
        if not found:
            ok, saved = attempt(form, lambda: intake.save_answers(
                db.session, user, patient, answers, submit=submit,
                expected_version=form.loaded_version()))
            if ok and intake.crisis_answer(saved):
                flash(CRISIS_MESSAGE, "warning")
            if ok:
                flash("Thank you: your answers were sent to your care team." if submit else
                      "Your answers are saved. Send them when you are done.", "success")
                return redirect(url_for(".home") if submit else url_for(".intake_form"))
        if found:
            flash("Some answers are missing: they are marked below.", "danger")
    db.session.commit()
    return render_template("portal/intake.html", form=form, row=row,
                           ci_keys=list(CONTRAINDICATION_QUESTIONS),
                           cm_keys=list(CO_MEDICATION_QUESTIONS))
