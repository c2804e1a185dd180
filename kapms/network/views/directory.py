"""Directory pages: the admin's directory with CSV import/export, and profile editing."""

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from kapms import clinic_time
from kapms.csv_export import stream_csv
from kapms.extensions import db
from kapms.insurance.services import plan_choices
from kapms.network import csv_io
from kapms.network.blueprint import bp
from kapms.network.forms import ImportForm, ProfileForm
from kapms.network.parsing import US_STATES
from kapms.network.services import directory_csv
from kapms.network.services import profiles as services
from kapms.network.vocabulary import PROFILE_KINDS, WEEKDAYS
from kapms.web.access import roles_required
from kapms.web.edge import page_arg
from kapms.web.forms import attempt

PER_PAGE = 50


@bp.get("/directory")
def directory():
    """Every directory profile with load against capacity; filter by kind, state, name."""
    kind = request.args.get("kind", "")
    kind = kind if kind in PROFILE_KINDS else None
    state = request.args.get("state", "").upper()
    state = state if state in US_STATES else None
    q = request.args.get("q", "").strip()[:100]
    page = page_arg(last=10_000)
    rows, total = services.list_profiles(db.session, kind=kind, state=state, name=q or None,
                                         page=page, per_page=PER_PAGE)
    return render_template("network/directory.html", rows=rows, kind=kind, state=state, q=q,
                           states=sorted(US_STATES), today=clinic_time.today(), page=page,
                           pages=max(1, -(-total // PER_PAGE)), total=total,
                           warn_days=current_app.config["LICENCE_EXPIRY_WARNING_DAYS"],
                           missing=services.clinicians_without_profile(db.session))


def _edit(user, *, back: str):
    """Shared GET/POST handling of a profile form for ``user``."""
    profile = services.profile_for(db.session, user.id)
    form = ProfileForm(data=_form_defaults(profile, user))
    form.plan_ids.choices = plan_choices(db.session, self_pay_label=None)
    form.kind.choices = [(k, k.title()) for k in PROFILE_KINDS if user.has_role(k)]
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: services.save_profile(
            db.session, current_user, user, form.to_data(), version=form.loaded_version()))
        if ok:
            flash("Directory profile saved.", "success")
            return redirect(back)
    return render_template("network/profile_form.html", form=form, user=user, profile=profile)


def _form_defaults(profile, user) -> dict:
    if profile is None:
        kind = next((k for k in PROFILE_KINDS if user.has_role(k)), "therapist")
        return {"kind": kind, "languages": "English", "accepting_new": True, "capacity": 10,
                "version": 0}
    d = services.profile_data(profile)
    return {
        "kind": d.kind, "npi": d.npi, "kap_course": d.kap_course,
        "kap_trained_on": d.kap_trained_on, "plan_ids": d.plan_ids,
        "accepts_private_pay": d.accepts_private_pay,
        "private_pay_rate": f"{d.private_pay_rate_cents / 100:.2f}"
        if d.private_pay_rate_cents else "",
        "in_office": d.in_office, "office_address": d.office_address, "latitude": d.latitude,
        "longitude": d.longitude, "telehealth": d.telehealth, "specialties": d.specialties,
        "languages": ", ".join(d.languages), "accepting_new": d.accepting_new,
        "capacity": d.capacity, "version": profile.version,
        "licences": "\n".join(f"{t} {n} {s} {e.isoformat()}" for t, n, s, e in d.licences),
        "availability": "\n".join(f"{WEEKDAYS[w]} {a:%H:%M}-{b:%H:%M}"
                                  for w, a, b in d.availability),
    }


@bp.route("/profile", methods=["GET", "POST"])
@roles_required("therapist", "prescriber")
def my_profile():
    """A clinician edits their own directory profile."""
    return _edit(current_user._get_current_object(), back=url_for(".my_profile"))


@bp.route("/directory/<int:user_id>/edit", methods=["GET", "POST"])
def edit_profile(user_id: int):
    """An admin edits any clinician's directory profile."""
    user = services.get_clinician(db.session, user_id)
    return _edit(user, back=url_for(".directory"))


@bp.get("/directory/export.csv")
def export_csv():
    """Download the directory in the import format, streamed in batches."""
    rows = directory_csv.start_directory_export(db.session, current_user)
    db.session.commit()  # keep the audit record of the export
    return Response(stream_with_context(stream_csv(rows)), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=kapms-directory.csv"})


@bp.route("/directory/import", methods=["GET", "POST"])
def import_csv():
    """Upload a directory CSV; good rows are saved, bad rows listed by line."""
    form, report = ImportForm(), None
    if form.validate_on_submit():
        raw = form.file.data.read(csv_io.MAX_UPLOAD_BYTES + 1)

        def import_file():
            return directory_csv.import_directory(db.session, current_user,
                                                  csv_io.upload_text(raw))

        ok, report = attempt(form, import_file)
        if ok:
            flash(f"Imported {report.saved} profile(s); {len(report.errors)} row(s) refused.",
                  "success" if not report.errors else "warning")
    return render_template("network/import.html", form=form, report=report,
                           columns=csv_io.COLUMNS)

