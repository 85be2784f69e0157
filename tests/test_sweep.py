"""Sweeps: the spec and its errors, run indices and seeds, executors, streaming, resume after SIGKILL."""

import json
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from killed_sweep import kill_sweep_after

import sim
from sim.ensemble import replicate_seed
from sim.sweep import SweepError, load_results, load_spec, load_timeseries, read_manifest, sweep

SWEEP_MODULE = sys.modules["sim.sweep"]
GRID = {
    "scenario": "classroom_basic",
    "parameters": {
        "tension.initial": [0.1, 0.4],
        "states.Red.utility.secrecy_cost": {"start": 0.2, "stop": 1.0, "step": 0.4},
    },
    "replicates": 3,
    "seed": 11,
    "metrics": {
        "outcome": ["category", "years", "final_tension"],
        "series": {"tension": "final", "forces_Red": {"every": 12}},
    },
    "chunk_size": 4,
}


def spec(tmp_path, **changes) -> dict:
    return {**GRID, "output": str(tmp_path / "out"), **changes}


def write(tmp_path, text: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


# ---------------------------------------------------------------------------- the design
def test_run_index_fixes_combination_replicate_and_seed(tmp_path):
    s, _, _ = load_spec(spec(tmp_path))
    assert s.parameters["states.Red.utility.secrecy_cost"] == [0.2, 0.6, 1.0]  # stop included
    assert s.n_combos == 6 and s.total_runs == 18
    # the last axis varies fastest
    assert s.combo(0) == {"tension.initial": 0.1, "states.Red.utility.secrecy_cost": 0.2}
    assert s.combo(1) == {"tension.initial": 0.1, "states.Red.utility.secrecy_cost": 0.6}
    assert s.combo(3) == {"tension.initial": 0.4, "states.Red.utility.secrecy_cost": 0.2}
    assert s.run_seed(7) == int(
        np.random.SeedSequence(11).spawn(18)[7].generate_state(1, dtype=np.uint32)[0]
    )
    common, _, _ = load_spec(spec(tmp_path, common_seeds=True))
    assert common.run_seed(7) == common.run_seed(4) == replicate_seed(11, 1)


def test_zip_groups_vary_together(tmp_path):
    s, _, _ = load_spec(
        spec(
            tmp_path,
            parameters={"tension.initial": [0.1, 0.4]},
            zip=[
                {
                    "states.Blue.utility.discount": [0.8, 0.9],
                    "states.Red.utility.discount": [0.8, 0.9],
                }
            ],
        )
    )
    assert s.n_combos == 4
    assert [
        s.combo(c)["states.Blue.utility.discount"] == s.combo(c)["states.Red.utility.discount"]
        for c in range(4)
    ] == [True] * 4


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "body, line, field, words",
    [
        ("scenario: classroom_basic\noutput: o\nreplicate: 3\n", 3, "replicate", "unknown key"),
        (
            "scenario: classroom_basic\noutput: o\nparameters:\n  tension.initial: {start: 0.5, stop: 0.1, step: 0.1}\n",
            4,
            "parameters.tension.initial",
            "below start",
        ),
        (
            "scenario: classroom_basic\noutput: o\nparameters:\n  tension.initial: 0.5\n",
            4,
            "parameters.tension.initial",
            "expected a list",
        ),
        (
            "scenario: classroom_basic\noutput: o\nreplicates: 0\n",
            3,
            "replicates",
            "greater than or equal to 1",
        ),
        (
            "scenario: classroom_basic\noutput: o\nzip:\n  - {tension.initial: [0.1, 0.2], tension.decay: [1]}\n",
            4,
            "zip.0",
            "as many values",
        ),
        (
            "scenario: classroom_basic\noutput: o\nmetrics:\n  outcome: [category, colour]\n",
            4,
            "metrics.outcome.1",
            "category",
        ),
    ],
)
def test_spec_errors_are_located(tmp_path, body, line, field, words):
    path = write(tmp_path, body)
    with pytest.raises(SweepError) as err:
        sweep(path, workers=1, progress=False)
    e = err.value
    assert (e.file, e.line, e.field) == (str(path), line, field)
    assert words in e.message


def test_a_path_the_scenario_does_not_have_is_located_at_its_line(tmp_path):
    path = write(
        tmp_path,
        """\
        scenario: classroom_basic
        output: o
        parameters:
          tension.initial: [0.1]
          states.Red.utility.secrecy: [0.5, 1.0]
        """,
    )
    with pytest.raises(SweepError) as err:
        sweep(path, workers=1, progress=False)
    assert (err.value.line, err.value.field) == (5, "parameters.states.Red.utility.secrecy")
    assert "unknown key" in err.value.message


def test_bad_values_and_series_are_located(tmp_path):
    path = write(
        tmp_path, "scenario: classroom_basic\noutput: o\nparameters:\n  tension.initial: [0.1, 3]\n"
    )
    with pytest.raises(
        SweepError, match=r"sweep.yaml:4: parameters.tension.initial: tension.initial=3"
    ):
        sweep(path, workers=1, progress=False)
    path = write(
        tmp_path,
        "scenario: classroom_basic\noutput: o\nmetrics:\n  series: {forces_Green: final}\n",
    )
    with pytest.raises(
        SweepError, match="sweep.yaml:4: metrics.series.forces_Green: unknown series"
    ):
        sweep(path, workers=1, progress=False)
    path = write(tmp_path, "scenario: no_such_case\noutput: o\n")
    with pytest.raises(SweepError, match="sweep.yaml:1: scenario:"):
        sweep(path, workers=1, progress=False)


# ---------------------------------------------------------------------------- results
def test_same_table_on_one_worker_two_workers_and_a_dask_cluster(tmp_path):
    from distributed import LocalCluster

    one = sweep(spec(tmp_path), workers=1, progress=False, output=tmp_path / "one")
    two = sweep(spec(tmp_path), workers=2, progress=False, output=tmp_path / "two")
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        dask = sweep(
            spec(tmp_path),
            progress=False,
            output=tmp_path / "dask",
            scheduler=cluster.scheduler_address,
            workers=2,
        )
    assert list(one["run"]) == list(range(18))
    assert one["error"].isna().all()
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, dask)
    assert list(one.columns[:6]) == [
        "run",
        "combo",
        "replicate",
        "seed",
        "tension.initial",
        "states.Red.utility.secrecy_cost",
    ]
    assert "forces_Red" not in one.columns  # a series recorded every k steps goes to the long table
    long = [load_timeseries(tmp_path / name) for name in ("one", "two", "dask")]
    pd.testing.assert_frame_equal(long[0], long[1])
    pd.testing.assert_frame_equal(long[0], long[2])
    first = long[0][long[0]["run"] == 0]
    assert list(first["step"]) == [0, 12, 24, 36] and set(first["variable"]) == {"forces_Red"}


def test_a_row_reruns_alone(tmp_path):
    table = sweep(spec(tmp_path), workers=1, progress=False)
    row = table.iloc[10]
    alone = sim.run(
        "classroom_basic",
        seed=int(row.seed),
        overrides={
            "tension.initial": row["tension.initial"],
            "states.Red.utility.secrecy_cost": row["states.Red.utility.secrecy_cost"],
        },
    )
    assert alone.outcome.category == row.category
    assert alone.model.tension == row.final_tension == row.tension
    long = load_timeseries(tmp_path / "out")
    assert list(alone.timeseries["forces_Red"][::12]) == list(long[long["run"] == 10]["value"])


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    real = SWEEP_MODULE.run_one

    def sometimes(scenario, seed, metrics, *more):
        if scenario.scenario.tension.initial == 0.4:  # the compiled scenario of the point
            raise RuntimeError("the model broke")
        return real(scenario, seed, metrics, *more)

    monkeypatch.setattr(SWEEP_MODULE, "run_one", sometimes)
    table = sweep(spec(tmp_path), workers=1, progress=False)
    failed = table[table["tension.initial"] == 0.4]
    assert len(table) == 18 and len(failed) == 9
    assert (failed["error"] == "RuntimeError: the model broke").all()
    assert failed["category"].isna().all()
    assert table[table["tension.initial"] == 0.1]["error"].isna().all()


def test_output_is_chunked_with_a_manifest_and_guarded(tmp_path):
    out = tmp_path / "out"
    sweep(spec(tmp_path), workers=1, progress=False)
    m = read_manifest(out)
    assert (m["total_runs"], m["chunk_size"], m["n_chunks"], m["done"]) == (
        18,
        4,
        5,
        [0, 1, 2, 3, 4],
    )
    assert sorted(p.name for p in out.iterdir()) == (
        ["manifest.json"]
        + [f"part-{k:05d}.parquet" for k in range(5)]
        + [f"series-{k:05d}.parquet" for k in range(5)]
    )
    with pytest.raises(SweepError, match="already holds 5 of 5 chunks.*--resume"):
        sweep(spec(tmp_path), workers=1, progress=False)
    with pytest.raises(SweepError, match="different sweep"):
        sweep(spec(tmp_path, seed=12), workers=1, progress=False, resume=True)
    again = sweep(spec(tmp_path), workers=1, progress=False, resume=True)
    assert len(again) == 18
    (tmp_path / "stranger").mkdir()
    (tmp_path / "stranger" / "notes.txt").write_text("mine")
    with pytest.raises(SweepError, match="not a sweep output"):
        sweep(spec(tmp_path), workers=1, progress=False, output=tmp_path / "stranger")
    with pytest.raises(SweepError, match="no sweep results"):
        load_results(tmp_path / "stranger")
    assert sim.sweep.load_results(out).equals(again)


def test_dry_run_writes_every_row_without_running(tmp_path):
    table = sweep(spec(tmp_path, replicates=100), workers=1, progress=False, dry_run=True)
    assert list(table["run"]) == list(range(600))
    assert table["category"].isna().all() and table["error"].isna().all()


def test_a_sweep_killed_midway_resumes_with_every_run_exactly_once(tmp_path):
    killed = spec(
        tmp_path, replicates=50, chunk_size=10, output=str(tmp_path / "killed")
    )  # 300 runs, 30 chunks
    assert 3 <= kill_sweep_after(killed, 3, tmp_path) < 30
    with pytest.raises(SweepError, match="resume"):
        sweep(killed, workers=1, progress=False)
    resumed = sweep(killed, workers=2, progress=False, resume=True)
    assert list(resumed["run"]) == list(range(300))
    assert not list((tmp_path / "killed").glob("*.tmp"))
    whole = sweep(killed, workers=2, progress=False, output=tmp_path / "whole")
    pd.testing.assert_frame_equal(resumed, whole)


# ---------------------------------------------------------------------------- plots and the command line
def test_plots_show_shares_with_intervals(tmp_path):
    from sim.plot import PlotError, aggregate, plot

    table = sweep(spec(tmp_path), workers=1, progress=False)
    cells = aggregate(
        table, ["tension.initial", "states.Red.utility.secrecy_cost"], "category == 'new_terms'"
    )
    assert len(cells) == 6 and (cells["n"] == 3).all() and cells.attrs["share"]
    first = table[
        (table["tension.initial"] == 0.1) & (table["states.Red.utility.secrecy_cost"] == 0.2)
    ]
    assert cells["value"].iloc[0] == pytest.approx((first["category"] == "new_terms").mean())
    assert ((cells["lo"] <= cells["value"]) & (cells["value"] <= cells["hi"])).all()
    for name in ("heat.png", "heat.html"):
        plot(
            table,
            x="states.Red.utility.secrecy_cost",
            y="tension.initial",
            metric="category == 'new_terms'",
            output=tmp_path / name,
        )
    plot(
        tmp_path / "out", x="tension.initial", metric="final_tension", output=tmp_path / "line.png"
    )
    assert (tmp_path / "heat.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Bokeh" in (tmp_path / "heat.html").read_text()
    assert (tmp_path / "line.png").stat().st_size > 10_000
    with pytest.raises(PlotError, match="no parameter column 'tension.initia'"):
        plot(table, x="tension.initia", metric="final_tension", output=tmp_path / "x.png")
    with pytest.raises(PlotError, match="cannot tell the format"):
        plot(table, x="tension.initial", metric="final_tension", output=tmp_path / "x.gif")


def test_command_line_sweep_and_plot(tmp_path, capsys, monkeypatch):
    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "grid.yaml"
    path.write_text(json.dumps({**GRID, "output": "results"}))
    assert main(["sweep", str(path), "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "18 runs in results (5 parts); 0 failed" in out
    assert main(["sweep", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: results:") and "--resume" in err[0]
    assert (
        main(
            [
                "plot",
                "results",
                "--x",
                "tension.initial",
                "--y",
                "states.Red.utility.secrecy_cost",
                "--metric",
                "years == 5",
                "--output",
                "h.png",
            ]
        )
        == 0
    )
    assert (tmp_path / "h.png").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scenario: classroom_basic\noutput: o\nparameters:\n  tension.initial: {start: 0, stop: 1}\n"
    )
    assert main(["sweep", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"error: {bad}:4: parameters.tension.initial: expected a list of values, {{values: [...]}}, "
        "or {start: ..., stop: ..., step: ...}"
    ]


# ---------------------------------------------------------------------------- reporters and types
def test_reporters_record_chosen_attributes_at_the_end_and_every_k_steps(tmp_path):
    metrics = {
        "outcome": ["category", "years", "verification", "freeze", "parties"],
        "reporters": {
            "crisis_count": "final",
            "treaty.in_force": "final",
            "states.Red.score": "final",
            "states.forces": {"every": 18},
        },
    }
    table = sweep(spec(tmp_path, metrics=metrics), workers=1, progress=False)
    row = table.iloc[10]
    alone = sim.run(
        "classroom_basic",
        seed=int(row.seed),
        overrides={
            "tension.initial": row["tension.initial"],
            "states.Red.utility.secrecy_cost": row["states.Red.utility.secrecy_cost"],
        },
    )
    m = alone.model
    assert row["crisis_count"] == m.crisis_count and row["treaty.in_force"] == m.treaty.in_force
    assert row["states.Red.score"] == m.states[1].score
    offer = m.space.offers[m.treaty.agreement["offer"]]
    assert (row.years, row.verification, row.freeze, row.parties) == (
        offer.years,
        offer.verification,
        offer.freeze,
        "Blue+Red",
    )
    long = load_timeseries(tmp_path / "out")
    assert list(long.columns) == ["run", "step", "date", "variable", "state", "value"]
    mine = long[long["run"] == 10]
    assert (
        list(mine["step"]) == [0, 0, 18, 18, 36, 36] and list(mine["state"]) == ["Blue", "Red"] * 3
    )
    assert list(mine["date"]) == ["turn 0", "turn 0", "turn 18", "turn 18", "turn 36", "turn 36"]
    np.testing.assert_array_equal(
        mine["value"],
        alone.timeseries[["forces_Blue", "forces_Red"]].to_numpy()[[0, 18, 36]].ravel(),
    )


def test_column_types_do_not_depend_on_the_data(tmp_path):
    metrics = {
        "outcome": ["category", "years", "before_deadline", "crisis"],
        "reporters": {"treaty.in_force": "final"},
    }
    none_agreed = sweep(
        spec(tmp_path, metrics=metrics, overrides={"states.Red.bargaining.reservation": 10}),
        workers=1,
        progress=False,
        output=tmp_path / "a",
    )
    assert none_agreed["years"].isna().all()
    some = sweep(spec(tmp_path, metrics=metrics), workers=1, progress=False, output=tmp_path / "b")
    assert some["years"].notna().all()
    assert dict(none_agreed.dtypes) == dict(some.dtypes)
    assert (some["years"].dtype, some["crisis"].dtype, some["treaty.in_force"].dtype) == (
        "float64",
        "boolean",
        "boolean",
    )


@pytest.mark.parametrize(
    "name, words",
    [
        ("states.colour", "state Blue has no attribute 'colour'"),
        ("treaty", "not a single number, flag or text"),
    ],
)
def test_a_reporter_that_names_nothing_is_located(tmp_path, name, words):
    path = write(
        tmp_path,
        f"scenario: classroom_basic\noutput: o\nmetrics:\n  reporters:\n    {name}: final\n",
    )
    with pytest.raises(SweepError) as err:
        sweep(path, workers=1, progress=False)
    assert (err.value.line, err.value.field) == (5, f"metrics.reporters.{name}")
    assert words in err.value.message


def test_a_point_is_compiled_once_for_all_its_chunks(tmp_path, monkeypatch):
    """The runs of one point of the design share one compiled scenario (and what its beliefs
    work out) across chunks: a process compiles the base once and each point once, however
    many chunks the point is cut into."""
    from collections import OrderedDict

    ensemble_module = sys.modules["sim.ensemble"]
    monkeypatch.setattr(ensemble_module, "_COMPILED", OrderedDict())
    compiled = []
    real = ensemble_module.compile_scenario
    monkeypatch.setattr(
        ensemble_module, "compile_scenario", lambda s: compiled.append(s) or real(s)
    )
    table = sweep(spec(tmp_path, chunk_size=1), workers=1, progress=False)
    assert len(table) == 18 and table["error"].isna().all()
    assert len(compiled) == 1 + 6  # the base, then each of the 6 points, not once per chunk
