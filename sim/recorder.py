"""The run's time series, recorded into preallocated arrays (one row per calendar index).

It also offers the part of Mesa's ``DataCollector`` interface that
``mesa.batch_run`` reads (``model_vars``), so the model works with Mesa's own
tools without paying for a collector in every step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.strategies import C

if TYPE_CHECKING:
    from sim.model import ArmsControlModel

MOVE_CODES = {"C": 1, "D": 0}


class Recorder:
    """Arrays of the state of the run at index 0 (start) and after each step.

    Attributes (rows: calendar index 0..N):
        forces (N+1, S) warheads; caps (N+1, S) warheads binding (inf: none);
        trust (N+1, S, S) row i's trust in column j; tension (N+1,);
        in_force (N+1,) bool; talks_open (N+1,) bool; agreed (N+1,) bool;
        moves (N+1, S): 1 comply, 0 cheat, -1 none; seen (N+1, S): 1 if the state saw a rival cheat;
        targets (N+1, S) bargaining targets (nan when not bargaining); scores (N+1, S) cumulative game payoffs.
    """

    def __init__(self, model: ArmsControlModel):
        self.model = model
        n, s = model.calendar.n_steps + 1, len(model.states)
        self.last = -1
        self.forces = np.full((n, s), np.nan)
        self.caps = np.full((n, s), np.inf)
        self.trust = np.full((n, s, s), np.nan)
        self.tension = np.full(n, np.nan)
        self.in_force = np.zeros(n, bool)
        self.talks_open = np.zeros(n, bool)
        self.agreed = np.zeros(n, bool)
        self.moves = np.full((n, s), -1, np.int8)
        self.seen = np.zeros((n, s), np.int8)
        self.targets = np.full((n, s), np.nan)
        self.scores = np.zeros((n, s))

    def record(self, k: int) -> None:
        """Store the model's state at calendar index k."""
        m = self.model
        for s in m.states:
            i = s.index
            self.forces[k, i] = s.forces
            self.trust[k, i] = s.trust
            self.scores[k, i] = s.score
            if s.moves and k > 0:
                self.moves[k, i] = MOVE_CODES[s.moves[-1]]
                self.seen[k, i] = s.seen[-1] != C
        self.caps[k] = m.treaty.caps_now()
        self.tension[k] = m.tension
        self.in_force[k] = m.treaty.in_force
        self.talks_open[k] = m.talks_open
        self.agreed[k] = m.treaty.agreement is not None
        self.targets[k] = m.targets
        self.last = k

    def frame(self) -> pd.DataFrame:
        """The time series as a DataFrame, one row per calendar index, wide columns per state."""
        m, rows = self.model, slice(0, self.last + 1)
        names = [s.name for s in m.states]
        data: dict = {
            "step": np.arange(self.last + 1),
            "date": m.calendar.labels[: self.last + 1],
            "tension": self.tension[rows],
            "treaty_in_force": self.in_force[rows],
            "talks_open": self.talks_open[rows],
            "agreed": self.agreed[rows],
        }
        for i, a in enumerate(names):
            data[f"forces_{a}"] = self.forces[rows, i]
            data[f"cap_{a}"] = np.where(np.isinf(self.caps[rows, i]), np.nan, self.caps[rows, i])
            data[f"move_{a}"] = self.moves[rows, i]
            data[f"score_{a}"] = self.scores[rows, i]
            data[f"target_{a}"] = self.targets[rows, i]
            for j, b in enumerate(names):
                if i != j:
                    data[f"trust_{a}_{b}"] = self.trust[rows, i, j]
        return pd.DataFrame(data)

    # -- Mesa's DataCollector interface, for mesa.batch_run
    @property
    def model_vars(self) -> dict[str, list]:
        rows = slice(0, self.last + 1)
        out = {
            "tension": list(self.tension[rows]),
            "treaty_in_force": list(self.in_force[rows]),
            "agreed": list(self.agreed[rows]),
            "total_forces": list(self.forces[rows].sum(axis=1)),
        }
        # the run's final outcome on every row (batch_run reads the row before the last step)
        outcome = self.model.outcome.category if self.model.outcome else None
        out["outcome"] = [outcome] * (self.last + 1)
        return out

    @property
    def _agent_records(self) -> dict:
        return {}

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        return pd.DataFrame(self.model_vars)
