"""Sweep and ensemble performance, measured side by side in one run.

    .venv/bin/python -m benchmarks.bench_sweep            # the table (a few minutes)
    .venv/bin/python -m benchmarks.bench_sweep --quick    # smaller sizes
    .venv/bin/python -m benchmarks.bench_sweep --profile  # where one run's time goes
    .venv/bin/python -m benchmarks.bench_sweep --record   # and write the docs' tables

Rows: runs per second per core against ``mesa.batch_run`` on the same model
and grid; two workers against one; a Dask LocalCluster against the process
pool; 1,000 replicates of new_start_2021 on two cores; resident memory during
a long streamed (dry) sweep. ``--record`` keeps the run in ``docs/sweep_speed.json``
and rewrites the tables of ``docs/sweeps.md`` and ``docs/performance.md`` from it
(:mod:`benchmarks.sweep_speed`).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import sweep_speed

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "new_start_2021"
GRID = [0.1, 0.2, 0.3, 0.4, 0.5]  # tension.initial
ENSEMBLE_N = 1000  # replicates timed by bench_ensemble
ROUNDS = 3  # timings whose median is reported, where a figure is a median


def _spec(out: Path, replicates: int) -> dict:
    return {
        "scenario": SCENARIO,
        "parameters": {"tension.initial": GRID},
        "replicates": replicates,
        "seed": 0,
        "metrics": {"outcome": ["category", "years", "final_tension"]},
        "output": str(out),
    }


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_batch_run(replicates: int, tmp: Path) -> tuple[float, float, int]:
    """(our runs/s, mesa.batch_run runs/s, runs), both on one core, same grid and steps."""
    import mesa  # importing mesa.batchrunner switches multiprocessing to spawn: only here

    from sim import ArmsControlModel, load_scenario
    from sim.sweep import sweep

    steps = ArmsControlModel(SCENARIO, rng=0).calendar.n_steps
    runs = len(GRID) * replicates
    ours = _timed(
        lambda: sweep(_spec(tmp / "ours", replicates), workers=1, progress=False, load=True)
    )
    theirs = _timed(
        lambda: mesa.batch_run(
            ArmsControlModel,
            parameters={"scenario": SCENARIO, "tension.initial": GRID},
            iterations=replicates,
            max_steps=steps,
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )
    )
    del load_scenario
    return runs / ours, runs / theirs, runs


def bench_workers(replicates: int, tmp: Path) -> tuple[float, float, int]:
    """(seconds on one worker, seconds on two) for the same sweep: the median of ROUNDS rounds,
    one worker and two in turn, after a first sweep has read the scenario."""
    from sim.sweep import sweep

    sweep(_spec(tmp / "w0", 1), workers=1, progress=False)

    def timed(name: str, workers: int) -> float:
        return _timed(lambda: sweep(_spec(tmp / name, replicates), workers=workers, progress=False))

    rounds = [(timed(f"w1-{k}", 1), timed(f"w2-{k}", 2)) for k in range(ROUNDS)]
    one, two = zip(*rounds, strict=True)
    return statistics.median(one), statistics.median(two), len(GRID) * replicates


def bench_dask(replicates: int, tmp: Path) -> tuple[float, float]:
    """(seconds on a 2-process pool, seconds on a 2-worker Dask LocalCluster), cluster start-up excluded."""
    from distributed import LocalCluster

    from sim.sweep import sweep

    pool = _timed(lambda: sweep(_spec(tmp / "pool", replicates), workers=2, progress=False))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        dask = _timed(
            lambda: sweep(
                _spec(tmp / "dask", replicates),
                workers=2,
                progress=False,
                scheduler=cluster.scheduler_address,
            )
        )
    return pool, dask


def bench_ensemble(n: int = 1000) -> tuple[float, float, float]:
    """(seconds on one core, first call on two, and the median of ROUNDS later calls on two: the
    pool kept warm)."""
    from sim.ensemble import ensemble

    one = _timed(lambda: ensemble(SCENARIO, n=n, seed=0, workers=1))
    cold = _timed(lambda: ensemble(SCENARIO, n=n, seed=0, workers=2))
    warm = statistics.median(
        _timed(lambda: ensemble(SCENARIO, n=n, seed=0, workers=2)) for _ in range(ROUNDS)
    )
    return one, cold, warm


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_memory(runs: int, tmp: Path) -> tuple[float, float, float, int]:
    """RSS (MB) before, at a tenth of the way and at the peak of a long dry sweep, and the runs."""
    from sim.sweep import sweep

    samples: list[tuple[int, float]] = []
    spec = {
        "scenario": SCENARIO,
        "parameters": {"tension.initial": GRID},
        "replicates": runs // len(GRID),
        "seed": 0,
        "metrics": {"series": {"tension": {"every": 1}}},
        "output": str(tmp / "mem"),
    }
    before = _rss_mb()

    def progress(done: int, total: int) -> None:
        samples.append((done, _rss_mb()))

    sweep(spec, workers=1, progress=progress, dry_run=True, load=False)
    tenth = next(m for d, m in samples if d >= runs // 10)
    return before, tenth, max(m for _, m in samples), runs


def profile(n: int = 200) -> str:
    """The functions where one run of new_start_2021 spends its time (cumulative and own)."""
    from sim import load_scenario
    from sim.ensemble import simulate

    scn = load_scenario(SCENARIO)
    prof = cProfile.Profile()
    prof.enable()
    for seed in range(n):
        simulate(scn, seed)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(r"sim/", 16)
    stats.sort_stats("tottime").print_stats(12)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument(
        "--profile", action="store_true", help="print where one run's time goes, and stop"
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="keep the run in docs/sweep_speed.json and rewrite the docs' tables from it",
    )
    args = parser.parse_args(argv)
    if args.profile:
        print(profile())
        return 0
    reps, long_runs = (20, 20_000) if args.quick else (60, 100_000)
    result = measure(reps, long_runs)
    print(
        sweep_speed.table([{"when": "now", "commit": "this tree", "load_avg": load_now()} | result])
    )
    if args.record:
        sweep_speed.record(result)
        print(
            f"recorded in {sweep_speed.RUNS.relative_to(ROOT)}; docs/sweeps.md and docs/performance.md rewritten"
        )
    return 0


def load_now() -> float:
    """The machine's one-minute load average."""
    return round(os.getloadavg()[0], 1)


def measure(reps: int, long_runs: int) -> dict[str, Any]:
    """Every comparison of the table, as data (seconds, runs per second, MB)."""
    tmp = Path(tempfile.mkdtemp(prefix="acsim-bench-"))
    try:
        ours, theirs, runs = bench_batch_run(reps, tmp)
        batch = {"runs": runs, "sweep_per_s": ours, "batch_run_per_s": theirs}
        one, two, runs = bench_workers(reps * 2, tmp)
        workers = {"runs": runs, "one_s": one, "two_s": two}
        pool, dask = bench_dask(reps * 2, tmp)
        dask_row = {"runs": runs, "pool_s": pool, "dask_s": dask}
        single, cold, warm = bench_ensemble(ENSEMBLE_N)
        ensemble = {"n": ENSEMBLE_N, "one_core_s": single, "cold_s": cold, "warm_s": warm}
        before, tenth, peak, runs = bench_memory(long_runs, tmp)
        memory = {"runs": runs, "before_mb": before, "tenth_mb": tenth, "peak_mb": peak}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "batch_run": batch,
        "workers": workers,
        "dask": dask_row,
        "ensemble": ensemble,
        "memory": memory,
    }


if __name__ == "__main__":
    sys.exit(main())
