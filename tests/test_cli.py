"""The ``acsim`` command line: output, exit codes, and one located line per problem on bad input.

Most tests call ``sim.cli.main`` in the test process (fast); a few run
``python -m sim`` in a subprocess, as a user would, to check exit codes,
that nothing ends in a traceback, and that a seed fixes a run bit for bit.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from badfiles import expectation

import sim
from sim import cli
from sim.loading import bundled_dir, bundled_scenarios, load_raw, load_scenario

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"  # see tests/test_loading.py for what their headers say
BAD_FILES = sorted(BAD.glob("*.yaml"))
HACK_OUTPUT = "acsim-hacked.txt"  # what python_tag.yaml's shell command would create
COLUMNS = 80
ERROR_LINE = re.compile(
    r"^error: (?P<file>[^:]+)(:(?P<line>\d+))?: ((?P<field>[\w\[\].]+): )?(?P<message>.+)$"
)


def acsim(*args: str, cwd: Path = ROOT, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``python -m sim ARGS`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": str(COLUMNS), "PYTHONPATH": str(ROOT)},
    )


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """``run_cli(*args) -> (exit code, stdout, stderr)``, in this process, on an 80-column terminal."""
    monkeypatch.setenv("COLUMNS", str(COLUMNS))

    def call(*args: str):
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return call


# ---------------------------------------------------------------------------- run
def test_run_prints_header_story_and_outcome(run_cli):
    code, out, err = run_cli("run", "new_start_2021", "--seed", "2")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "New START expiry, 2021 (new_start_2021)"
    assert lines[1] == "seed 2"
    assert lines[3].startswith("2020-09-01  New START expiry, 2021.")
    result = sim.run("new_start_2021", seed=2)
    day = str(result.outcome.agreement_date)
    log = result.log
    accepts = log[(log["kind"] == "accept") & (log["date"].astype(str) == day)]
    assert len(accepts), "seed 2 ends in an agreement someone accepted"
    assert f"{day}  {accepts['actor'].iloc[-1]}: accepts:" in out
    assert f"{day}  Agreement: 5-year extension" in out
    outcome = out[out.rindex("Outcome:") :]
    assert outcome.split(".")[0] == "Outcome: extended 5 years"
    assert out.count("Outcome:") == 1  # printed once, at the end
    assert max(len(line) for line in lines) <= COLUMNS


def test_run_wraps_the_log_under_its_dates(run_cli):
    _, out, _ = run_cli("run", "new_start_2021", "--seed", "2")
    for line in out.splitlines()[3:]:
        if line and not line.startswith("Outcome") and not re.match(r"\d{4}-\d\d-\d\d  ", line):
            assert line.startswith(" " * 12) or not line.startswith(" "), line


def test_run_without_a_seed_prints_the_seed_to_repeat_it(run_cli):
    code, out, _ = run_cli("run", "classroom_basic")
    seed = int(re.search(r"repeat with --seed (\d+)", out).group(1))
    _, again, _ = run_cli("run", "classroom_basic", "--seed", str(seed))
    assert code == 0
    assert again.splitlines()[2:] == out.splitlines()[2:]


def test_run_quiet_prints_only_the_outcome(run_cli):
    code, out, _ = run_cli("run", "new_start_2021_no_transition", "--seed", "1", "--quiet")
    assert code == 0
    assert out == "Outcome: lapsed. New START expired on 2021-02-05 without agreement.\n"


def test_run_json(run_cli):
    code, out, _ = run_cli("run", "new_start_2021", "--seed", "3", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["scenario"] == "new_start_2021" and data["seed"] == 3
    assert data["outcome"]["category"] == "extended" and data["outcome"]["years"] == 5
    assert data["outcome"]["agreement_date"] == "2021-01-26"
    assert {"step", "date", "actor", "kind", "text"} <= set(data["log"][0])
    assert data["timeseries"][0]["date"] == "2020-09-01"


def test_run_csv_is_the_time_series(run_cli):
    code, out, _ = run_cli("run", "new_start_2021", "--seed", "3", "--csv")
    table = pd.read_csv(io.StringIO(out))
    expected = sim.run("new_start_2021", seed=3).timeseries
    assert code == 0
    assert list(table.columns) == list(expected.columns)
    assert len(table) == len(expected)
    assert table["date"].iloc[0] == "2020-09-01"


def test_json_and_csv_exclude_each_other(run_cli):
    code, _, err = run_cli("run", "new_start_2021", "--json", "--csv")
    assert code == 2 and "not allowed with" in err


def test_run_set_changes_the_outcome(run_cli):
    # seed 3: without the US red lines, the treaty no longer lapses
    _, plain, _ = run_cli("run", "new_start_2021_no_transition", "--seed", "3", "-q")
    code, changed, _ = run_cli(
        "run",
        "new_start_2021_no_transition",
        "--seed",
        "3",
        "-q",
        "--set",
        "states.US.red_lines=[]",
    )
    expected = sim.run(
        "new_start_2021_no_transition", seed=3, overrides={"states.US.red_lines": []}
    ).outcome
    assert code == 0
    assert plain.startswith("Outcome: lapsed.")
    assert expected.category != "lapsed"
    assert changed.startswith(f"Outcome: {expected.category.replace('_', ' ')}")
    assert str(expected.agreement_date) in changed


def test_run_set_is_shown_in_the_header(run_cli):
    _, out, _ = run_cli(
        "run",
        "classroom_basic",
        "--seed",
        "2",
        "--set",
        "states.Red.type=greedy",
        "--set",
        "tension.initial=0.4",
    )
    assert "set states.Red.type = 'greedy'\nset tension.initial = 0.4\n" in out


def test_run_a_scenario_file_by_path(run_cli, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nextends: classroom_basic\ntitle: My case\n", encoding="utf-8")
    code, out, _ = run_cli("run", str(path), "--seed", "1")
    assert code == 0 and out.startswith("My case (mine)\n")


@pytest.mark.parametrize(
    "setting, message",
    [
        (
            "states.US.utility.discount=1.5",
            "error: --set states.US.utility.discount: states[0].utility.discount: Input should be less than 1 (got 1.5)",
        ),
        (
            "states.USA.utility.discount=0.5",
            "error: --set states.USA.utility.discount: no item named 'USA'; expected an index or one of US, RU",
        ),
        (
            "talks.deadline_kind=soon",
            "error: --set talks.deadline_kind: talks.deadline_kind: Input should be 'hard' or 'uncertain' (got 'soon')",
        ),
        (
            "discount",
            "error: --set: expected --set dotted.path=value (e.g. states.US.utility.discount=0.8), got 'discount'",
        ),
        (
            "states..discount=1",
            "error: --set: expected --set dotted.path=value (e.g. states.US.utility.discount=0.8), got 'states..discount=1'",
        ),
    ],
)
def test_a_bad_set_is_one_located_line(run_cli, setting, message):
    code, out, err = run_cli("run", "new_start_2021", "--set", setting)
    assert (code, out) == (2, "")
    assert err == message + "\n"


def test_run_an_unknown_scenario(run_cli):
    code, _, err = run_cli("run", "new_start_2022")
    assert code == 2
    assert err.startswith(
        "error: new_start_2022: no bundled scenario named 'new_start_2022'; expected one of "
    )
    assert err.count("\n") == 1


# ---------------------------------------------------------------------------- bad files through the CLI
@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_validate_a_bad_file(run_cli, path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    field, messages, line = expectation(path)
    code, out, err = run_cli("validate", str(path))
    problems = err.splitlines()
    assert code == 2 and out == ""
    assert problems, "no error printed"
    first = ERROR_LINE.match(problems[0])
    assert first, problems[0]
    assert Path(first["file"]).parent == BAD
    if line is not None:
        assert int(first["line"]) == expectation(Path(first["file"]))[2]
    assert first["field"] == field
    for part in messages:
        assert part in first["message"]
    assert all(ERROR_LINE.match(p) for p in problems)
    assert "(and " not in err  # every problem has its own line instead
    assert not (tmp_path / HACK_OUTPUT).exists()


def test_validate_prints_every_problem_on_its_own_line(run_cli):
    path = BAD / "many_problems.yaml"
    code, _, err = run_cli("validate", str(path))
    assert code == 2
    assert err.splitlines()[:2] == [
        f"error: {path}:8: states[0].forces: Input should be greater than or equal to 0 (got -5)",
        f"error: {path}:9: states[0].utility.discount: Input should be less than 1 (got 2)",
    ]
    assert err.splitlines()[2].startswith(
        f"error: {path}:12: states[1].colour: unknown key; expected one of name, label, type,"
    )
    assert len(err.splitlines()) == 3


def test_validate_good_files(run_cli):
    paths = [str(bundled_dir() / f"{name}.yaml") for name in bundled_scenarios()]
    code, out, err = run_cli("validate", *paths)
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == len(paths)
    assert f"{paths[0]}: ok (" in out
    assert out.count(": ok (") == len(paths)


def test_validate_counts_states_and_events(run_cli):
    code, out, _ = run_cli("validate", "new_start_2021", "new_start_2021_no_transition")
    assert code == 0
    assert out == (
        "new_start_2021: ok (New START expiry, 2021, 2 states, 1 event)\n"
        "new_start_2021_no_transition: ok (New START expiry, 2021, if the 2020 administration stays, 2 states, 1 event)\n"
    )


def test_validate_a_mix_exits_2_and_still_reports_the_good_ones(run_cli):
    code, out, err = run_cli(
        "validate", "classroom_basic", str(BAD / "wrong_type.yaml"), "no_such.yaml"
    )
    assert code == 2
    assert out.startswith("classroom_basic: ok (")
    assert err.splitlines() == [
        f"error: {BAD / 'wrong_type.yaml'}:10: states[1].forces: Input should be a valid number, unable to parse string as a number (got 'many')",
        "error: no_such.yaml: cannot read the file: No such file or directory",
        "2 of 3 files invalid",
    ]


def test_validate_a_50_megabyte_file_quickly(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.seek(50_000_000 - 1)
        f.write(b"\n")
    result = acsim("validate", str(path), timeout=20)
    assert result.returncode == 2
    assert (
        result.stderr == f"error: {path}: the file is 50.0 MB; scenario files are limited to 1 MB\n"
    )


def test_every_bad_file_in_a_subprocess_exits_2_without_a_traceback(tmp_path):
    """As a user runs it: exit 2, only 'error:' lines, nothing executed."""
    result = acsim("validate", *map(str, BAD_FILES), str(tmp_path / "missing.yaml"), cwd=tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert lines[-1] == f"{len(BAD_FILES) + 1} of {len(BAD_FILES) + 1} files invalid"
    assert all(ERROR_LINE.match(line) for line in lines[:-1]), result.stderr
    for path in BAD_FILES:
        assert f"error: {path}" in result.stderr or path.stem.startswith("extends_cycle"), path.name
    assert not (tmp_path / HACK_OUTPUT).exists()


def test_run_a_bad_file_in_a_subprocess(tmp_path):
    result = acsim("run", str(BAD / "python_tag.yaml"), "--seed", "1", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        f"error: {BAD / 'python_tag.yaml'}:4: the tag 'tag:yaml.org,2002:python/object/apply:os.system' "
        "is not allowed: scenario files hold plain data only (mappings, lists, text, numbers, dates)\n"
    )
    assert not (tmp_path / HACK_OUTPUT).exists()


# ---------------------------------------------------------------------------- a seed fixes a run
# (that the same seed gives the same run is tests/test_scenarios.py's, for every bundled scenario)
def test_a_run_reports_the_seed_it_was_given():
    done = acsim("run", "new_start_2021", "--seed", "3", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["seed"] == 3


def test_different_seeds_give_different_runs(run_cli):
    runs = {run_cli("run", "classroom_basic", "--seed", str(seed), "--json")[1] for seed in (1, 2)}
    assert len(runs) == 2


# ---------------------------------------------------------------------------- list, show, schema
def test_list(run_cli):
    code, out, _ = run_cli("list")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert names == bundled_scenarios()
    assert "new_start_2021                New START expiry, 2021\n" in out
    assert max(len(line) for line in out.splitlines()) <= COLUMNS


def test_list_json(run_cli):
    code, out, _ = run_cli("list", "--json")
    rows = json.loads(out)
    assert code == 0
    assert [r["name"] for r in rows] == bundled_scenarios()
    assert {"name": "prisoners_dilemma", "title": load_scenario("prisoners_dilemma").title} in rows


def test_show_is_the_info_tab(run_cli):
    code, out, _ = run_cli("show", "new_start_2021")
    scn = load_scenario("new_start_2021")
    assert code == 0
    assert out.startswith("New START expiry, 2021\n======================\n")
    flat = " ".join(out.split())
    assert (
        "new_start_2021: US, RU; 2020-09-01 to 2021-04-05, one step a week; 1 scripted event"
        in flat
    )
    for heading in ("WHAT IS IT", "THINGS TO NOTICE", "THINGS TO TRY", "SOURCES"):
        assert f"\n{heading}\n" in out
    assert " ".join(scn.description.split()) in flat
    assert "Compare with new_start_2021_no_transition, the re-election branch alone." in flat
    for source in scn.sources:
        assert " ".join(source.split()) in flat
    assert max(len(line) for line in out.splitlines()) <= COLUMNS


def test_show_a_bad_file(run_cli):
    code, out, err = run_cli("show", str(BAD / "unknown_state_in_event.yaml"))
    assert (code, out) == (2, "")
    assert (
        err
        == f"error: {BAD / 'unknown_state_in_event.yaml'}:13: events[0].actor: unknown state 'C'; expected one of A, B\n"
    )


def schema_errors(value, schema: dict, root: dict, where: str = "") -> list[str]:
    """A small JSON Schema (2020-12) check: the keywords the scenario schema uses."""
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_errors(value, target, root, where)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema["oneOf"]
        results = [schema_errors(value, option, root, where) for option in options]
        passing = sum(not r for r in results)
        if passing == 0 or ("oneOf" in schema and passing > 1):
            return [
                f"{where}: matches {passing} of {len(options)} alternatives: {min(results, key=len)}"
            ]
        return []
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    expected = schema.get("type")
    if expected == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif expected == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = expected is None or isinstance(value, kinds[expected])
    if not ok:
        return [f"{where}: {value!r} is not of type {expected}"]
    errors = []
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    for key, test in (
        ("minimum", lambda v, b: v >= b),
        ("maximum", lambda v, b: v <= b),
        ("exclusiveMinimum", lambda v, b: v > b),
        ("exclusiveMaximum", lambda v, b: v < b),
    ):
        if key in schema and not test(value, schema[key]):
            errors.append(f"{where}: {value!r} fails {key} {schema[key]}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if schema.get("format") == "date" and not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        errors.append(f"{where}: {value!r} is not a date")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get(
            "maxItems", len(value)
        ):
            errors.append(f"{where}: {len(value)} items")
        for i, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), root, f"{where}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [
            f"{where}.{key}: required" for key in schema.get("required", []) if key not in value
        ]
        for key, item in value.items():
            if key in props:
                errors += schema_errors(item, props[key], root, f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{where}.{key}: not allowed")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += schema_errors(
                    item, schema["additionalProperties"], root, f"{where}.{key}"
                )
    return errors


@pytest.fixture(scope="module")
def schema() -> dict:
    out = io.StringIO()
    stdout, sys.stdout = sys.stdout, out
    try:
        assert cli.main(["schema"]) == 0
    finally:
        sys.stdout = stdout
    return json.loads(out.getvalue())


def test_schema_is_json_schema_for_editors(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "acsim scenario"
    assert "$id" not in schema
    assert schema["additionalProperties"] is False  # unknown keys are flagged in the editor too
    assert {"name", "calendar", "states"} <= set(schema["required"])
    assert "try" in schema["properties"]  # the alias, as written in files, not try_
    discount = schema["$defs"]["Utility"]["properties"]["discount"]
    assert discount["description"]


@pytest.mark.parametrize("name", bundled_scenarios())
def test_schema_accepts_every_bundled_scenario_as_plain_json(schema, name):
    """The data of each bundled file, extends resolved, dates as text: what an editor sees."""
    data = json.loads(json.dumps(load_raw(name), default=str))
    assert schema_errors(data, schema, schema) == []


@pytest.mark.parametrize("name", ["wrong_type", "unknown_key", "out_of_range"])
def test_schema_rejects_bad_data(schema, name):
    data = json.loads(json.dumps(load_raw(BAD / f"{name}.yaml"), default=str))
    assert schema_errors(data, schema, schema)


def test_schema_output_file(run_cli, tmp_path, schema):
    path = tmp_path / "acsim.schema.json"
    code, out, err = run_cli("schema", "--output", str(path))
    assert (code, out, err) == (0, "", f"wrote {path}\n")
    assert json.loads(path.read_text(encoding="utf-8")) == schema


def test_schema_to_a_folder_that_does_not_exist(run_cli, tmp_path):
    code, _, err = run_cli("schema", "-o", str(tmp_path / "no" / "such" / "x.json"))
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1


# ---------------------------------------------------------------------------- dashboard and the hook for more commands
@pytest.fixture
def fake_dashboard(monkeypatch):
    calls = []
    app = types.ModuleType("dashboard.app")
    app.serve = lambda **kwargs: calls.append(kwargs)
    monkeypatch.setitem(sys.modules, "dashboard.app", app)
    return calls


def test_dashboard_defaults(run_cli, fake_dashboard):
    assert run_cli("dashboard")[0] == 0
    assert fake_dashboard == [
        {"host": "localhost", "port": 5006, "allowed_origins": [], "show": True}
    ]


def test_dashboard_options(run_cli, fake_dashboard):
    code, _, _ = run_cli(
        "dashboard",
        "--host",
        "0.0.0.0",
        "--port",
        "8080",
        "--allow-origin",
        "a.example:8080",
        "--allow-origin",
        "b.example:8080",
        "--no-show",
    )
    assert code == 0
    assert fake_dashboard == [
        {
            "host": "0.0.0.0",
            "port": 8080,
            "allowed_origins": ["a.example:8080", "b.example:8080"],
            "show": False,
        }
    ]


def test_more_commands_plug_in(run_cli, monkeypatch):
    module = types.ModuleType("sim.sweep_cli")

    def register(subparsers):
        p = subparsers.add_parser("sweep", help="vary parameters over a grid")
        p.add_argument("spec")
        p.set_defaults(func=lambda args: print(f"sweeping {args.spec}") or 0)

    module.register = register
    monkeypatch.setitem(sys.modules, "sim.sweep_cli", module)
    assert run_cli("sweep", "grid.yaml")[:2] == (0, "sweeping grid.yaml\n")
    assert "sweep" in run_cli("--help")[1]


# ---------------------------------------------------------------------------- exit codes
def test_an_internal_error_is_one_line_and_exit_1(run_cli, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the model broke")

    monkeypatch.setattr(sim, "run", broken)
    code, _, err = run_cli("run", "classroom_basic", "--seed", "1")
    assert code == 1
    assert err.splitlines()[0] == "internal error: RuntimeError: the model broke"
    assert "Traceback" not in err and "--debug" in err
    with pytest.raises(RuntimeError, match="the model broke"):
        cli.main(["--debug", "run", "classroom_basic"])
    with pytest.raises(RuntimeError):
        cli.main(["run", "classroom_basic", "--debug"])


def test_ctrl_c_exits_130_quietly(run_cli, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim, "run", interrupted)
    assert run_cli("run", "classroom_basic") == (130, "", "")


def test_no_command_prints_help_and_exits_2(run_cli):
    code, _, err = run_cli()
    assert code == 2 and "usage: acsim" in err


def test_an_unknown_option_is_a_usage_error(run_cli):
    code, _, err = run_cli("run", "classroom_basic", "--seeds", "3")
    assert code == 2 and "unrecognized arguments: --seeds" in err


def test_version():
    result = acsim("--version")
    assert (result.returncode, result.stdout) == (0, f"acsim {sim.__version__}\n")


@pytest.mark.parametrize(
    "command", [[], ["run"], ["validate"], ["list"], ["schema"], ["show"], ["dashboard"]]
)
def test_help_has_examples_and_fits_80_columns(run_cli, command):
    code, out, _ = run_cli(*command, "--help")
    assert code == 0
    assert (
        "acsim " in out.split("usage:", 1)[1].split("\n\n", 1)[1]
    )  # an example after the usage line
    assert max(len(line) for line in out.splitlines()) <= COLUMNS
