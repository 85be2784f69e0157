"""The measured speed of sweeps and ensembles in the docs: bench_sweep's runs, kept as data, shown as tables.

``python -m benchmarks.bench_sweep --record`` adds its run to ``docs/sweep_speed.json``
(with the date, the commit and the machine's load; the last :data:`KEEP` runs are
kept) and rewrites the tables between the markers of ``docs/sweeps.md`` (the latest
run) and of ``docs/performance.md``'s section "Ensembles and sweeps" (every kept
run). ``python -m benchmarks.sweep_speed`` rewrites both from the file alone;
``tests/test_sweep_speed_docs.py`` fails when a page's table is not the file's. No
figure of these tables is typed by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.speed_record import add_run, between, machine, read_runs

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "docs" / "sweep_speed.json"
KEEP = 2  # the most recent runs kept and shown side by side
BEGIN = "<!-- BEGIN sweep speed: written by python -m benchmarks.bench_sweep --record, do not edit by hand -->"
END = "<!-- END sweep speed -->"
# each page and how many of the kept runs it shows
PAGES = {ROOT / "docs" / "sweeps.md": 1, ROOT / "docs" / "performance.md": KEEP}
ENSEMBLE_TARGET_S = 1.0  # 1,000 replicates on two cores (docs/product: speed users need)
SCALING_TARGET = 1.8  # two workers against one


def _batch(r: dict) -> str:
    b = r["batch_run"]
    return (
        f"{b['runs']} runs: {b['sweep_per_s']:.3g} vs {b['batch_run_per_s']:.3g} "
        f"({b['sweep_per_s'] / b['batch_run_per_s']:.1f}x)"
    )


def _workers(r: dict) -> str:
    w = r["workers"]
    return f"{w['runs']} runs: {w['one_s']:.2f} s vs {w['two_s']:.2f} s ({w['one_s'] / w['two_s']:.2f}x)"


def _dask(r: dict) -> str:
    d = r["dask"]
    return f"{d['runs']} runs: {d['dask_s']:.2f} s vs {d['pool_s']:.2f} s ({d['dask_s'] / d['pool_s']:.2f}x the time)"


def _ensemble(r: dict) -> str:
    e = r["ensemble"]
    return f"{e['cold_s']:.2f} s / {e['warm_s']:.2f} s (one core {e['one_core_s']:.2f} s)"


def _memory(r: dict) -> str:
    m = r["memory"]
    return (
        f"{m['runs']:,} runs: {m['tenth_mb']:.0f} MB at a tenth, peak {m['peak_mb']:.0f} MB "
        f"({m['peak_mb'] - m['tenth_mb']:+.0f} MB)"
    )


# (what is measured, how a run shows it, the goal)
ROWS = (
    (
        "runs per second per core, a sweep of new_start_2021 against `mesa.batch_run` on the same grid",
        _batch,
        "at least equal",
    ),
    (
        "two workers against one (wall time, median of 3 rounds)",
        _workers,
        f"at least {SCALING_TARGET}x",
    ),
    ("Dask `LocalCluster` (2 processes) against the process pool", _dask, "reported"),
    (
        "1,000 replicates of new_start_2021 on two cores (first call / pool kept, median of 3)",
        _ensemble,
        f"within {ENSEMBLE_TARGET_S:g} s",
    ),
    ("resident memory over a long streamed (dry) sweep", _memory, "flat"),
)


def table(runs: list[dict[str, Any]]) -> str:
    """One row per measure, one column per run (headed by its date, commit and load average)."""
    if not runs:
        return "No run recorded yet: `python -m benchmarks.bench_sweep --record`."
    heads = [f"{r['when']}, {r['commit']}, load {r['load_avg']:g}" for r in runs]
    lines = [
        "| measure | " + " | ".join(heads) + " | goal |",
        "|---|" + "---|" * len(runs) + "---|",
    ]
    for what, cell, goal in ROWS:
        lines.append(f"| {what} | " + " | ".join(cell(r) for r in runs) + f" | {goal} |")
    return "\n".join(lines)


def load_runs() -> list[dict[str, Any]]:
    """The kept runs, oldest first."""
    return read_runs(RUNS)


def block(page: Path, runs: list[dict[str, Any]]) -> str:
    """The markers of a page and, between them, the table of the runs it shows."""
    return f"{BEGIN}\n{table(runs[-PAGES[page] :])}\n{END}"


def write_pages(runs: list[dict[str, Any]]) -> None:
    """Rewrite the table between the markers of each page from the runs."""
    for page, shown in PAGES.items():
        text = page.read_text(encoding="utf-8")
        page.write_text(between(text, BEGIN, END, table(runs[-shown:])), encoding="utf-8")


def record(result: dict[str, Any]) -> None:
    """Add a run of bench_sweep (with its date, commit and load) to the kept runs and rewrite the pages."""
    write_pages(add_run(RUNS, {**machine(), **result}, KEEP))


if __name__ == "__main__":
    write_pages(load_runs())
