"""Compare: two variants side by side (two scenarios, or one scenario with a parameter changed):
the share of each outcome, and tension and forces across replicates, each labelled with what it is of."""

from __future__ import annotations

from typing import Any

import panel as pn
from bokeh.models import HoverTool, SaveTool

import sim
from dashboard.ensembles import Batch, Ensembles, shares_text
from dashboard.layout import side_by_side
from dashboard.scenarios import bundled, describe_error, picker_groups, title_of
from dashboard.session import Session
from dashboard.view_data import ensemble_series
from dashboard.views.charts import TENSION_SERIES, ChartSet, FanChart, SharesChart, forces_series
from dashboard.views.common import View, esc, set_text_size
from sim.loading import parse_value

DEFAULT_A, DEFAULT_B = "new_start_2021", "new_start_2021_no_transition"


def compare_charts(names: tuple[str, ...], dateless: bool) -> list[SharesChart | FanChart]:
    """One side's charts for a scenario's states and calendar.

    Two sides share the width of a projector (about 360 px each at 1024 px): short titles, and only
    the save and hover tools in the toolbar that shares the title's row.
    """
    charts: list[SharesChart | FanChart] = [
        SharesChart("Outcomes"),
        FanChart("Tension", "tension (0-1)", TENSION_SERIES, dateless),
        FanChart("Forces", "warheads", forces_series(names), dateless),
    ]
    for chart in charts:
        toolbar = chart.figure.toolbar
        toolbar.tools = [t for t in toolbar.tools if isinstance(t, (SaveTool, HoverTool))]
    return charts


class Variant:
    """One side of the comparison: a scenario and at most one changed field."""

    def __init__(self, title: str, scenario: str, session: Session):
        self.session = session
        self.scenario = pn.widgets.Select(label=f"{title}: scenario", sizing_mode="stretch_width")
        self.fill(scenario)
        self.path = pn.widgets.TextInput(
            label="change a field (dotted path, optional)",
            placeholder="e.g. states.RU.utility.secrecy_cost",
            sizing_mode="stretch_width",
        )
        self.value = pn.widgets.TextInput(label="to the value", placeholder="e.g. 0.5", width=140)
        self.summary = pn.pane.Markdown(
            "", sizing_mode="stretch_width", css_classes=[f"compare-{title.lower()}"]
        )
        self.charts = ChartSet(compare_charts, f"compare-charts-{title.lower()}")
        self.panel = pn.Column(
            f"### {title}",
            self.scenario,
            pn.FlexBox(self.path, self.value, sizing_mode="stretch_width"),
            self.summary,
            self.charts.panel,
            sizing_mode="stretch_width",
        )

    def fill(self, value: str | None = None) -> None:
        """The picker's entries: every scenario of the session, by title."""
        s = self.session
        groups = picker_groups(sim.bundled_scenarios(), s.uploaded)
        names = [n for g in groups.values() for n in g.values()]
        value = (
            value
            if value in names
            else (self.scenario.value if self.scenario.value in names else names[0])
        )
        self.scenario.param.update(groups=groups, value=value)

    def chosen(self) -> sim.Scenario:
        name = self.scenario.value
        return self.session.uploaded.get(name) or bundled(name)

    def settings(self) -> tuple[sim.Scenario, dict]:
        overrides = {}
        path, value = (self.path.value or "").strip(), (self.value.value or "").strip()
        if path:
            if not value:
                raise ValueError(f"give a value for {path}")
            overrides[path] = parse_value(value)
        return self.chosen(), overrides

    def prepare(self, large_text: bool) -> None:
        """Build the charts (empty) for the chosen scenario, so that Compare sends only data."""
        self.charts.prepare(self.chosen(), large_text)

    def draw(self, result, large_text: bool, label: str) -> None:
        self.charts.draw(result, large_text, label)
        set_text_size([], [self.summary], large_text)

    def label(self, overrides: dict, seed: int) -> str:
        """What this side's result is of: scenario title, seed and changed field."""
        extra = "; ".join(f"{k} = {v}" for k, v in overrides.items())
        return f"{title_of(self.chosen())} · seed {seed} · " + (
            f"changed: {extra}" if extra else "as written"
        )


class CompareView(View):
    """Two ensembles with the same seeds, side by side."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.a = Variant("A", DEFAULT_A, session)
        self.b = Variant("B", DEFAULT_B, session)
        self.ensembles = Ensembles()
        self.n = pn.widgets.IntSlider(
            label="Replicates of each", start=10, end=1000, step=10, value=100, width=260
        )
        self.run_button = pn.widgets.Button(label="Compare", color="primary", width=130)
        self.progress = pn.indicators.Progress(value=0, max=100, width=200, visible=False)
        self.status = pn.pane.Markdown(
            "Pick two variants and press Compare.", sizing_mode="stretch_width"
        )
        self.run_button.on_click(lambda *_: self.start())
        self.panel = pn.Column(
            pn.FlexBox(self.n, self.run_button, self.progress, sizing_mode="stretch_width"),
            self.status,
            side_by_side(self.a.panel, self.b.panel, basis=("320px", "320px")),
            sizing_mode="stretch_width",
        )
        session.param.watch(self._scenarios_changed, "scenario_name")
        session.param.watch(
            lambda *_: set_text_size(
                [], [self.a.summary, self.b.summary, self.status], session.large_text
            ),
            "large_text",
        )

    @property
    def results(self) -> Any:
        return self.ensembles.result

    def set_shown(self, shown: bool) -> None:
        """The first time the tab is shown, build both sides' charts (see OddsView.set_shown)."""
        self.shown = shown
        if shown:
            for v in (self.a, self.b):
                v.prepare(self.session.large_text)

    def _scenarios_changed(self, *_) -> None:
        for v in (self.a, self.b):
            v.fill()

    def start(self) -> None:
        try:
            (sa, oa), (sb, ob) = self.a.settings(), self.b.settings()
            seed, n = self.session.seed, int(self.n.value or 0)
            series_a = ensemble_series(sim.ArmsControlModel(sa, rng=0, overrides=oa or None))
            series_b = ensemble_series(sim.ArmsControlModel(sb, rng=0, overrides=ob or None))
        except Exception as exc:
            self.session.error = describe_error(exc)
            return
        labels = (self.a.label(oa, seed), self.b.label(ob, seed))
        batch = Batch(
            [(sa, n, seed, oa, series_a), (sb, n, seed, ob, series_b)], labels, " vs ".join(labels)
        )
        if self.ensembles.start(batch, self._done, self._failed, self._progress):
            self._running(True)
            self.status.object = f"Running {n} replicates of each…"

    def _running(self, running: bool) -> None:
        self.run_button.disabled = running
        self.progress.value, self.progress.visible = 0, running

    def _progress(self, done: int, total: int) -> None:
        self.progress.value = int(100 * done / max(total, 1))

    def _failed(self, exc: Exception) -> None:
        self._running(False)
        self.status.object = "The comparison could not run."
        self.session.error = describe_error(exc)

    def _done(self, results) -> None:
        self._running(False)
        e = self.ensembles
        self.status.object = f"{results[0].n} replicates of each, same seeds, in {e.seconds:.1f} s."
        for v, r, label in zip((self.a, self.b), results, e.key):
            v.summary.object = f"**{esc(label)}**\n\n" + shares_text(r)
            v.draw(r, self.session.large_text, label)
