"""Timeline: forces with the treaty caps, trust in each direction, tension in its named bands,
the deadline and the numbered scripted events; beside it (or below, in a narrow window) the dated
log of moves and reasons."""

from __future__ import annotations

from typing import Literal

import panel as pn
from bokeh.models import ColumnDataSource, DataRange1d, HoverTool, Range1d
from bokeh.models.annotations import BoxAnnotation, Label, LabelSet, Span

import sim
from dashboard.layout import side_by_side
from dashboard.session import Session
from dashboard.view_data import (
    axis_x,
    event_marks,
    log_rows,
    stamp_x,
    tension_bands,
    timeline_data,
    timeline_rows,
    x_values,
)
from dashboard.views.common import (
    BAND_COLOURS,
    View,
    colour,
    esc,
    html_div,
    in_page,
    label_chart,
    legend_below,
    new_figure,
    set_changed,
    set_html,
    set_text_size,
)

KIND_MARKS = {
    "agreement": "✔",
    "offer": "→",
    "accept": "✓",
    "reject": "✗",
    "event": "●",
    "outcome": "■",
    "crisis": "⚠",
    "violation": "⚠",
    "withdrawal": "⚠",
    "treaty": "§",
}
CAP_DASHES = (
    "dashed",
    "dotted",
    "dashdot",
    "dotdash",
)  # one per state, so equal caps still show both
EVENT_Y, EVENT_STAGGER = (
    0.93,
    0.08,
)  # heights of the event markers on the tension chart (tension units, 0-1)


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
        lines.append(
            f'<div class="{cls}" style="margin:2px 0"><span style="color:#555">{esc(r["date"])}</span> {mark} {who}{esc(r["text"])}</div>'
        )
    return "\n".join(lines) or "<i>Nothing yet.</i>"


def events_html(marks: dict) -> str:
    """The scripted events, numbered as on the tension chart."""
    if not marks["x"]:
        return ""
    items = "".join(
        f"<li>{esc(d)}: {esc(label)}</li>" for d, label in zip(marks["date"], marks["label"])
    )
    return f"<b>Scripted events</b> (numbered on the tension chart)<ol style='margin:2px 0 0 0'>{items}</ol>"


class TimelineView(View):
    """Three time plots sharing the calendar axis, the numbered events, and the log."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.key: tuple[int, str] | None = None
        self.figures: list = []
        self.plots = pn.Column(sizing_mode="stretch_width", css_classes=["timeline-charts"])
        self.events_list = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["event-list"])
        self.log = html_div(
            "run-log",
            sizing_mode="stretch_width",
            height=640,
            styles={"overflow-y": "auto", "border": "1px solid #ddd", "padding": "6px"},
        )
        self.drawn: tuple[sim.ArmsControlModel | None, int] = (None, 0)  # the run and rows drawn
        charts = pn.Column(self.plots, self.events_list, sizing_mode="stretch_width")
        log = pn.Column(
            "### Log (newest first)",
            in_page(self.log, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
        self.panel = side_by_side(charts, log, basis=("520px", "320px"))
        session.param.watch(self.refresh, ["version", "large_text"])
        self.update()

    # -- building (once per scenario)
    def _build(self) -> None:
        m = self.session.model
        x_type: Literal["linear", "datetime"] = "linear" if m.calendar.dateless else "datetime"
        xs = x_values(m)
        x_range = Range1d(start=xs[0], end=xs[-1])
        self.source = ColumnDataSource(timeline_data(m))
        self.drawn = (m, timeline_rows(m))
        names = [s.name for s in m.states]
        self.forces = new_figure(
            "Forces and treaty caps",
            "warheads",
            x_type=x_type,
            x_range=x_range,
            y_range=DataRange1d(start=0),
        )
        self.trust = new_figure(
            "Trust in the other side",
            "probability",
            x_type=x_type,
            x_range=x_range,
            y_range=Range1d(start=0, end=1),
        )
        self.tension = new_figure(
            "Tension",
            "tension (0-1)",
            x_type=x_type,
            x_range=x_range,
            y_range=Range1d(start=0, end=1),
        )
        for i, n in enumerate(names):
            self.forces.line(
                "x",
                f"forces_{n}",
                source=self.source,
                color=colour(i),
                line_width=3,
                legend_label=f"{n} forces",
            )
            self.forces.line(
                "x",
                f"cap_{n}",
                source=self.source,
                color=colour(i),
                line_dash=CAP_DASHES[i % len(CAP_DASHES)],
                line_width=3,
                legend_label=f"{n} cap",
            )
        k = 0
        for a in names:
            for b in names:
                if a != b:
                    self.trust.line(
                        "x",
                        f"trust_{a}_{b}",
                        source=self.source,
                        color=colour(k),
                        line_width=3,
                        legend_label=f"{a} trusts {b}",
                    )
                    k += 1
        for name, lo, hi in tension_bands(m):
            self.tension.add_layout(
                BoxAnnotation(
                    bottom=lo,
                    top=hi,
                    fill_color=BAND_COLOURS[name],
                    fill_alpha=0.9,
                    level="underlay",
                )
            )
            self.tension.add_layout(
                Label(
                    x=5,
                    y=lo + 0.01,
                    x_units="screen",
                    text=name,
                    text_font_size="12px",
                    text_color="#444",
                )
            )
        self.tension.line(
            "x", "tension", source=self.source, color="black", line_width=3, legend_label="tension"
        )
        ev = event_marks(m)
        # successive markers at three heights, so that the numbers of events a few days apart do not overlap
        heights = [EVENT_Y - EVENT_STAGGER * (i % 3) for i in range(len(ev["x"]))]
        self.events = ColumnDataSource(
            {**ev, "y": heights, "number": [str(i + 1) for i in range(len(ev["x"]))]}
        )
        marks = self.tension.scatter(
            "x",
            "y",
            source=self.events,
            marker="inverted_triangle",
            size=14,
            color="#444",
            legend_label="scripted events",
        )
        self.tension.add_layout(
            LabelSet(
                x="x",
                y="y",
                text="number",
                source=self.events,
                x_offset=6,
                y_offset=-4,
                text_font_size="13px",
                text_font_style="bold",
            )
        )
        self.tension.add_tools(
            HoverTool(renderers=[marks], tooltips=[("", "@number. @date: @label")])
        )
        self.events_list.object = events_html(ev)
        self.figures = [self.forces, self.trust, self.tension]
        for fig in self.figures:
            legend_below(fig)
            fig.legend.click_policy = "hide"
            if m.deadline is not None:
                fig.add_layout(
                    Span(
                        location=stamp_x(m, m.deadline),
                        dimension="height",
                        line_color="#D55E00",
                        line_dash="dotdash",
                        line_width=2,
                    )
                )
        if m.deadline is not None:
            self.tension.add_layout(
                Label(
                    x=stamp_x(m, m.deadline),
                    y=0.8,
                    text=" deadline",
                    text_color="#D55E00",
                    text_font_size="13px",
                )
            )
        self.now = [
            Span(location=xs[0], dimension="height", line_color="#888", line_width=1)
            for _ in self.figures
        ]
        for fig, span in zip(self.figures, self.now):
            fig.add_layout(span)
        self.plots.objects = [pn.pane.Bokeh(f, sizing_mode="stretch_width") for f in self.figures]

    # -- updating in place
    def update(self) -> None:
        s = self.session
        m = s.model
        key = (id(s.scenario), s.scenario_name)
        if key != self.key:
            self.key = key
            self._build()
        else:
            self._draw_rows(m)
        x_now = float(axis_x(m)[m.step_index])
        for span in self.now:
            set_changed(span, location=x_now)
        label = s.settings_label()
        for fig in self.figures:
            label_chart(fig, label)
        set_html(self.log, log_html(log_rows(m)))
        set_text_size(self.figures, [self.log, self.events_list], s.large_text)

    def _draw_rows(self, m: sim.ArmsControlModel) -> None:
        """The time plots' data: a step of the run drawn sends only its new row (``stream``);
        another run (a reset, a rewind, new settings) replaces the data."""
        drawn, rows = self.drawn
        now = timeline_rows(m)
        if drawn is m and now >= rows:
            if now > rows:
                new = timeline_data(
                    m, start=rows
                )  # a step's row, as lists: one message, no attachments
                self.source.stream(
                    {k: list(v) if isinstance(v, list) else v.tolist() for k, v in new.items()}
                )
        else:
            self.source.data = timeline_data(m)
        self.drawn = (m, now)
