"""Recorded runs of the model's speed benchmarks, and the tables the docs show of them.

``python -m benchmarks.bench_model --record`` and ``python -m benchmarks.bench_versions
--record`` add their run to ``docs/model_speed.json`` (with the date, the commit and
the machine's load) and rewrite the matching table in ``docs/performance.md`` from
that file; ``tests/test_speed.py`` fails when a table and the file disagree.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "model_speed.json"  # every recorded run, oldest first
PAGE = ROOT / "docs" / "performance.md"


def markers(benchmark: str) -> tuple[str, str]:
    """The comments around a benchmark's table in the page."""
    return (
        f"<!-- {benchmark}: begin (written by python -m benchmarks.{benchmark} --record) -->",
        f"<!-- {benchmark}: end -->",
    )


def machine() -> dict:
    """When, on what commit and under what load a run was measured (ACSIM_BENCH_COMMIT names the
    commit of a tree that is not a git checkout)."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    commit = os.environ.get("ACSIM_BENCH_COMMIT", commit)
    return {
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "cores": os.cpu_count(),
        "load_avg": round(os.getloadavg()[0], 1),
    }


def read_runs(path: Path) -> list[dict]:
    """The runs recorded in a benchmark's JSON file, oldest first (none if it does not exist)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def add_run(path: Path, run: dict, keep: int | None = None) -> list[dict]:
    """Append a run to a benchmark's JSON file, keeping the last `keep` runs (all when None), and
    return the runs kept. The file is replaced whole, never left half-written."""
    runs = read_runs(path) + [run]
    runs = runs[-keep:] if keep else runs
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(runs, indent=1) + "\n", encoding="utf-8")
    partial.replace(path)
    return runs


def record(benchmark: str, result: dict) -> None:
    """Add a run of a benchmark to RESULTS and rewrite its table in PAGE."""
    runs = add_run(RESULTS, {"benchmark": benchmark, **machine(), **result})
    PAGE.write_text(with_tables(PAGE.read_text(encoding="utf-8"), runs))


def load() -> list[dict]:
    """Every recorded run of bench_model and bench_versions, oldest first."""
    return read_runs(RESULTS)


def between(page: str, begin: str, end: str, body: str) -> str:
    """The page with the text between the markers `begin` and `end` replaced by `body`."""
    before, rest = page.split(begin, 1)
    _, after = rest.split(end, 1)
    return f"{before}{begin}\n{body}\n{end}{after}"


def with_tables(page: str, runs: list[dict]) -> str:
    """The page with each benchmark's table written from the recorded runs."""
    for benchmark, table in (("bench_model", model_table), ("bench_versions", versions_table)):
        begin, end = markers(benchmark)
        if begin in page:
            mine = [r for r in runs if r["benchmark"] == benchmark]
            page = between(page, begin, end, table(mine))
    return page


def _run_label(run: dict) -> str:
    return f"{run['when']}, {run['commit']}, load {run['load_avg']:g}"


def model_table(runs: list[dict]) -> str:
    """bench_model's runs: each scenario's cost per run against the empty model, and the ensemble."""
    lines = [
        "| measured (date, commit, load average) | what | our model | empty Mesa model "
        "| ratio (CPU) |",
        "|---|---|---|---|---|",
    ]
    for run in runs:
        for r in run["scenarios"]:
            lines.append(
                f"| {_run_label(run)} | one run of {r['scenario']} | {r['model_ms']:.2f} ms CPU "
                f"| {r['empty_ms']:.3f} ms CPU | {r['ratio']:.1f}x |"
            )
        e = run["ensemble"]
        lines.append(
            f"| {_run_label(run)} | {e['runs']:,} replicates of {e['scenario']} on {e['workers']} "
            f"workers | {e['model_s']:.2f} s wall, {e['model_cpu_s']:.2f} s CPU "
            f"| {e['empty_s']:.3f} s wall, {e['empty_cpu_s']:.3f} s CPU | {e['ratio']:.1f}x |"
        )
        f = run.get("first_run")  # recorded since the kernels were compiled
        if f is not None:
            lines.append(
                f"| {_run_label(run)} | first run of {f['scenario']} in a fresh process "
                f"| {f['model_s']:.3f} s wall | {f['empty_s']:.4f} s wall | {f['ratio']:.0f}x |"
            )
    return "\n".join(lines)


def versions_table(runs: list[dict]) -> str:
    """bench_versions' runs: cost per step against the empty model, this version and the earlier one."""
    lines = [
        "| measured (date, commit, load average) | scenario | against | earlier x empty "
        "| now x empty | now / earlier (goal at most 1.5) |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        for r in run["scenarios"]:
            lines.append(
                f"| {_run_label(run)} | {r['scenario']} | {run['against']} | {r['earlier']:.1f} "
                f"| {r['now']:.1f} | {r['ratio']:.2f} |"
            )
    return "\n".join(lines)
