"""Start-up of the command line and the cost of running a scenario by name, side by side in one run.

    .venv/bin/python benchmarks/bench_startup.py           # the table (about a minute)
    .venv/bin/python benchmarks/bench_startup.py --quick   # fewer repeats

Rows:

* ``acsim list``, ``acsim --help``, ``acsim validate``, ``acsim schema``: the
  median wall and CPU time of a fresh process, against a bare ``python -c pass``
  measured alongside (target: under 0.4 s on the project's two-core machine);
* ``sim.run("name")`` in a loop against ``sim.run(loaded)``, after the first
  call has read the file: the scenario cache should make the ratio about 1; and with a different override on each call,
  against loading the scenario with that override each time (what every call
  cost before the cache).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TARGET_S = 0.4  # docs/product: the command line answers at once
SCENARIO = "new_start_2021"
RUN_ROUNDS = 5  # alternate rounds of the by-name and loaded loops
COMMANDS = {
    "acsim list": ["list"],
    "acsim --help": ["--help"],
    "acsim validate": ["validate", "classroom_basic"],
    "acsim schema": ["schema"],
}


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_process(args: list[str], repeats: int) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) of a fresh process running args."""
    walls, cpus = [], []
    for _ in range(repeats):
        cpu0, t0 = _child_cpu(), time.perf_counter()
        subprocess.run(
            args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        walls.append(time.perf_counter() - t0)
        cpus.append(_child_cpu() - cpu0)
    return statistics.median(walls), statistics.median(cpus)


def bench_startup(repeats: int) -> list[tuple[str, str, str]]:
    """One row per command: its times against a bare interpreter's."""
    bare_wall, bare_cpu = timed_process([sys.executable, "-c", "pass"], repeats)
    rows = [("python -c pass (baseline)", f"{bare_wall:.2f} s wall, {bare_cpu:.2f} s CPU", "")]
    for name, argv in COMMANDS.items():
        wall, cpu = timed_process([sys.executable, "-m", "sim", *argv], repeats)
        rows.append(
            (
                name,
                f"{wall:.2f} s wall, {cpu:.2f} s CPU",
                f"{wall / bare_wall:.1f}x bare python; target < {STARTUP_TARGET_S} s",
            )
        )
    return rows


def bench_run_by_name(n: int) -> list[tuple[str, str, str]]:
    """sim.run by name against a loaded scenario, with and without overrides changing each call."""
    import sim
    from sim.runner import clear_cache

    loaded = sim.load_scenario(SCENARIO)
    clear_cache()
    sim.run(SCENARIO, seed=0)  # the one read of the file, as in any loop
    # Runs of one scenario share what their beliefs have worked out, so each way is warmed with
    # the same runs before it is timed, and the two are timed in alternate rounds (CPU seconds).
    for seed in range(n):
        sim.run(loaded, seed=seed)
        sim.run(SCENARIO, seed=seed)
    by_object = by_name = 0.0
    for block in range(RUN_ROUNDS):
        seeds = range(n * (block + 1), n * (block + 1) + n // RUN_ROUNDS)
        t0 = time.process_time()
        for seed in seeds:
            sim.run(loaded, seed=seed)
        by_object += time.process_time() - t0
        t0 = time.process_time()
        for seed in seeds:
            sim.run(SCENARIO, seed=seed)
        by_name += time.process_time() - t0
    timed = RUN_ROUNDS * (n // RUN_ROUNDS)
    by_object, by_name = by_object * n / timed, by_name * n / timed
    values = [0.05 + 0.5 * k / n for k in range(n)]
    t0 = time.perf_counter()
    for seed, v in enumerate(values):
        sim.run(SCENARIO, seed=seed, overrides={"tension.initial": v})
    by_name_varied = time.perf_counter() - t0
    t0 = time.perf_counter()
    for seed, v in enumerate(values):
        sim.run(sim.load_scenario(SCENARIO, {"tension.initial": v}), seed=seed)
    reloading = time.perf_counter() - t0
    per = lambda s: f"{1000 * s / n:.1f} ms/run"  # noqa: E731
    return [
        (
            f"sim.run('{SCENARIO}') x {n} vs sim.run(loaded)",
            f"{per(by_name)} vs {per(by_object)}",
            f"{by_name / by_object:.2f}x (target about 1)",
        ),
        (
            "a new override each call: by name vs loading each time",
            f"{per(by_name_varied)} vs {per(reloading)}",
            f"{reloading / by_name_varied:.1f}x faster",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    repeats, n = (3, 20) if args.quick else (7, 100)
    rows = bench_startup(repeats) + bench_run_by_name(n)
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'measured':<34}  ratio")
    for name, measured, ratio in rows:
        print(f"{name:<{width}}  {measured:<34}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
