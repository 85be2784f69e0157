"""Compare: two variants side by side (two scenarios, or one scenario with a parameter changed):
the share of each outcome, and tension and forces across replicates."""

from __future__ import annotations

import time

import panel as pn

import sim
from dashboard.state import Session, bundled, describe_error, ensemble_series
from dashboard.views.common import esc, in_server, off_loop, set_text_size
from dashboard.views.charts import TENSION_SERIES, ChartSet, FanChart, SharesChart, forces_series
from dashboard.views.odds import run_ensemble, shares_text

DEFAULT_A, DEFAULT_B = "new_start_2021", "new_start_2021_no_transition"


def compare_charts(names: tuple[str, ...], dateless: bool) -> list:
    """One side's charts for a scenario's states and calendar."""
    return [SharesChart("Outcomes (95% interval)"),
            FanChart("Tension", "tension (0-1)", TENSION_SERIES, dateless),
            FanChart("Forces", "warheads", forces_series(names), dateless)]


class Variant:
    """One side of the comparison: a scenario and at most one changed field."""

    def __init__(self, title: str, scenario: str, session: Session):
        self.session = session
        names = list(session.param.scenario_name.objects)
        self.scenario = pn.widgets.Select(label=f"{title}: scenario", options=names, value=scenario if scenario in names else names[0])
        self.path = pn.widgets.TextInput(label="change a field (dotted path, optional)", placeholder="e.g. states.RU.utility.secrecy_cost")
        self.value = pn.widgets.TextInput(label="to the value", placeholder="e.g. 0.5")
        self.summary = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=[f"compare-{title.lower()}"])
        self.charts = ChartSet(compare_charts, f"compare-charts-{title.lower()}")
        self.panel = pn.Column(f"### {title}", self.scenario, pn.Row(self.path, self.value), self.summary, self.charts.panel,
                               sizing_mode="stretch_width")

    def settings(self) -> tuple[sim.Scenario, dict]:
        from sim.loading import parse_value

        name = self.scenario.value
        scn = self.session.uploaded.get(name) or bundled(name)
        overrides = {}
        if self.path.value.strip():
            if not self.value.value.strip():
                raise ValueError(f"give a value for {self.path.value.strip()}")
            overrides[self.path.value.strip()] = parse_value(self.value.value.strip())
        return scn, overrides

    def prepare(self, large_text: bool) -> None:
        """Build the charts (empty) for the chosen scenario, so that Compare sends only data."""
        name = self.scenario.value
        self.charts.prepare(self.session.uploaded.get(name) or bundled(name), large_text)

    def draw(self, result, large_text: bool) -> None:
        self.charts.draw(result, large_text)
        set_text_size([], [self.summary], large_text)

    def label(self, overrides: dict) -> str:
        extra = ", ".join(f"{k} = {v}" for k, v in overrides.items())
        return self.scenario.value + (f" with {extra}" if extra else "")


class CompareView:
    """Two ensembles with the same seeds, side by side."""

    def __init__(self, session: Session):
        self.session = session
        self.a = Variant("A", DEFAULT_A, session)
        self.b = Variant("B", DEFAULT_B, session)
        self.n = pn.widgets.IntSlider(label="Replicates of each", start=10, end=1000, step=10, value=100, width=320)
        self.run_button = pn.widgets.Button(label="Compare", color="primary", width=160)
        self.progress = pn.indicators.Progress(value=0, max=100, width=320, visible=False)
        self.status = pn.pane.Markdown("Pick two variants and press Compare.", sizing_mode="stretch_width")
        self.run_button.on_click(lambda *_: self.start())
        self.running = False
        self.panel = pn.Column(pn.Row(self.n, self.run_button, self.progress), self.status,
                               pn.Row(self.a.panel, self.b.panel, sizing_mode="stretch_width"), sizing_mode="stretch_width")
        session.param.watch(self._scenarios_changed, "scenario_name")
        session.param.watch(lambda *_: set_text_size([], [self.a.summary, self.b.summary, self.status], session.large_text), "large_text")

    def show(self, shown: bool) -> None:
        """The first time the tab is shown, build both sides' charts (see OddsView.show)."""
        if shown:
            for v in (self.a, self.b):
                v.prepare(self.session.large_text)

    def _scenarios_changed(self, *_) -> None:
        names = list(self.session.param.scenario_name.objects)
        for v in (self.a, self.b):
            v.scenario.options = names

    def start(self) -> None:
        if self.running:
            return
        try:
            (sa, oa), (sb, ob) = self.a.settings(), self.b.settings()
            seed, n = self.session.seed, int(self.n.value)
            series_a = ensemble_series(sim.ArmsControlModel(sa, rng=0, overrides=oa or None))
            series_b = ensemble_series(sim.ArmsControlModel(sb, rng=0, overrides=ob or None))
        except Exception as exc:
            self.session.error = describe_error(exc)
            return
        self.running, self.run_button.disabled = True, True
        self.progress.value, self.progress.visible = 0, True
        self.status.object = f"Running {n} replicates of each…"
        self.started = time.perf_counter()
        self.labels = (self.a.label(oa), self.b.label(ob))

        pooled = in_server()

        def work(progress):
            ra = run_ensemble(sa, n, seed, oa, series_a, lambda d, t: progress(d, 2 * t), pooled)
            rb = run_ensemble(sb, n, seed, ob, series_b, lambda d, t: progress(t + d, 2 * t), pooled)
            return ra, rb

        off_loop(work, self._done, self._failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        self.progress.value = int(100 * done / max(total, 1))

    def _failed(self, exc: Exception) -> None:
        self.running, self.run_button.disabled, self.progress.visible = False, False, False
        self.status.object = "The comparison could not run."
        self.session.error = describe_error(exc)

    def _done(self, results) -> None:
        self.running, self.run_button.disabled, self.progress.visible = False, False, False
        self.results = results
        self.status.object = f"{results[0].n} replicates of each, same seeds, in {time.perf_counter() - self.started:.1f} s."
        for v, r, label in zip((self.a, self.b), results, self.labels):
            v.summary.object = f"**{esc(label)}**\n\n" + shares_text(r)
            v.draw(r, self.session.large_text)
