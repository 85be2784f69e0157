"""Sampled sweeps: SALib's designs in the spec, located errors, the same table anywhere, resume, sensitivity."""

import textwrap

import numpy as np
import pandas as pd
import pytest
from killed_sweep import kill_sweep_after

from sim.sampling import sensitivity
from sim.sweep import SweepError, load_spec, read_manifest, sweep

SECRECY, TENSION, ROUNDS = (
    "states.Red.utility.secrecy_cost",
    "tension.initial",
    "talks.rounds_per_step",
)
LHS = {
    "scenario": "classroom_basic",
    "sample": {
        "method": "lhs",
        "n": 12,
        "seed": 3,
        "uncertainties": {SECRECY: [0.0, 3.0], TENSION: {"triangular": [0.1, 0.2, 0.5]}},
    },
    "replicates": 2,
    "seed": 4,
    "metrics": {"outcome": ["category", "years", "final_tension"]},
    "chunk_size": 5,
}
SOBOL = {
    **LHS,
    "sample": {
        "method": "sobol",
        "n": 4,
        "seed": 1,
        "levers": {ROUNDS: {"integer": [1, 3]}},
        "uncertainties": {SECRECY: [0.0, 3.0]},
    },
}


def spec(tmp_path, base=LHS, **changes) -> dict:
    return {**base, "output": str(tmp_path / "out"), **changes}


# ---------------------------------------------------------------------------- the designs
def test_lhs_puts_one_point_in_each_stratum_of_each_range(tmp_path):
    s, _, _ = load_spec(
        spec(
            tmp_path,
            sample={**LHS["sample"], "uncertainties": {SECRECY: [0.0, 3.0], TENSION: [0.1, 0.5]}},
        )
    )
    assert (s.n_combos, s.total_runs) == (12, 24)
    points = pd.DataFrame([s.combo(c) for c in range(12)])
    assert sorted(np.floor(points[SECRECY] / 3.0 * 12).astype(int)) == list(range(12))
    assert sorted(np.floor((points[TENSION] - 0.1) / 0.4 * 12).astype(int)) == list(range(12))
    from SALib.sample import latin

    expected = latin.sample(
        {"num_vars": 2, "names": [SECRECY, TENSION], "bounds": [[0.0, 3.0], [0.1, 0.5]]}, 12, seed=3
    )
    np.testing.assert_array_equal(points[[SECRECY, TENSION]].to_numpy(), expected)


def test_point_counts_and_value_kinds_of_each_method(tmp_path):
    sobol, _, _ = load_spec(spec(tmp_path, SOBOL))
    assert sobol.n_combos == 4 * (2 + 2)  # n (D + 2)
    assert {sobol.combo(c)[ROUNDS] for c in range(16)} <= {1, 2, 3}
    assert all(isinstance(sobol.combo(c)[ROUNDS], int) for c in range(16))
    second, _, _ = load_spec(
        spec(tmp_path, SOBOL, sample={**SOBOL["sample"], "second_order": True})
    )
    assert second.n_combos == 4 * (2 * 2 + 2)
    morris, _, _ = load_spec(
        spec(
            tmp_path,
            sample={
                "method": "morris",
                "n": 5,
                "uncertainties": {SECRECY: [0, 3], TENSION: [0.1, 0.5]},
            },
        )
    )
    assert morris.n_combos == 5 * 3  # n (D + 1)
    mc = {
        "method": "monte_carlo",
        "n": 7,
        "seed": 9,
        "uncertainties": {
            "talks.deadline_kind": {"choice": ["fixed", "uncertain"]},
            TENSION: {"normal": [0.3, 0.05]},
        },
    }
    a, _, _ = load_spec(spec(tmp_path, sample=mc))
    b, _, _ = load_spec(spec(tmp_path, sample=mc))
    assert a.n_combos == 7 and [a.combo(c) for c in range(7)] == [b.combo(c) for c in range(7)]
    assert {a.combo(c)["talks.deadline_kind"] for c in range(7)} <= {"fixed", "uncertain"}


def test_policies_cross_the_levers_with_the_uncertainties(tmp_path):
    s, _, _ = load_spec(
        spec(
            tmp_path,
            sample={
                "method": "lhs",
                "n": 5,
                "policies": 3,
                "seed": 0,
                "levers": {"states.Blue.utility.lock_in": [0.0, 1.0]},
                "uncertainties": {SECRECY: [0.0, 3.0]},
            },
        )
    )
    assert s.n_combos == 15
    points = pd.DataFrame([s.combo(c) for c in range(15)])
    assert points["states.Blue.utility.lock_in"].nunique() == 3 and points[SECRECY].nunique() == 5
    assert (
        len(points.drop_duplicates()) == 15
    )  # every policy meets every point of the uncertainties


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "body, line, field, words",
    [
        (
            "sample:\n  method: lhs\n  n: 4\n  uncertainties:\n    tension.initial: [0.5, 0.1]\n",
            7,
            "sample.uncertainties.tension.initial",
            "low bound (0.5) must be below the high bound (0.1)",
        ),
        (
            "sample:\n  method: lhs\n  n: 4\n  uncertainties:\n    tension.initial: {gamma: [1, 2]}\n",
            7,
            "sample.uncertainties.tension.initial",
            "unknown distribution 'gamma'",
        ),
        (
            "sample:\n  method: sobol\n  n: 6\n  uncertainties:\n    tension.initial: [0.1, 0.5]\n",
            3,
            "sample",
            "power of two (got 6; try 4 or 8)",
        ),
        (
            "sample:\n  method: latin\n  n: 4\n  uncertainties:\n    tension.initial: [0.1, 0.5]\n",
            4,
            "sample.method",
            "'lhs', 'sobol', 'morris' or 'monte_carlo'",
        ),
        (
            "sample:\n  method: lhs\n  n: 4\n  uncertainties:\n    tension.initial: [0.1, 3.0]\n",
            7,
            "sample.uncertainties.tension.initial",
            "tension.initial=3.0: Input should be less than or equal to 1",
        ),
        (
            "sample:\n  method: lhs\n  n: 4\n  levers:\n    talks.rounds_per_step: [1, 3]\n",
            7,
            "sample.levers.talks.rounds_per_step",
            "for whole numbers use {integer: [low, high]}",
        ),
        (
            "sample:\n  method: lhs\n  n: 4\n  uncertainties:\n    tension.initial: [0.1, 0.5]\n  replicates: 3\n",
            8,
            "sample.replicates",
            "unknown key; expected one of method, n, seed, levers, uncertainties",
        ),
    ],
)
def test_sample_errors_are_located(tmp_path, body, line, field, words):
    path = tmp_path / "sweep.yaml"
    path.write_text("scenario: classroom_basic\noutput: o\n" + body)
    with pytest.raises(SweepError) as err:
        sweep(path, workers=1, progress=False)
    e = err.value
    assert (e.file, e.line, e.field) == (str(path), line, field)
    assert words in e.message


# ---------------------------------------------------------------------------- running
@pytest.mark.parametrize("design", [LHS, SOBOL], ids=["lhs", "sobol"])
def test_same_table_on_one_worker_two_workers_and_a_dask_cluster(tmp_path, design):
    from distributed import LocalCluster

    one = sweep(spec(tmp_path, design), workers=1, progress=False, output=tmp_path / "one")
    two = sweep(spec(tmp_path, design), workers=2, progress=False, output=tmp_path / "two")
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        dask = sweep(
            spec(tmp_path, design),
            progress=False,
            output=tmp_path / "dask",
            scheduler=cluster.scheduler_address,
        )
    s, _, _ = load_spec(spec(tmp_path, design))
    assert list(one["run"]) == list(range(s.total_runs)) and one["error"].isna().all()
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, dask)
    first = one[one["combo"] == 1].iloc[0]
    assert {p: first[p] for p in s.combo(1)} == s.combo(1)


@pytest.mark.parametrize("design", [LHS, SOBOL], ids=["lhs", "sobol"])
def test_a_sampled_sweep_killed_midway_resumes(tmp_path, design):
    sample = {**design["sample"], "n": 60} if design is LHS else {**design["sample"], "n": 16}
    killed = spec(tmp_path, design, sample=sample, chunk_size=4, output=str(tmp_path / "killed"))
    done = kill_sweep_after(killed, 2, tmp_path)
    assert 2 <= done < read_manifest(tmp_path / "killed")["n_chunks"]
    resumed = sweep(killed, workers=2, progress=False, resume=True)
    whole = sweep(killed, workers=1, progress=False, output=tmp_path / "whole")
    pd.testing.assert_frame_equal(resumed, whole)


# ---------------------------------------------------------------------------- sensitivity
def test_sobol_and_morris_indices_find_the_only_parameter_that_matters(tmp_path):
    uncertainties = {TENSION: [0.1, 0.5], SECRECY: [0.0, 3.0]}
    metric = f"`{SECRECY}` * 2"  # depends on the secrecy cost alone
    sweep(
        spec(
            tmp_path,
            sample={"method": "sobol", "n": 16, "seed": 1, "uncertainties": uncertainties},
            output=str(tmp_path / "s"),
        ),
        workers=1,
        progress=False,
        dry_run=True,
    )
    si = sensitivity(tmp_path / "s", metric).set_index("parameter")
    assert list(si.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert (si.loc[TENSION, "S1"], si.loc[TENSION, "ST"]) == (0.0, 0.0)
    assert si.loc[SECRECY, "ST"] > 0.5
    sweep(
        spec(
            tmp_path,
            sample={"method": "morris", "n": 6, "seed": 1, "uncertainties": uncertainties},
            output=str(tmp_path / "m"),
        ),
        workers=1,
        progress=False,
        dry_run=True,
    )
    mi = sensitivity(tmp_path / "m", metric).set_index("parameter")
    assert mi.loc[SECRECY, "mu_star"] == pytest.approx(6.0)  # slope 2 over a range of 3
    assert mi.loc[TENSION, "mu_star"] == 0.0
    with pytest.raises(SweepError, match="method: sobol or morris"):
        sweep(spec(tmp_path, output=str(tmp_path / "l")), workers=1, progress=False, dry_run=True)
        sensitivity(tmp_path / "l", metric)


def test_sensitivity_of_a_real_sobol_sweep_runs_from_python(tmp_path):
    sweep(spec(tmp_path, SOBOL), workers=1, progress=False)
    si = sensitivity(tmp_path / "out", "final_tension")
    assert list(si["parameter"]) == [ROUNDS, SECRECY]
    assert si[["S1", "ST"]].notna().all().all()


def test_the_spec_file_reads_as_documented(tmp_path):
    path = tmp_path / "lhs.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        scenario: classroom_basic
        sample:
          method: lhs
          n: 16
          seed: 0
          uncertainties:
            {SECRECY}: [0.0, 3.0]
            states.Blue.trust: {{uniform: [0.1, 0.9]}}
        output: o
        """)
    )
    s, _, _ = load_spec(path)
    assert s.n_combos == 16 and s.parameter_paths == [SECRECY, "states.Blue.trust"]


def test_sensitivity_is_the_same_every_time(tmp_path):
    sweep(spec(tmp_path, SOBOL), workers=1, progress=False, dry_run=True)
    first = sensitivity(tmp_path / "out", f"`{SECRECY}` + `{ROUNDS}`")
    pd.testing.assert_frame_equal(first, sensitivity(tmp_path / "out", f"`{SECRECY}` + `{ROUNDS}`"))


# ---------------------------------------------------------------------------- priors
def test_a_sample_can_move_the_parameter_of_a_prior(tmp_path):
    """An uncertainty over a prior's median: each point's runs draw from the moved prior."""
    import sim

    median = "states.Red.utility.secrecy_cost.median"  # lognormal, median 1.2 in classroom_basic
    design = {
        **LHS,
        "sample": {"method": "lhs", "n": 4, "seed": 5, "uncertainties": {median: [0.2, 4.0]}},
    }
    table = sweep(spec(tmp_path, design), workers=1, progress=False)
    s, _, _ = load_spec(spec(tmp_path, design))
    assert sorted(np.floor((table[median].unique() - 0.2) / 0.95)) == [0, 1, 2, 3]  # one a slice
    for _, row in table.iterrows():
        assert row[median] == s.combo(int(row.combo))[median]
        alone = sim.run("classroom_basic", seed=int(row.seed), overrides={median: row[median]})
        assert alone.model.scenario.state("Red").utility.secrecy_cost.median == row[median]
        assert (alone.outcome.category, alone.model.tension) == (row.category, row.final_tension)
