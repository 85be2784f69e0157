"""The import layers of ARCHITECTURE.md hold, and a module that breaks them fails the check.

``lint-imports`` reads the contracts in pyproject.toml; the tests run it on a copy of the
packages in a temporary folder, once as they are and once with one import added that goes the
wrong way, so that a contract that could never fail would be noticed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")  # the lint extra, which make installs


def _copy_tree(dest: Path) -> Path:
    """sim, dashboard and pyproject.toml copied to `dest` (no caches)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("sim", "dashboard"):
        shutil.copytree(ROOT / package, dest / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _lint_imports(where: Path) -> subprocess.CompletedProcess:
    # run from `where`, which comes first on the path: the copy is checked, not the installed tree
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _add_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    head, sep, rest = text.partition("from __future__ import annotations\n")
    assert sep, f"{module} has no __future__ import to place the line after"
    module.write_text(head + sep + "\n" + line + "\n" + rest, encoding="utf-8")


def test_the_tree_keeps_its_layers(tmp_path):
    done = _lint_imports(_copy_tree(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


def test_the_schema_importing_the_model_breaks_the_layers(tmp_path):
    tree = _copy_tree(tmp_path)
    _add_import(tree / "sim" / "scenario.py", "import sim.model  # the wrong way: schema -> model")
    done = _lint_imports(tree)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "sim's layers" in done.stdout and "BROKEN" in done.stdout
    assert "sim.scenario -> sim.model" in done.stdout


def test_sim_importing_the_dashboard_breaks_the_layers(tmp_path):
    tree = _copy_tree(tmp_path)
    _add_import(tree / "sim" / "ensemble.py", "import dashboard.session  # sim must not need it")
    done = _lint_imports(tree)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the dashboard is built on sim, never the other way round BROKEN" in done.stdout
