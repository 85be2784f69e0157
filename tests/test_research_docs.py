"""The researcher's pages (docs/research.md, docs/sweeps.md) show what their commands print on the current code, and every command on them runs as written."""

import re
import shlex
from pathlib import Path

import pytest
from discovery_extra import require_ema_workbench
from ruamel.yaml import YAML

require_ema_workbench()

from docs import gen_research  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# The pages' commands make about 5,000 runs: under a minute on an idle two-core
# machine, ten on a heavily loaded one; this only guards against a hang.
MEASURE_TIMEOUT_S = 1800
PAGES = (gen_research.PAGE, gen_research.SWEEPS_PAGE)
# Commands the pages show that no test runs, and why.
NOT_RUN = {
    "dask scheduler": "needs a cluster (tests/test_sweep.py runs sweeps on a Dask LocalCluster)",
    "dask worker tcp://10.0.0.5:8786": "needs a cluster",
    "acsim sweep examples/sweep_new_start.yaml --scheduler tcp://10.0.0.5:8786": "needs a cluster",
    "acsim sweep my_sweep.yaml": "a user's own file, shown for the form of a located error",
    "acsim sweep my_sample.yaml": "a user's own file, shown for the form of a located error",
}
# Commands run by the generator (and so by the staleness test), besides those it displays.
GENERATED = {
    gen_research.command_line(c)
    for c in (
        gen_research.RESEARCH_ENSEMBLE,
        gen_research.SWEEPS_ENSEMBLE,
        gen_research.GRID_SWEEP,
        gen_research.HEATMAP,
        gen_research.LINE,
    )
} | {gen_research.DISCOVER, gen_research.LHS_SWEEP}
GENERATED_CODE = {gen_research.SENSITIVITY_CODE, gen_research.SALIB_BY_HAND}


def page_commands(text: str) -> list[str]:
    """The ``$ ...`` command lines of a page's console blocks, continuation lines joined, in order."""
    commands = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        lines = iter(block.splitlines())
        for line in lines:
            if not line.startswith("$ "):
                continue
            command = line[2:]
            while command.rstrip().endswith("\\"):
                command = command.rstrip()[:-1] + " " + next(lines).strip()
            commands.append(" ".join(command.split("#")[0].split()))
    return commands


def page_code(text: str, kind: str) -> list[str]:
    """The code blocks of one kind (python, yaml) of a page, in order."""
    return re.findall(rf"```{kind}\n(.*?)```", text, flags=re.S)


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """Every command the generator runs, run once in a scratch folder (shared by the tests below)."""
    cwd = gen_research.scratch(tmp_path_factory.mktemp("pages"))
    return gen_research.measure(cwd)


@pytest.mark.slow
@pytest.mark.timeout(MEASURE_TIMEOUT_S)
def test_the_pages_show_what_their_commands_print_now(measured):
    for page, fresh in gen_research.blocks(measured).items():
        text = page.read_text(encoding="utf-8")
        for name, body in fresh.items():
            assert gen_research.generated(text, name, page) == body, (
                f"docs/{page.name} ({name}) is stale: run python -m docs.gen_research"
            )
    for drawn in ("discovery.png", "heatmap.png", "tension.png"):
        assert (measured["cwd"] / drawn).stat().st_size > 10_000
    for image in ("research_discovery.png", "research_sensitivity.png", "sweep_heatmap.png"):
        assert (gen_research.IMAGES / image).stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.timeout(MEASURE_TIMEOUT_S)
def test_every_other_command_on_the_pages_runs_as_written(measured):
    cwd = measured["cwd"]
    shown = [c for page in PAGES for c in page_commands(page.read_text(encoding="utf-8"))]
    assert set(NOT_RUN) <= set(shown), set(NOT_RUN) - set(shown)
    others = [c for c in shown if c not in GENERATED and c not in NOT_RUN]
    assert others, "the pages show commands the generator does not run"
    for command in others:
        assert shlex.split(command)[0] == "acsim", command
        gen_research.acsim(command, cwd)


@pytest.mark.slow
@pytest.mark.timeout(MEASURE_TIMEOUT_S)
def test_every_python_example_on_the_pages_runs(measured):
    """A page's examples run in order in one interpreter, as a reader follows them."""
    cwd = measured["cwd"]
    for page in PAGES:
        code = [
            c
            for c in page_code(page.read_text(encoding="utf-8"), "python")
            if c not in GENERATED_CODE
        ]
        if code:
            gen_research.python("\n".join(code), cwd)


def test_every_sweep_spec_on_the_pages_is_valid():
    """Each spec the pages show passes the checks a sweep makes before it runs (paths, values, sample)."""
    from sim.sweep import load_spec, prepare

    specs = [
        block
        for page in PAGES
        for block in page_code(page.read_text(encoding="utf-8"), "yaml")
        if re.search(r"^scenario:", block, flags=re.M)
    ]
    assert len(specs) == 3
    for text in specs:
        shown = dict(YAML(typ="safe").load(text))
        spec, file, data = load_spec({"output": "results/shown", **shown})  # a shortened spec
        prepare(spec, file, data)


def test_the_example_specs_are_the_ones_the_page_shows():
    page = gen_research.PAGE.read_text(encoding="utf-8")
    spec = (ROOT / "examples" / "lhs_classroom.yaml").read_text(encoding="utf-8")
    for line in (
        "method: lhs",
        "n: 200",
        "states.Blue.utility.lock_in: [0.0, 1.0]",
        "states.Red.utility.secrecy_cost.median: [0.2, 4.0]",
        "states.Blue.red_lines.0.audience_cost.median: [0.2, 4.0]",
        "states.Red.p_greedy: [0.0, 1.0]",
        "tension.initial: [0.0, 0.6]",
        "replicates: 2",
    ):
        assert line in spec and line in page, line
    sobol = (ROOT / "examples" / "sobol_classroom.yaml").read_text(encoding="utf-8")
    assert "method: sobol" in sobol and "examples/sobol_classroom.yaml" in page


def test_the_pages_commands_are_found():
    """The extraction the tests above rely on sees continued lines and comments as a reader does."""
    text = "```console\n$ acsim plot r --x a \\\n    --y b --output h.png\n$ dask scheduler   # prints\nout\n```"
    assert page_commands(text) == ["acsim plot r --x a --y b --output h.png", "dask scheduler"]
