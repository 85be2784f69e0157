"""Provenance: the versions in a sweep's manifest, resuming across model versions, and seeds in every result."""

import json
import platform
import subprocess
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

import sim
from sim.provenance import code_hash, model_version, versions
from sim.sweep import SweepError, read_manifest, sweep

ROOT = Path(__file__).resolve().parents[1]
SPEC = {
    "scenario": "classroom_basic",
    "parameters": {"tension.initial": [0.1, 0.4]},
    "replicates": 2,
    "seed": 1,
    "metrics": {"outcome": ["category"]},
    "chunk_size": 2,
}


def test_the_manifest_records_the_versions_of_everything_that_ran(tmp_path):
    sweep({**SPEC, "output": str(tmp_path / "out")}, workers=1, progress=False)
    v = read_manifest(tmp_path / "out")["versions"]
    assert v["acsim"] == sim.__version__
    assert (v["numpy"], v["pandas"], v["mesa"]) == (
        np.__version__,
        pd.__version__,
        mesa.__version__,
    )
    assert v["python"] == platform.python_version() and v["platform"] == platform.platform()
    assert v["model_hash"] == code_hash() and len(v["model_hash"]) == 16
    if (ROOT / ".git").exists():
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        assert v["git_commit"] == head and isinstance(v["git_dirty"], bool)


def _pretend_started_by_another_model(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["versions"]["model_hash"] = "0123456789abcdef"
    manifest["done"] = manifest["done"][:-1]  # as if it had been stopped before the last chunk
    (out / "part-00001.parquet").unlink()
    (out / "manifest.json").write_text(json.dumps(manifest))


def test_resume_refuses_another_model_version_unless_told(tmp_path, capsys):
    from sim.cli import main

    out = tmp_path / "out"
    path = tmp_path / "spec.json"
    path.write_text(json.dumps({**SPEC, "output": str(out)}))
    assert main(["sweep", str(path), "--workers", "1", "--quiet"]) == 0
    _pretend_started_by_another_model(out)
    with pytest.raises(
        SweepError, match="started by acsim 0.1.0, code 0123456789abcdef; this is acsim"
    ):
        sweep(path, workers=1, progress=False, resume=True)
    capsys.readouterr()
    assert main(["sweep", str(path), "--workers", "1", "--quiet", "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        len(err) == 1 and "--allow-version-change" in err[0] and err[0].startswith(f"error: {out}:")
    )
    assert (
        main(
            ["sweep", str(path), "--workers", "1", "--quiet", "--resume", "--allow-version-change"]
        )
        == 0
    )
    manifest = read_manifest(out)
    assert (
        manifest["done"] == [0, 1]
        and manifest["resumed"][0]["versions"]["model_hash"] == code_hash()
    )
    assert model_version(manifest["versions"]) == "acsim 0.1.0, code 0123456789abcdef"


def test_a_run_without_a_seed_draws_one_and_returns_it():
    first = sim.run("classroom_basic")
    assert isinstance(first.seed, int) and 0 <= first.seed < 2**31
    again = sim.run("classroom_basic", seed=first.seed)
    assert again.outcome == first.outcome
    pd.testing.assert_frame_equal(again.timeseries, first.timeseries)
    assert sim.run("classroom_basic", seed=5).seed == 5


def test_versions_need_no_import_of_the_libraries():
    code = "import sys; from sim.provenance import versions; versions(); print('mesa' in sys.modules, 'SALib' in sys.modules)"
    out = subprocess.run(
        [str(Path(__import__("sys").executable)), "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.stdout.split() == ["False", "False"], out.stderr
    assert set(versions()) >= {
        "acsim",
        "model_hash",
        "git_commit",
        "python",
        "numpy",
        "pandas",
        "mesa",
        "platform",
    }
