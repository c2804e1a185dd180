"""The network outcome report (page, tidy CSV, PDF) and the de-identified outcomes
summary a network publishes (preview, standalone HTML, PDF, CSV; admins only)."""

from flask import Response, flash, redirect, render_template, request, url_for

from kapms.extensions import db
from kapms.measures import csv_io, pdf, publish
from kapms.measures.blueprint import actor, report_definitions, reports_bp
from kapms.measures.forms import ReportForm
from kapms.measures.outcomes import ReportFilter
from kapms.measures.report_tables import report_charts, report_tables
from kapms.measures.services import reports
from kapms.web.access import roles_required
from kapms.web.forms import attempt


def _filter_from(form: ReportForm) -> ReportFilter:
    return ReportFilter(
        instrument=form.instrument.data or "PHQ-9",
        cohort=(form.cohort.data or "").strip().upper(),
        date_from=form.date_from.data, date_to=form.date_to.data,
        completers=form.completers.data or "end",
        burnout_at_baseline_only=bool(form.burnout_only.data),
        breakdown=form.breakdown.data or "")


def _build(audit_action: str):
    """(form, report or None) for the request's filters."""
    form = ReportForm(request.args)
    if not form.validate():
        return form, None
    ok, report = attempt(form, lambda: reports.build_report(  # the commit keeps the audit row
        db.session, actor(), _filter_from(form), definitions=report_definitions(),
        audit_action=audit_action))
    return form, report if ok else None


@reports_bp.get("/")
def report():
    """The outcome report for the chosen instrument, cohort, completers and subgroups."""
    form, result = _build("view")
    return render_template("measures/report.html", form=form, report=result,
                           tables=report_tables(result) if result else [],
                           charts=report_charts(result) if result else [],
                           query=request.query_string.decode("ascii", "replace"))


def _export(render, mimetype: str, kind: str, extension: str):
    """Build the report for the request (audited as an export) and send ``render(report)``
    as a download, or back to the page when the filters are wrong."""
    form, result = _build("export")
    if result is None:
        flash("Please correct the filters.", "danger")
        return redirect(url_for("outcomes.report", **request.args))
    return Response(render(result), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="outcomes-{kind}-'
                               f'{result.filter.instrument}.{extension}"'})


@reports_bp.get("/report.csv")
def report_csv():
    """Every number of the report as a tidy CSV."""
    return _export(csv_io.report_csv, "text/csv", "report", "csv")


@reports_bp.get("/report.pdf")
def report_pdf():
    """The report as PDF."""
    return _export(pdf.report_pdf, "application/pdf", "report", "pdf")


@reports_bp.get("/summary")
@roles_required("admin")
def summary():
    """Preview of the publishable summary: suppressed cells show "<11" or "*"."""
    form, result = _build("view")
    if result is None:
        flash("Please correct the filters.", "danger")
        return redirect(url_for("outcomes.report", **request.args))
    published = publish.summarise(result)
    return render_template("measures/summary.html", form=form, summary=published,
                           report=result, query=request.query_string.decode("ascii", "replace"),
                           **pdf.summary_parts(published))


@reports_bp.get("/summary.html")
@roles_required("admin")
def summary_html():
    """The publishable summary as a standalone HTML file."""
    return _export(lambda r: pdf.summary_html(publish.summarise(r)), "text/html", "summary",
                   "html")


@reports_bp.get("/summary.pdf")
@roles_required("admin")
def summary_pdf():
    """The publishable summary as PDF."""
    return _export(lambda r: pdf.summary_pdf(publish.summarise(r)), "application/pdf",
                   "summary", "pdf")


@reports_bp.get("/summary.csv")
@roles_required("admin")
def summary_csv():
    """The publishable summary's shown cells as a tidy CSV."""
    return _export(lambda r: csv_io.report_csv(r, publish.summarise(r).shown_cells()),
                   "text/csv", "summary", "csv")
