"""A State: one Mesa agent at the table.

A state has forces (warheads), a hidden true type (security seeker or
greedy, Kydd 2000), a trust in each rival, private values drawn from the
priors of its spec (:mod:`sim.private_values`), red lines, a concession curve
and a compliance strategy. It remembers its own moves and what it has seen of
its rivals' moves through verification.
"""

from __future__ import annotations

import math

import numpy as np
from mesa import Agent

from sim.scenario import StateChanges, StateSpec
from sim.strategies import CheckedView, ComplianceView, make_strategy

# Trust in a rival the spec does not name (a probability): the prior of an agnostic.
DEFAULT_TRUST = 0.5


class State(Agent):
    """A state (Mesa agent).

    Attributes:
        name, label: identifier and readable name.
        index: position in the model's arrays.
        spec: its current parameters (a leadership change replaces some).
        draws, row: the pool of draws of its private values, and which draw is its true values.
        type: "security" or "greedy", hidden from the others.
        forces: current forces (warheads).
        trust: (states,) its trust in each state (its own entry is 1).
        strategy: its compliance strategy.
        moves, seen: its own moves and the rivals' observed moves, one per step.
        last_offer: the last offer it proposed (None before its first).
    """

    def __init__(self, model, spec: StateSpec, index: int):
        super().__init__(model)
        self.name = spec.name
        self.label = spec.label or spec.name
        self.index = index
        self.spec = spec  # shared, never mutated: a leadership change builds a new spec
        self.type = self._draw_type(spec)
        self._view: CheckedView | None = None  # see compliance_view
        self._draw_values()
        self.forces = float(spec.forces)
        self.trust = self._initial_trust(spec, model.scenario.state_names)
        self.strategy = self._make_strategy()
        self.moves: list[str] = []
        self.seen: list[str] = []
        self.score = 0.0
        self.last_offer: int | None = None

    def _draw_type(self, spec: StateSpec) -> str:
        if spec.type != "random":
            return spec.type
        return "greedy" if self.model.rng.random() < spec.p_greedy else "security"

    def _draw_values(self) -> None:
        """Its true private values: one draw of its spec's pool, picked by the run's generator (none drawn without priors)."""
        self._view = None  # its compliance view holds the values drawn before
        self.draws = d = self.model.compiled.draws(self.spec, self.index)
        self.row = r = int(self.model.rng.integers(d.size)) if d.size > 1 else 0
        v = d.values
        # the values it decides by every step, as plain floats
        self.reservation, self.hardening, self.concession = (
            float(d.reservation[r]),
            float(d.hardening[r]),
            float(d.concession[r]),
        )
        self.cheat_gain, self.cooperation_value = (
            float(v["compliance.cheat_gain"][r]),
            float(v["compliance.cooperation_value"][r]),
        )
        self.discount, self.trust_threshold = (
            float(v["utility.discount"][r]),
            float(v["compliance.trust_threshold"][r]),
        )
        stamp = self.model.compiled.stamp_of
        self._since = [None if rl.since is None else stamp(rl.since) for rl in d.red_lines]
        # (from, until, which hold): the red lines that hold over a span of stamps (none yet)
        self._active: tuple[float, float, tuple[bool, ...]] = (math.inf, -math.inf, ())

    def _initial_trust(self, spec: StateSpec, names: list[str]) -> np.ndarray:
        if isinstance(spec.trust, dict):
            return np.array(
                [1.0 if n == spec.name else spec.trust.get(n, DEFAULT_TRUST) for n in names]
            )
        return np.array([1.0 if n == spec.name else spec.trust for n in names])

    def _make_strategy(self):
        choice = self.spec.strategy_choice()
        return make_strategy(choice.name, **choice.params)

    def value(self, field: str) -> float:
        """Its true value of a prior-capable field, e.g. ``value("utility.secrecy_cost")``."""
        return float(self.draws.values[field][self.row])

    # ------------------------------------------------------------------ red lines
    def active_red_lines(self) -> tuple[bool, ...]:
        """Which of its red lines hold now: each from its own date (the date of its source).

        Worked out again only when the time leaves the span over which it cannot change: from
        the stamp it was last worked out at to the next date a red line starts to hold.
        """
        now = self.model.now
        start, until, active = self._active
        if start <= now < until:
            return active
        active = tuple([since is None or since <= now for since in self._since])
        later = [since for since in self._since if since is not None and since > now]
        self._active = (now, min(later, default=math.inf), active)
        return active

    def crossed_red_line(
        self, offer: int, active: tuple[bool, ...] | None = None
    ) -> tuple[str, float] | None:
        """The first active red line an offer crosses, as (reason, its audience cost to this state), or None."""
        active = self.active_red_lines() if active is None else active
        k = self.draws.first_crossed(active)[offer]
        if k is None:
            return None
        rl = self.draws.red_lines[k]
        return rl.reason, float(rl.cost[self.row])

    @property
    def red_line_why(self) -> list[str]:
        """For each offer, the first active red line it crosses, in words ("" for none)."""
        out = [""] * len(self.model.space)
        for rl, on in zip(self.draws.red_lines, self.active_red_lines()):
            if on:
                for k in np.flatnonzero(rl.crossed):
                    out[k] = out[k] or rl.reason
        return out

    @property
    def allowed(self) -> np.ndarray:
        """(offers,) the offers that cross none of its active red lines."""
        out = np.ones(len(self.model.space), dtype=bool)
        for rl, on in zip(self.draws.red_lines, self.active_red_lines()):
            if on:
                out &= ~rl.crossed
        return out

    @property
    def walls(self) -> np.ndarray:
        """(offers,) the offers behind an active red line it will never cross (infinite audience cost)."""
        out = np.zeros(len(self.model.space), dtype=bool)
        for rl, on in zip(self.draws.red_lines, self.active_red_lines()):
            if on and math.isinf(rl.cost[self.row]):
                out |= rl.crossed
        return out

    # ------------------------------------------------------------------ a new leadership
    def apply_changes(self, changes: StateChanges) -> list[str]:
        """Replace the parameters a leadership change names, drawing its new private values; returns what changed, in words."""
        self.spec, said = self.model.compiled.changed_spec(self.spec, changes)
        self._draw_values()
        if changes.type is not None:
            self.type, self._view = changes.type, None
        if changes.strategy is not None:
            self.strategy = self._make_strategy()
        return list(said)

    # ------------------------------------------------------------------ compliance
    def min_trust(self) -> float:
        """Its lowest trust in any rival."""
        t = self.trust.tolist()  # Python floats: one conversion, not one per rival
        del t[self.index]
        return min(t)

    def compliance_view(self, detection: float) -> ComplianceView:
        """What it knows when it chooses to comply or cheat this step (its own true values).

        The state keeps one view, made again when its values or type change (a leadership
        change); each step sets what moves, its trust and the regime's detection (its moves and
        what it saw are the lists it keeps). A strategy reads the view when called and keeps none.
        """
        view = self._view
        if view is None:
            m = self.model.scenario.compliance.payoffs
            view = self._view = CheckedView(
                own=self.moves,
                seen=self.seen,
                rng=self.model.rng,
                state_type=self.type,
                trust=self.min_trust(),
                detection=detection,
                cheat_gain=self.cheat_gain,
                cooperation_value=self.cooperation_value,
                discount=self.discount,
                trust_threshold=self.trust_threshold,
                payoffs=(m.T, m.R, m.P, m.S),
            )
        else:
            view.trust, view.detection = self.min_trust(), detection
        return view
