"""The state of one dashboard session: a scenario, its settings and the model run from them.

Everything a view shows is a function of a :class:`Session`; no view holds
model state of its own, so every view can be checked without a browser (see
``tests/test_dashboard_state.py``). One Session per browser session: nothing
is shared between sessions except the read-only cache of bundled scenarios.

The model is :class:`sim.ArmsControlModel`, stepped one step at a time; the
dashboard never reimplements any of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import param

import sim
from dashboard.parameters import key_parameters
from dashboard.scenarios import (
    DEFAULT_SCENARIO,
    as_own_copy,
    bundled,
    describe_error,
    title_of,
    with_settings,
)
from sim.tension import band

DEFAULT_SEED = 2  # New START 2021 opens on a run that takes history's branch (the 2020 election's result) and its extension


class NeedDecision(Exception):
    """Raised inside a step when the player must decide: role is 'propose' or 'answer'."""

    def __init__(self, role: str, offer: int | None, default: Any):
        super().__init__(role)
        self.role, self.offer, self.default = role, offer, default


@dataclass
class Question:
    """What the player must decide now: propose an offer, or answer the one on the table."""

    role: str
    offer: int | None
    default: Any
    step: int


@dataclass(frozen=True)
class Decision:
    """One of the player's answers, and what the offer it concerned was worth to the player then
    (utility relative to no deal; None for "no offer")."""

    role: str
    choice: Any
    offer: int | None
    worth: float | None
    crosses_red_line: bool


WAITING = (
    "A question waits for your answer in the Play tab: answer it first (or press Stop playing)."
)


class Session(param.Parameterized):
    """One browser session: the scenario, its settings, and the model run from them."""

    model: sim.ArmsControlModel  # the run, built by reset() in __init__: there is always one

    scenario_name: param.Selector[str] = param.Selector(
        default=DEFAULT_SCENARIO, objects=[DEFAULT_SCENARIO], doc="Scenario to run."
    )
    seed = param.Integer(
        default=DEFAULT_SEED, bounds=(0, 2**31 - 1), doc="Seed of the run's random draws."
    )
    overrides = param.Dict(default={}, doc="{dotted.path: value} applied to the scenario.")
    large_text = param.Boolean(default=False, doc="Larger text for a projector.")
    playing = param.Boolean(default=False, doc="Whether Play is stepping the run.")
    speed = param.Number(default=4.0, bounds=(0.5, 20.0), doc="Play speed (steps per second).")
    x_state: param.Selector[str | None] = param.Selector(
        default=None, objects=[], doc="State on the horizontal axis of the bargaining chart."
    )
    y_state: param.Selector[str | None] = param.Selector(
        default=None, objects=[], doc="State on the vertical axis of the bargaining chart."
    )
    selected_offer = param.Integer(
        default=None, allow_None=True, doc="Offer picked on the bargaining chart."
    )
    player = param.String(default="", doc="State the player takes in the Play view ('' for none).")
    error = param.String(default="", doc="The last problem, shown in the page.")
    notice = param.String(
        default="", doc="What the last action did, when the page would not show it otherwise."
    )
    version = param.Integer(default=0, doc="Bumps whenever the model changes; views redraw on it.")

    def __init__(self, **params: Any):
        self.uploaded: dict[str, sim.Scenario] = {}
        self.offers_made: set[int] = set()
        self.decisions: list[Any] = []
        self.answers: list[Decision] = []
        self.question: Question | None = None
        self._label: tuple[tuple, str] = ((), "")  # settings_key() and its settings_label()
        super().__init__(**params)
        self.param.scenario_name.objects = sim.bundled_scenarios()
        self._select_states()
        self.reset()

    # -- the scenario
    @property
    def scenario(self) -> sim.Scenario:
        """The chosen scenario, before overrides."""
        name = self.scenario_name
        return self.uploaded[name] if name in self.uploaded else bundled(name)

    def add_scenario(self, scenario: sim.Scenario) -> str:
        """Add a scenario (uploaded or edited) to the picker and open it; say what became of the picker.

        A scenario named like a bundled one opens under its own name and title ("... (edited)"), beside
        the bundled one, which stays as it was.
        """
        bundled_names = sim.bundled_scenarios()
        scenario = as_own_copy(scenario, bundled_names)
        earlier = self.uploaded.get(scenario.name)
        self.uploaded[scenario.name] = scenario
        self.param.scenario_name.objects = list(dict.fromkeys([*bundled_names, *self.uploaded]))
        if self.scenario_name == scenario.name:
            self._scenario_changed()
        else:
            self.scenario_name = scenario.name
        if earlier is not None:
            self.notice = f"Opened {title_of(scenario)}, in place of your earlier version of it."
        else:
            self.notice = f"Opened {title_of(scenario)}, added to the picker under Your scenarios."
        return self.notice

    def title(self, name: str | None = None) -> str:
        """The title of a scenario in the picker (the chosen one by default)."""
        name = name or self.scenario_name
        return title_of(self.uploaded[name] if name in self.uploaded else bundled(name))

    def changed_parameters(self) -> list[str]:
        """The changed fields as a reader says them: "RU secrecy cost = 5" (the key parameters' labels
        where a field has one, its dotted path otherwise)."""
        labels = {}
        for p in key_parameters(self.scenario):
            labels[p.path] = p.label
            base = p.path.rsplit(".", 1)[0]
            if p.label.endswith(" of its prior)"):  # the field itself, set to a known value
                labels.setdefault(base, p.label[: p.label.rindex(" (")])
        return [
            f"{labels.get(path, path)} = {value:g}"
            if isinstance(value, float)
            else f"{labels.get(path, path)} = {value}"
            for path, value in self.overrides.items()
        ]

    def settings_label(self) -> str:
        """What a result is of: the scenario's title, the seed and the changed parameters, in one line
        (worked out again only when the settings change: every chart asks for it at every step)."""
        key = self.settings_key()
        if self._label[0] != key:
            changed = self.changed_parameters()
            self._label = (
                key,
                f"{self.title()} · seed {self.seed} · "
                + (f"changed: {'; '.join(changed)}" if changed else "as written"),
            )
        return self._label[1]

    def settings_key(self) -> tuple:
        """What a result depends on (scenario, its text, seed, changed parameters): a result whose key
        differs from the session's is of other settings."""
        return (
            self.scenario_name,
            id(self.scenario),
            self.seed,
            tuple(sorted(self.overrides.items(), key=str)),
        )

    @param.depends("scenario_name", watch=True)
    def _scenario_changed(self) -> None:
        self.notice = ""
        self.overrides = {}
        self._select_states()
        self.stop_playing_side()
        self.reset()

    def _select_states(self) -> None:
        names = self.scenario.state_names
        self.param.x_state.objects = names
        self.param.y_state.objects = names
        self.param.update(x_state=names[0], y_state=names[1])

    def settings_scenario(self) -> sim.Scenario:
        """The scenario with the current overrides applied (what a download of the settings holds)."""
        return with_settings(self.scenario, self.overrides).scenario

    # -- running
    def _new_model(self) -> sim.ArmsControlModel:
        model = sim.ArmsControlModel(with_settings(self.scenario, self.overrides), rng=self.seed)
        if self.player:
            model.decide_for(model.state_by_name[self.player].index, self._decider())
        return model

    def _step(self, model: sim.ArmsControlModel, seen: set[int]) -> None:
        model.step()
        for s in model.states:
            if s.last_offer is not None:
                seen.add(s.last_offer)

    def _run(self, steps: int | None) -> None:
        """A fresh model, stepped `steps` times (None: to the end or to the player's next decision)."""
        model, seen = self._new_model(), set[int]()
        self.question = None
        k = 0
        try:
            while model.running and (steps is None or k < steps):
                self._step(model, seen)
                k += 1
        except NeedDecision as need:
            # the step was cut short where the player decides: show the run up to the step before
            model, seen = self._new_model(), set[int]()
            for _ in range(k):
                self._step(model, seen)
            self.question = Question(need.role, need.offer, need.default, k + 1)
        self.model, self.offers_made = model, seen
        self._changed()

    def _changed(self) -> None:
        self.error = ""
        self.version += 1

    def guarded(self, action, *args: Any) -> bool:
        """Run an action; a problem goes to ``error`` (shown in the page) instead of breaking the session."""
        try:
            action(*args)
            return True
        except Exception as exc:  # anything: the page must stay alive
            if not isinstance(exc, (sim.ScenarioError, ValueError)):
                logging.getLogger("dashboard").exception(
                    "%s failed", getattr(action, "__name__", action)
                )
            self.playing = False
            self.error = describe_error(exc)
            return False

    def reset(self) -> None:
        """Back to the start of the run with the current settings (a game starts again)."""
        self.playing = False
        self.decisions = []
        self.answers = []
        self.selected_offer = None
        self._run(0 if not self.player else None)

    def step(self) -> None:
        """One step of the calendar."""
        if self.question is not None:
            self.playing = False
            self.error = WAITING
            return
        if not self.model.running:
            self.playing = False
            return
        if self.player:
            self._run(self.model.step_index + 1)
            return
        self._step(self.model, self.offers_made)
        self._changed()

    def run_to_end(self) -> None:
        """Step until the end of the calendar (or the player's next decision)."""
        self.playing = False
        if self.question is not None:
            self.error = WAITING
            return
        if self.model.running and not self.player:
            while self.model.running:
                self._step(self.model, self.offers_made)
            self._changed()
        elif self.player:
            self._run(None)

    def set_override(self, path: str, value: Any) -> None:
        """Change one scenario field and rerun to the same date (the run is milliseconds)."""
        at = self.model.step_index
        self.overrides = {**self.overrides, path: value}
        self._run(None if self.player else at)

    def set_seed(self, seed: int) -> None:
        """A new seed; the run is redone to the same date."""
        at = self.model.step_index
        self.seed = int(seed)
        self._run(None if self.player else at)

    # -- run control: events and the timeline
    def event_steps(self) -> list[int]:
        """The steps (1..N) in which a scripted event happens, in order (two events in one week share a step).

        These are the scenario's own events and, once a branch event has drawn its future, that
        future's events (New START 2021's inauguration follows the election's branch): a future not
        yet drawn, or not taken, has no steps.
        """
        m = self.model
        cal = m.calendar
        steps: set[int] = set()
        due = [(ev, 0) for ev in m.scenario.events]  # (event, the step of the branch it follows)
        while due:
            ev, after = due.pop()
            k = max(cal.step_of(cal.stamp(ev.date, ev.step)), after)  # a late future fires at once
            steps.add(k)
            if ev.kind == "branch":
                taken = m.branches_taken.get(ev.id or f"branch {cal.label(int(cal.stamps[k]))}")
                future = next((b for b in ev.branches if b.name == taken), None)
                due += [(later, k) for later in (future.events if future else ())]
        return sorted(steps)

    def next_event_step(self) -> int | None:
        """The next step after the current one with a scripted event, or None when no event is left."""
        now = self.model.step_index
        return next((k for k in self.event_steps() if k > now), None)

    def at_event(self) -> bool:
        """Whether the step just taken had a scripted event (Play pauses there when asked to)."""
        return self.model.step_index in self.event_steps()

    def next_event(self) -> None:
        """Step on to the end of the next step with a scripted event (or to the end of the run)."""
        if self.question is not None:
            self.error = WAITING
            return
        target = self.next_event_step()
        self.go_to(target if target is not None else self.model.calendar.n_steps)

    def go_to(self, step: int) -> None:
        """Show the run at step `step` (back or forward): the run is redone with the same seed and
        settings, which gives the same run, so going back is a re-run to an earlier step."""
        if self.player:
            raise ValueError("the timeline cannot be moved during a game: press Stop playing first")
        step = max(0, min(int(step), self.model.calendar.n_steps))
        if step > self.model.step_index:
            while self.model.running and self.model.step_index < step:
                self._step(self.model, self.offers_made)
            self._changed()
        elif step < self.model.step_index:
            self.playing = False
            self._run(step)

    # -- playing one side
    def _decider(self):
        queue = iter(list(self.decisions))

        def decide(role: str, offer: int | None, default: Any) -> Any:
            try:
                return next(queue)
            except StopIteration:
                raise NeedDecision(role, offer, default) from None

        return decide

    def play_side(self, state: str) -> None:
        """The player takes `state`; the computer plays the others by the model's rules."""
        if state not in self.scenario.state_names:
            raise ValueError(
                f"no state {state!r} in {self.scenario.name}; expected one of {', '.join(self.scenario.state_names)}"
            )
        self.player = state
        self.reset()

    def stop_playing_side(self) -> None:
        self.player = ""
        self.decisions = []
        self.answers = []
        self.question = None

    @property
    def in_game(self) -> bool:
        """Whether a game is under way with decisions that a reset would throw away."""
        return bool(self.player) and bool(self.decisions) and self.model.outcome is None

    def decide(self, decision: Any) -> None:
        """The player's answer to the current question: an offer index (propose; None for no offer) or True/False (answer)."""
        if self.question is None:
            raise ValueError("there is nothing to decide now")
        q = self.question
        if q.role == "answer":
            decision = bool(decision)
        elif decision is not None:
            decision = int(decision)
            if not 0 <= decision < len(self.model.space):
                raise ValueError(f"no offer number {decision}")
        offer = q.offer if q.role == "answer" else decision
        me = self.model.state_by_name[self.player]
        worth = None if offer is None else float(self.utilities()[offer, me.index])
        crosses = offer is not None and not bool(me.allowed[offer])
        self.answers.append(Decision(q.role, decision, offer, worth, crosses))
        self.decisions.append(decision)
        self._run(None)

    # -- the game's score
    def score(self) -> dict[str, Any] | None:
        """The finished game's result for the player's side, or None while there is no finished game.

        worth: what the agreed offer was worth to the player when they last decided on it (utility
        relative to no deal, which is worth 0; None without an agreement); crossed: whether it
        crosses one of the side's red lines.
        """
        m = self.model
        if not self.player or m is None or m.outcome is None:
            return None
        agreement = getattr(m.treaty, "agreement", None)
        offer = agreement["offer"] if agreement else None
        worth, crossed = None, False
        if offer is not None:
            me = m.state_by_name[self.player]
            mine = [a for a in self.answers if a.offer == offer]
            worth = mine[-1].worth if mine else float(self.utilities()[offer, me.index])
            crossed = not bool(me.allowed[offer])
        return {
            "outcome": m.outcome.label,
            "category": m.outcome.category,
            "reason": m.outcome.reason,
            "offer": offer,
            "worth": worth,
            "crossed": crossed,
            "decisions": len(self.decisions),
        }

    # -- what the views show
    def utilities(self) -> np.ndarray:
        """(offers, states) utility of each offer to each state now (utility units, relative to no deal)."""
        m = self.model
        return m.utility.utilities(m.trust_matrix(), m.tension)

    def targets(self, utilities: np.ndarray) -> np.ndarray:
        """Each state's current target utility (NaN before the talks start)."""
        m = self.model
        if getattr(m, "now", None) is None or not m.talks_open:
            return np.asarray(m.targets, dtype=float)
        return m.current_targets(utilities)

    def status(self) -> dict[str, Any]:
        """Date, step, tension band and outcome, for the status line."""
        m = self.model
        params = m.scenario.tension
        return {
            "date": m.calendar.labels[m.step_index],
            "step": m.step_index,
            "steps": m.calendar.n_steps,
            "tension": float(m.tension),
            "band": band(m.tension, params),
            "treaty": "in force" if m.treaty.in_force else "not in force",
            "outcome": m.outcome.label if m.outcome else "",
            "reason": m.outcome.reason if m.outcome else "",
        }
