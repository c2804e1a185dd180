"""A patient's scores over time per instrument: a chart and a table (pure, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kapms.measures.charts import Chart, line_chart
from kapms.measures.instruments import MBIGS

ORDER = ("PHQ-9", "GAD-7", "PCL-5", "MBI-GS")
SUBSCALE_LABELS = {"exhaustion": "Exhaustion", "cynicism": "Cynicism",
                   "professional_efficacy": "Professional efficacy"}


@dataclass
class Trend:
    """One instrument's administrations in date order, with their chart.

    ``administrations`` are the live ones (charted); ``rows`` are all of them in date
    order, those entered in error included, for the table, which shows those struck
    through. ``chart`` is None when every administration was entered in error.
    """

    instrument: str
    administrations: list
    chart: Chart | None
    rows: list = field(default_factory=list)

    @property
    def is_mbi(self) -> bool:
        """MBI-GS shows subscale means instead of a total."""
        return self.instrument == MBIGS.name


def subscale_means(administration) -> dict[str, float | None]:
    """MBI-GS subscale means of one administration, rounded to 2 decimals for display."""
    return administration.subscale_means


def patient_trends(administrations) -> list[Trend]:
    """Group ``administrations`` by instrument (in a fixed order) and chart each one's live
    administrations (those entered in error are listed, not charted)."""
    by_instrument: dict[str, list] = {}
    for a in sorted(administrations, key=lambda a: (a.given_on, a.id or 0)):
        by_instrument.setdefault(a.instrument, []).append(a)
    trends = []
    for instrument in ORDER:
        every = by_instrument.get(instrument)
        if not every:
            continue
        rows = [a for a in every if getattr(a, "voided_at", None) is None]
        if not rows:
            trends.append(Trend(instrument, [], None, every))
            continue
        labels = [f"{a.point_label}" for a in rows]
        if instrument == MBIGS.name:
            means = [subscale_means(a) for a in rows]
            series = {SUBSCALE_LABELS[s]: [m[s] for m in means] for s in SUBSCALE_LABELS}
        else:
            series = {"Total": [a.total for a in rows]}
        trends.append(Trend(instrument, rows, line_chart(instrument, labels, series,
                                                         title=f"{instrument} over time"),
                            every))
    return trends
