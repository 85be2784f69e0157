"""The cost of one run against an empty Mesa model with the same agents and steps.

Goal (docs/performance): at most 3 times the empty model. Both are timed
side by side in one process, interleaved, taking the median of several
rounds, so the ratio holds on a busy machine.
"""

from __future__ import annotations

import statistics
import time

import mesa

import sim
from sim.calendar import Calendar

SCENARIOS = ("classroom_basic", "new_start_2021")
ROUNDS = 7
RUNS_PER_ROUND = 40


class _Idle(mesa.Agent):
    def step(self) -> None:
        pass


class EmptyModel(mesa.Model):
    """A Mesa model with n agents that do nothing, stepped like ours."""

    def __init__(self, n_agents: int, n_steps: int, rng=None):
        super().__init__(rng=rng)
        self.n_steps = n_steps
        for _ in range(n_agents):
            _Idle(self)

    def step(self) -> None:
        self.agents.shuffle_do("step")
        if self.steps >= self.n_steps:
            self.running = False


def _time(fn, runs: int) -> float:
    start = time.perf_counter()
    for i in range(runs):
        fn(i)
    return (time.perf_counter() - start) / runs


def measure(name: str) -> dict:
    """Median seconds per run of the scenario and of the empty model, and their ratio."""
    scn = sim.load_scenario(name)
    n_steps, n_agents = Calendar(scn.calendar).n_steps, len(scn.states)

    def ours(i):
        sim.ArmsControlModel(scn, rng=i).run()

    def empty(i):
        m = EmptyModel(n_agents, n_steps, rng=i)
        while m.running:
            m.step()

    ours(0), empty(0)  # warm caches
    a, b = [], []
    for _ in range(ROUNDS):
        a.append(_time(ours, RUNS_PER_ROUND))
        b.append(_time(empty, RUNS_PER_ROUND))
    ta, tb = statistics.median(a), statistics.median(b)
    return {
        "scenario": name,
        "steps": n_steps,
        "agents": n_agents,
        "model_ms": ta * 1e3,
        "empty_ms": tb * 1e3,
        "ratio": ta / tb,
    }


def main() -> None:
    print(
        f"{'scenario':<18} {'steps':>5} {'agents':>6} {'model ms/run':>13} {'empty ms/run':>13} {'ratio':>6}"
    )
    for name in SCENARIOS:
        r = measure(name)
        print(
            f"{r['scenario']:<18} {r['steps']:>5} {r['agents']:>6} {r['model_ms']:>13.3f} {r['empty_ms']:>13.3f} {r['ratio']:>6.1f}"
        )


if __name__ == "__main__":
    main()
