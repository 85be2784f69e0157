"""Odds: an ensemble of replicates (10 to 1,000), run off the event loop with a progress bar.

Shows fan charts (5-95 and 25-75 percentile bands, median line) of forces,
trust and tension, the share of each outcome with its 95% interval, and when
agreements came relative to the deadline.
"""

from __future__ import annotations

import time
from concurrent.futures.process import BrokenProcessPool

import panel as pn

from dashboard.state import Session, describe_error, ensemble_series
from dashboard.views.charts import (TENSION_SERIES, ChartSet, FanChart, SharesChart, TimingChart, forces_series,
                                    trust_series)
from dashboard.views.common import esc, in_server, off_loop, set_text_size
from dashboard.workers import worker_pool

MIN_REPLICATES, MAX_REPLICATES, DEFAULT_REPLICATES = 10, 1000, 100
POOL_FROM = 200  # replicates from which a process pool pays for itself outside a server


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

    def attempt():
        return ensemble(scenario, n=n, seed=seed, workers=default_workers() if pooled else 1,
                        executor=worker_pool() if pooled else None, overrides=dict(overrides) or None,
                        progress=progress, series=series)

    try:
        return attempt()
    except BrokenProcessPool:  # a worker died meanwhile (killed, out of memory): once more, on a new pool
        return attempt()


def shares_text(result) -> str:
    """Outcome shares as Markdown lines: 'extended 5 years: 93% (95% interval 87% to 96%)'."""
    runs = result.runs
    lines = []
    for row in result.shares().itertuples(index=False):
        labels = runs.loc[runs["category"] == row.category, "label"].value_counts()
        label = labels.index[0] if len(labels) == 1 else row.category.replace("_", " ")
        lines.append(f"- **{label}**: {row.share:.0%} (95% interval {row.lo:.0%} to {row.hi:.0%}; {row.count} of {result.n})")
    return "\n".join(lines)


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
        self.charts = ChartSet(odds_charts, "odds-charts")
        self.run_button.on_click(lambda *_: self.start())
        self.panel = pn.Column(pn.Row(self.n, self.run_button, self.progress), self.status,
                               pn.Row(pn.Column("### Outcomes", self.shares, width=520), self.charts.panel, sizing_mode="stretch_width"),
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

    def show(self, shown: bool) -> None:
        """Build the charts (empty) the first time the tab is shown, so that Run replicates sends only data.

        Building them costs the server about a quarter of a second per page; paid when each
        student opens the tab rather than when the whole class presses Run together.
        """
        if shown:
            self.charts.prepare(self.session.scenario, self.session.large_text)

    def draw(self) -> None:
        self.charts.draw(self.result, self.session.large_text)
        set_text_size([], [self.shares], self.session.large_text)


def odds_charts(names: tuple[str, ...], dateless: bool) -> list:
    """The Odds view's charts for a scenario's states and calendar."""
    return [SharesChart(), TimingChart(),
            FanChart("Forces across replicates", "warheads", forces_series(names), dateless),
            FanChart("Trust across replicates", "probability", trust_series(names), dateless),
            FanChart("Tension across replicates", "tension (0-1)", TENSION_SERIES, dateless)]
