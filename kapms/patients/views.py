"""Patient list and patient page. Other domains add sections to the patient page
through kapms.web.panels (PATIENT_PAGE)."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from kapms.extensions import db
from kapms.patients import services
from kapms.patients.access import BILLING, CLINICAL, categories
from kapms.patients.models import STAGES
from kapms.web import nav, panels
from kapms.web.access import guard_blueprint

bp = Blueprint("patients", __name__, url_prefix="/patients")
guard_blueprint(bp, "therapist", "prescriber", "billing", "admin")
nav.add("Patients", "patients.list", 10)


@bp.get("/")
def list():  # noqa: A001 - the endpoint name reads well in url_for("patients.list")
    """The actor's patients, searchable by name and filterable by stage."""
    name = request.args.get("q", "").strip()[:100]
    stage = request.args.get("stage", "")
    stage = stage if stage in STAGES else None
    rows = services.search_patients(db.session, current_user, name=name or None, stage=stage)
    return render_template("patients/list.html", patients=rows, q=name, stage=stage,
                           stages=STAGES)


@bp.get("/<int:patient_id>")
def detail(patient_id: int):
    """Where the patient stands at a glance; each domain contributes its sections."""
    need = CLINICAL if current_user.has_role("therapist", "prescriber", "admin") else BILLING
    patient = services.get_patient(db.session, current_user, patient_id, need=need)
    db.session.commit()  # keep the audit record of this read
    allowed = categories(current_user, patient)
    return render_template(
        "patients/detail.html", patient=patient, allowed=allowed,
        panels=panels.collect(panels.PATIENT_PAGE, current_user, patient=patient,
                              categories=allowed))
