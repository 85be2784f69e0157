"""Controls: scenario picker and upload, the scenario's key parameters as sliders with units and
help, the seed, Run / Step / Play-Pause / Reset with a speed, and the large-text toggle."""

from __future__ import annotations

import panel as pn

import sim
from dashboard.state import Session, describe_error, key_parameters
from dashboard.views.common import Redraw, esc, set_text_size


class ControlsView:
    """The sidebar. Play steps the run with a periodic callback of this session only."""

    def __init__(self, session: Session):
        self.session = session
        self.callback = None
        self.scenario = pn.widgets.Select.from_param(session.param.scenario_name, label="Scenario", sizing_mode="stretch_width")
        self.upload = pn.widgets.FileInput(accept=".yaml,.yml", label="Open a scenario file", sizing_mode="stretch_width")
        self.seed = pn.widgets.IntInput(label="Seed", value=session.seed, start=0, width=120)
        self.run = pn.widgets.Button(label="Run to end", color="primary", width=110)
        self.step = pn.widgets.Button(label="Step", width=80)
        self.play = pn.widgets.Toggle(label="▶ Play", color="success", width=100)
        self.reset = pn.widgets.Button(label="Reset", width=80)
        self.speed = pn.widgets.FloatSlider.from_param(session.param.speed, label="Speed (steps per second)", sizing_mode="stretch_width")
        self.large = pn.widgets.Toggle.from_param(session.param.large_text, label="Large text (projector)", sizing_mode="stretch_width")
        # plain HTML: it changes on every step, and rendering Markdown on the server costs more than the run
        self.status = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["run-status"])
        self.sliders = pn.Column(sizing_mode="stretch_width")
        self.run.on_click(lambda *_: session.guarded(session.run_to_end))
        self.step.on_click(lambda *_: session.guarded(session.step))
        self.reset.on_click(lambda *_: session.guarded(session.reset))
        self.play.param.watch(lambda e: setattr(session, "playing", e.new), "value")
        self.seed.param.watch(lambda e: session.guarded(session.set_seed, e.new), "value")
        self.upload.param.watch(self._uploaded, "value")
        session.param.watch(self._playing, "playing")
        session.param.watch(self._speed, "speed")
        session.param.watch(lambda *_: self._build_sliders(), "scenario_name")
        self.redraw = Redraw(self.update)
        session.param.watch(self.redraw, ["version", "large_text"])
        self.panel = pn.Column(
            self.scenario, self.upload, pn.Row(self.run, self.step), pn.Row(self.play, self.reset), self.speed,
            self.seed, self.status, "#### Parameters", self.sliders, self.large, width=340)
        self._build_sliders()
        self.update()

    # -- the key parameters
    def _build_sliders(self) -> None:
        widgets = []
        for p in key_parameters(self.session.scenario):
            w = pn.widgets.FloatSlider(label=f"{p.label} ({p.unit})", start=p.start, end=max(p.end, p.value), step=p.step,
                                       value=p.value, sizing_mode="stretch_width")
            w.param.watch(lambda e, path=p.path: self.session.guarded(self.session.set_override, path, e.new), "value_throttled")
            widgets.append(pn.Column(w, pn.pane.Markdown(p.help, styles={"font-size": "11px", "color": "#555"}, margin=(-12, 10, 0, 10)),
                                     sizing_mode="stretch_width"))
        self.sliders.objects = widgets

    def _uploaded(self, event) -> None:
        if event.new is None:
            return
        name = self.upload.filename or "uploaded.yaml"
        try:
            scn = sim.load_scenario_text(event.new.decode("utf-8"), file=name)
        except (sim.ScenarioError, UnicodeDecodeError) as exc:
            self.session.error = f"{name}: {describe_error(exc)}"
            return
        self.session.guarded(self.session.add_scenario, scn)

    # -- Play / Pause
    def _playing(self, event) -> None:
        self.play.value = event.new
        self.play.label = "❚❚ Pause" if event.new else "▶ Play"
        if event.new:
            if self.session.model is not None and not self.session.model.running:
                self.session.reset()
                self.session.playing = True
            if self.callback is None:
                self.callback = pn.state.add_periodic_callback(self._tick, period=self._period())
        elif self.callback is not None:
            self.callback.stop()
            self.callback = None

    def _period(self) -> int:
        return int(1000 / self.session.speed)

    def _speed(self, event) -> None:
        if self.callback is not None:
            self.callback.period = self._period()

    def _tick(self) -> None:
        s = self.session
        if s.model is None or not s.model.running or s.question is not None:
            s.playing = False
            return
        s.guarded(s.step)

    def update(self) -> None:
        st = self.session.status()
        lines = [f"<b>{esc(st['date'])}</b> (step {st['step']} of {st['steps']})",
                 f"Tension {st['tension']:.2f}: {esc(st['band'])}; treaty {esc(st['treaty'])}"]
        if st["outcome"]:
            lines.append(f"<b>Outcome: {esc(st['outcome'])}</b><br>{esc(st['reason'])}")
        self.status.object = "".join(f"<p>{line}</p>" for line in lines)
        if self.seed.value != self.session.seed:
            self.seed.value = self.session.seed
        set_text_size([], [self.status], self.session.large_text)
