"""The state of one dashboard session: a scenario, its settings and the model run from them.

Everything a view shows is a function of a :class:`Session`; no view holds
model state of its own, so every view can be checked without a browser (see
``tests/test_dashboard_state.py``). One Session per browser session: nothing
is shared between sessions except the read-only cache of bundled scenarios.

The model is :class:`sim.ArmsControlModel`, stepped one step at a time; the
dashboard never reimplements any of it.
"""

from __future__ import annotations

import functools
import logging
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import param

import sim
from sim.agenda import TERM_NAMES, nash_point, pareto_frontier
from sim.tension import BANDS

DEFAULT_SCENARIO = "new_start_2021"
DEFAULT_SEED = 1
TERM_LABELS = {
    "predictability": "predictability (discounted years of it)",
    "cheating_risk": "expected loss from being cheated",
    "secrecy": "secrecy cost of verification",
    "freeze_gain": "gain of freezing the rival",
    "freeze_cost": "cost of a freeze on own plans",
    "lock_in": "lock-in (leverage given up)",
    "parties": "value of who is a party",
}


# ---------------------------------------------------------------------------- scenarios
@functools.lru_cache(maxsize=32)
def bundled(name: str) -> sim.Scenario:
    """A bundled scenario (read-only, shared between sessions: the model never changes it)."""
    return sim.load_scenario(name)


def scenario_yaml(scenario: sim.Scenario) -> str:
    """A scenario as a YAML file a user can load again (``acsim run FILE``)."""
    from ruamel.yaml import YAML

    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("extends", None)
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False
    yaml.width = 100
    yaml.dump(data, out)
    return out.getvalue()


def located_errors(err: sim.ScenarioError) -> list[dict]:
    """Each problem of a ScenarioError as {line, field, message} (line None when unknown)."""
    return [{"line": e.line, "field": e.field or "", "message": e.message} for e in err.all()]


def describe_error(err: Exception) -> str:
    """A user's mistake in one readable line (a located ScenarioError keeps its line and field)."""
    if isinstance(err, sim.ScenarioError):
        parts = []
        for e in err.all():
            where = f"line {e.line}" if e.line else ""
            field = f"{e.field}" if e.field else ""
            loc = ", ".join(p for p in (where, field) if p)
            parts.append(f"{loc}: {e.message}" if loc else e.message)
        return "; ".join(parts)
    return f"{type(err).__name__}: {err}"


# ---------------------------------------------------------------------------- key parameters
@dataclass(frozen=True)
class KeyParameter:
    """One scenario field shown as a slider: its dotted path (an override), label, unit, help and range."""

    path: str
    label: str
    unit: str
    help: str
    start: float
    end: float
    step: float
    value: float


def key_parameters(scn: sim.Scenario) -> list[KeyParameter]:
    """The parameters a teacher changes most, read from the scenario with their current values."""
    out: list[KeyParameter] = []
    names = scn.state_names
    for s in scn.states:
        rivals = [n for n in names if n != s.name]
        out.append(KeyParameter(f"states.{s.name}.bargaining.concession", f"{s.name} concession", "shape",
                                "Below 1: holds out until the deadline (Boulware); above 1: gives early.",
                                0.1, 5.0, 0.1, s.bargaining.concession))
        out.append(KeyParameter(f"states.{s.name}.utility.secrecy_cost", f"{s.name} secrecy cost", "utility/yr",
                                "Cost of fully intrusive verification to this state, per year.", 0.0, 5.0, 0.1,
                                s.utility.secrecy_cost))
        out.append(KeyParameter(f"states.{s.name}.utility.lock_in", f"{s.name} lock-in", "utility/yr of term",
                                "Leverage given up per year of the agreement's term.", 0.0, 2.0, 0.05, s.utility.lock_in))
        for r in rivals[:2]:
            trust = s.trust.get(r, 0.5) if isinstance(s.trust, dict) else s.trust
            path = f"states.{s.name}.trust.{r}" if isinstance(s.trust, dict) else f"states.{s.name}.trust"
            out.append(KeyParameter(path, f"{s.name} trust in {r}", "probability",
                                    f"Initial probability that {s.name} gives {r} of being a security seeker.",
                                    0.0, 1.0, 0.01, float(trust)))
            if not isinstance(s.trust, dict):
                break
    out.append(KeyParameter("tension.initial", "initial tension", "0-1", "Tension at the start of the run.",
                            0.0, 1.0, 0.01, scn.tension.initial))
    level = scn.treaty.verification
    for v in scn.verification_levels:
        if v.name == level:
            out.append(KeyParameter(f"verification_levels.{v.name}.detection", f"detection ({v.label or v.name})",
                                    "probability", "Chance that a step of cheating is detected under the treaty's verification.",
                                    0.0, 1.0, 0.01, v.detection))
    return out


# ---------------------------------------------------------------------------- the session
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


class Session(param.Parameterized):
    """One browser session: the scenario, its settings, and the model run from them."""

    scenario_name = param.Selector(default=DEFAULT_SCENARIO, objects=[DEFAULT_SCENARIO], doc="Scenario to run.")
    seed = param.Integer(default=DEFAULT_SEED, bounds=(0, 2**31 - 1), doc="Seed of the run's random draws.")
    overrides = param.Dict(default={}, doc="{dotted.path: value} applied to the scenario.")
    large_text = param.Boolean(default=False, doc="Larger text for a projector.")
    playing = param.Boolean(default=False, doc="Whether Play is stepping the run.")
    speed = param.Number(default=4.0, bounds=(0.5, 20.0), doc="Play speed (steps per second).")
    x_state = param.Selector(default=None, objects=[], doc="State on the horizontal axis of the bargaining chart.")
    y_state = param.Selector(default=None, objects=[], doc="State on the vertical axis of the bargaining chart.")
    selected_offer = param.Integer(default=None, allow_None=True, doc="Offer picked on the bargaining chart.")
    player = param.String(default="", doc="State the player takes in the Play view ('' for none).")
    error = param.String(default="", doc="The last problem, shown in the page.")
    version = param.Integer(default=0, doc="Bumps whenever the model changes; views redraw on it.")

    def __init__(self, **params: Any):
        self.uploaded: dict[str, sim.Scenario] = {}
        self.model: sim.ArmsControlModel | None = None
        self.offers_made: set[int] = set()
        self.decisions: list[Any] = []
        self.question: Question | None = None
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

    def add_scenario(self, scenario: sim.Scenario) -> None:
        """Add a scenario (uploaded or edited) to the picker and open it."""
        self.uploaded[scenario.name] = scenario
        objects = list(dict.fromkeys([*sim.bundled_scenarios(), *self.uploaded]))
        self.param.scenario_name.objects = objects
        if self.scenario_name == scenario.name:
            self._scenario_changed()
        else:
            self.scenario_name = scenario.name

    @param.depends("scenario_name", watch=True)
    def _scenario_changed(self) -> None:
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
        from sim.loading import resolve_scenario

        return resolve_scenario(self.scenario, dict(self.overrides))

    # -- running
    def _new_model(self) -> sim.ArmsControlModel:
        model = sim.ArmsControlModel(self.scenario, rng=self.seed, overrides=dict(self.overrides) or None)
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
        model, seen = self._new_model(), set()
        self.question = None
        k = 0
        try:
            while model.running and (steps is None or k < steps):
                self._step(model, seen)
                k += 1
        except NeedDecision as need:
            # the step was cut short where the player decides: show the run up to the step before
            model, seen = self._new_model(), set()
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
                logging.getLogger("dashboard").exception("%s failed", getattr(action, "__name__", action))
            self.playing = False
            self.error = describe_error(exc)
            return False

    def reset(self) -> None:
        """Back to the start of the run with the current settings."""
        self.playing = False
        self.decisions = []
        self.selected_offer = None
        self._run(0 if not self.player else None)

    def step(self) -> None:
        """One step of the calendar."""
        if self.model is None or not self.model.running or self.question is not None:
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
        if self.model is not None and self.model.running and not self.player:
            while self.model.running:
                self._step(self.model, self.offers_made)
            self._changed()
        elif self.player:
            self._run(None)

    def set_override(self, path: str, value: Any) -> None:
        """Change one scenario field and rerun to the same date (the run is milliseconds)."""
        at = self.model.step_index if self.model is not None else 0
        self.overrides = {**self.overrides, path: value}
        self._run(None if self.player else at)

    def set_seed(self, seed: int) -> None:
        at = self.model.step_index if self.model is not None else 0
        self.seed = int(seed)
        self._run(None if self.player else at)

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
            raise ValueError(f"no state {state!r} in {self.scenario.name}; expected one of {', '.join(self.scenario.state_names)}")
        self.player = state
        self.reset()

    def stop_playing_side(self) -> None:
        self.player = ""
        self.decisions = []
        self.question = None

    def decide(self, decision: Any) -> None:
        """The player's answer to the current question: an offer index (propose; None for no offer) or True/False (answer)."""
        if self.question is None:
            raise ValueError("there is nothing to decide now")
        if self.question.role == "answer":
            decision = bool(decision)
        elif decision is not None:
            decision = int(decision)
            if not 0 <= decision < len(self.model.space):
                raise ValueError(f"no offer number {decision}")
        self.decisions.append(decision)
        self._run(None)

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
        from sim.tension import band

        return {"date": m.calendar.labels[m.step_index], "step": m.step_index, "steps": m.calendar.n_steps,
                "tension": float(m.tension), "band": band(m.tension, params),
                "treaty": "in force" if m.treaty.in_force else "not in force",
                "outcome": m.outcome.label if m.outcome else "", "reason": m.outcome.reason if m.outcome else ""}


# ---------------------------------------------------------------------------- data for the views
def x_values(model: sim.ArmsControlModel) -> np.ndarray:
    """Horizontal axis of time plots: dates (datetime64) or step numbers for a dateless calendar."""
    return calendar_x(model.calendar)


def calendar_x(cal) -> np.ndarray:
    """x_values of a sim.calendar.Calendar."""
    if cal.dateless:
        return np.asarray(cal.stamps, dtype=float)
    return pd.to_datetime(cal.labels).to_numpy()


def stamp_x(model: sim.ArmsControlModel, stamp: int):
    """A calendar stamp (ordinal day, or step) on the time axis."""
    if model.calendar.dateless:
        return float(stamp)
    import datetime as dt

    return pd.Timestamp(dt.date.fromordinal(int(stamp))).to_datetime64()


def timeline_data(model: sim.ArmsControlModel) -> dict[str, Any]:
    """Columns of the time plots up to the current step: x, tension, and per state forces_S, cap_S, trust_A_B."""
    rec, n = model.recorder, model.recorder.last + 1
    out: dict[str, Any] = {"x": x_values(model)[:n], "tension": rec.tension[:n].astype(float),
                           "date": list(model.calendar.labels[:n])}
    for s in model.states:
        out[f"forces_{s.name}"] = rec.forces[:n, s.index].astype(float)
        caps = rec.caps[:n, s.index].astype(float)
        out[f"cap_{s.name}"] = np.where(np.isinf(caps), np.nan, caps)
        for o in model.states:
            if o is not s:
                out[f"trust_{s.name}_{o.name}"] = rec.trust[:n, s.index, o.index].astype(float)
    return out


def tension_bands(model: sim.ArmsControlModel) -> list[tuple[str, float, float]]:
    """The named tension bands (name, bottom, top) of the scenario."""
    t = model.scenario.tension
    edges = [0.0, t.strained, t.confrontation, t.crisis, 1.0]
    return [(name, edges[i], edges[i + 1]) for i, name in enumerate(BANDS)]


def event_marks(model: sim.ArmsControlModel) -> dict[str, list]:
    """The scenario's scripted events: x, label (actor: text), kind."""
    xs, labels, kinds = [], [], []
    for ev in model.scenario.events:
        stamp = model.calendar.stamp(ev.date, ev.step)
        xs.append(stamp_x(model, stamp))
        labels.append(f"{ev.actor}: {ev.text or ev.kind}")
        kinds.append(ev.kind)
    return {"x": xs, "label": labels, "kind": kinds}


def log_rows(model: sim.ArmsControlModel) -> list[dict]:
    """The log, one dict per entry (date, actor, kind, text), in order."""
    return [{"date": e.date, "actor": e.actor, "kind": e.kind, "text": e.text} for e in model.log.entries]


def bargaining_data(session: Session) -> dict[str, Any]:
    """Every offer's utility to the two chosen states, the Pareto frontier, the Nash point and the targets."""
    m = session.model
    names = m.scenario.state_names
    # while a new scenario is opening, the chosen states may still be the old scenario's
    i = names.index(session.x_state) if session.x_state in names else 0
    j = names.index(session.y_state) if session.y_state in names else 1
    u = session.utilities()
    tg = session.targets(u)
    allowed = np.all([s.allowed for s in m.states], axis=0)
    n = len(m.space)
    offers = {
        "index": list(range(n)), "x": u[:, i], "y": u[:, j],
        "label": [m.space.describe(k, m.treaty.in_force) for k in range(n)],
        "made": [k in session.offers_made for k in range(n)],
        "allowed": allowed.tolist(),
    }
    front = pareto_frontier(u[:, [i, j]])
    front = front[np.argsort(u[front, i])]
    disagreement = np.array([s.spec.bargaining.reservation for s in m.states])
    nash = nash_point(u, disagreement, candidates=allowed)
    return {"offers": offers, "frontier": {"x": u[front, i], "y": u[front, j]}, "nash": nash,
            "target_x": float(tg[i]), "target_y": float(tg[j]), "x_state": names[i], "y_state": names[j]}


def terms_table(session: Session, k: int) -> pd.DataFrame:
    """The named utility terms of offer k to each state (rows: terms and total; columns: states)."""
    m = session.model
    trust = m.trust_matrix()
    cols = {}
    for s in m.states:
        t = m.utility.terms(k, s.index, trust[s.index].copy(), m.tension)
        cols[s.name] = [t[name] for name in TERM_NAMES] + [sum(t.values())]
    return pd.DataFrame(cols, index=[TERM_LABELS[n] for n in TERM_NAMES] + ["total (utility vs no deal)"])


def offer_table(session: Session, state: str) -> pd.DataFrame:
    """Every offer with its utility to `state` and to the others, best for `state` first (the Play view's menu)."""
    m = session.model
    u = session.utilities()
    s = m.state_by_name[state]
    df = pd.DataFrame({"offer": list(range(len(m.space))),
                       "terms": [m.space.describe(k, m.treaty.in_force) for k in range(len(m.space))],
                       f"worth to {state}": np.round(u[:, s.index], 2)})
    for o in m.states:
        if o is not s:
            df[f"worth to {o.name}"] = np.round(u[:, o.index], 2)
    df["within your red lines"] = s.allowed
    return df.sort_values(f"worth to {state}", ascending=False, kind="stable").reset_index(drop=True)


def ensemble_series(model: sim.ArmsControlModel) -> tuple[str, ...]:
    """Series the Odds view asks the ensemble to keep: tension, and each state's forces and trust."""
    out = ["tension"]
    for s in model.states:
        out.append(f"forces_{s.name}")
        out += [f"trust_{s.name}_{o.name}" for o in model.states if o is not s]
    return tuple(out)


def bundled_text(name: str) -> str:
    """The YAML text of a bundled scenario (what the editor opens with)."""
    from sim.loading import scenario_path

    return scenario_path(name).read_text(encoding="utf-8")
