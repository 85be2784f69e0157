"""What the views share: colours, text sizes and running heavy work off the event loop."""

from __future__ import annotations

import functools
import html
import threading
import time
import weakref
from typing import Any, Callable

import panel as pn
from bokeh.plotting import figure
from panel.io.document import hold
from panel.io.state import set_curdoc

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
BAND_COLOURS = {"calm": "#e8f5e9", "strained": "#fffde7", "confrontation": "#fff3e0", "crisis": "#ffebee"}
PROGRESS_EVERY_S = 0.2  # the shortest time between two progress updates sent to a page (seconds)
TEXT_SIZES = {False: ("12px", "14px", "15px"), True: ("18px", "22px", "22px")}  # ticks, axis labels, body text


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def new_figure(title: str, y_label: str, *, x_type: str = "auto", height: int = 260,
               tools: str = "pan,wheel_zoom,box_zoom,reset,save,hover", **kw: Any):
    """A Bokeh figure that stretches to its column, with the save tool for PNG export."""
    fig = figure(title=title, height=height, sizing_mode="stretch_width", x_axis_type=x_type,
                 tools=tools, toolbar_location="right", **kw)
    fig.yaxis.axis_label = y_label
    fig.title.text_font_size = "14px"
    return fig


def set_text_size(figures: list, panes: list, large: bool) -> None:
    """Projector mode: bigger ticks, labels, titles and body text.

    Only what is not yet at that size is changed: each change makes every browser re-lay out the page.
    """
    tick, label, body = TEXT_SIZES[large]
    figures = [f for f in figures if getattr(f, "_acsim_large", None) is not large]
    panes = [p for p in panes if (p.styles or {}).get("font-size") != body]
    for fig in figures:
        fig._acsim_large = large
    for fig in figures:
        fig.title.text_font_size = label
        for axis in fig.axis:
            axis.major_label_text_font_size = tick
            axis.axis_label_text_font_size = label
        for legend in fig.legend:
            legend.label_text_font_size = tick
    for pane in panes:
        pane.styles = {**(pane.styles or {}), "font-size": body}


def esc(text: Any) -> str:
    return html.escape(str(text))


def in_server() -> bool:
    """Whether this code runs for a served page (not a test or a notebook)."""
    doc = pn.state.curdoc
    return doc is not None and getattr(doc, "session_context", None) is not None


def off_loop(work: Callable[[Callable[[int, int], None]], Any], on_done: Callable[[Any], None],
             on_error: Callable[[Exception], None], on_progress: Callable[[int, int], None]) -> None:
    """Run work(progress) in a thread; its progress, result or error come back on the session's event loop.

    Without a server (tests) the work runs at once, in this thread.
    """
    doc = pn.state.curdoc
    if not in_server():  # (panel's state.served is False under panel.serve(function), so it is not used here)
        try:
            result = work(on_progress)
        except Exception as exc:
            on_error(exc)
        else:
            on_done(result)
        return

    def later(fn: Callable, *args: Any) -> None:
        def call() -> None:
            with set_curdoc(doc):
                fn(*args)

        try:
            doc.add_next_tick_callback(call)
        except Exception:  # the session was closed meanwhile
            pass

    last_sent = [0.0]

    def relay(done: int, total: int) -> None:  # a page needs a few progress updates a second, not one per chunk
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


_QUEUED: weakref.WeakKeyDictionary[Any, list[Redraw]] = weakref.WeakKeyDictionary()  # page -> redraws due


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


class ShownOnly:
    """A view that redraws only while its tab is shown; a hidden view catches up when it is shown again.

    With thirty sessions on one server, redrawing the hidden tabs of every
    session on every step is work (and data sent to the browsers) no one sees.
    Subclasses call :meth:`refresh` where they would redraw and set
    ``self.redraw = Redraw(self.update)``.
    """

    shown = True
    stale = False
    redraw: Callable[..., None]

    def refresh(self, *_: Any) -> None:
        if self.shown:
            self.redraw()
        else:
            self.stale = True

    def show(self, shown: bool) -> None:
        self.shown = shown
        if shown and self.stale:
            self.stale = False
            self.redraw()
