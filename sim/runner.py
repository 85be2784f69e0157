"""One run of a scenario: ``sim.run(scenario, seed=..., **overrides)``."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from sim.model import ArmsControlModel
from sim.outcomes import Outcome
from sim.scenario import Scenario

SEED_BITS = 31  # a drawn seed stays a small, typeable integer (acsim run --seed N)


@dataclass
class RunResult:
    """What one run produced.

    Attributes:
        scenario: the scenario as run (overrides applied).
        seed: the seed it ran with (drawn when none was given), so that it can be repeated.
        outcome: how it ended (:class:`~sim.outcomes.Outcome`).
        model: the finished model, for anything else.
    """

    scenario: Scenario
    seed: int
    outcome: Outcome
    model: ArmsControlModel = field(repr=False)

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per calendar index: date, tension, treaty, and per state forces, caps, trust, moves."""
        return self.model.recorder.frame()

    @cached_property
    def log(self) -> pd.DataFrame:
        """The dated log of decisions and their reasons (step, date, actor, kind, text)."""
        return self.model.log.to_frame()

    def story(self) -> str:
        """The log as text, one dated line per decision."""
        return self.model.log.to_text()

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain data (what ``acsim run --json`` prints)."""
        ts = self.timeseries.astype(object).where(self.timeseries.notna(), None)
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "outcome": self.outcome.as_dict(),
            "log": self.log.to_dict(orient="records"),
            "timeseries": ts.to_dict(orient="records"),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, default=str)


def run(scenario: Scenario | str = "classroom_basic", seed: int | None = None, overrides: dict[str, Any] | None = None, **more: Any) -> RunResult:
    """Run a scenario to its end.

    Args:
        scenario: a Scenario, a bundled scenario's name or a path to a YAML file.
        seed: fixes every random draw; the same seed and scenario give the same run, bit for bit.
            Without one, a seed is drawn and recorded in the result's ``seed``.
        overrides: {dotted.path: value} applied before validation.
        **more: overrides given as keywords; use ``__`` for dots (``tension__initial=0.5``).
    """
    merged = dict(overrides or {})
    merged.update({k.replace("__", "."): v for k, v in more.items()})
    if seed is None:
        seed = secrets.randbits(SEED_BITS)
    model = ArmsControlModel(scenario, rng=seed, overrides=merged)
    model.run()
    return RunResult(scenario=model.scenario, seed=seed, outcome=model.outcome, model=model)
