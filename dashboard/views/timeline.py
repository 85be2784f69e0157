"""Timeline: forces with the treaty caps, trust in each direction, tension in its named bands,
the deadline and the scripted events marked; beside it the dated log of moves and reasons."""

from __future__ import annotations

import panel as pn
from bokeh.models import BoxAnnotation, ColumnDataSource, HoverTool, Label, Range1d, Span

from dashboard.state import Session, event_marks, log_rows, stamp_x, tension_bands, timeline_data, x_values
from dashboard.views.common import BAND_COLOURS, Redraw, ShownOnly, colour, esc, new_figure, set_text_size

KIND_MARKS = {"agreement": "✔", "offer": "→", "accept": "✓", "reject": "✗", "event": "●", "outcome": "■",
              "crisis": "⚠", "violation": "⚠", "withdrawal": "⚠", "treaty": "§"}


def log_html(rows: list[dict], newest_first: bool = True, limit: int | None = None) -> str:
    """The log as an HTML list (newest first by default), one dated line per decision."""
    items = list(reversed(rows)) if newest_first else list(rows)
    if limit is not None:
        items = items[:limit]
    lines = []
    for r in items:
        who = f"<b>{esc(r['actor'])}</b>: " if r["actor"] else ""
        mark = KIND_MARKS.get(r["kind"], "·")
        cls = f"log-{esc(r['kind'])}"
        lines.append(f'<div class="{cls}" style="margin:2px 0"><span style="color:#666">{esc(r["date"])}</span> {mark} {who}{esc(r["text"])}</div>')
    return "\n".join(lines) or "<i>Nothing yet.</i>"


class TimelineView(ShownOnly):
    """Three time plots sharing the calendar axis, and the log."""

    def __init__(self, session: Session):
        self.session = session
        self.key = None
        self.plots = pn.Column(sizing_mode="stretch_width")
        self.log = pn.pane.HTML("", sizing_mode="stretch_width", height=760,
                                styles={"overflow-y": "auto", "border": "1px solid #ddd", "padding": "6px"},
                                css_classes=["run-log"])
        self.panel = pn.Row(pn.Column(self.plots, sizing_mode="stretch_width"),
                            pn.Column("### Log (newest first)", self.log, width=520), sizing_mode="stretch_width")
        self.redraw = Redraw(self.update)
        session.param.watch(self.refresh, ["version", "large_text"])
        self.update()

    # -- building (once per scenario)
    def _build(self) -> None:
        m = self.session.model
        x_type = "linear" if m.calendar.dateless else "datetime"
        xs = x_values(m)
        x_range = Range1d(xs[0], xs[-1])
        self.source = ColumnDataSource(timeline_data(m))
        names = [s.name for s in m.states]
        self.forces = new_figure("Forces and treaty caps", "warheads", x_type=x_type, x_range=x_range)
        self.trust = new_figure("Trust: chance the other is a security seeker", "probability", x_type=x_type,
                                x_range=x_range, y_range=Range1d(0, 1))
        self.tension = new_figure("Tension", "tension (0-1)", x_type=x_type, x_range=x_range, y_range=Range1d(0, 1))
        for i, n in enumerate(names):
            self.forces.line("x", f"forces_{n}", source=self.source, color=colour(i), line_width=3, legend_label=f"{n} forces")
            self.forces.line("x", f"cap_{n}", source=self.source, color=colour(i), line_dash="dashed", line_width=2, legend_label=f"{n} cap")
        k = 0
        for a in names:
            for b in names:
                if a != b:
                    self.trust.line("x", f"trust_{a}_{b}", source=self.source, color=colour(k), line_width=3, legend_label=f"{a} in {b}")
                    k += 1
        for name, lo, hi in tension_bands(m):
            self.tension.add_layout(BoxAnnotation(bottom=lo, top=hi, fill_color=BAND_COLOURS[name], fill_alpha=0.9, level="underlay"))
            self.tension.add_layout(Label(x=5, y=lo + 0.01, x_units="screen", text=name, text_font_size="12px", text_color="#555"))
        self.tension.line("x", "tension", source=self.source, color="black", line_width=3, legend_label="tension")
        ev = event_marks(m)
        self.events = ColumnDataSource({**ev, "y": [0.95] * len(ev["x"])})
        marks = self.tension.scatter("x", "y", source=self.events, marker="inverted_triangle", size=12, color="#555", legend_label="events")
        self.tension.add_tools(HoverTool(renderers=[marks], tooltips=[("", "@label")]))
        self.figures = [self.forces, self.trust, self.tension]
        for fig in self.figures:
            fig.legend.location = "bottom_left" if fig is not self.tension else "center_right"
            fig.legend.click_policy = "hide"
            fig.legend.background_fill_alpha = 0.6
            fig.toolbar.logo = None
            if m.deadline is not None:
                fig.add_layout(Span(location=stamp_x(m, m.deadline), dimension="height", line_color="#d00", line_dash="dotdash", line_width=2))
        if m.deadline is not None:
            self.tension.add_layout(Label(x=stamp_x(m, m.deadline), y=0.85, text=" deadline", text_color="#d00", text_font_size="12px"))
        self.now = [Span(location=xs[0], dimension="height", line_color="#888", line_width=1) for _ in self.figures]
        for fig, span in zip(self.figures, self.now):
            fig.add_layout(span)
        self.plots.objects = [pn.pane.Bokeh(f, sizing_mode="stretch_width") for f in self.figures]

    # -- updating in place
    def update(self) -> None:
        m = self.session.model
        key = (id(self.session.scenario), self.session.scenario_name)
        if key != self.key:
            self.key = key
            self._build()
        else:
            self.source.data = timeline_data(m)
        x_now = x_values(m)[m.step_index]
        for span in self.now:
            span.location = x_now
        self.log.object = log_html(log_rows(m))
        set_text_size(self.figures, [self.log], self.session.large_text)
