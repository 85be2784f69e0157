"""The dashboard's Speed section quotes the load test's recorded runs, never figures typed by hand."""

from __future__ import annotations

from benchmarks import dashboard_speed


def test_the_speed_table_is_the_recorded_runs():
    runs = dashboard_speed.load_runs()
    assert runs, "no run recorded: python -m benchmarks.bench_dashboard --record"
    page = dashboard_speed.PAGE.read_text()
    assert dashboard_speed.block(runs) in page, (
        "docs/dashboard.md's load-test table is not docs/dashboard_speed.json's runs:"
        " python -m benchmarks.dashboard_speed rewrites it"
    )


def test_each_recorded_run_says_its_load_and_its_verdict():
    for run in dashboard_speed.load_runs():
        assert run["sessions"] == 30 and len(run["load_before"]) == 3
        verdict = "met" if run["worst_s"] <= run["target_s"] else "NOT met"
        assert run["ok"] == (verdict == "met")
        assert f"{run['worst_s']:.2f} s (target 2 s): {verdict}." in dashboard_speed.table([run])
