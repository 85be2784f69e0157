"""Bargaining: every offer as a point (its utility to two chosen states), the Pareto frontier,
the Nash point, each side's current target, the offers made so far; tap an offer for its utility terms."""

from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import (
    BoxZoomTool,
    ColumnDataSource,
    HoverTool,
    PanTool,
    Range1d,
    ResetTool,
    SaveTool,
    TapTool,
    WheelZoomTool,
)
from bokeh.models.annotations import Span

from dashboard.layout import side_by_side
from dashboard.session import Session
from dashboard.view_data import bargaining_data, terms_table
from dashboard.views.common import (
    View,
    colour,
    esc,
    label_chart,
    legend_below,
    new_figure,
    number,
    set_text_size,
)
from dashboard.views.glossary import with_glossary

BETTER, WORSE, CROSSES = "#0072B2", "#E69F00", "#bbbbbb"
RANGE_PAD = 0.08  # margin around the offers, as a share of their spread


class BargainingView(View):
    """The offer space chart and the utility breakdown of the selected offer."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.offers = ColumnDataSource(
            name="offers",
            data={
                "index": [],
                "x": [],
                "y": [],
                "label": [],
                "made": [],
                "allowed": [],
                "better_for_all": [],
                "color": [],
                "line": [],
                "size": [],
            },
        )
        self.frontier = ColumnDataSource({"x": [], "y": []})
        self.nash = ColumnDataSource({"x": [], "y": [], "label": []})
        fig = self.fig = new_figure(
            "Offers and what each side gets",
            "",
            height=460,
            tools="",
            x_range=Range1d(start=-1, end=1),
            y_range=Range1d(start=-1, end=1),
        )
        fig.tools = [t for t in fig.tools if isinstance(t, SaveTool)]
        fig.add_tools(*_tools())
        points = fig.scatter(
            "x",
            "y",
            source=self.offers,
            size="size",
            fill_color="color",
            line_color="line",
            line_width=2,
            alpha=0.85,
            nonselection_alpha=0.45,
            selection_line_color="black",
            selection_line_width=3,
        )
        fig.line(
            "x",
            "y",
            source=self.frontier,
            color="#333",
            line_width=2,
            legend_label="Pareto frontier",
        )
        fig.scatter(
            "x",
            "y",
            source=self.nash,
            marker="star",
            size=26,
            color="gold",
            line_color="black",
            legend_label="Nash point",
        )
        fig.add_tools(
            HoverTool(
                renderers=[points],
                tooltips=[("offer", "@index: @label"), ("utilities", "@x{0.00}, @y{0.00}")],
            )
        )
        self.target_x = Span(
            location=0, dimension="height", line_color=colour(0), line_dash="dashed", line_width=2
        )
        self.target_y = Span(
            location=0, dimension="width", line_color=colour(1), line_dash="dashed", line_width=2
        )
        fig.add_layout(self.target_x)
        fig.add_layout(self.target_y)
        legend_below(fig)
        self.range_key: tuple | None = None
        self.offers.selected.on_change("indices", self._tapped)
        self.x_pick = pn.widgets.Select.from_param(session.param.x_state, label="Horizontal axis")
        self.y_pick = pn.widgets.Select.from_param(session.param.y_state, label="Vertical axis")
        self.key_text = pn.pane.HTML(
            with_glossary(
                f"<span style='color:{BETTER}'>●</span> better than no deal for every side; "
                f"<span style='color:{WORSE}'>●</span> within every red line but worse than no deal for a side; "
                f"<span style='color:{CROSSES}'>●</span> crosses a red line; <b>large dots with a black ring: offered so far</b>. "
                "The dashed lines are each side's current target: an offer right of (or above) one meets that side's target. "
                "Tap an offer to see what it is worth to each side, term by term."
            ),
            sizing_mode="stretch_width",
        )
        self.terms = pn.pane.HTML(
            "<i>Tap an offer.</i>", sizing_mode="stretch_width", css_classes=["offer-terms"]
        )
        chart = pn.Column(
            pn.FlexBox(self.x_pick, self.y_pick, sizing_mode="stretch_width"),
            pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
            self.key_text,
            sizing_mode="stretch_width",
        )
        self.panel = side_by_side(
            chart,
            pn.Column(
                "### What the selected offer is worth", self.terms, sizing_mode="stretch_width"
            ),
            basis=("480px", "320px"),
        )
        session.param.watch(
            self.refresh, ["version", "x_state", "y_state", "large_text", "selected_offer"]
        )
        self.update()

    def _tapped(self, attr, old, new) -> None:
        self.session.selected_offer = int(self.offers.data["index"][new[0]]) if new else None

    def update(self) -> None:
        s = self.session
        d = bargaining_data(s)
        o = d["offers"]
        made = np.array(o["made"], dtype=bool)
        allowed = np.array(o["allowed"], dtype=bool)
        better = np.array(o["better_for_all"], dtype=bool)
        o["color"] = np.where(~allowed, CROSSES, np.where(better, BETTER, WORSE)).tolist()
        o["size"] = np.where(made, 18, 10).tolist()
        o["line"] = np.where(made, "black", o["color"]).tolist()
        self.offers.data = o
        self._fit_ranges(o)
        self.frontier.data = {"x": d["frontier"]["x"], "y": d["frontier"]["y"]}
        nash = d["nash"]
        self.nash.data = (
            {"x": [o["x"][nash]], "y": [o["y"][nash]], "label": [o["label"][nash]]}
            if nash is not None
            else {"x": [], "y": [], "label": []}
        )
        self.fig.title.text = (
            "Offers and what each side gets"
            if nash is not None
            else "Offers (no Nash point: no offer within every red line)"
        )
        self.fig.xaxis.axis_label = f"worth to {d['x_state']} (0 = no deal)"
        self.fig.yaxis.axis_label = f"worth to {d['y_state']} (0 = no deal)"
        for span, v in ((self.target_x, d["target_x"]), (self.target_y, d["target_y"])):
            span.visible = bool(np.isfinite(v))
            span.location = float(v) if np.isfinite(v) else 0.0
        k = s.selected_offer
        if k is not None and 0 <= k < len(o["index"]):
            table = terms_table(s, k)
            self.terms.object = f"<p><b>Offer {k}:</b> {esc(o['label'][k])}</p>" + table.to_html(
                classes="terms", border=0, float_format=number
            )
        else:
            self.terms.object = "<i>Tap an offer.</i>"
        label_chart(self.fig, s.settings_label())
        set_text_size([self.fig], [self.terms, self.key_text], s.large_text)

    def _fit_ranges(self, o: dict) -> None:
        """Axes that hold every offer with a margin (so the Nash star is never cut), and that only grow
        within a scenario and pair of states, so that points move on a still chart as the run goes."""
        key = (
            self.session.scenario_name,
            id(self.session.scenario),
            o and self.session.x_state,
            self.session.y_state,
        )
        for rng, values in ((self.fig.x_range, o["x"]), (self.fig.y_range, o["y"])):
            lo, hi = float(np.min(values)), float(np.max(values))
            pad = max(hi - lo, 1.0) * RANGE_PAD
            if key != self.range_key:
                rng.start, rng.end = lo - pad, hi + pad
            else:
                rng.start, rng.end = min(rng.start, lo - pad), max(rng.end, hi + pad)
        self.range_key = key


def _tools():
    return [TapTool(), PanTool(), WheelZoomTool(), BoxZoomTool(), ResetTool()]
