"""A compiled scenario: what the model derives from a scenario alone, built once and shared by its runs.

The scenario schema (:mod:`sim.scenario`) is frozen data. Everything the model
computes from it before the first step (the calendar, the offer space, the arms
dynamics, the schedule of events, each state's pool of private values with its
utility tables, the chance that a greedy state cheats under each regime) is kept
here, read-only, so an ensemble's runs share it. :func:`compile_scenario` keeps
the last few compiled scenarios of this process; ensembles, sweeps and the
dashboard call it once and hand the result to every run.

Rules the caches rely on: a scenario is never changed after validation (overrides
make a new one, and the schema is frozen); a state spec is never changed (a
leadership change builds a new one, itself derived once per spec and change).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from sim.agenda import OfferSpace, exposure
from sim.calendar import Calendar
from sim.forces import Richardson
from sim.priors import describe
from sim.private_values import Draws, greedy_cheat_table
from sim.scenario import Scenario, StateChanges, StateSpec

# Compiled scenarios kept per process (the dashboard's sessions and a sweep's worker reuse them).
CACHE_SIZE = 32


class CompiledScenario:
    """A scenario with everything its runs share.

    Attributes:
        scenario: the validated scenario.
        calendar: its :class:`~sim.calendar.Calendar`.
        space: its :class:`~sim.agenda.OfferSpace`; parties_of: offer -> indices of the states party to it.
        richardson: the arms dynamics; forces_static: whether they are still (no reaction, fatigue or grievance).
        events_by_step: step -> the scripted events that fire in it.
    """

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.calendar = Calendar(scenario.calendar)
        self.space = OfferSpace(scenario)
        # offer -> the indices of the states party to it
        self.parties_of = [tuple(np.flatnonzero(row).tolist()) for row in self.space.party]
        self.richardson, self.forces_static = _forces(scenario)
        self.events_by_step = self.schedule(scenario.events)
        self._by_identity: dict[tuple, tuple[Any, Any]] = {}

    def schedule(self, events: list) -> dict[int, list]:
        """Step -> the events that fire in it, in file order."""
        out: dict[int, list] = {}
        for ev in events:
            out.setdefault(self.calendar.step_of(self.calendar.stamp(ev.date, ev.step)), []).append(
                ev
            )
        return out

    def _once(self, kind: str, objects: tuple, build) -> Any:
        """Built once per kind and distinct objects (by identity; the cache holds them, so no other object takes their identity)."""
        key = (kind, *map(id, objects))
        if key not in self._by_identity:
            self._by_identity[key] = (objects, build())
        return self._by_identity[key][1]

    def draws(self, spec: StateSpec, index: int) -> Draws:
        """The pool of draws of a state's private values (one per spec)."""
        return self._once("draws", (spec,), lambda: Draws(spec, index, self.space))

    def exposure(self, draws: tuple[Draws, ...]) -> np.ndarray:
        """(offers, states) the chance each party, if greedy, cheats undetected under each offer."""
        return self._once(
            "exposure",
            draws,
            lambda: exposure(self.space, greedy_cheat_table(list(draws), self.space.detection)),
        )

    def changed_spec(self, spec: StateSpec, changes: StateChanges) -> tuple[StateSpec, list[str]]:
        """A spec with a leadership change's fields replaced, and what changed, in words."""
        return self._once("changed", (spec, changes), lambda: _changed_spec(spec, changes))

    def stamp_of(self, date: Any) -> int | None:
        """The stamp of an optional date (None stays None)."""
        return None if date is None else self.calendar.stamp(date)


_CACHE: OrderedDict[int, tuple[Scenario, CompiledScenario]] = OrderedDict()


def compile_scenario(scenario: Scenario | CompiledScenario) -> CompiledScenario:
    """The compiled form of a scenario, built once per scenario object in this process."""
    if isinstance(scenario, CompiledScenario):
        return scenario
    hit = _CACHE.get(id(scenario))
    if hit is not None and hit[0] is scenario:
        _CACHE.move_to_end(id(scenario))
        return hit[1]
    compiled = CompiledScenario(scenario)
    _CACHE[id(scenario)] = (scenario, compiled)
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return compiled


def _forces(scenario: Scenario) -> tuple[Richardson, bool]:
    """The arms dynamics of the scenario's states, and whether they are still (no reaction, fatigue or grievance)."""
    names = scenario.state_names
    reaction = np.array(
        [[s.reaction.get(o, 0.0) if o != s.name else 0.0 for o in names] for s in scenario.states]
    )
    fatigue = np.array([s.fatigue for s in scenario.states])
    static = (
        not reaction.any() and not fatigue.any() and not any(s.grievance for s in scenario.states)
    )
    return Richardson(reaction, fatigue), static


def _changed_spec(spec: StateSpec, changes: StateChanges) -> tuple[StateSpec, list[str]]:
    """A spec with a leadership change's parameters replaced, and what changed, in plain words."""
    data = spec.model_dump()
    said: list[str] = []
    for key, value in changes.model_dump(exclude_none=True).items():
        if isinstance(value, dict) and key in ("utility", "bargaining", "compliance"):
            data[key].update(value)
            original = getattr(changes, key)
            said.extend(
                f"{k.replace('_', ' ')} {describe(original[k]) if not isinstance(original[k], dict) else original[k]}"
                for k in value
            )
        elif key == "red_lines":
            data[key] = value
            said.append(f"{len(value)} red lines" if value else "no red lines")
        else:
            data[key] = value
            said.append(f"{key.replace('_', ' ')} {value}")
    return StateSpec.model_validate(data), said
