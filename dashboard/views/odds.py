"""Odds: an ensemble of replicates (10 to 1,000), run off the event loop with a progress bar.

Shows fan charts (5-95 and 25-75 percentile bands, median line) of forces,
trust and tension, the share of each outcome with its 95% interval, and when
agreements came relative to the deadline.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, FactorRange, Span, Whisker

from dashboard.state import Session, describe_error, ensemble_series, x_values
from dashboard.views.common import colour, esc, in_server, new_figure, off_loop, set_text_size

MIN_REPLICATES, MAX_REPLICATES, DEFAULT_REPLICATES = 10, 1000, 100
POOL_FROM = 200  # replicates from which a process pool pays for itself outside a server


_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def worker_pool() -> ProcessPoolExecutor:
    """The server's one pool of worker processes, shared by every session's ensembles.

    Its workers come from a fork server (started once, with ``sim`` loaded), never
    forked from the server itself: the server runs threads, and a process forked
    from a threaded one can hang on a lock some other thread held.
    """
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from sim.ensemble import default_workers

            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["sim"])
            _POOL = ProcessPoolExecutor(max_workers=default_workers(), mp_context=ctx)
        return _POOL


def warm_worker_pool() -> None:
    """Start the worker pool's processes now (about a second), so the first ensemble does not wait for them."""
    from sim.ensemble import default_workers

    pool = worker_pool()
    for f in [pool.submit(abs, 0) for _ in range(default_workers())]:
        f.result()


def run_ensemble(scenario, n: int, seed: int, overrides: dict, series: tuple[str, ...], progress=None,
                 pooled: bool | None = None):
    """sim.ensemble.ensemble with the dashboard's choices of workers and recorded series.

    pooled: run in the server's worker pool. A served page always does: replicates run
    in this process would hold Python's lock against every other session's updates.
    Default: from POOL_FROM replicates up.
    """
    from sim.ensemble import default_workers, ensemble

    if pooled is None:
        pooled = n >= POOL_FROM
    return ensemble(scenario, n=n, seed=seed, workers=default_workers() if pooled else 1,
                    executor=worker_pool() if pooled else None, overrides=dict(overrides) or None,
                    progress=progress, series=series)


def shares_text(result) -> str:
    """Outcome shares as Markdown lines: 'extended 5 years: 93% (95% interval 87% to 96%)'."""
    runs = result.runs
    lines = []
    for row in result.shares().itertuples(index=False):
        labels = runs.loc[runs["category"] == row.category, "label"].value_counts()
        label = labels.index[0] if len(labels) == 1 else row.category.replace("_", " ")
        lines.append(f"- **{label}**: {row.share:.0%} (95% interval {row.lo:.0%} to {row.hi:.0%}; {row.count} of {result.n})")
    return "\n".join(lines)


def fan_figure(title: str, y_label: str, result, model, variables: list[tuple[str, str]], **kw: Any):
    """A fan chart of recorded series: bands p5-p95 and p25-p75 and the median, one colour per series."""
    fig = new_figure(title, y_label, x_type="linear" if model.calendar.dateless else "datetime", **kw)
    xs = x_values(model)
    for i, (name, legend) in enumerate(variables):
        b = result.bands(name)
        src = ColumnDataSource({"x": xs[: len(b)], **{c: b[c].to_numpy() for c in ("p5", "p25", "p50", "p75", "p95")}})
        fig.varea("x", "p5", "p95", source=src, color=colour(i), alpha=0.15)
        fig.varea("x", "p25", "p75", source=src, color=colour(i), alpha=0.3)
        fig.line("x", "p50", source=src, color=colour(i), line_width=3, legend_label=f"{legend} (median)")
    fig.legend.location = "bottom_left"
    fig.toolbar.logo = None
    return fig


def shares_figure(result, title: str = "Outcomes (share of replicates, 95% interval)"):
    shares = result.shares()
    cats = [c.replace("_", " ") for c in shares["category"]]
    src = ColumnDataSource({"cat": cats, "share": shares["share"] * 100, "lo": shares["lo"] * 100, "hi": shares["hi"] * 100,
                            "text": [f"{s:.0%}" for s in shares["share"]]})
    fig = new_figure(title, "", y_range=FactorRange(*reversed(cats)), height=60 + 45 * max(len(cats), 1))
    fig.hbar(y="cat", right="share", height=0.6, source=src, color=colour(0))
    fig.add_layout(Whisker(source=src, base="cat", lower="lo", upper="hi", dimension="width", line_width=2))
    fig.text(x="hi", y="cat", text="text", source=src, x_offset=6, y_offset=8, text_font_size="13px")
    fig.x_range.start = 0
    fig.x_range.end = 110
    fig.xaxis.axis_label = "% of replicates"
    fig.toolbar.logo = None
    return fig


def timing_figure(result):
    t = result.agreement_timing()
    unit = result.timing_unit
    fig = new_figure(f"When agreements came ({unit} before the deadline)", "replicates")
    if len(t):
        hi = max(int(t.max()), 1)
        bins = np.linspace(0, hi + max(hi // 20, 1), min(30, hi + 2))
        counts, edges = np.histogram(t, bins=bins)
        fig.quad(left=-edges[1:], right=-edges[:-1], top=counts, bottom=0, color=colour(2), alpha=0.8)
    fig.add_layout(Span(location=0, dimension="height", line_color="#d00", line_dash="dotdash", line_width=2))
    fig.xaxis.axis_label = f"{unit} relative to the deadline (0 = the deadline)"
    fig.toolbar.logo = None
    return fig


class OddsView:
    """Replicates of the current settings: the outcome as a probability, not a fate."""

    def __init__(self, session: Session):
        self.session = session
        self.result = None
        self.running = False
        self.n = pn.widgets.IntSlider(label="Replicates", start=MIN_REPLICATES, end=MAX_REPLICATES, step=10,
                                      value=DEFAULT_REPLICATES, width=320)
        self.run_button = pn.widgets.Button(label="Run replicates", color="primary", width=160)
        self.progress = pn.indicators.Progress(value=0, max=100, width=320, visible=False)
        self.status = pn.pane.Markdown("Run replicates of the current settings (scenario, changed parameters) "
                                       "with seeds derived from the run's seed.", sizing_mode="stretch_width")
        self.shares = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["odds-shares"])
        self.charts = pn.Column(sizing_mode="stretch_width")
        self.run_button.on_click(lambda *_: self.start())
        self.panel = pn.Column(pn.Row(self.n, self.run_button, self.progress), self.status,
                               pn.Row(pn.Column("### Outcomes", self.shares, width=520), self.charts, sizing_mode="stretch_width"),
                               sizing_mode="stretch_width")
        session.param.watch(lambda *_: set_text_size([], [self.shares, self.status], session.large_text), "large_text")

    def start(self) -> None:
        """Run the ensemble in a thread; the page stays live and shows progress."""
        if self.running:
            return
        s = self.session
        try:
            scenario, overrides, seed, n = s.scenario, dict(s.overrides), s.seed, int(self.n.value)
            series = ensemble_series(s.model)
        except Exception as exc:
            s.error = describe_error(exc)
            return
        self.running = True
        self.run_button.disabled = True
        self.progress.value, self.progress.visible = 0, True
        self.status.object = f"Running {n} replicates…"
        self.started = time.perf_counter()
        pooled = in_server()
        off_loop(lambda progress: run_ensemble(scenario, n, seed, overrides, series, progress, pooled),
                 self._done, self._failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        self.progress.value = int(100 * done / max(total, 1))

    def _failed(self, exc: Exception) -> None:
        self.running = False
        self.run_button.disabled = False
        self.progress.visible = False
        self.status.object = "The replicates could not run."
        self.session.error = describe_error(exc)

    def _done(self, result) -> None:
        self.running = False
        self.run_button.disabled = False
        self.progress.value, self.progress.visible = 100, False
        self.result = result
        seconds = time.perf_counter() - self.started
        self.status.object = (f"**{result.n} replicates** of {esc(result.scenario.title or result.scenario.name)} "
                              f"(seed {result.seed}) in {seconds:.1f} s.")
        self.shares.object = shares_text(result)
        self.draw()

    def draw(self) -> None:
        r, m = self.result, self.session.model
        names = [st.name for st in m.states]
        pairs = [(f"trust_{a}_{b}", f"{a} in {b}") for a in names for b in names if a != b]
        figs = [shares_figure(r), timing_figure(r),
                fan_figure("Forces across replicates", "warheads", r, m, [(f"forces_{n}", n) for n in names]),
                fan_figure("Trust across replicates", "probability", r, m, pairs),
                fan_figure("Tension across replicates", "tension (0-1)", r, m, [("tension", "tension")])]
        set_text_size(figs, [self.shares], self.session.large_text)
        self.charts.objects = [pn.pane.Bokeh(f, sizing_mode="stretch_width") for f in figs]
