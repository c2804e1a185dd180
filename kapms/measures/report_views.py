"""Network outcome reports (page, CSV, PDF) and the admin upload of licensed item text."""

import tempfile
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from kapms.csv_export import to_csv
from kapms.extensions import db
from kapms.measures import reports, scoring, services
from kapms.measures.forms import ItemTextForm, ReportForm
from kapms.measures.instruments import load_licensed_item_text
from kapms.measures.report_tables import report_charts, report_tables
from kapms.web import nav
from kapms.web.access import guard_blueprint
from kapms.web.forms import attempt

reports_bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")
guard_blueprint(reports_bp, "admin", "therapist", "prescriber")
admin_bp = Blueprint("measures_admin", __name__, url_prefix="/admin/measures")
guard_blueprint(admin_bp, "admin")
nav.add("Outcomes", "outcomes.report", 60)
MAX_TEXT_BYTES = 64 * 1024


def _settings() -> scoring.Settings:
    return services.settings_from_config(current_app.config)


def _filter_from(form: ReportForm) -> reports.ReportFilter:
    return reports.ReportFilter(
        instrument=form.instrument.data or "PHQ-9",
        cohort=(form.cohort.data or "").strip().upper(),
        date_from=form.date_from.data, date_to=form.date_to.data,
        completers_only=not form.all_patients.data,
        burnout_at_baseline_only=bool(form.burnout_only.data))


def _build(audit_action: str):
    """(form, report or None, tables) for the request's filters."""
    form = ReportForm(request.args)
    if not form.validate():
        return form, None, []
    settings = _settings()
    ok, report = attempt(form, lambda: reports.build_report(  # the commit keeps the audit row
        db.session, current_user._get_current_object(), _filter_from(form), settings=settings,
        audit_action=audit_action))
    if not ok:
        return form, None, []
    return form, report, report_tables(report, settings)


@reports_bp.get("/")
def report():
    """The outcome report for the chosen instrument, cohort and dates."""
    form, result, tables = _build("view")
    return render_template("measures/report.html", form=form, report=result, tables=tables,
                           charts=report_charts(result) if result else [],
                           query=request.query_string.decode("ascii", "replace"))


@reports_bp.get("/report.csv")
def report_csv():
    """The report's tables as CSV (audited as an export)."""
    form, result, tables = _build("export")
    if result is None:
        flash("Please correct the filters.", "danger")
        return redirect(url_for("outcomes.report", **request.args))
    flt = result.filter
    rows = [["Outcome report", flt.instrument, f"cohort={flt.cohort or 'all'}",
             f"baseline from={flt.date_from or ''}", f"to={flt.date_to or ''}",
             f"completers only={flt.completers_only}"]]
    for table in tables:
        rows += [[], [table.title], table.headers, *table.rows]
    name = f"outcomes-{flt.instrument}.csv"
    return Response(to_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@reports_bp.get("/report.pdf")
def report_pdf():
    """The report as PDF (audited as an export)."""
    from kapms.pdf import render_pdf

    form, result, tables = _build("export")
    if result is None:
        flash("Please correct the filters.", "danger")
        return redirect(url_for("outcomes.report", **request.args))
    html = render_template("measures/pdf/report.html", report=result, tables=tables,
                           charts=report_charts(result))
    name = f"outcomes-{result.filter.instrument}.pdf"
    return Response(render_pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@admin_bp.route("/item-text", methods=["GET", "POST"])
def item_text():
    """Upload the licensed MBI-GS item wording (the file format is in instruments.py)."""
    form = ItemTextForm()
    if form.validate_on_submit():
        data = form.file.data.read(MAX_TEXT_BYTES + 1)
        if len(data) > MAX_TEXT_BYTES:
            form.file.errors = ["That file is too large for 16 items."]
        else:
            # the loader reads a path; a private temporary file keeps its error messages
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "mbi-gs.txt"
                path.write_bytes(data)
                try:
                    texts = load_licensed_item_text(path)
                except (ValueError, UnicodeDecodeError) as error:
                    form.file.errors = [str(error).replace(str(path), "file")]
                    texts = None
            if texts is not None:
                ok, _ = attempt(form, lambda: services.load_item_texts(
                    db.session, current_user._get_current_object(), "MBI-GS", texts))
                if ok:
                    flash("MBI-GS item text loaded.", "success")
                    return redirect(url_for("measures_admin.item_text"))
    labels = services.item_labels(db.session, "MBI-GS")
    return render_template("measures/item_text.html", form=form, labels=labels)
