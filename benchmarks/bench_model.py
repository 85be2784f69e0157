"""The cost of one run, and of an ensemble of 1,000, against an empty Mesa model with the same agents and steps.

Goals (docs/performance): a run at most 3 times the empty model; 1,000
replicates of new_start_2021 within 1 s on two cores. Both are timed side by
side in one process, interleaved, taking the median of several rounds, so the
ratio holds on a busy machine. The ensemble is timed as a user calls it
(``sim.ensemble(..., workers=2)``, the pool kept from a first call) against
1,000 runs of the empty model cut into the same chunks on the same pool: its
wall time, and the CPU time of this process and the pool's workers, whose
ratio is the figure to compare. Last, the first run of new_start_2021 in a fresh
process (which compiles the scenario and loads the compiled kernels), in wall time.

Usage: ``python -m benchmarks.bench_model [--quick] [--record]``; ``--record`` adds the
run to docs/model_speed.json and rewrites its table in docs/performance.md
(:mod:`benchmarks.speed_record`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import mesa
import psutil

import sim
from benchmarks import speed_record
from sim.calendar import Calendar
from sim.ensemble import CHUNKS_PER_WORKER, chunks, ensemble, shared_pool

SCENARIOS = ("classroom_basic", "new_start_2021")
ROUNDS = 7
RUNS_PER_ROUND = 40
ENSEMBLE_SCENARIO = "new_start_2021"
ENSEMBLE_RUNS = 1000
ENSEMBLE_WORKERS = 2
ENSEMBLE_ROUNDS = 5
FIRST_RUN_SCENARIO = "new_start_2021"
FIRST_RUN_PROCESSES = 3

# A fresh process: import the model, read a scenario, then time its first run (which compiles the
# scenario and loads the compiled kernels) and the first run of the empty model, in wall seconds.
FIRST_RUN_CHILD = r"""
import json, sys, time
import sim
from benchmarks.bench_model import EmptyModel
from sim.calendar import Calendar
scn = sim.load_scenario(sys.argv[1])
n_steps, n_agents = Calendar(scn.calendar).n_steps, len(scn.states)
t0 = time.perf_counter()
sim.ArmsControlModel(scn, rng=0).run()
t1 = time.perf_counter()
m = EmptyModel(n_agents, n_steps, rng=0)
while m.running:
    m.step()
print(json.dumps({"model_s": t1 - t0, "empty_s": time.perf_counter() - t1}))
"""


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
    """CPU seconds per call of fn(i) in this process (waiting for a core does not count)."""
    start = time.process_time()
    for i in range(runs):
        fn(i)
    return (time.process_time() - start) / runs


def _pool_time(fn, pool) -> tuple[float, float]:
    """Wall seconds of fn(), and the CPU seconds it cost this process and the pool's workers."""
    workers = [psutil.Process(pid) for pid in pool._processes]  # started by a first call

    def cpu() -> float:
        return time.process_time() + sum(sum(w.cpu_times()[:2]) for w in workers)

    wall, used = time.perf_counter(), cpu()
    fn()
    return time.perf_counter() - wall, cpu() - used


def measure(name: str, rounds: int = ROUNDS) -> dict:
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
    for _ in range(rounds):
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


def run_empty(n_agents: int, n_steps: int, seeds: list[int]) -> int:
    """Run the empty model once per seed (in a pool's worker); the steps taken."""
    steps = 0
    for seed in seeds:
        m = EmptyModel(n_agents, n_steps, rng=seed)
        while m.running:
            m.step()
        steps += m.steps
    return steps


def measure_ensemble(
    name: str = ENSEMBLE_SCENARIO,
    n: int = ENSEMBLE_RUNS,
    workers: int = ENSEMBLE_WORKERS,
    rounds: int = ENSEMBLE_ROUNDS,
) -> dict:
    """Median wall seconds of an ensemble of n replicates and of n empty runs on the same pool, and their ratio."""
    scn = sim.load_scenario(name)
    n_steps, n_agents = Calendar(scn.calendar).n_steps, len(scn.states)
    pool = shared_pool(workers)
    pieces = chunks(list(range(n)), workers * CHUNKS_PER_WORKER)

    def ours() -> None:
        ensemble(name, n=n, seed=0, workers=workers)

    def empty() -> None:
        futures = [pool.submit(run_empty, n_agents, n_steps, piece) for piece in pieces]
        assert sum(f.result() for f in futures) == n * n_steps

    ours()  # the pool started, the scenario read and compiled, as in a kept session
    empty()
    a, b = [], []
    for _ in range(rounds):
        a.append(_pool_time(ours, pool))
        b.append(_pool_time(empty, pool))
    return {
        "scenario": name,
        "runs": n,
        "workers": workers,
        "model_s": statistics.median(t[0] for t in a),
        "empty_s": statistics.median(t[0] for t in b),
        "model_cpu_s": statistics.median(t[1] for t in a),
        "empty_cpu_s": statistics.median(t[1] for t in b),
        "ratio": statistics.median(t[1] for t in a) / statistics.median(t[1] for t in b),
    }


def measure_first_run(name: str = FIRST_RUN_SCENARIO, processes: int = FIRST_RUN_PROCESSES) -> dict:
    """Median wall seconds of the first run of a scenario in a fresh process (the scenario compiled,
    the compiled kernels loaded) and of the empty model's first run in the same process."""
    root = Path(__file__).resolve().parents[1]
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", FIRST_RUN_CHILD, name],
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(processes)
    ]
    model_s = statistics.median(r["model_s"] for r in runs)
    empty_s = statistics.median(r["empty_s"] for r in runs)
    return {"scenario": name, "model_s": model_s, "empty_s": empty_s, "ratio": model_s / empty_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a rough figure)")
    parser.add_argument(
        "--record", action="store_true", help="add the run to the docs' table of measured runs"
    )
    args = parser.parse_args(sys.argv[1:])
    scenarios = []
    print(
        f"{'scenario':<18} {'steps':>5} {'agents':>6} {'model ms/run':>13} {'empty ms/run':>13} {'ratio':>6}"
    )
    for name in SCENARIOS:
        r = measure(name, rounds=3 if args.quick else ROUNDS)
        scenarios.append(r)
        print(
            f"{r['scenario']:<18} {r['steps']:>5} {r['agents']:>6} {r['model_ms']:>13.3f} {r['empty_ms']:>13.3f} {r['ratio']:>6.1f}"
        )
    e = measure_ensemble(rounds=2 if args.quick else ENSEMBLE_ROUNDS)
    print(
        f"\n{e['runs']:,} replicates of {e['scenario']} on {e['workers']} workers: "
        f"{e['model_s']:.2f} s wall, {e['model_cpu_s']:.2f} s CPU; {e['runs']:,} empty runs on the "
        f"same pool: {e['empty_s']:.3f} s wall, {e['empty_cpu_s']:.3f} s CPU; ratio (CPU) {e['ratio']:.1f}"
    )
    f = measure_first_run(processes=1 if args.quick else FIRST_RUN_PROCESSES)
    print(
        f"first run of {f['scenario']} in a fresh process: {f['model_s']:.3f} s wall; "
        f"the empty model's: {f['empty_s']:.4f} s wall"
    )
    if args.record:
        speed_record.record("bench_model", {"scenarios": scenarios, "ensemble": e, "first_run": f})


if __name__ == "__main__":
    main()
