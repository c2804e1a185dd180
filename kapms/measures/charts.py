"""Server-rendered SVG charts: geometry computed here, drawn by templates/measures/_chart.html.

No JavaScript and no style attributes (the CSP forbids inline styles): the template draws
rects, polygons, paths, polylines and text with presentation attributes and Jinja's
escaping. Kinds: a line chart over categories (dates or measurement points) with the
instrument's bands shaded (:func:`line_chart`), the same with a 95% interval band around
each line (:func:`band_chart`), rates with interval whiskers (:func:`rate_chart`) and the
flows between profiles at two points (:func:`flow_chart`).
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
    # 95% interval bands: (SVG polygon points, fill, tooltip)
    areas: list[tuple[str, str, str]] = field(default_factory=list)
    # interval whiskers: (x, y of the high end, y of the low end, colour, tooltip)
    whiskers: list[tuple[float, float, float, str, str]] = field(default_factory=list)
    # flow charts: stacked blocks (x, y, width, height, fill, label) and ribbons (path, fill,
    # tooltip)
    blocks: list[tuple[float, float, float, float, str, str]] = field(default_factory=list)
    ribbons: list[tuple[str, str, str]] = field(default_factory=list)
    axes: bool = True

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


def _value(cell) -> float | None:
    return None if cell is None or cell.value is None else float(cell.value)


def band_chart(instrument: str, categories: list[str], series: dict[str, list], *,
               title: str, settings: scoring.Settings = scoring.DEFAULT_SETTINGS) -> Chart:
    """Means over ``categories`` (series name -> one report cell or None per category), on
    the instrument's scale with its bands, each line inside its 95% interval band."""
    chart = line_chart(instrument, categories,
                       {name: [_value(c) for c in cells] for name, cells in series.items()},
                       title=title, settings=settings)
    top = _y_max(instrument)
    for number, cells in enumerate(series.values()):
        known = [(i, c) for i, c in enumerate(cells)
                 if c is not None and c.low is not None and c.high is not None]
        if len(known) < 2:
            continue
        upper = [f"{_x(i, len(categories)):.1f},{_y(c.high, top):.1f}" for i, c in known]
        lower = [f"{_x(i, len(categories)):.1f},{_y(c.low, top):.1f}" for i, c in reversed(known)]
        chart.areas.append((" ".join(upper + lower), COLOURS[number % len(COLOURS)],
                            f"{chart.series[number].name}: 95% interval"))
    return chart


def rate_chart(categories: list[str], series: dict[str, list], *, title: str) -> Chart:
    """Rates (0-100%) over ``categories`` (series name -> one rate cell or None per
    category), each point with its 95% interval as a whisker."""
    chart = Chart(title=title)
    chart.y_ticks = [(round(_y(v, 100), 1), f"{v}%") for v in (0, 25, 50, 75, 100)]
    chart.x_labels = [(round(_x(i, len(categories)), 1), c) for i, c in enumerate(categories)]
    count = max(len(series), 1)
    for number, (name, cells) in enumerate(series.items()):
        colour = COLOURS[number % len(COLOURS)]
        line = Series(name, colour)
        offset = (number - (count - 1) / 2) * 6  # whiskers side by side, not on top
        for i, cell in enumerate(cells):
            if cell is None or cell.value is None:
                continue
            x = _x(i, len(categories)) + offset
            percent = float(cell.value) * 100
            line.points.append((x, _y(percent, 100), f"{percent:.1f}%"))
            if cell.low is not None:
                chart.whiskers.append((round(x, 1), round(_y(cell.high * 100, 100), 1),
                                       round(_y(cell.low * 100, 100), 1), colour,
                                       f"{name}: {cell.low * 100:.1f}% to "
                                       f"{cell.high * 100:.1f}%"))
        chart.series.append(line)
    return chart


FLOW_COLOURS = {"Engaged": "#2f855a", "Ineffective": "#b7791f", "Overextended": "#c05621",
                "Disengaged": "#6b46c1", "Burnout": "#c53030"}


def flow_chart(names: tuple[str, ...], flows: dict[tuple[str, str], int], *,
               title: str) -> Chart:
    """Where each group at the first point went by the second: two stacked columns of
    ``names`` and a ribbon per (from, to) pair as wide as its count."""
    chart = Chart(title=title, axes=False)
    total = sum(flows.values())
    top, span = TOP + 4, HEIGHT - TOP - BOTTOM - 8
    left_x, right_x, width = LEFT + 70, WIDTH - RIGHT - 110, 16
    scale = span / total if total else 0
    out_at, in_at = {}, {}
    y_left = y_right = top
    for name in names:
        out = sum(v for (a, _), v in flows.items() if a == name)
        came = sum(v for (_, b), v in flows.items() if b == name)
        colour = FLOW_COLOURS.get(name, COLOURS[0])
        if out:
            chart.blocks.append((left_x - width, round(y_left, 1), width, round(out * scale, 1),
                                 colour, f"{name} {out}"))
            out_at[name] = y_left
            y_left += out * scale
        if came:
            chart.blocks.append((right_x, round(y_right, 1), width, round(came * scale, 1),
                                 colour, f"{name} {came}"))
            in_at[name] = y_right
            y_right += came * scale
    middle = (left_x + right_x) / 2
    for a in names:
        for b in names:
            count = flows.get((a, b), 0)
            if not count:
                continue
            y1, y3 = out_at[a], in_at[b]
            h = count * scale
            out_at[a], in_at[b] = y1 + h, y3 + h
            path = (f"M{left_x:.1f},{y1:.1f} C{middle:.1f},{y1:.1f} {middle:.1f},{y3:.1f} "
                    f"{right_x:.1f},{y3:.1f} L{right_x:.1f},{y3 + h:.1f} C{middle:.1f},"
                    f"{y3 + h:.1f} {middle:.1f},{y1 + h:.1f} {left_x:.1f},{y1 + h:.1f} Z")
            chart.ribbons.append((path, FLOW_COLOURS.get(a, COLOURS[0]), f"{a} → {b}: {count}"))
    return chart
