"""Odds: an ensemble of replicates (10 to 1,000), run off the event loop with a progress bar.

Shows fan charts (5-95 and 25-75 percentile bands, median line) of forces,
trust and tension, the share of each outcome with its 95% interval, and when
agreements came relative to the deadline. Every result says what it is of
(scenario, seed, changed parameters); switching scenario clears it, and
changing a parameter or the seed marks it as of earlier settings.
"""

from __future__ import annotations

from typing import Any

import panel as pn

from dashboard.ensembles import POOL_FROM, Batch, Ensembles, run_ensemble, shares_text  # noqa: F401 (re-exported)
from dashboard.scenarios import describe_error
from dashboard.session import Session
from dashboard.view_data import ensemble_series
from dashboard.views.charts import (
    TENSION_SERIES,
    ChartSet,
    FanChart,
    SharesChart,
    TimingChart,
    forces_series,
    trust_series,
)
from dashboard.views.common import View, esc, set_text_size

MIN_REPLICATES, MAX_REPLICATES, DEFAULT_REPLICATES = 10, 1000, 100
STALE = (
    "**These results are of earlier settings** ({then}). The page now shows {now}: "
    "press *Run replicates* for its odds."
)


class OddsView(View):
    """Replicates of the current settings: the outcome as a probability, not a fate."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.ensembles = Ensembles()
        self.n = pn.widgets.IntSlider(
            label="Replicates",
            start=MIN_REPLICATES,
            end=MAX_REPLICATES,
            step=10,
            value=DEFAULT_REPLICATES,
            width=260,
        )
        self.run_button = pn.widgets.Button(label="Run replicates", color="primary", width=150)
        self.progress = pn.indicators.Progress(value=0, max=100, width=200, visible=False)
        self.status = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["odds-status"])
        self.shares = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["odds-shares"])
        self.charts = ChartSet(odds_charts, "odds-charts")
        self.run_button.on_click(lambda *_: self.start())
        outcomes = pn.Column("### Outcomes", self.shares, sizing_mode="stretch_width")
        self.panel = pn.Column(
            pn.FlexBox(self.n, self.run_button, self.progress, sizing_mode="stretch_width"),
            self.status,
            outcomes,
            self.charts.panel,
            sizing_mode="stretch_width",
        )
        session.param.watch(self._scenario_changed, "scenario_name")
        # what the status says of the settings is redrawn with the other views, and not while hidden
        session.param.watch(self.refresh, ["seed", "overrides"])
        session.param.watch(
            lambda *_: set_text_size([], [self.shares, self.status], session.large_text),
            "large_text",
        )
        self._invite()

    @property
    def result(self) -> Any:
        return self.ensembles.result

    def _invite(self) -> None:
        self.status.object = (
            f"Run replicates of **{esc(self.session.settings_label())}**, "
            "with seeds derived from the run's seed."
        )

    def _scenario_changed(self, *_: Any) -> None:
        """A result never stays under another scenario's title: it goes, and a run still going is ignored."""
        self.ensembles.forget()
        self._running(False)
        self.shares.object = ""
        self.charts.panel.visible = False
        if self.shown:
            self.charts.prepare(self.session.scenario, self.session.large_text)
        self._invite()

    def update(self) -> None:
        self._settings_changed()

    def _settings_changed(self, *_: Any) -> None:
        e = self.ensembles
        if e.result is None:
            self._invite()
        elif e.key != self.session.settings_key():
            self.status.object = STALE.format(
                then=esc(e.label), now=esc(self.session.settings_label())
            )
        else:
            self.status.object = self._done_text()

    def start(self) -> None:
        """Run the ensemble in a thread; the page stays live and shows progress."""
        s = self.session
        try:
            n = int(self.n.value or 0)
            batch = Batch(
                [(s.scenario, n, s.seed, dict(s.overrides), ensemble_series(s.model))],
                s.settings_key(),
                s.settings_label(),
            )
        except Exception as exc:
            s.error = describe_error(exc)
            return
        if self.ensembles.start(batch, self._done, self._failed, self._progress):
            self._running(True)
            self.status.object = f"Running {n} replicates of **{esc(batch.label)}**…"

    def _running(self, running: bool) -> None:
        self.run_button.disabled = running
        self.progress.value, self.progress.visible = 0, running

    def _progress(self, done: int, total: int) -> None:
        self.progress.value = int(100 * done / max(total, 1))

    def _failed(self, exc: Exception) -> None:
        self._running(False)
        self.status.object = "The replicates could not run."
        self.session.error = describe_error(exc)

    def _done_text(self) -> str:
        e = self.ensembles
        return f"**{e.result.n} replicates** of **{esc(e.label)}** in {e.seconds:.1f} s."

    def _done(self, result) -> None:
        self._running(False)
        self.status.object = self._done_text()
        self.shares.object = shares_text(result)
        self._settings_changed()
        self.draw()

    def set_shown(self, shown: bool) -> None:
        """Build the charts (empty) the first time the tab is shown, so that Run replicates sends only data.

        Building them costs the server about a quarter of a second per page; paid when each
        student opens the tab rather than when the whole class presses Run together.
        """
        super().set_shown(shown)
        if shown:
            self.charts.prepare(self.session.scenario, self.session.large_text)

    def draw(self) -> None:
        self.charts.draw(self.result, self.session.large_text, self.ensembles.label)
        set_text_size([], [self.shares], self.session.large_text)


def odds_charts(names: tuple[str, ...], dateless: bool) -> list:
    """The Odds view's charts for a scenario's states and calendar."""
    return [
        SharesChart(),
        TimingChart(),
        FanChart("Forces across replicates", "warheads", forces_series(names), dateless),
        FanChart("Trust across replicates", "probability", trust_series(names), dateless),
        FanChart("Tension across replicates", "tension (0-1)", TENSION_SERIES, dateless),
    ]
