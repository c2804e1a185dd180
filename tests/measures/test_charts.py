"""SVG chart geometry, the trend grouping, escaping, and the load-mbi-text command."""

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from kapms.measures.charts import (
    BOTTOM,
    HEIGHT,
    TOP,
    band_chart,
    flow_chart,
    line_chart,
    rate_chart,
)
from kapms.measures.models import LicensedItemText
from kapms.measures.outcomes import Cell
from kapms.measures.trends import patient_trends


def test_phq9_chart_shades_the_five_bands_in_order():
    chart = line_chart("PHQ-9", ["Baseline", "After dosing 2"], {"Total": [27, 0]})
    assert [label for _, _, label, _ in chart.bands] == [
        "minimal", "mild", "moderate", "moderately severe", "severe"]
    (x0, y0, _), (x1, y1, _) = chart.series[0].points
    assert y0 == TOP and y1 == HEIGHT - BOTTOM and x0 < x1  # 27 at the top, 0 at the bottom
    minimal = chart.bands[0]
    assert minimal[0] + minimal[1] == pytest.approx(HEIGHT - BOTTOM)  # sits on the axis
    assert [label for _, label in chart.y_ticks] == ["0", "5", "10", "15", "20", "25"]


def test_gaps_are_skipped_and_values_clamped():
    chart = line_chart("GAD-7", ["a", "b", "c"], {"Total": [3, None, 99]})
    points = chart.series[0].points
    assert len(points) == 2 and points[1][1] == TOP
    assert chart.series[0].polyline.count(",") == 2


def test_unknown_instrument_refused():
    with pytest.raises(ValueError):
        line_chart("BDI", ["a"], {"x": [1]})


def _cell(value, low, high):
    return Cell("response", "total", "after_dosing_2", "", value, 1, 2, low, high)


def test_rate_chart_draws_each_rate_with_its_interval():
    chart = rate_chart(["After dosing 2", "After dosing 4"],
                       {"Response": [_cell(0.5, 0.25, 0.75), None]}, title="Rates")
    assert chart.bands == [] and chart.series[0].points[0][2] == "50.0%"
    (x, y_high, y_low, _, label), = chart.whiskers
    span = HEIGHT - TOP - BOTTOM
    assert y_high == pytest.approx(TOP + span * 0.25, abs=0.1)
    assert y_low == pytest.approx(TOP + span * 0.75, abs=0.1)
    assert label == "Response: 25.0% to 75.0%"


def test_band_chart_wraps_the_line_in_its_interval():
    means = [Cell("mean", "total", p, "", v, None, 20, v - 1, v + 1)
             for p, v in (("baseline", 18), ("after_dosing_2", 12), ("after_dosing_4", 9))]
    chart = band_chart("PHQ-9", ["Baseline", "2", "4"], {"Mean": means}, title="Means")
    (points, _, label), = chart.areas
    assert len(points.split()) == 6 and label == "Mean: 95% interval"
    assert len(chart.series[0].points) == 3 and len(chart.bands) == 5
    # a line without intervals gets no band
    assert band_chart("PHQ-9", ["a", "b"], {"Mean": [None, None]}, title="t").areas == []


def test_flow_chart_ribbons_are_as_wide_as_their_counts():
    chart = flow_chart(("Engaged", "Burnout"), {("Burnout", "Engaged"): 30,
                                                ("Burnout", "Burnout"): 10}, title="Flows")
    assert [label for _, _, label in chart.ribbons] == ["Burnout → Engaged: 30",
                                                       "Burnout → Burnout: 10"]
    left = [b for b in chart.blocks if b[0] < chart.width / 2]
    right = [b for b in chart.blocks if b[0] > chart.width / 2]
    assert [b[5] for b in left] == ["Burnout 40"]
    assert [b[5] for b in right] == ["Engaged 30", "Burnout 10"]
    assert right[0][3] == pytest.approx(3 * right[1][3], abs=0.2)


def test_trends_group_by_instrument_in_order_with_mbi_subscales():
    rows = [
        SimpleNamespace(id=2, instrument="MBI-GS", point="baseline", point_label="Baseline",
                        given_on=date(2026, 1, 1), total=None,
                        subscale_means={"exhaustion": 5.6, "cynicism": 4.4,
                                        "professional_efficacy": 3.33}),
        SimpleNamespace(id=1, instrument="PHQ-9", point="after_dosing_2",
                        point_label="After dosing 2", given_on=date(2026, 2, 1), total=9),
        SimpleNamespace(id=3, instrument="PHQ-9", point="baseline", point_label="Baseline",
                        given_on=date(2026, 1, 1), total=15),
    ]
    trends = patient_trends(rows)
    assert [t.instrument for t in trends] == ["PHQ-9", "MBI-GS"]
    assert [a.total for a in trends[0].administrations] == [15, 9]  # date order
    assert [s.name for s in trends[1].chart.series] == [
        "Exhaustion", "Cynicism", "Professional efficacy"]


def test_trends_chart_only_live_administrations_and_list_every_one():
    def row(id_, point, total, voided_at=None):
        return SimpleNamespace(id=id_, instrument="PHQ-9", point=point, point_label=point,
                               given_on=date(2026, 1, id_), total=total, voided_at=voided_at)

    wrong = row(2, "baseline", 27, voided_at=date(2026, 1, 3))
    trend = patient_trends([row(1, "baseline", 15), wrong, row(3, "after_dosing_2", 9)])[0]
    assert [a.total for a in trend.administrations] == [15, 9]
    assert [a.id for a in trend.rows] == [1, 2, 3]
    assert [label for _, label in trend.chart.x_labels] == ["baseline", "after_dosing_2"]
    only_wrong = patient_trends([wrong])[0]
    assert only_wrong.chart is None and only_wrong.rows == [wrong]


def test_chart_template_escapes_labels(app):
    with app.test_request_context():
        macro = app.jinja_env.get_template("measures/_chart.html").module.chart
        chart = line_chart("PHQ-9", ['<script>alert(1)</script>'], {'"><b>': [5]},
                           title="<i>t</i>")
        html = str(macro(chart))
    assert "<script>" not in html and "<i>" not in html and '"><b>' not in html
    assert "&lt;script&gt;" in html and "style=" not in html


def test_load_mbi_text_command(app, db, tmp_path):
    good = tmp_path / "mbi.txt"
    good.write_text("".join(f"{n},Licensed wording {n}\n" for n in range(1, 17)))
    result = app.test_cli_runner().invoke(args=["measures", "load-mbi-text", str(good)])
    assert result.exit_code == 0 and "16 items" in result.output
    assert len(db.scalars(select(LicensedItemText)).all()) == 16
    bad = tmp_path / "bad.txt"
    bad.write_text("1,only one\n")
    result = app.test_cli_runner().invoke(args=["measures", "load-mbi-text", str(bad)])
    assert result.exit_code != 0 and "missing item" in result.output
