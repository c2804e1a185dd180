"""The outcome report and the published outcomes summary as PDF, and the summary as a
standalone HTML file (exporters: a report in, bytes or text out, no writes)."""

from __future__ import annotations

from flask import render_template

from kapms.measures.outcomes import OutcomeReport
from kapms.measures.publish import Summary
from kapms.measures.report_tables import Formatter, report_charts, report_tables
from kapms.pdf import render_pdf


def report_pdf(report: OutcomeReport) -> bytes:
    """The whole report (tables and charts) as a PDF."""
    html = render_template("measures/pdf/report.html", report=report,
                           tables=report_tables(report), charts=report_charts(report))
    return render_pdf(html)


def summary_html(summary: Summary) -> str:
    """The published summary as one self-contained HTML page (inline CSS, inline SVG)."""
    return render_template("measures/pdf/summary.html", summary=summary,
                           report=summary.report, **summary_parts(summary))


def summary_pdf(summary: Summary) -> bytes:
    """The published summary as a PDF."""
    return render_pdf(summary_html(summary))


def summary_parts(summary: Summary) -> dict:
    """The summary's tables and charts, with suppressed cells hidden."""
    fmt = Formatter(summary.report, summary.hidden, summary.small)
    return {"tables": report_tables(summary.report, fmt),
            "charts": report_charts(summary.report, summary.hidden)}
