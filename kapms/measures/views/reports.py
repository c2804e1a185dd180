"""The network outcome report: the page, its CSV and its PDF."""

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for

from kapms.extensions import db
from kapms.measures.blueprint import actor, reports_bp, scoring_settings
from kapms.measures.forms import ReportForm
from kapms.measures.report_tables import report_charts, report_tables
from kapms.measures.services import reports
from kapms.web.forms import attempt


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
    settings = scoring_settings()
    ok, report = attempt(form, lambda: reports.build_report(  # the commit keeps the audit row
        db.session, actor(), _filter_from(form), settings=settings,
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
    out = io.StringIO()
    writer = csv.writer(out)
    flt = result.filter
    writer.writerow(["Outcome report", flt.instrument, f"cohort={flt.cohort or 'all'}",
                     f"baseline from={flt.date_from or ''}", f"to={flt.date_to or ''}",
                     f"completers only={flt.completers_only}"])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.headers)
        writer.writerows([[_csv_safe(c) for c in row] for row in table.rows])
    name = f"outcomes-{flt.instrument}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _csv_safe(cell: str) -> str:
    """Neutralise spreadsheet formulas (cells are ours, but stay safe if labels change)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") and not cell[1:2].isdigit() else cell


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
