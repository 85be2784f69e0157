"""Charts of an ensemble: outcome shares, when agreements came, and fan charts of recorded series.

Each chart is built once for a scenario's states and calendar and then redrawn
in place: a new ensemble changes only its data, so the page receives a few
arrays instead of whole new figures. That matters when a class presses
*Run replicates* together, for the server and for every student's browser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, FactorRange
from bokeh.models.annotations import Span, Whisker

import sim
from dashboard.view_data import calendar_x
from dashboard.views.common import colour, label_chart, legend_below, new_figure, set_text_size
from sim.calendar import Calendar

BANDS = ("p5", "p25", "p50", "p75", "p95")  # the percentiles a fan chart shows
SHARES_TITLE = "Outcomes (share of replicates, 95% interval)"
TIMING_BINS = 30  # at most this many bars in the timing histogram
SHARES_CHART_PX, SHARES_ROW_PX = (
    100,
    45,
)  # the outcome chart's height (px): axes, title and subtitle, and per bar


def result_x(result) -> np.ndarray:
    """The time axis of an ensemble's series (dates, or step numbers for a dateless calendar)."""
    return calendar_x(Calendar(result.scenario.calendar))


def chart_key(result) -> tuple:
    """What the charts' structure depends on: the states and whether the calendar has dates."""
    return tuple(result.scenario.state_names), bool(result.dateless)


def scenario_key(scenario: sim.Scenario) -> tuple:
    """The chart_key an ensemble of this scenario will have."""
    return tuple(scenario.state_names), Calendar(scenario.calendar).dateless


class SharesChart:
    """The share of each outcome category with its 95% interval, as horizontal bars (%)."""

    def __init__(self, title: str = SHARES_TITLE):
        self.source = ColumnDataSource({"cat": [], "share": [], "lo": [], "hi": [], "text": []})
        self.figure = new_figure(title, "", y_range=FactorRange(), height=105)
        self.figure.hbar(y="cat", right="share", height=0.6, source=self.source, color=colour(0))
        self.figure.add_layout(
            Whisker(
                source=self.source,
                base="cat",
                lower="lo",
                upper="hi",
                dimension="width",
                line_width=2,
            )
        )
        self.figure.text(
            x="hi",
            y="cat",
            text="text",
            source=self.source,
            x_offset=6,
            y_offset=8,
            text_font_size="13px",
        )
        self.figure.x_range.start, self.figure.x_range.end = 0, 110
        self.figure.xaxis.axis_label = "% of replicates"

    def show(self, result, xs: Any = None) -> None:
        shares = result.shares()
        cats = [c.replace("_", " ") for c in shares["category"]]
        self.figure.y_range.factors = list(reversed(cats))
        self.figure.height = SHARES_CHART_PX + SHARES_ROW_PX * max(len(cats), 1)
        self.source.data = {
            "cat": cats,
            "share": (shares["share"] * 100).to_numpy(),
            "lo": (shares["lo"] * 100).to_numpy(),
            "hi": (shares["hi"] * 100).to_numpy(),
            "text": [f"{s:.0%}" for s in shares["share"]],
        }


class TimingChart:
    """How many replicates agreed how long before the deadline (a histogram; 0 is the deadline)."""

    def __init__(self):
        self.source = ColumnDataSource({"left": [], "right": [], "top": []})
        self.figure = new_figure("When agreements came", "replicates")
        self.figure.quad(
            left="left",
            right="right",
            top="top",
            bottom=0,
            source=self.source,
            color=colour(2),
            alpha=0.8,
        )
        self.figure.add_layout(
            Span(
                location=0, dimension="height", line_color="#d00", line_dash="dotdash", line_width=2
            )
        )

    def show(self, result, xs: Any = None) -> None:
        t, unit = result.agreement_timing(), result.timing_unit
        self.figure.title.text = f"When agreements came ({unit} before the deadline)"
        self.figure.xaxis.axis_label = f"{unit} relative to the deadline (0 = the deadline)"
        if len(t):
            hi = max(int(t.max()), 1)
            counts, edges = np.histogram(
                t, bins=np.linspace(0, hi + max(hi // 20, 1), min(TIMING_BINS, hi + 2))
            )
            self.source.data = {"left": -edges[1:], "right": -edges[:-1], "top": counts}
        else:
            self.source.data = {"left": [], "right": [], "top": []}


class FanChart:
    """Recorded series across replicates: bands p5-p95 and p25-p75 and the median line, one colour per series."""

    def __init__(self, title: str, y_label: str, variables: list[tuple[str, str]], dateless: bool):
        self.figure = new_figure(title, y_label, x_type="linear" if dateless else "datetime")
        self.sources: dict[str, ColumnDataSource] = {}
        for i, (name, legend) in enumerate(variables):
            src = self.sources[name] = ColumnDataSource({"x": [], **{c: [] for c in BANDS}})
            self.figure.varea("x", "p5", "p95", source=src, color=colour(i), alpha=0.15)
            self.figure.varea("x", "p25", "p75", source=src, color=colour(i), alpha=0.3)
            self.figure.line(
                "x",
                "p50",
                source=src,
                color=colour(i),
                line_width=3,
                legend_label=f"{legend} (median)",
            )
        legend_below(self.figure)

    def show(self, result, xs: np.ndarray) -> None:
        for name, src in self.sources.items():
            b = result.bands(name)
            src.data = {"x": xs[: len(b)], **{c: b[c].to_numpy() for c in BANDS}}


def forces_series(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(series, legend) of each state's forces."""
    return [(f"forces_{n}", n) for n in names]


def trust_series(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(series, legend) of each state's trust in each other state."""
    return [(f"trust_{a}_{b}", f"{a} in {b}") for a in names for b in names if a != b]


TENSION_SERIES = [("tension", "tension")]


class ChartSet:
    """A column of ensemble charts in the page: built for a scenario's states and calendar, then redrawn in place.

    `make(names, dateless)` returns the charts (objects with ``.figure`` and ``.show(result, xs)``).
    The column stays hidden until it shows a result.
    """

    def __init__(self, make: Callable[[tuple[str, ...], bool], list], css_class: str):
        self.make = make
        self.key: tuple | None = None
        self.figures: list = []
        self.panel = pn.Column(sizing_mode="stretch_width", css_classes=[css_class], visible=False)

    def prepare(self, scenario: sim.Scenario, large_text: bool) -> None:
        """Build the charts (empty) for a scenario now, so that its first result sends only data."""
        if self._build(scenario_key(scenario)):
            self._attach(large_text)

    def draw(self, result, large_text: bool, label: str = "") -> None:
        """Show an ensemble's result (building the charts first if its states or calendar differ),
        each chart labelled with what the result is of (`label`: scenario, seed, changed parameters)."""
        built = self._build(chart_key(result))
        xs = result_x(result)
        for chart in self.figures:
            chart.show(result, xs)
            label_chart(chart.figure, f"{result.n} replicates of {label}" if label else "")
        set_text_size([c.figure for c in self.figures], [], large_text)
        if built:
            self._attach(large_text)
        self.panel.visible = True

    def _build(self, key: tuple) -> bool:
        if key == self.key:
            return False
        self.key, self.figures = key, self.make(*key)
        return True

    def _attach(self, large_text: bool) -> None:
        set_text_size([c.figure for c in self.figures], [], large_text)
        self.panel.objects = [
            pn.pane.Bokeh(c.figure, sizing_mode="stretch_width") for c in self.figures
        ]
