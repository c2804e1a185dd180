"""Consent pages: the admins' documents and versions, a clinician's paper signature, the
signed copy as PDF, and the consent section of the patient page."""

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from kapms import clinic_time
from kapms.care import services as care
from kapms.consent import pdf, services
from kapms.consent.blueprint import admin_bp, bp
from kapms.consent.forms import (
    DocumentSettingsForm,
    NewDocumentForm,
    PaperSignatureForm,
    VersionForm,
)
from kapms.consent.markdown import to_html
from kapms.extensions import db
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient
from kapms.web import panels
from kapms.web.access import roles_required
from kapms.web.forms import attempt

BLUEPRINTS = [admin_bp, bp]


# --- admins ---------------------------------------------------------------------------------

@admin_bp.get("/")
def documents():
    """Every consent document with its current version."""
    return render_template("consent/documents.html",
                           documents=services.list_documents(db.session))


@admin_bp.route("/new", methods=["GET", "POST"])
def new_document():
    """A new document and its first version."""
    form = NewDocumentForm()
    if form.validate_on_submit():
        ok, document = attempt(form, lambda: services.create_document(
            db.session, current_user, title=form.title.data,
            required_before=form.required_before.data, applies_to=form.applies_to.data,
            body=form.body.data))
        if ok:
            flash(f"“{document.title}” published as version 1.", "success")
            return redirect(url_for(".document", document_id=document.id))
    return render_template("consent/new_document.html", form=form)


@admin_bp.get("/<int:document_id>")
def document(document_id: int):
    """A document: its settings, its versions, and a new version."""
    return _document_page(services.get_document(db.session, document_id))


def _document_page(document, settings=None, version_form=None, status=200):
    """The document page; a form that failed is shown with its errors."""
    current = document.current
    settings = settings or DocumentSettingsForm(prefix="settings", obj=document)
    version_form = version_form or VersionForm(prefix="version", data={
        "body": current.body if current else "", "material": True,
        "expected_number": current.number if current else 0})
    return render_template("consent/document.html", document=document, settings=settings,
                           version_form=version_form,
                           current_html=to_html(current.body) if current else ""), status


@admin_bp.post("/<int:document_id>/settings")
def save_settings(document_id: int):
    """Change the title, when it is required, whom it concerns, in use or not."""
    document = services.get_document(db.session, document_id)
    form = DocumentSettingsForm(prefix="settings")
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: services.update_document(
            db.session, current_user, document, title=form.title.data,
            required_before=form.required_before.data, applies_to=form.applies_to.data,
            active=form.active.data))
        if ok:
            flash("Document settings saved.", "success")
            return redirect(url_for(".document", document_id=document.id))
    return _document_page(document, settings=form, status=400)


@admin_bp.post("/<int:document_id>/versions")
def publish_version(document_id: int):
    """Publish a new version of the text."""
    document = services.get_document(db.session, document_id)
    form = VersionForm(prefix="version")
    if form.validate_on_submit():
        ok, version = attempt(form, lambda: services.publish_version(
            db.session, current_user, document, body=form.body.data,
            material=form.material.data, change_note=form.change_note.data,
            expected_number=form.edited_from()))
        if ok:
            flash(f"Version {version.number} published"
                  + (": everyone signs it again." if version.material else "."), "success")
            return redirect(url_for(".document", document_id=document.id))
    return _document_page(document, version_form=form, status=400)


@admin_bp.get("/versions/<int:version_id>")
def version(version_id: int):
    """One version's text as patients see it."""
    version = services.get_version(db.session, version_id)
    return render_template("consent/version.html", version=version,
                           text=to_html(version.body))


# --- clinicians: paper signatures, signed copies ----------------------------------------------

@bp.post("/patients/<int:patient_id>/paper-signature")
def paper_signature(patient_id: int):
    """Record a consent the patient signed on paper (date, witness)."""
    patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
    form = PaperSignatureForm(prefix="paper")
    if form.validate_on_submit():
        ok, signature = attempt(form, lambda: services.record_paper_signature(
            db.session, current_user, patient, form.version_id.data,
            typed_name=form.typed_name.data, signed_on=form.signed_on.data,
            witness=form.witness.data))
        if ok:
            flash(f"Paper signature of “{signature.version.document.title}” recorded.",
                  "success")
            return redirect(url_for("patients.detail", patient_id=patient.id) + "#consents")
    else:
        db.session.commit()  # keep the audit row of the read
        for errors in form.errors.values():
            flash(errors[0], "danger")
    return redirect(url_for("patients.detail", patient_id=patient.id) + "#consents")


@bp.get("/signatures/<int:signature_id>.pdf")
@roles_required("therapist", "prescriber", "admin", "patient")
def signed_copy(signature_id: int):
    """The signed copy of a consent as PDF (the patient's own, or a patient's on the
    reader's care team)."""
    signature = services.get_signature(db.session, current_user, signature_id)
    patient = get_patient(db.session, current_user, signature.patient_id, need=CLINICAL,
                          audit=False)
    db.session.commit()  # the audit rows first: no write lock while the PDF renders
    response = make_response(pdf.signed_copy(signature, patient))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="consent-{signature.id}-v{signature.version.number}.pdf"')
    return response


# --- the patient page -------------------------------------------------------------------------

def patient_panels(user, patient=None, categories=frozenset(), **context):
    """Consents on the patient page: what is signed, what is not, paper signatures."""
    if patient is None or CLINICAL not in categories or user.has_role("patient"):
        return []
    signatures, documents = services.patient_consents(db.session, user, patient)
    outstanding = services.to_sign(db.session, patient.id, remote=True, signatures=signatures,
                                   documents=documents)
    forms = {t.version.id: PaperSignatureForm(prefix="paper", formdata=None, data={
        "version_id": t.version.id, "typed_name": patient.full_name,
        "signed_on": clinic_time.today()}) for t in outstanding}
    data = {"patient": patient, "outstanding": outstanding, "signatures": signatures,
            "forms": forms, "can_record": user.has_role("therapist", "prescriber")}
    return [panels.Panel("consent/_patient_panel.html", data, order=25)]


def clearance_panels(user, patient=None, **context):
    """Beside the clearance screen: documents required before clearance, unsigned."""
    if patient is None:
        return []
    block = services.clearance_block(db.session, patient.id)
    return [panels.Panel("consent/_clearance_notice.html", {"block": block}, order=5)] \
        if block else []


panels.register(panels.PATIENT_PAGE, patient_panels)
panels.register(panels.CLEARANCE_PAGE, clearance_panels)
# The care path's rules: no clearance while a document required before clearance is
# unsigned, and no dosing while a required document that concerns it is unsigned.
care.add_clearance_check(services.clearance_block)
care.add_dosing_check(services.dosing_check)
