"""Controls: the scenario picker (titles, grouped by period) and file upload, Run / Step / Next event /
Play-Pause / Reset with a speed and a pause at scripted events, the timeline's position (move it back to
rewind), the seed, and the scenario's key parameters as sliders with their units and the schema's help."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import panel as pn
from panel.io.callbacks import PeriodicCallback
from panel.io.state import set_curdoc

import sim
from dashboard.parameters import key_parameters
from dashboard.scenarios import describe_error, picker_groups
from dashboard.session import Session
from dashboard.views.common import (
    View,
    esc,
    guarded_click,
    html_div,
    in_page,
    in_server,
    set_changed,
    set_html,
    set_text_size,
)

BUTTON_ROW_CSS = ":host { flex-wrap: wrap; }"


@dataclass
class Ticking:
    """Play's periodic callback on a served session's Bokeh document."""

    doc: Any
    callback: Any

    def stop(self) -> None:
        try:
            self.doc.remove_periodic_callback(self.callback)
        except ValueError:  # the session has gone, and its callbacks with it
            pass


class ControlsView(View):
    """The sidebar. Play steps the run with a periodic callback of this session only."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.callback: Ticking | PeriodicCallback | None = None
        self.scenario = pn.widgets.Select(
            label="Scenario", sizing_mode="stretch_width", css_classes=["scenario-picker"]
        )
        self._fill_picker()
        self.upload = pn.widgets.FileInput(
            accept=".yaml,.yml", label="Open a scenario file", sizing_mode="stretch_width"
        )
        self.seed = pn.widgets.IntInput(label="Seed", value=session.seed, start=0, width=120)
        self.run = pn.widgets.Button(label="Run to end", color="primary")
        self.step = pn.widgets.Button(label="Step")
        self.next_event = pn.widgets.Button(label="Next event", css_classes=["next-event"])
        self.play = pn.widgets.Toggle(label="▶ Play", color="success")
        self.reset = pn.widgets.Button(label="Reset")
        self.pause_at_events = pn.widgets.Checkbox(
            label="Pause at scripted events", value=True, css_classes=["pause-at-events"]
        )
        self.confirm = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["confirm-reset"])
        self.confirm_yes = pn.widgets.Button(label="Yes, reset", color="danger")
        self.confirm_no = pn.widgets.Button(label="Keep playing")
        self.confirm_box = pn.Column(
            self.confirm,
            pn.Row(self.confirm_yes, self.confirm_no),
            visible=False,
            sizing_mode="stretch_width",
            styles={"border": "2px solid #D55E00", "padding": "4px"},
        )
        self.position = pn.widgets.IntSlider(
            label="Rewind to step",
            start=0,
            end=1,
            value=0,
            sizing_mode="stretch_width",
            css_classes=["timeline-position"],
        )
        self.speed = pn.widgets.FloatSlider.from_param(
            session.param.speed, label="Speed (steps per second)", sizing_mode="stretch_width"
        )
        # a plain Div: it changes on every step, and an HTML pane costs the server more than the step
        self.status = html_div("run-status", sizing_mode="stretch_width")
        self.sliders = pn.Column(sizing_mode="stretch_width")
        self.scenario.param.watch(self._picked, "value")
        self.run.on_click(guarded_click(session, session.run_to_end))
        self.step.on_click(guarded_click(session, session.step))
        self.next_event.on_click(guarded_click(session, session.next_event))
        self.reset.on_click(lambda *_: self.ask_reset())
        self.confirm_yes.on_click(lambda *_: self._confirmed(True))
        self.confirm_no.on_click(lambda *_: self._confirmed(False))
        self.play.param.watch(lambda e: setattr(session, "playing", e.new), "value")
        self.seed.param.watch(lambda e: session.guarded(session.set_seed, e.new), "value")
        self.position.param.watch(self._moved, "value_throttled")
        self.upload.param.watch(self._uploaded, "value")
        session.param.watch(self._playing, "playing")
        session.param.watch(self._speed, "speed")
        session.param.watch(lambda *_: self._new_scenario(), "scenario_name")
        session.param.watch(self.redraw, ["version", "large_text"])
        session.param.watch(self._follow_overrides, "overrides")
        buttons = pn.FlexBox(
            self.run, self.step, self.next_event, self.play, self.reset, sizing_mode="stretch_width"
        )
        self.panel = pn.Column(
            self.scenario,
            self.upload,
            buttons,
            self.confirm_box,
            self.pause_at_events,
            self.speed,
            self.position,
            self.seed,
            in_page(self.status, sizing_mode="stretch_width"),
            "#### Parameters",
            self.sliders,
            sizing_mode="stretch_width",
        )
        self._build_sliders()
        self.update()

    # -- the scenario picker
    def _fill_picker(self) -> None:
        s = self.session
        groups = picker_groups(sim.bundled_scenarios(), s.uploaded)
        self.scenario.param.update(groups=groups, value=s.scenario_name)

    def _picked(self, event) -> None:
        if event.new and event.new != self.session.scenario_name:
            self.session.guarded(setattr, self.session, "scenario_name", event.new)

    def _new_scenario(self) -> None:
        self._fill_picker()
        self._build_sliders()

    # -- the key parameters
    def _build_sliders(self) -> None:
        widgets = []
        self.slider_of = {}
        for p in key_parameters(self.session.scenario):
            w = pn.widgets.FloatSlider(
                label=f"{p.label} ({p.unit})",
                start=p.start,
                end=max(p.end, p.value),
                step=p.step,
                value=self.session.overrides.get(p.path, p.value),
                sizing_mode="stretch_width",
            )
            w.param.watch(
                lambda e, path=p.path: self.session.guarded(self.session.set_override, path, e.new),
                "value_throttled",
            )
            self.slider_of[p.path] = (w, p.value)
            widgets.append(
                pn.Column(
                    w,
                    pn.pane.Markdown(
                        p.help,
                        styles={"font-size": "0.8em", "color": "#444"},
                        margin=(-12, 10, 0, 10),
                    ),
                    sizing_mode="stretch_width",
                )
            )
        self.sliders.objects = widgets

    def _follow_overrides(self, *_: Any) -> None:
        """Sliders show the changed values, however they were changed (a slider, a link, a reset of the scenario)."""
        for path, (w, original) in self.slider_of.items():
            value = self.session.overrides.get(path, original)
            if w.value != value:
                w.value = max(w.start, min(w.end, value))

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

    # -- Reset: asks first during a game
    def ask_reset(self) -> None:
        """Reset, or, mid-game, ask first: a reset throws the player's decisions away."""
        s = self.session
        if not s.in_game:
            s.guarded(s.reset)
            return
        n = len(s.decisions)
        self.confirm.object = (
            f"<b>Reset the game?</b> Your {n} decision{'s' if n != 1 else ''} as "
            f"{esc(s.player)} will be lost and the game starts again."
        )
        self.confirm_box.visible = True

    def _confirmed(self, yes: bool) -> None:
        self.confirm_box.visible = False
        if yes:
            self.session.guarded(self.session.reset)

    # -- the timeline's position
    def _moved(self, event) -> None:
        s = self.session
        if event.new != s.model.step_index:
            s.guarded(s.go_to, event.new)

    # -- Play / Pause
    def _playing(self, event) -> None:
        self.play.value = event.new
        self.play.label = "❚❚ Pause" if event.new else "▶ Play"
        if event.new:
            s = self.session
            if s.question is not None:
                s.guarded(s.step)  # says why it cannot play, and stops
                return
            if not s.model.running:
                s.reset()
                s.playing = True
            if self.callback is None:
                self._start_ticking()
        elif self.callback is not None:
            self._stop_ticking()

    def _period(self) -> int:
        return int(1000 / self.session.speed)

    def _start_ticking(self) -> None:
        """Step the run every period, on this session's document.

        Served, the step is a periodic callback of the session's own Bokeh document, which Bokeh
        runs holding the document's lock and drops with the session. Panel's own periodic
        callbacks would also mark the whole server busy and log each call, which costs more than
        a step; a class playing at once makes 120 calls a second.
        """
        doc = pn.state.curdoc
        if in_server() and doc is not None:

            def tick() -> None:
                with set_curdoc(doc):
                    self._tick()

            self.callback = Ticking(doc, doc.add_periodic_callback(tick, self._period()))
        else:  # a notebook: Panel runs it on the running event loop, if any
            self.callback = pn.state.add_periodic_callback(self._tick, period=self._period())

    def _stop_ticking(self) -> None:
        if self.callback is not None:
            self.callback.stop()
            self.callback = None

    def _speed(self, event) -> None:
        if self.callback is not None:
            self._stop_ticking()
            self._start_ticking()

    def _tick(self) -> None:
        s = self.session
        if not s.model.running or s.question is not None:
            s.playing = False
            return
        s.guarded(s.step)
        if self.pause_at_events.value and s.model.running and s.at_event():
            s.playing = False
            s.notice = "Paused at a scripted event (see the log); press Play to go on."

    def update(self) -> None:
        s = self.session
        st = s.status()
        lines = [
            f"<b>{esc(st['date'])}</b> (step {st['step']} of {st['steps']})",
            f"Tension {st['tension']:.2f}: {esc(st['band'])}; treaty {esc(st['treaty'])}",
        ]
        if st["outcome"]:
            lines.append(f"<b>Outcome: {esc(st['outcome'])}</b><br>{esc(st['reason'])}")
        set_html(self.status, "".join(f"<p>{line}</p>" for line in lines))
        set_changed(self.seed, value=s.seed)
        set_changed(self.position, end=max(st["steps"], 1), disabled=bool(s.player))
        set_changed(self.position, value=st["step"])  # after its end: a new run may be longer
        set_changed(self.next_event, disabled=s.next_event_step() is None)
        if not s.in_game:
            set_changed(self.confirm_box, visible=False)
        set_text_size([], [self.status], s.large_text)
