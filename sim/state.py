"""A State: one Mesa agent at the table.

A state has forces (warheads), a hidden true type (security seeker or
greedy, Kydd 2000), a trust in each rival, preferences over offers, a
concession curve, red lines and a compliance strategy. It remembers its own
moves and what it has seen of its rivals' moves through verification.
"""

from __future__ import annotations

import numpy as np
from mesa import Agent

from sim.agenda import red_line_mask
from sim.scenario import StateChanges, StateSpec
from sim.strategies import CheckedView, ComplianceView, make_strategy


class State(Agent):
    """A state (Mesa agent).

    Attributes:
        name, label: identifier and readable name.
        index: position in the model's arrays.
        spec: its current parameters (a leadership change replaces some).
        type: "security" or "greedy", hidden from the others.
        forces: current forces (warheads).
        trust: (states,) its trust in each state (its own entry is 1).
        strategy: its compliance strategy.
        moves, seen: its own moves and the rivals' observed moves, one per step.
        allowed, red_line_why: offers its red lines allow, and why each other one is refused.
    """

    def __init__(self, model, spec: StateSpec, index: int):
        super().__init__(model)
        self.name = spec.name
        self.label = spec.label or spec.name
        self.index = index
        self.spec = spec  # shared, never mutated: a leadership change builds a new spec
        self.type = self._draw_type(spec)
        self.forces = float(spec.forces)
        self.trust = self._initial_trust(spec, model.scenario.state_names)
        self.strategy = self._make_strategy()
        self.moves: list[str] = []
        self.seen: list[str] = []
        self.score = 0.0
        self.last_offer: int | None = None
        self.refresh_red_lines()

    def _draw_type(self, spec: StateSpec) -> str:
        if spec.type != "random":
            return spec.type
        return "greedy" if self.model.rng.random() < spec.p_greedy else "security"

    def _initial_trust(self, spec: StateSpec, names: list[str]) -> np.ndarray:
        if isinstance(spec.trust, dict):
            default = 0.5
            return np.array([1.0 if n == spec.name else spec.trust.get(n, default) for n in names])
        return np.array([1.0 if n == spec.name else spec.trust for n in names])

    def _make_strategy(self):
        choice = self.spec.strategy_choice()
        return make_strategy(choice.name, **choice.params)

    def refresh_red_lines(self) -> None:
        """The offers its current spec's red lines allow; shared by every run with the same spec."""
        space, spec = self.model.space, self.spec
        self.allowed, self.red_line_why = self.model.scenario.derived_for("red_lines", (spec,), lambda: red_line_mask(space, spec.red_lines))
        self.own_offers = self.allowed & space.party[:, self.index]  # what it could ever agree to

    def apply_changes(self, changes: StateChanges) -> list[str]:
        """Replace the parameters a leadership change names; returns what changed, in words.

        The new spec is built once per (spec, changes) and shared by every run of the scenario.
        """
        self.spec, said = self.model.scenario.derived_for("changed_spec", (self.spec, changes), lambda: _changed_spec(self.spec, changes))
        if changes.type is not None:
            self.type = changes.type
        if changes.strategy is not None:
            self.strategy = self._make_strategy()
        self.refresh_red_lines()
        return list(said)

    def min_trust(self) -> float:
        """Its lowest trust in any rival."""
        t, i = self.trust, self.index
        return float(min(t[j] for j in range(len(t)) if j != i))

    def compliance_view(self, detection: float) -> ComplianceView:
        """What it knows when it chooses to comply or cheat this step."""
        s, m = self.spec, self.model.scenario.compliance.payoffs
        return CheckedView(
            own=self.moves, seen=self.seen, rng=self.model.rng, state_type=self.type,
            trust=self.min_trust(), detection=detection, cheat_gain=s.compliance.cheat_gain,
            cooperation_value=s.compliance.cooperation_value, discount=s.utility.discount,
            trust_threshold=s.compliance.trust_threshold, payoffs=(m.T, m.R, m.P, m.S),
        )


def _changed_spec(spec: StateSpec, changes: StateChanges) -> tuple[StateSpec, list[str]]:
    """A spec with a leadership change's parameters replaced, and what changed, in words."""
    data = spec.model_dump()
    said = []
    for key, value in changes.model_dump(exclude_none=True).items():
        if isinstance(value, dict) and key in ("utility", "bargaining", "compliance"):
            data[key].update(value)
            said.extend(f"{key}.{k} = {v}" for k, v in value.items())
        else:
            data[key] = value
            said.append(f"{key} = {value if key != 'red_lines' else (len(value) or 'none')}")
    return StateSpec.model_validate(data), said
