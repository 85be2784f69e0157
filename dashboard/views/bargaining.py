"""Bargaining: every offer as a point (its utility to two chosen states), the Pareto frontier,
the Nash point, each side's current target, the offers made so far; tap an offer for its utility terms."""

from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, HoverTool, Span

from dashboard.state import Session, bargaining_data, terms_table
from dashboard.views.common import Redraw, ShownOnly, colour, new_figure, set_text_size


class BargainingView(ShownOnly):
    """The offer space chart and the utility breakdown of the selected offer."""

    def __init__(self, session: Session):
        self.session = session
        self.offers = ColumnDataSource(name="offers", data={"index": [], "x": [], "y": [], "label": [], "made": [], "allowed": [],
                                        "color": [], "size": []})
        self.frontier = ColumnDataSource({"x": [], "y": []})
        self.nash = ColumnDataSource({"x": [], "y": [], "label": []})
        fig = self.fig = new_figure("Offers: utility to each side (relative to no deal)", "", height=520, tools="")
        fig.tools = []
        fig.add_tools(*_tools())
        points = fig.scatter("x", "y", source=self.offers, size="size", color="color", alpha=0.8,
                             nonselection_alpha=0.45, selection_line_color="black", selection_line_width=3)
        fig.line("x", "y", source=self.frontier, color="#333", line_width=2, legend_label="Pareto frontier")
        fig.scatter("x", "y", source=self.nash, marker="star", size=26, color="gold", line_color="black", legend_label="Nash point")
        fig.add_tools(HoverTool(renderers=[points], tooltips=[("offer", "@index: @label"), ("utilities", "@x{0.00}, @y{0.00}")]))
        self.target_x = Span(location=0, dimension="height", line_color=colour(0), line_dash="dashed", line_width=2)
        self.target_y = Span(location=0, dimension="width", line_color=colour(1), line_dash="dashed", line_width=2)
        fig.add_layout(self.target_x)
        fig.add_layout(self.target_y)
        fig.legend.location = "top_left"
        fig.toolbar.logo = None
        self.offers.selected.on_change("indices", self._tapped)
        self.x_pick = pn.widgets.Select.from_param(session.param.x_state, label="Horizontal axis")
        self.y_pick = pn.widgets.Select.from_param(session.param.y_state, label="Vertical axis")
        self.key_text = pn.pane.Markdown(
            "Grey: ruled out by a red line; blue: acceptable to all; **red ring: offered so far**. "
            "Dashed lines: each side's current target (an offer right of / above it meets that side's target). "
            "Tap an offer to see what it is worth to each side, term by term.", sizing_mode="stretch_width")
        self.terms = pn.pane.HTML("<i>Tap an offer.</i>", sizing_mode="stretch_width", css_classes=["offer-terms"])
        self.panel = pn.Row(
            pn.Column(pn.Row(self.x_pick, self.y_pick), pn.pane.Bokeh(fig, sizing_mode="stretch_width"), self.key_text,
                      sizing_mode="stretch_width"),
            pn.Column("### Utility terms of the selected offer", self.terms, width=520),
            sizing_mode="stretch_width")
        self.redraw = Redraw(self.update)
        session.param.watch(self.refresh, ["version", "x_state", "y_state", "large_text", "selected_offer"])
        self.update()

    def _tapped(self, attr, old, new) -> None:
        self.session.selected_offer = int(self.offers.data["index"][new[0]]) if new else None

    def update(self) -> None:
        s = self.session
        d = bargaining_data(s)
        o = d["offers"]
        made = np.array(o["made"], dtype=bool)
        allowed = np.array(o["allowed"], dtype=bool)
        o["color"] = np.where(made, "#d62728", np.where(allowed, "#1f77b4", "#bbbbbb")).tolist()
        o["size"] = np.where(made, 16, 10).tolist()
        self.offers.data = o
        self.frontier.data = {"x": d["frontier"]["x"], "y": d["frontier"]["y"]}
        nash = d["nash"]
        self.nash.data = ({"x": [o["x"][nash]], "y": [o["y"][nash]], "label": [o["label"][nash]]} if nash is not None
                          else {"x": [], "y": [], "label": []})
        self.fig.title.text = ("Offers: utility to each side (relative to no deal)" if nash is not None else
                               "Offers: utility to each side (no Nash point: no offer is within every side's red lines)")
        self.fig.xaxis.axis_label = f"utility to {d['x_state']}"
        self.fig.yaxis.axis_label = f"utility to {d['y_state']}"
        for span, v in ((self.target_x, d["target_x"]), (self.target_y, d["target_y"])):
            span.visible = bool(np.isfinite(v))
            span.location = float(v) if np.isfinite(v) else 0.0
        k = s.selected_offer
        if k is not None and 0 <= k < len(o["index"]):
            table = terms_table(s, k)
            self.terms.object = f"<p><b>Offer {k}:</b> {o['label'][k]}</p>" + table.round(2).to_html(classes="terms", border=0)
        else:
            self.terms.object = "<i>Tap an offer.</i>"
        set_text_size([self.fig], [self.terms, self.key_text], s.large_text)


def _tools():
    from bokeh.models import BoxZoomTool, PanTool, ResetTool, SaveTool, TapTool, WheelZoomTool

    return [TapTool(), PanTool(), WheelZoomTool(), BoxZoomTool(), ResetTool(), SaveTool()]
