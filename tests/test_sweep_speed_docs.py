"""The sweeps' measured speed in the docs is bench_sweep's recorded runs, never figures typed by hand."""

from __future__ import annotations

import pytest

from benchmarks import sweep_speed
from benchmarks.speed_record import between


@pytest.mark.parametrize("page", sorted(sweep_speed.PAGES), ids=lambda p: p.name)
def test_the_speed_table_is_the_recorded_runs(page):
    runs = sweep_speed.load_runs()
    assert runs, "no run recorded: python -m benchmarks.bench_sweep --record"
    assert sweep_speed.block(page, runs) in page.read_text(encoding="utf-8"), (
        f"docs/{page.name}'s sweep speed table is not docs/sweep_speed.json's runs:"
        " python -m benchmarks.sweep_speed rewrites it"
    )


def test_each_run_says_when_where_and_under_what_load():
    for run in sweep_speed.load_runs():
        head = f"{run['when']}, {run['commit']}, load {run['load_avg']:g}"
        assert f"| measure | {head} | goal |" in sweep_speed.table([run])


def test_a_table_shows_the_ratios_of_what_was_measured():
    run = {
        "when": "2026-12-01 00:00 UTC",
        "commit": "abc1234",
        "load_avg": 0.2,
        "batch_run": {"runs": 300, "sweep_per_s": 420.0, "batch_run_per_s": 30.0},
        "workers": {"runs": 600, "one_s": 3.6, "two_s": 2.0},
        "dask": {"runs": 600, "pool_s": 2.0, "dask_s": 5.0},
        "ensemble": {"n": 1000, "one_core_s": 1.8, "cold_s": 0.95, "warm_s": 0.9},
        "memory": {"runs": 100_000, "before_mb": 150.0, "tenth_mb": 220.0, "peak_mb": 221.0},
    }
    assert sweep_speed.table([run]).split("\n")[2:] == [
        "| runs per second per core, a sweep of new_start_2021 against `mesa.batch_run` on the"
        " same grid | 300 runs: 420 vs 30 (14.0x) | at least equal |",
        "| two workers against one (wall time, median of 3 rounds) | 600 runs: 3.60 s vs 2.00 s (1.80x) | at least 1.8x |",
        "| Dask `LocalCluster` (2 processes) against the process pool | 600 runs: 5.00 s vs 2.00 s"
        " (2.50x the time) | reported |",
        "| 1,000 replicates of new_start_2021 on two cores (first call / pool kept, median of 3) | 0.95 s / 0.90 s"
        " (one core 1.80 s) | within 1 s |",
        "| resident memory over a long streamed (dry) sweep | 100,000 runs: 220 MB at a tenth,"
        " peak 221 MB (+1 MB) | flat |",
    ]


def test_a_stale_table_is_rewritten_between_its_markers():
    stale = f"before\n{sweep_speed.BEGIN}\n| typed by hand |\n{sweep_speed.END}\nafter"
    written = between(stale, sweep_speed.BEGIN, sweep_speed.END, sweep_speed.table([]))
    assert written == (
        f"before\n{sweep_speed.BEGIN}\n"
        "No run recorded yet: `python -m benchmarks.bench_sweep --record`.\n"
        f"{sweep_speed.END}\nafter"
    )
