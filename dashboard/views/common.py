"""What the views share: colours, text sizes and running heavy work off the event loop."""

from __future__ import annotations

import datetime as dt
import functools
import html
import os
import re
import textwrap
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import panel as pn
from bokeh.models import NoOverlap, SaveTool
from bokeh.models.annotations import Title
from bokeh.plotting import figure
from panel.io.document import hold
from panel.io.state import set_curdoc
from panel.models.markup import HTML as PanelHTML
from panel.viewable import Viewer

# Okabe and Ito's colour-blind-safe palette (blue, vermillion, bluish green, reddish purple, orange, sky blue, yellow)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
BAND_COLOURS = {
    "calm": "#e8f5e9",
    "strained": "#fffde7",
    "confrontation": "#fff3e0",
    "crisis": "#ffebee",
}
PROGRESS_EVERY_S = 0.2  # the shortest time between two progress updates sent to a page (seconds)


@dataclass(frozen=True)
class TextSize:
    """The sizes of one text mode: chart ticks, chart titles and axis labels, body text; ticks per axis."""

    tick: str
    label: str
    body: str
    ticks: int  # the number of ticks an axis aims for (fewer in projector mode, so big labels do not overlap)
    legend_columns: int
    # the line under a chart (what it is of: scenario, seed, changes, date): it is for the PNG more
    # than for the back of the room, so it grows less, and its lines fit a chart beside another
    note: str
    line_chars: int


TEXT_SIZES = {
    False: TextSize("12px", "14px", "15px", 8, 4, "12px", 56),
    True: TextSize("18px", "21px", "22px", 4, 2, "14px", 48),
}


def colour(i: int) -> str:
    """The i-th colour of the colour-blind-safe palette (cycling)."""
    return PALETTE[i % len(PALETTE)]


def new_figure(
    title: str,
    y_label: str,
    *,
    x_type: Literal["auto", "linear", "datetime"] = "auto",
    height: int = 260,
    tools: str = "pan,box_zoom,reset,hover",
    **kw: Any,
):
    """A Bokeh figure that stretches to its column, with a save tool that names its PNG without asking.

    Its legend (once lines are added) goes below the plot, where it hides no line.
    """
    fig = figure(
        title=title,
        height=height,
        sizing_mode="stretch_width",
        x_axis_type=x_type,
        tools=tools,
        toolbar_location="above",
        min_width=MIN_CHART_PX,
        min_border_right=RIGHT_MARGIN_PX,
        **kw,
    )
    fig.add_tools(
        SaveTool(filename=slug(title))
    )  # the toolbar goes above: at the side of a short chart Bokeh folds tools into a menu
    fig.yaxis.axis_label = y_label
    for axis in fig.axis:  # a narrow chart leaves out the tick labels that would overlap
        axis.major_label_policy = NoOverlap()
    if isinstance(fig.title, Title):  # always, with a title given: Bokeh types it loosely
        fig.title.text_font_size = TEXT_SIZES[False].label
    fig.toolbar.logo = None
    return fig


MIN_CHART_PX = 280  # the narrowest a chart may be drawn and still be read (px)
# Room right of the plot (px). Bokeh's toolbar ends at the plot's right edge, and its overflow
# button ("⋮") is drawn 7 px wider than its box in projector mode: with Bokeh's 5 px it would
# reach past the chart, and a chart as wide as the window would make the page scroll sideways.
RIGHT_MARGIN_PX = 12


def legend_below(fig) -> None:
    """Move a figure's legend under the plot, in columns, so it never covers a line."""
    for legend in list(fig.legend):
        if legend in fig.center:
            fig.center.remove(legend)
            legend.orientation = "horizontal"
            legend.location = "top_left"
            legend.ncols = TEXT_SIZES[False].legend_columns
            legend.background_fill_alpha = 0
            legend.border_line_alpha = 0
            fig.add_layout(legend, "below")


def label_chart(fig, label: str, date: str | None = None) -> None:
    """Write what a chart shows (scenario, seed, changed parameters) and the date under it, so that it
    is on the chart and on its PNG; the PNG's file name says the same.

    Under the chart, not beside the title: the title shares its row with the toolbar, and a line
    longer than the chart is wide would push the toolbar, and the page, past the chart's edge.
    """
    date = date or chart_date()
    if getattr(fig, "_acsim_labelled", None) == (label, date):
        return  # a step of the run: the chart is of the same settings as before
    fig._acsim_labelled = (label, date)
    fig._acsim_subtitle = f"{label} · {date}" if label else ""
    text = subtitle_lines(fig)
    subtitle = next((t for t in fig.below if isinstance(t, Title)), None)
    if subtitle is None:
        subtitle = Title(
            text=text,
            text_font_style="italic",
            text_color="#333",
            text_font_size=TEXT_SIZES[getattr(fig, "_acsim_large", False)].note,
        )
        fig.add_layout(subtitle, "below")
    elif subtitle.text != text:
        subtitle.text = text
    name = slug(f"{fig.title.text} {label}")[:120]
    for tool in fig.tools:
        if isinstance(tool, SaveTool) and tool.filename != name:
            tool.filename = name


CHART_DATE_VARIABLE = (
    "ACSIM_CHART_DATE"  # a fixed date (YYYY-MM-DD) under the charts, for screenshots
)


def chart_date() -> str:
    """The date written under the charts: today's, or the one the environment variable
    :data:`CHART_DATE_VARIABLE` fixes (the browser tests fix it, so that their screenshots of the
    docs are the same whatever day they are taken)."""
    return os.environ.get(CHART_DATE_VARIABLE) or dt.date.today().isoformat()


def subtitle_lines(fig) -> str:
    """A chart's subtitle broken into lines that fit under a chart beside another at its text size
    (Bokeh draws a title on one line and cuts what does not fit)."""
    size = TEXT_SIZES[getattr(fig, "_acsim_large", False)]
    return "\n".join(textwrap.wrap(getattr(fig, "_acsim_subtitle", ""), size.line_chars))


def slug(text: str) -> str:
    """A file-name-safe version of a title: 'Forces and caps' -> 'forces_and_caps'."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "chart"


def set_text_size(figures: list, panes: list, large: bool) -> None:
    """Projector mode: bigger ticks, labels, titles and body text, and fewer ticks per axis.

    Only what is not yet at that size is changed: each change makes every browser re-lay out the page.
    """
    size = TEXT_SIZES[large]
    figures = [f for f in figures if getattr(f, "_acsim_large", None) is not large]
    panes = [p for p in panes if (p.styles or {}).get("font-size") != size.body]
    for fig in figures:
        fig._acsim_large = large
    for fig in figures:
        for title in [fig.title, *[r for r in fig.below if isinstance(r, Title)]]:
            title.text_font_size = size.label if title is fig.title else size.note
            if title is not fig.title and hasattr(fig, "_acsim_subtitle"):
                title.text = subtitle_lines(fig)
        for axis in fig.axis:
            axis.major_label_text_font_size = size.tick
            axis.axis_label_text_font_size = size.label
            ticker = axis.ticker
            if hasattr(ticker, "desired_num_ticks"):
                ticker.desired_num_ticks = size.ticks
            for sub in getattr(ticker, "tickers", []):  # a datetime axis: one ticker per time scale
                if hasattr(sub, "desired_num_ticks"):
                    sub.desired_num_ticks = size.ticks
        for legend in fig.legend:
            legend.label_text_font_size = size.tick
            legend.ncols = size.legend_columns
    for pane in panes:
        pane.styles = {**(pane.styles or {}), "font-size": size.body}


def html_div(css_class: str, **props: Any) -> PanelHTML:
    """A block of HTML that changes often (the status line, a log), as the Bokeh model of Panel's
    HTML pane without the pane: redraw it with :func:`set_html`, put it in a layout with
    :func:`in_page`.

    A change to a Panel pane costs the server a round of Panel's watchers and its design's style
    sheets, several times what the change itself costs; setting the model's text costs only the
    change. (Bokeh's own ``Div`` would cost the server as little but the browser more: it
    rebuilds its whole element at each change, where Panel's model only replaces its content.)
    With thirty sessions playing at four steps a second, that is the difference between keeping
    up and falling behind.
    """
    box = PanelHTML()  # (its constructor is typed without Bokeh's keyword arguments)
    box.update(
        text="",
        css_classes=[css_class],
        margin=DIV_MARGIN,
        disable_math=True,
        run_scripts=False,
        **props,
    )
    return box


def set_html(box: PanelHTML, text: str) -> None:
    """Show `text` (HTML) in an :func:`html_div`, sending it only when it changed."""
    escaped = html.escape(text)  # the model's text is escaped HTML, as Panel's pane sends it
    if box.text != escaped:
        box.text = escaped


def shown_html(box: PanelHTML) -> str:
    """The HTML an :func:`html_div` shows."""
    return html.unescape(box.text)


DIV_MARGIN = (5, 10)  # (vertical, horizontal) px: the margin Panel gives its panes


def in_page(model: Any, **params: Any) -> pn.pane.Bokeh:
    """A Bokeh model (such as an :func:`html_div`) as a part of a Panel layout."""
    return pn.pane.Bokeh(model, **params)


def set_changed(widget: Any, **values: Any) -> None:
    """Set only the parameters whose value changes (each change set is a round of Panel's watchers
    and a change sent to the browser; ``param.update`` reads every parameter of the widget first)."""
    for name, value in values.items():
        if getattr(widget, name) != value:
            setattr(widget, name, value)


def number(x: float, places: int = 2) -> str:
    """A number for a table or a sentence, never '-0.00' (a value that rounds to zero has no sign)."""
    text = f"{x:.{places}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def esc(text: Any) -> str:
    return html.escape(str(text))


def in_server() -> bool:
    """Whether this code runs for a served page (not a test or a notebook)."""
    doc = pn.state.curdoc
    return doc is not None and getattr(doc, "session_context", None) is not None


def off_loop(
    work: Callable[[Callable[[int, int], None]], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None],
    on_progress: Callable[[int, int], None],
) -> None:
    """Run work(progress) in a thread; its progress, result or error come back on the session's event loop.

    Without a server (tests) the work runs at once, in this thread.
    """
    doc = pn.state.curdoc
    if (
        not in_server()
    ):  # (panel's state.served is False under panel.serve(function), so it is not used here)
        try:
            result = work(on_progress)
        except Exception as exc:
            on_error(exc)
        else:
            on_done(result)
        return
    assert doc is not None  # in_server() saw it

    def later(fn: Callable, *args: Any) -> None:
        def call() -> None:
            with set_curdoc(doc):
                fn(*args)

        try:
            doc.add_next_tick_callback(call)
        except Exception:  # the session was closed meanwhile
            pass

    last_sent = [0.0]

    def relay(
        done: int, total: int
    ) -> None:  # a page needs a few progress updates a second, not one per chunk
        now = time.monotonic()
        if done >= total or now - last_sent[0] >= PROGRESS_EVERY_S:
            last_sent[0] = now
            later(on_progress, done, total)

    def target() -> None:
        try:
            result = work(relay)
        except Exception as exc:
            later(on_error, exc)
        else:
            later(on_done, result)

    threading.Thread(target=target, daemon=True).start()


_QUEUED: weakref.WeakKeyDictionary[Any, list[Redraw]] = (
    weakref.WeakKeyDictionary()
)  # page -> redraws due


class Redraw:
    """Calls a view's redraw at most once per tick of its session, with every other view's, as one message.

    In a served session, Bokeh models may only change while the session holds
    its document's lock, which a widget's callback does not always hold; the
    redraw is therefore run as the session's next-tick callback (which holds
    it). Several changes within one tick cost one redraw, and all the views
    that redraw in that tick send their changes to the browser together, so
    the page draws once. Without a server it runs at once.
    """

    def __init__(self, fn: Callable[[], None]):
        self.fn = fn
        self.pending = False

    def __call__(self, *_: Any) -> None:
        if not in_server():
            self.fn()
            return
        doc = pn.state.curdoc
        assert doc is not None  # in_server() saw it
        if self.pending:
            return
        self.pending = True
        queue = _QUEUED.get(doc)
        if queue is None:
            queue = _QUEUED[doc] = []
            doc.add_next_tick_callback(functools.partial(_redraw_queued, doc))
        queue.append(self)


def _redraw_queued(doc: Any) -> None:
    """Run the redraws queued for one session's page, holding their changes to send them as one."""
    queue = _QUEUED.pop(doc, [])
    with set_curdoc(doc), hold(doc):
        for redraw in queue:
            redraw.pending = False
            redraw.fn()


def guarded_click(session: Any, action: Callable[..., Any], *args: Any) -> Callable[[Any], None]:
    """A button's click handler: `action(*args)` through :meth:`Session.guarded` (a problem shows in the page)."""

    def click(_event: Any) -> None:
        session.guarded(action, *args)

    return click


class View(Viewer):
    """A view of one session: its layout is ``self.panel``; it redraws only while its tab is shown.

    With thirty sessions on one server, redrawing the hidden tabs of every
    session on every step is work (and data sent to the browsers) no one sees:
    a hidden view marks itself stale and catches up when it is shown again.
    Subclasses build ``self.panel``, define :meth:`update` and call
    :meth:`refresh` where they would redraw.
    """

    panel: Any  # the view's layout, built by the subclass

    def __init__(self, session: Any, **params: Any):
        super().__init__(**params)
        self.session = session
        self.shown = True
        self.stale = False
        self.redraw = Redraw(self.update)

    def __panel__(self) -> Any:
        return self.panel

    def update(self) -> None:
        """Redraw from the session (views that change with it override this)."""

    def refresh(self, *_: Any) -> None:
        if self.shown:
            self.redraw()
        else:
            self.stale = True

    def set_shown(self, shown: bool) -> None:
        """Called with True when the view's tab is shown, False when another tab is."""
        self.shown = shown
        if shown and self.stale:
            self.stale = False
            self.redraw()
