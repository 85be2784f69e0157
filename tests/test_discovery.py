"""Scenario discovery: PRIM (EMA Workbench) finds a box planted in synthetic data, and the command reports it."""

import json

import numpy as np
import pandas as pd
import pytest
from discovery_extra import require_ema_workbench

require_ema_workbench()

from sim.discovery import Discovery, DiscoveryError, discover, plot  # noqa: E402
from sim.sweep import sweep  # noqa: E402

PLANTED = {"x.secrecy": (0.2, 0.5), "x.trust": (0.6, 0.9)}  # the box; x.tension does not matter


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    n = 2000
    table = pd.DataFrame(
        {"x.secrecy": rng.random(n), "x.trust": rng.random(n), "x.tension": rng.random(n)}
    )
    inside = np.logical_and.reduce([table[k].between(lo, hi) for k, (lo, hi) in PLANTED.items()])
    noise = rng.random(n) < 0.005  # a few runs flip, as replicates would
    table["category"] = np.where(inside ^ noise, "lapsed", "extended")
    table["error"] = None
    return table


@pytest.fixture(scope="module")
def found(planted) -> Discovery:
    return discover(planted, "category == 'lapsed'")


def test_prim_finds_the_planted_box(found, planted):
    limits = found.limits.set_index("parameter")
    for name, (lo, hi) in PLANTED.items():
        assert limits.loc[name, "restricted"]
        assert limits.loc[name, "lower"] == pytest.approx(lo, abs=0.03)
        assert limits.loc[name, "upper"] == pytest.approx(hi, abs=0.03)
        assert limits.loc[name, "quasi_p"] < 1e-10  # far from chance
    assert not limits.loc["x.tension", "restricted"] and np.isnan(
        limits.loc["x.tension", "quasi_p"]
    )
    box = found.box
    assert box.coverage >= 0.85 and box.density >= 0.9 and box.restricted == 2
    assert found.n_runs == 2000 and found.n_selected == int((planted["category"] == "lapsed").sum())


def test_the_trajectory_trades_coverage_for_density(found):
    t = found.trajectory
    assert list(t.columns) == ["box", "coverage", "density", "mass", "restricted", "n", "selected"]
    assert (t["box"].iloc[0], t["coverage"].iloc[0], t["mass"].iloc[0]) == (0, 1.0, 1.0)
    assert t["density"].iloc[-1] > t["density"].iloc[0]
    assert (t["coverage"] == t["selected"] / found.n_selected).all()
    dense = t[t["density"] >= 0.8]
    widest = dense[
        dense["coverage"] == dense["coverage"].max()
    ]  # the most coverage, then the most density
    assert found.chosen == int(widest.loc[widest["density"].idxmax(), "box"])


def test_the_figure_is_drawn(found, tmp_path):
    out = plot(found, tmp_path / "box.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_bad_selections_get_clear_errors(planted):
    with pytest.raises(DiscoveryError, match="0 of 2000 runs match category == 'war'"):
        discover(planted, "category == 'war'")
    with pytest.raises(DiscoveryError, match="true or false"):
        discover(planted, "x.secrecy")
    with pytest.raises(DiscoveryError, match="no column 'x.colour'"):
        discover(planted, "category == 'lapsed'", inputs=["x.colour"])


def test_the_command_finds_a_threshold_in_a_sampled_sweep(tmp_path, capsys):
    from sim.cli import main

    spec = {
        "scenario": "classroom_basic",
        "output": str(tmp_path / "lhs"),
        "sample": {
            "method": "lhs",
            "n": 400,
            "seed": 0,
            "uncertainties": {
                "tension.initial": [0.0, 0.6],
                "states.Red.utility.secrecy_cost": [0.0, 3.0],
            },
        },
    }
    sweep(
        spec, workers=1, progress=False, dry_run=True
    )  # the rows and their parameters, without running the model
    assert (
        main(
            [
                "discover",
                str(tmp_path / "lhs"),
                "--where",
                "`tension.initial` > 0.45",
                "--plot",
                str(tmp_path / "b.png"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("100 of 400 runs match `tension.initial` > 0.45 (25.0%)")
    assert "<= tension.initial <= 0.5" in out and "secrecy_cost" not in out.split("trade-off")[0]
    assert (tmp_path / "b.png").exists()
    assert (
        main(["discover", str(tmp_path / "lhs"), "--where", "`tension.initial` > 0.45", "--json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    chosen = next(r for r in data["limits"] if r["parameter"] == "tension.initial")
    assert chosen["lower"] == pytest.approx(0.45, abs=0.01) and data["n_selected"] == 100
    assert main(["discover", str(tmp_path / "lhs"), "--where", "colour == 1"]) == 2
    assert "cannot evaluate" in capsys.readouterr().err
