"""Server-rendered SVG charts: geometry computed here, drawn by templates/measures/_chart.html.

No JavaScript and no style attributes (the CSP forbids inline styles): the template draws
rects, polylines and text with presentation attributes and Jinja's escaping. A chart is a
line chart over categories (dates or measurement points) with optional shaded bands
(severity bands of the instrument) and a dashed threshold line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kapms.measures import scoring
from kapms.measures.instruments import MBIGS, get_instrument

WIDTH, HEIGHT = 520, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 34, 12, 34
COLOURS = ("#2c7a7b", "#c05621", "#6b46c1", "#2b6cb0")

# band fills, best band first: lighter means better; two bands are "fine" and "of concern"
FILLS = {5: ("#f0fff4", "#fefcbf", "#feebc8", "#fed7d7", "#feb2b2"),
         4: ("#f0fff4", "#fefcbf", "#feebc8", "#feb2b2"),
         2: ("#f0fff4", "#fed7d7")}
Y_STEP = {"PHQ-9": 5, "GAD-7": 5, "PCL-5": 20, "MBI-GS": 1}  # round-number gridlines


def _y_max(instrument: str) -> float:
    """Top of the scale: the highest total, or the highest answer for subscale means."""
    inst = get_instrument(instrument)
    return inst.max_answer if inst is MBIGS else inst.item_count * inst.max_answer


def _bands(instrument: str, settings: scoring.Settings) -> list[tuple[float, float, str, str]]:
    """(low, high, label, fill) of the instrument's bands (kapms.measures.scoring)."""
    bands = scoring.severity_bands(instrument, settings)
    fills = FILLS[len(bands)]
    return [(low, high, label, fills[i]) for i, (low, high, label) in enumerate(bands)]


@dataclass
class Series:
    """One line: a name, a colour and its (x, y, label) points in pixels."""

    name: str
    colour: str
    points: list[tuple[float, float, str]] = field(default_factory=list)

    @property
    def polyline(self) -> str:
        """The SVG points attribute."""
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)


@dataclass
class Chart:
    """Everything the template needs to draw one chart."""

    title: str
    width: int = WIDTH
    height: int = HEIGHT
    bands: list[tuple[float, float, str, str]] = field(default_factory=list)  # y, h, label, fill
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)

    @property
    def plot_left(self) -> int:
        """Left edge of the plot area."""
        return LEFT

    @property
    def plot_right(self) -> int:
        """Right edge of the plot area."""
        return self.width - RIGHT

    @property
    def plot_bottom(self) -> int:
        """Bottom edge of the plot area."""
        return self.height - BOTTOM


def _y(value: float, y_max: float) -> float:
    span = HEIGHT - TOP - BOTTOM
    return TOP + span * (1 - min(max(value, 0), y_max) / y_max)


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if count == 1 else span * index / (count - 1))


def line_chart(instrument: str, categories: list[str],
               series: dict[str, list[float | None]], *, title: str = "",
               shade: bool = True, y_max: float | None = None,
               settings: scoring.Settings = scoring.DEFAULT_SETTINGS) -> Chart:
    """A chart of ``series`` (name -> one value per category, None for a gap) over
    ``categories`` (x labels), on the instrument's scale with its bands shaded."""
    top = y_max or _y_max(instrument)  # ValueError for an unknown instrument
    chart = Chart(title=title or instrument)
    if shade:
        for low, high, label, fill in _bands(instrument, settings):
            if low >= top:
                continue
            y_top, y_low = _y(min(high + (1 if isinstance(high, int) else 0), top), top), _y(low, top)
            chart.bands.append((round(y_top, 1), round(y_low - y_top, 1), label, fill))
    step = Y_STEP[instrument] if y_max is None else top / 4
    ticks, value = [], 0.0
    while value <= top + 1e-9:
        ticks.append((round(_y(value, top), 1), f"{value:g}"))
        value += step
    chart.y_ticks = ticks
    chart.x_labels = [(round(_x(i, len(categories)), 1), c) for i, c in enumerate(categories)]
    for number, (name, values) in enumerate(series.items()):
        line = Series(name, COLOURS[number % len(COLOURS)])
        for i, value in enumerate(values):
            if value is not None:
                line.points.append((_x(i, len(categories)), _y(float(value), top),
                                    f"{float(value):g}"))
        chart.series.append(line)
    return chart


def percent_chart(categories: list[str], series: dict[str, list[float | None]], *,
                  title: str) -> Chart:
    """A line chart of percentages (0-100) over categories, without bands."""
    chart = Chart(title=title)
    chart.y_ticks = [(round(_y(v, 100), 1), f"{v}%") for v in (0, 25, 50, 75, 100)]
    chart.x_labels = [(round(_x(i, len(categories)), 1), c) for i, c in enumerate(categories)]
    for number, (name, values) in enumerate(series.items()):
        line = Series(name, COLOURS[number % len(COLOURS)])
        for i, value in enumerate(values):
            if value is not None:
                line.points.append((_x(i, len(categories)), _y(float(value), 100),
                                    f"{float(value):.1f}%"))
        chart.series.append(line)
    return chart
