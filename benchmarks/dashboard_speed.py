"""The dashboard's measured speed in the docs: the classroom load test's runs, kept as data, shown as a table.

``python -m benchmarks.bench_dashboard --record`` adds its run to
``docs/dashboard_speed.json`` (the last :data:`KEEP` runs are kept) and
rewrites the table between the markers of ``docs/dashboard.md``'s Speed
section from that file; ``tests/test_dashboard_speed_docs.py`` fails when the
page's table is not the file's. No figure of the table is typed by hand.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from benchmarks.speed_record import add_run, between, read_runs

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "docs" / "dashboard_speed.json"
PAGE = ROOT / "docs" / "dashboard.md"
BEGIN = "<!-- BEGIN load test: written by benchmarks/bench_dashboard.py --record, do not edit by hand -->"
END = "<!-- END load test -->"
KEEP = 4  # the most recent runs kept and shown


def summary(out: dict) -> dict[str, Any]:
    """What the docs keep of one run of the load test (seconds, CPU milliseconds, load averages)."""
    from benchmarks.bench_dashboard import updates

    rows = []
    for u in updates():
        kinds = out["updates"][u.name]
        row: dict[str, Any] = {"name": u.name, "meant_s": u.meant_s, "replicates": u.replicates}
        for kind, times in kinds.items():
            if times:
                row[kind] = {"median_s": statistics.median(times), "worst_s": max(times)}
        row["server_cpu_ms"] = out["cpu_s"][u.name]["server per session"] * 1e3
        rows.append(row)
    return {
        "when_utc": out["when_utc"],
        "load_before": out["load_before"],
        "load_after": out["load_after"],
        "cpus": out["cpus"],
        "sessions": out["sessions"],
        "browsers": out["browsers"],
        "worst_s": out["worst_s"],
        "target_s": out["target_s"],
        "ok": out["ok"],
        "updates": rows,
    }


def record(out: dict) -> None:
    """Add a run to the kept runs and rewrite the docs' table."""
    add_run(RUNS, summary(out), KEEP)
    write_page()


def load_runs() -> list[dict]:
    """The kept runs, oldest first."""
    return read_runs(RUNS)


def write_page() -> None:
    """Replace the table between the markers of the docs page with the kept runs."""
    PAGE.write_text(between(PAGE.read_text(), BEGIN, END, table(load_runs())))


def block(runs: list[dict]) -> str:
    """The markers and, between them, a table of the runs: one column per run, one row per update."""
    return f"{BEGIN}\n{table(runs)}\n{END}"


def _seconds(cell: dict | None) -> str:
    return "" if cell is None else f"{cell['median_s']:.2f} / {cell['worst_s']:.2f} s"


def table(runs: list[dict]) -> str:
    """Markdown: the runs' figures and, under the table, each run's verdict."""
    if not runs:
        return "No run recorded yet."
    head = [
        f"{r['when_utc']} UTC, load {r['load_before'][0]:.1f} on {r['cpus']} CPUs" for r in runs
    ]
    lines = [
        "| update (median / worst) | " + " | ".join(head) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for i, row in enumerate(runs[0]["updates"]):
        name = row["name"] + (f", {row['meant_s']:.1f} s if never late" if row["meant_s"] else "")
        for kind, who in (("browser", "the drawn page"), ("websocket", "the others")):
            cells = [_seconds(r["updates"][i].get(kind)) for r in runs]
            lines.append(f"| {name}: {who} | " + " | ".join(cells) + " |")
        cpu = [f"{r['updates'][i]['server_cpu_ms']:.0f} ms" for r in runs]
        lines.append(f"| {name}: server CPU per session | " + " | ".join(cpu) + " |")
    verdicts = [
        f"- {r['when_utc']} UTC ({r['sessions']} sessions, {r['browsers']} drawn in Chromium; load"
        f" average {r['load_before'][0]:.1f} before, {r['load_after'][0]:.1f} after): the slowest"
        f" update, replicates left out and Play counted by how late it was, took {r['worst_s']:.2f} s"
        f" (target {r['target_s']:g} s): {'met' if r['ok'] else 'NOT met'}."
        for r in runs
    ]
    return "\n".join(lines) + "\n\n" + "\n".join(verdicts)


if __name__ == "__main__":
    write_page()
