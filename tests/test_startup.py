"""The command line answers at once: each light command imports only what it needs.

Speed itself is measured by ``benchmarks/bench_startup.py``; these tests check
the cause a slow start-up would have (a heavy library imported by a command
that does not use it), which does not depend on how loaded the machine is.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim import backtest, backtest_cli, schema
from sim.cli import main, scenario_schema

HEAVY = ("mesa", "scipy", "pandas", "pyarrow", "SALib", "numpy", "pydantic")
# what each command may import of HEAVY: validating or showing a file needs the
# schema's classes (pydantic), nothing more; numpy is imported only where arrays
# are made (a run's calendar, a prior's draws)
ALLOWED = {
    "list": (),
    "--help": (),
    "--version": (),
    "schema": (),
    "validate": ("pydantic",),
    "show": ("pydantic",),
}
ARGS = {"validate": ["classroom_basic"], "show": ["classroom_basic"]}

PROBE = """
import contextlib, io, json, sys
from sim.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(m for m in %r if m in sys.modules)}))
"""


def imported_by(command: str) -> dict:
    """Exit code and the heavy libraries loaded by ``acsim COMMAND`` in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,), command, *ARGS.get(command, [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


@pytest.mark.parametrize("command", sorted(ALLOWED))
def test_a_light_command_imports_only_what_it_needs(command):
    got = imported_by(command)
    assert got == {"code": 0, "modules": sorted(ALLOWED[command])}


def test_the_shipped_schema_matches_the_scenario_classes():
    assert schema.text() == schema.as_text(scenario_schema()), (
        f"sim/{schema.SHIPPED} is stale: run `{schema.REGENERATE}`"
    )


def test_acsim_schema_prints_the_shipped_schema(capsys):
    code = main(["schema"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out == schema.shipped_path().read_text(encoding="utf-8")
    parsed = json.loads(out)
    assert (parsed["$schema"], parsed["title"]) == (schema.SCHEMA_URI, schema.SCHEMA_TITLE)


def test_the_backtest_command_shows_the_library_defaults():
    assert (backtest_cli.DEFAULT_N, backtest_cli.DEFAULT_SEED) == (
        backtest.DEFAULT_N,
        backtest.DEFAULT_SEED,
    )
