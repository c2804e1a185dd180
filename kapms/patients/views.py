"""Patient list, registration, editing, care team and the patient page. Other domains add
sections to the patient page through kapms.web.panels (PATIENT_PAGE)."""

from dataclasses import dataclass, fields

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from kapms import clinic_time
from kapms.auth.models import User
from kapms.care.services import refresh_stage
from kapms.extensions import db
from kapms.icd10 import ICD10_LABELS
from kapms.insurance.services import plan_choices
from kapms.network.matching import MatchRequest
from kapms.network.services import search
from kapms.patients import services
from kapms.patients.access import BILLING, CLINICAL, categories
from kapms.patients.blueprint import bp
from kapms.patients.forms import PatientForm, RegisterPatientForm
from kapms.patients.models import STAGES, CareTeamMember, Patient, RegistrationReview
from kapms.web import filters, panels
from kapms.web.access import roles_required
from kapms.web.edge import page_arg
from kapms.web.forms import attempt, attempt_and_flash

BLUEPRINTS = [bp]


def _refresh_stage(patient) -> None:
    """The care domain keeps the stage (care depends on patients' services, and these
    views on care's)."""
    refresh_stage(db.session, patient)


THERAPISTS_PER_PAGE = 10


@dataclass(frozen=True)
class TherapistChoices:
    """One page of the therapists who may join the care team of the patient being
    registered (the network's eligibility rule, for the state and coverage entered)."""

    rows: list  # (ClinicianProfile, places taken)
    page: int
    pages: int
    total: int
    ready: bool  # a state was entered: the list means something
    chosen: User | None


def _therapist_choices(form: RegisterPatientForm, turn: str | None) -> TherapistChoices:
    state = (form.state.data or "").strip().upper()
    chosen = db.session.get(User, form.therapist_id.data) if form.therapist_id.data else None
    if not (len(state) == 2 and state.isalpha()):
        return TherapistChoices([], 1, 1, 0, False, chosen)
    req = MatchRequest(state=state, plan_id=form.plan_id.data or None,
                       today=clinic_time.today())
    name = (form.therapist_q.data or "").strip() or None
    total = search.count_eligible(db.session, req, "therapist", name=name)
    pages = max(1, -(-total // THERAPISTS_PER_PAGE))
    page = (form.therapist_page.data or 1) + {"next": 1, "prev": -1}.get(turn, 0)
    page = min(max(page, 1), pages) if turn != "find" else 1
    rows, _ = search.eligible_clinicians(db.session, req, "therapist", explain=False,
                                         limit=THERAPISTS_PER_PAGE,
                                         offset=(page - 1) * THERAPISTS_PER_PAGE, name=name)
    return TherapistChoices(rows, page, pages, total, True, chosen)


def _input(form: PatientForm) -> services.PatientInput:
    values = {f.name: form[f.name].data for f in fields(services.PatientInput)}
    values["state"] = values["state"].upper()
    values["plan_id"] = values["plan_id"] or None
    values["diagnosis_code"] = values["diagnosis_code"] or None
    for key, value in values.items():
        if value == "":
            values[key] = None
    return services.PatientInput(**values)


PER_PAGE = 25
SUGGESTIONS = 8


@bp.get("/")
def list():  # noqa: A001 - the endpoint name reads well in url_for("patients.list")
    """The actor's patients: the one list every role finds patients in, and the results
    page of the search box in the navigation (by name, date of birth, phone or member id),
    filterable by stage, a page at a time."""
    stage = request.args.get("stage", "")
    stage = stage if stage in STAGES else None
    found = services.find_patients(db.session, current_user, request.args.get("q"),
                                   stage=stage, page=page_arg(),
                                   per_page=PER_PAGE)
    html = render_template("patients/list.html", found=found, stage=stage, stages=STAGES,
                           may_register=current_user.has_role("therapist", "admin"))
    db.session.commit()  # the audit record of the search, after the page is rendered
    return html


@bp.get("/suggest")
def suggest():
    """The search box's suggestions as JSON (js/patient-search.js): the first few patients
    the text finds, each with what tells them apart. Audited like the results page."""
    text = request.args.get("q", "")
    if len(text.strip()) < 2:
        return jsonify(results=[], more=False)
    found = services.find_patients(db.session, current_user, text, per_page=SUGGESTIONS)
    results = [{"name": p.full_name,
                "detail": f"Born {filters.local(p.date_of_birth)} · {p.city}, {p.state}",
                "url": url_for("patients.detail", patient_id=p.id)} for p in found.rows]
    db.session.commit()
    return jsonify(results=results, more=found.has_next,
                   all=url_for("patients.list", q=found.query.text))


@bp.route("/new", methods=["GET", "POST"])
@roles_required("therapist", "admin")
def register():
    """A therapist registers their own client; an admin registers and assigns a therapist."""
    form = RegisterPatientForm()
    form.plan_id.choices = plan_choices(db.session)
    is_admin = current_user.has_role("admin")
    choices, turn = None, request.form.get("turn")
    if is_admin:
        if turn not in ("find", "next", "prev"):
            turn = None
        choices = _therapist_choices(form, turn)
    else:  # a therapist always registers their own client
        del form.therapist_id, form.therapist_q, form.therapist_page
    if turn is None and form.validate_on_submit():
        therapist = choices.chosen if is_admin else None
        if is_admin and form.therapist_id.data and therapist is None:
            form.therapist_id.errors.append("No such therapist: choose one from the list.")
            return render_template("patients/form.html", form=form, patient=None,
                                   is_admin=is_admin, therapists=choices)

        def register_and_stage():
            registered = services.register_patient(db.session, current_user, _input(form),
                                                   therapist=therapist)
            if isinstance(registered, Patient):
                _refresh_stage(registered)
            return registered

        try:
            ok, registered = attempt(form, register_and_stage,
                                     reraise=(services.AlreadyRegistered,))
        except services.AlreadyRegistered as existing:  # a chart this user can see
            flash(existing.message, "info")
            return redirect(url_for("patients.detail", patient_id=existing.patient_id))
        if ok and isinstance(registered, RegistrationReview):
            flash(services.REVIEW_MESSAGE, "info")
            return redirect(url_for("patients.list"))
        if ok:
            flash(f"{registered.full_name} registered.", "success")
            return redirect(url_for("patients.detail", patient_id=registered.id))
    return render_template("patients/form.html", form=form, patient=None, is_admin=is_admin,
                           therapists=choices)


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
@roles_required("therapist", "prescriber", "admin")
def edit(patient_id: int):
    """Edit demographics and coverage; a save based on a stale version is refused."""
    patient = services.get_patient(db.session, current_user, patient_id, need=CLINICAL)
    form = PatientForm(obj=patient)
    form.plan_id.choices = plan_choices(db.session)
    if request.method == "GET":
        form.plan_id.data = patient.plan_id or 0
        form.diagnosis_code.data = patient.diagnosis_code or ""
        form.version.data = patient.version
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: services.update_patient(
            db.session, current_user, patient, _input(form), form.loaded_version()))
        if ok:
            flash("Patient record saved.", "success")
            return redirect(url_for("patients.detail", patient_id=patient.id))
    return render_template("patients/form.html", form=form, patient=patient, is_admin=False)


@bp.get("/<int:patient_id>")
def detail(patient_id: int):
    """Where the patient stands at a glance; each domain contributes its sections."""
    need = CLINICAL if current_user.has_role("therapist", "prescriber", "admin") else BILLING
    # The care team with each member's account and roles, the patient's portal account and
    # newest sent intake answers come with the patient: the panels read them (team
    # standing, who may schedule, prescribe, invite; the portal and intake sections).
    patient = services.get_patient(db.session, current_user, patient_id, need=need, options=(
        joinedload(Patient.care_team).joinedload(CareTeamMember.user)
        .joinedload(User.role_rows),
        joinedload(Patient.portal_account).undefer(User.invitation_accepted),
        joinedload(Patient.sent_intake)))
    allowed = categories(current_user, patient)
    page_panels = panels.collect(panels.PATIENT_PAGE, current_user, patient=patient,
                                 categories=allowed)
    return render_template(
        "patients/detail.html", patient=patient, allowed=allowed, panels=page_panels,
        diagnosis_label=ICD10_LABELS.get(patient.diagnosis_code or ""))


# --- registrations that matched a chart their author cannot see (kapms.patients.services) ----

@bp.get("/reviews")
@roles_required("admin")
def reviews():
    """Registrations waiting for an admin: what the author typed beside the chart it matched."""
    page = page_arg()
    rows, total = services.pending_reviews(db.session, current_user, page=page)
    return render_template("patients/reviews.html", reviews=rows, total=total, page=page,
                           pages=max(1, -(-total // 25)))


@bp.post("/reviews/<int:review_id>/<any(add, decline):decision>")
@roles_required("admin")
def decide_review(review_id: int, decision: str):
    """Add the author to the matched chart's care team, or decline."""
    attempt_and_flash(lambda: services.decide_review(
        db.session, current_user, review_id, add=decision == "add"),
        "Added to the care team." if decision == "add" else "Registration declined.")
    return redirect(url_for("patients.reviews"))


def _reviews_panel(user, **_):
    """Admins: how many registrations wait for review. Therapists: their own requests."""
    if user.has_role("admin"):
        waiting = services.count_pending_reviews(db.session)
        return [panels.Panel("patients/_reviews_panel.html", {"waiting": waiting}, order=15)
                ] if waiting else []
    mine = services.my_reviews(db.session, user)
    return [panels.Panel("patients/_reviews_panel.html", {"mine": mine}, order=15)
            ] if mine else []


panels.register(panels.DASHBOARD, _reviews_panel)
