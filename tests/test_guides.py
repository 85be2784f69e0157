"""ARCHITECTURE.md and CONTRIBUTING.md name only what exists.

Every file path, every ``make`` target, every ``acsim`` command and every
``python -m`` module, and every test function the guides point to, is checked
against the tree, so that a renamed file or test shows up here rather than in a
newcomer's first afternoon.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ("ARCHITECTURE.md", "CONTRIBUTING.md")
ACSIM = Path(sys.executable).with_name("acsim")

# a path: folders of the tree, then a file or folder name (sim/model.py, dashboard/views/, .ci/run)
PATH = re.compile(
    r"(?<![\w./-])((?:\.ci|sim|dashboard|docs|tests|benchmarks|scenarios|examples)/[\w./-]*"
    r"|[A-Z]+\.md|pyproject\.toml|mkdocs\.yml|Makefile)"
)
MAKE = re.compile(r"(?:`|\$ )make ([\w.-]+)")
ACSIM_COMMAND = re.compile(r"`acsim (\w+)")
PYTHON_M = re.compile(r"python -m ([\w.]+)")
TEST_NAME = re.compile(r"`(test_\w+)`")


def _text(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def _paths(text: str) -> set[str]:
    # placeholders such as scenarios/NAME.yaml stand for a file the reader writes
    return {p.rstrip(".") for p in PATH.findall(text) if "NAME" not in p}


def _make_targets() -> set[str]:
    makefile = _text("Makefile")
    return set(re.findall(r"^([\w.-]+(?:/[\w.-]+)*):", makefile, flags=re.M))


@pytest.mark.parametrize("guide", GUIDES)
def test_every_path_a_guide_names_exists(guide):
    paths = _paths(_text(guide))
    assert paths, f"{guide} names no file: the pattern is wrong"
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"{guide} names files that do not exist: {missing}"


@pytest.mark.parametrize("guide", GUIDES)
def test_every_make_target_a_guide_names_exists(guide):
    named = set(MAKE.findall(_text(guide)))
    missing = sorted(named - _make_targets())
    assert not missing, f"{guide} names make targets the Makefile lacks: {missing}"


def test_the_guides_name_the_everyday_make_targets():
    named = set(MAKE.findall(_text("CONTRIBUTING.md")))
    assert {"lint", "test", "docs"} <= named


@pytest.mark.parametrize("guide", GUIDES)
def test_every_python_module_a_guide_runs_can_be_found(guide):
    modules = set(PYTHON_M.findall(_text(guide)))
    missing = sorted(m for m in modules if importlib.util.find_spec(m) is None)
    assert not missing, f"{guide} runs modules that do not exist: {missing}"


def test_every_acsim_command_the_guides_name_answers_help():
    commands = set()
    for guide in GUIDES:
        commands |= set(ACSIM_COMMAND.findall(_text(guide)))
    assert commands, "the guides name no acsim command: the pattern is wrong"
    for command in sorted(commands):
        done = subprocess.run(
            [str(ACSIM), command, "--help"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"acsim {command} --help: {done.stderr}"


@pytest.mark.parametrize("guide", GUIDES)
def test_every_test_a_guide_points_to_exists(guide):
    names = set(TEST_NAME.findall(_text(guide)))
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    missing = sorted(n for n in names if not re.search(rf"^def {n}\(", tests, flags=re.M))
    assert not missing, f"{guide} points to tests that do not exist: {missing}"


def test_the_checks_catch_a_wrong_name():
    """The patterns read what a guide would get wrong."""
    text = (
        "see `sim/no_such_module.py`, run `make no-such-target` and `python -m docs.no_such`, "
        "copy `test_no_such_thing`"
    )
    assert _paths(text) == {"sim/no_such_module.py"}
    assert MAKE.findall(text) == ["no-such-target"]
    assert PYTHON_M.findall(text) == ["docs.no_such"]
    assert TEST_NAME.findall(text) == ["test_no_such_thing"]
    assert "no-such-target" not in _make_targets()
    assert importlib.util.find_spec("docs.no_such") is None
