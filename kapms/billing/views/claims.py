"""Claims: make them from the care record, submit (837P), print (CMS-1500), post the payer's
answer; and the patient statement."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.billing.blueprint import bp
from kapms.billing.forms import (
    ClaimsForm,
    RemittanceFileForm,
    RemittanceForm,
    as_dollars,
    cents,
)
from kapms.billing.models import CLAIM_STATUSES, Claim
from kapms.billing.services import claims as claim_svc
from kapms.billing.services.remittance import import_835
from kapms.billing.services.statements import build_statement
from kapms.billing.views.common import (
    PER_PAGE,
    file_response,
    for_print,
    load_patient,
    page_number,
    pdf_response,
    policy,
    practice,
    today,
)
from kapms.billing.x837 import write_837p
from kapms.database import utcnow
from kapms.errors import ConflictError
from kapms.extensions import db
from kapms.web.forms import attempt, attempt_and_flash


@bp.get("/claims")
def claims():
    """Every claim, newest first, by status."""
    status = request.args.get("status") if request.args.get("status") in CLAIM_STATUSES else None
    page = page_number()
    rows, total = claim_svc.claims_page(db.session, current_user, status, page, PER_PAGE)
    return render_template("billing/claims.html", claims=rows, total=total, page=page,
                           per_page=PER_PAGE, status=status, statuses=CLAIM_STATUSES,
                           remittance_form=RemittanceFileForm())


@bp.post("/claims/remittance")
def remittance():
    """Post the payer's answers from an 835 remittance file."""
    form = RemittanceFileForm()
    if not form.validate_on_submit():
        flash(" ".join(form.file.errors) or "Choose the 835 file.", "danger")
        return redirect(url_for(".claims"))
    text = form.file.data.read().decode("utf-8", errors="replace")
    ok, result = attempt(form, lambda: import_835(db.session, current_user, text, today()))
    if ok:
        flash("835 read.", "success")
        flash(f"Posted {len(result.posted)} claim(s): "
              + (", ".join(c.number for c in result.posted) or "none") + ".", "success")
        for number, why in result.skipped:
            flash(f"{number}: not posted ({why}).", "warning")
    return redirect(url_for(".claims"))


@bp.post("/patients/<int:patient_id>/claims")
def new_claims(patient_id: int):
    """Make draft claims from the unclaimed visits of a date range."""
    patient = load_patient(patient_id)
    form = ClaimsForm()
    if not form.validate_on_submit():
        flash("Enter the dates to claim.", "danger")
        return redirect(url_for(".patient", patient_id=patient_id))
    # A twin of this request is answered with the first claim made.
    ok, made = attempt(form, lambda: claim_svc.create_claims(
        db.session, current_user, patient, form.start.data, form.end.data, practice(),
        policy()), replay=lambda claim: [claim])
    if ok:
        flash("Claims made: review them, then submit.", "success")
    if ok and len(made) == 1:
        return redirect(url_for(".claim", claim_id=made[0].id))
    return redirect(url_for(".patient", patient_id=patient_id))


def _remittance_form(claim: Claim) -> RemittanceForm:
    return RemittanceForm(data={"posted_on": today(), "version": claim.version,
                                "allowed": as_dollars(claim.charge_cents)})


@bp.route("/claims/<int:claim_id>", methods=["GET", "POST"])
def claim(claim_id: int):
    """A claim: its lines and status; post the payer's answer (POST)."""
    claim = claim_svc.get_claim(db.session, current_user, claim_id)
    form = _remittance_form(claim) if request.method == "GET" else RemittanceForm()
    if request.method == "POST" and form.validate_on_submit():
        remit = claim_svc.Remittance(
            status=form.status.data, allowed_cents=cents(form.allowed.data) or 0,
            paid_cents=cents(form.paid.data), patient_share_cents=cents(form.patient_share.data),
            posted_on=form.posted_on.data, reference=form.reference.data,
            denial_reason=form.denial_reason.data)

        def post():
            if form.loaded_version() != claim.version:
                raise ConflictError(claim_svc.STALE)
            return claim_svc.post_remittance(db.session, current_user, claim, remit, today())

        ok, _ = attempt(form, post)
        if ok:
            flash(f"Claim {claim.number} posted as {claim.status_label.lower()}.", "success")
            return redirect(url_for(".claim", claim_id=claim_id))
        claim = claim_svc.get_claim(db.session, current_user, claim_id)
    return render_template("billing/claim.html", claim=claim, form=form)


@bp.post("/claims/<int:claim_id>/submit")
def submit_claim(claim_id: int):
    """Mark a draft claim as submitted (download its 837P to send it)."""
    claim = claim_svc.get_claim(db.session, current_user, claim_id)
    attempt_and_flash(lambda: claim_svc.submit_claims(db.session, current_user, [claim]),
                      "Claim submitted.")
    return redirect(url_for(".claim", claim_id=claim_id))


@bp.get("/claims/<int:claim_id>.pdf")
def claim_pdf(claim_id: int):
    """The claim on the CMS-1500 (02/12) form, as a PDF."""
    claim, refused = for_print(lambda: claim_svc.get_claim(db.session, current_user, claim_id,
                                                           action="print"),
                               url_for(".claim", claim_id=claim_id))
    if refused:
        return refused
    db.session.commit()
    pages = [claim.lines[i:i + 6] for i in range(0, len(claim.lines), 6)]
    return pdf_response("cms1500.html", f"cms1500-{claim.number}.pdf", claim=claim, pages=pages)


@bp.get("/claims/<int:claim_id>.837")
def claim_837(claim_id: int):
    """The claim as an ANSI X12 837P (005010X222A1) file."""
    def load():
        claim = claim_svc.get_claim(db.session, current_user, claim_id, action="print")
        return claim, write_837p([claim], submitter_contact=current_user.full_name,
                                 submitter_phone=_phone(), control_number=claim.id,
                                 created=utcnow().astimezone(practice().zone))

    loaded, refused = for_print(load, url_for(".claim", claim_id=claim_id))
    if refused:
        return refused
    claim, text = loaded
    db.session.commit()
    return file_response(text, f"{claim.number}.837", "application/edi-x12")


def _phone() -> str:
    """The practice's billing phone (CLINIC_PHONE), for the 837P's submitter contact."""
    return current_app.config["CLINIC_PHONE"]


@bp.get("/patients/<int:patient_id>/statement.pdf")
def statement(patient_id: int):
    """The patient's statement: claims answered, payments made, balance due."""
    patient = load_patient(patient_id)
    if patient.plan is None:
        abort(404)
    bill = build_statement(db.session, current_user, patient, today(), practice())
    db.session.commit()
    return pdf_response("statement.html", f"statement-{patient.id}-{bill.issued_on}.pdf",
                        statement=bill)
