"""Hostile and broken input: no file outside a scenario's world is read or shown, no input hangs or
exhausts the machine, no wrong result looks like a success, and every user mistake exits 2.

Most cases go through ``sim.cli.main`` in this process; those about files that block or never end
(FIFOs, devices) and about processes run ``python -m sim`` in a subprocess with a timeout.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import cli, limits
from sim.checks import check_finite
from sim.loading import MAX_BYTES, ScenarioError, bundled_dir, load_scenario, load_scenario_text
from sim.terminal import printable, strict_json

ROOT = Path(__file__).resolve().parent.parent
SECRET = "SECRET-7f3a"  # the contents of a file outside the world: never shown
HANG_GUARD_S = 30
BASIC = (bundled_dir() / "classroom_basic.yaml").read_text(encoding="utf-8")


def scenario(**replace: str) -> str:
    """classroom_basic's text, with lines replaced (old -> new)."""
    text = BASIC
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """``run_cli(*args) -> (exit code, stdout, stderr)``, in this process."""
    monkeypatch.setenv("COLUMNS", "80")

    def call(*args: str):
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def acsim(
    *args: str, cwd: Path = ROOT, timeout: float = HANG_GUARD_S
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )


@pytest.fixture
def world(tmp_path):
    """A folder holding a scenario author's files, beside a secret file outside it."""
    (tmp_path / "secret.yaml").write_text(f"name: {SECRET}\npassword: {SECRET}\n", encoding="utf-8")
    folder = tmp_path / "cases"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "parent.yaml").write_text(
        BASIC.replace("name: classroom_basic", "name: parent"), encoding="utf-8"
    )
    return folder


def child(folder: Path, parent: str) -> Path:
    path = folder / "child.yaml"
    path.write_text(f"name: child\nextends: {parent}\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- the world of extends:
@pytest.mark.parametrize(
    "parent, message",
    [
        ("/etc/passwd", "not an absolute path"),
        ("{secret}", "not an absolute path"),
        ("../secret.yaml", "'..' is not allowed"),
        ("sub/../../secret.yaml", "'..' is not allowed"),
        ("C:\\\\secret.yaml", "not an absolute path"),
    ],
)
def test_extends_cannot_leave_the_folder(run_cli, world, parent, message):
    path = child(world, parent.format(secret=world.parent / "secret.yaml"))
    code, out, err = run_cli("validate", path)
    assert code == 2
    assert err.startswith(f"error: {path}:2: extends: ") and message in err
    assert SECRET not in out + err and "root:" not in err


def test_a_symlink_leading_out_is_refused_without_showing_the_file(run_cli, world):
    (world / "link.yaml").symlink_to(world.parent / "secret.yaml")
    code, _, err = run_cli("validate", child(world, "link.yaml"))
    assert code == 2
    assert "extends: 'link.yaml' leads outside this file's folder (a symbolic link)" in err
    assert SECRET not in err


def test_a_symlink_within_the_folder_and_a_subfolder_are_allowed(run_cli, world):
    (world / "link.yaml").symlink_to(world / "sub" / "parent.yaml")
    for parent in ("sub/parent.yaml", "link.yaml", "classroom_basic"):
        code, out, err = run_cli("validate", child(world, parent))
        assert (code, err) == (0, ""), parent
        assert out.startswith(f"{world / 'child.yaml'}: ok (Classroom")


@pytest.mark.timeout(HANG_GUARD_S)
@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: os.mkfifo(p), "is a FIFO (named pipe), not a regular file"),
        (lambda p: p.symlink_to("/dev/zero"), "leads outside this file's folder (a symbolic link)"),
        (lambda p: p.mkdir(), "is a directory"),
    ],
)
def test_extends_of_a_fifo_a_device_or_a_directory_is_refused_at_once(world, make, message):
    make(world / "odd.yaml")
    done = acsim("validate", child(world, "odd.yaml"))
    assert done.returncode == 2, done.stderr
    assert f"extends: 'odd.yaml' {message}" in done.stderr


@pytest.mark.timeout(HANG_GUARD_S)
@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda p: os.mkfifo(p),
            "is a FIFO (named pipe), not a regular file: refused, as reading it could wait for ever",
        ),
        (
            lambda p: p.symlink_to("/dev/zero"),
            "is a device, not a regular file: refused, as reading it could go on for ever",
        ),
        (
            lambda p: p.symlink_to("/dev/urandom"),
            "is a device, not a regular file: refused, as reading it could go on for ever",
        ),
    ],
)
def test_a_fifo_or_a_device_named_on_the_command_line_is_refused(tmp_path, make, message):
    make(tmp_path / "odd.yaml")
    done = acsim("run", tmp_path / "odd.yaml")
    assert (done.returncode, done.stderr) == (2, f"error: {tmp_path / 'odd.yaml'}: {message}\n")


def test_a_symlink_loop(run_cli, world):
    (world / "a.yaml").symlink_to(world / "b.yaml")
    (world / "b.yaml").symlink_to(world / "a.yaml")
    code, _, err = run_cli("validate", child(world, "a.yaml"))
    assert code == 2 and "extends: cannot follow 'a.yaml': a loop of symbolic links" in err
    code, _, err = run_cli("validate", world / "a.yaml")
    assert (code, err) == (
        2,
        f"error: {world / 'a.yaml'}: cannot read the file: a loop of symbolic links\n",
    )


def test_proc_self_environ_is_refused_without_showing_it(run_cli, monkeypatch):
    monkeypatch.setenv("ACSIM_TEST_SECRET", SECRET)
    code, out, err = run_cli("validate", "/proc/self/environ")
    assert code == 2
    assert err.startswith("error: /proc/self/environ:1: control character U+0000 at column ")
    assert SECRET not in out + err


def test_a_file_that_is_not_a_scenario_is_not_quoted(run_cli, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(f"password: {SECRET}\n{SECRET}: 1\n", encoding="utf-8")
    code, _, err = run_cli("validate", path)
    assert (code, err) == (
        2,
        f"error: {path}:1: not a scenario file: none of its top-level keys is a scenario field "
        "(name, extends, calendar, states, ...)\n",
    )


def test_reads_stop_at_the_limit_whatever_stat_says(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n" + "#" * (3 * MAX_BYTES), encoding="utf-8")
    real_stat, real_read, read = os.stat, os.read, []
    monkeypatch.setattr(
        os,
        "stat",
        lambda p, *a, **k: (
            os.stat_result((*real_stat(p)[:6], 0, *real_stat(p)[7:]))
            if Path(p) == path
            else real_stat(p, *a, **k)
        ),
    )  # a file system that says 0 bytes
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(n) or real_read(fd, n))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.message == "the file is over 1 MB; scenario files are limited to that"
    assert sum(read) == MAX_BYTES + 1


def test_the_editor_extends_bundled_scenarios_only(world, monkeypatch):
    monkeypatch.chdir(world.parent)  # the server's directory: the secret is right here
    for parent in ("secret.yaml", str(world.parent / "secret.yaml"), "cases/sub/parent.yaml"):
        with pytest.raises(ScenarioError) as info:
            load_scenario_text(f"name: mine\nextends: {parent}\n", file="upload.yaml")
        err = info.value
        assert (err.file, err.line, err.field) == ("upload.yaml", 2, "extends")
        assert err.message.startswith("here extends: names a bundled scenario (one of ")
        assert "classroom_basic, " in err.message
        assert err.message.endswith("); files are not read")
    assert load_scenario_text("name: mine\nextends: classroom_basic\n").name == "mine"
    # a caller that gives a folder gets that folder's world
    assert load_scenario_text(
        "name: mine\nextends: sub/parent.yaml\n", extends_folder=world
    ).state_names == ["Blue", "Red"]


# ---------------------------------------------------------------------------- work bounded before it starts
@pytest.mark.timeout(HANG_GUARD_S)
@pytest.mark.parametrize(
    "replace, field, message",
    [
        (
            {
                "  years: [1, 2, 3, 4, 5]": "  years: ["
                + ", ".join(map(str, range(1, 101)))
                + "]\n  share: ["
                + ", ".join(f"0.{i:04d}" for i in range(5000))
                + "]"
            },
            "agenda",
            "the agenda has 3,000,000 offers; the limit is 10,000 (set ACSIM_OFFERS to raise it); list fewer options on some issue",
        ),
        (
            {"  steps: 36": "  steps: 60000"},
            "calendar.steps",
            "the calendar has 60,000 steps; the limit is 10,000 (set ACSIM_STEPS to raise it)",
        ),
        (
            {
                "  steps: 36": "  steps: 9000",
                "  years: [1, 2, 3, 4, 5]": "  years: [" + ", ".join(map(str, range(1, 101))) + "]",
            },
            "agenda",
            "600 offers valued at each of 9,000 steps make 5,400,000 offer-steps",
        ),
    ],
)
def test_a_run_too_large_is_refused_before_it_starts(run_cli, tmp_path, replace, field, message):
    path = tmp_path / "big.yaml"
    path.write_text(scenario(**replace), encoding="utf-8")
    if "offer-steps" in message:
        os.environ[limits.OFFER_STEPS.variable] = "1000000"
    try:
        code, _, err = run_cli("run", path)
    finally:
        os.environ.pop(limits.OFFER_STEPS.variable, None)
    assert code == 2
    assert f": {field}: {message}" in err


def test_a_daily_calendar_over_ten_millennia_is_refused(run_cli):
    code, _, err = run_cli(
        "run",
        "new_start_2021",
        "--set",
        "calendar.start=0001-01-01",
        "--set",
        "calendar.end=9999-12-31",
        "--set",
        "calendar.step=day",
    )
    assert code == 2
    assert err.startswith(
        "error: --set calendar.end: calendar.end: the calendar has 3,652,058 steps; the limit is 10,000"
    )


def test_a_limit_can_be_raised_from_the_environment(monkeypatch):
    assert limits.STEPS.value == 10_000
    monkeypatch.setenv("ACSIM_STEPS", "60000")
    assert limits.STEPS.value == 60_000
    monkeypatch.setenv("ACSIM_STEPS", "lots")  # not a number: the default stands
    assert limits.STEPS.value == 10_000
    monkeypatch.setenv("ACSIM_FILE_BYTES", "9999999999")  # a limit that protects the reader stays
    assert limits.FILE_BYTES.value == 1_000_000


def test_ensemble_n_and_workers_are_bounded(run_cli):
    code, _, err = run_cli("ensemble", "classroom_basic", "-n", "1000000000000")
    assert code == 2 and err.startswith(
        "error: -n: an ensemble of 1,000,000,000,000 replicates; the limit is 100,000 "
        "(for more, run a sweep with replicates: it streams its results to disk"
    )
    code, _, err = run_cli("ensemble", "classroom_basic", "-n", "10", "--workers", "500")
    most = limits.max_workers()
    assert code == 2 and err.startswith(
        f"error: --workers: 500 processes is more than this machine takes: at most {most} "
    )
    with pytest.raises(ValueError, match="values; the limit is 50,000,000"):
        sim.ensemble(
            "classroom_basic",
            n=100_000,
            series=sim.ensemble.series_names(sim.ArmsControlModel("classroom_basic", rng=0)),
        )


@pytest.mark.timeout(HANG_GUARD_S)
@pytest.mark.parametrize(
    "body, line, field, message",
    [
        (
            "parameters:\n  tension.initial: {start: 0, stop: 1000000000000000000, step: 1}\n",
            3,
            "parameters.tension.initial",
            "the range has 1,000,000,000,000,000,001 values; the limit is 10,000",
        ),
        (
            "parameters:\n  tension.initial: {start: 0, stop: .inf, step: 0.1}\n",
            3,
            "parameters.tension.initial",
            "start, stop and step must be finite numbers",
        ),
        (
            "parameters:\n  tension.initial: [0.1, 0.2]\nreplicates: 1e12\n",
            4,
            "replicates",
            "2 grid points x 1,000,000,000,000 replicates make 2,000,000,000,000 runs; the limit is 10,000,000",
        ),
        ("parameters:\n  calendar.end: [2021-02-30]\n", 3, "parameters.calendar.end", "valid date"),
        (
            "parameters:\n  states.Blue.forces: [.inf]\n",
            3,
            "parameters.states.Blue.forces",
            "states.Blue.forces=inf: expected a finite number (got inf)",
        ),
    ],
)
def test_a_sweep_too_large_or_wrong_is_refused_before_it_starts(
    run_cli, tmp_path, body, line, field, message
):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(
        f"scenario: classroom_basic\n{body}output: {tmp_path / 'out'}\n", encoding="utf-8"
    )
    code, _, err = run_cli("sweep", spec, "--quiet")
    assert code == 2
    assert err.startswith(f"error: {spec}:{line}: {field}: ") and message in err, err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------- numbers, dates, booleans
@pytest.mark.parametrize("value", [".inf", "-.inf", "1e400", ".nan"])
def test_a_number_that_is_not_finite_is_refused(run_cli, tmp_path, value):
    path = tmp_path / "inf.yaml"
    path.write_text(scenario(**{"    forces: 1000\n": f"    forces: {value}\n"}), encoding="utf-8")
    code, _, err = run_cli("validate", path)
    line = BASIC.splitlines().index("    forces: 1000") + 1
    assert code == 2
    assert err.startswith(f"error: {path}:{line}: states[0].forces: ")
    assert "finite number" in err or "greater than or equal to 0" in err


def test_infinity_in_a_map_or_a_set_is_refused(run_cli):
    code, _, err = run_cli("run", "classroom_basic", "--set", "states.Blue.reaction={Red: .inf}")
    assert (code, err) == (
        2,
        "error: --set states.Blue.reaction: states[0].reaction.Red: expected a finite number (got inf)\n",
    )


def test_finiteness_covers_priors_and_exempts_audience_cost():
    from pydantic import BaseModel

    class Line(BaseModel):
        audience_cost: float
        weight: float

    class Holder(BaseModel):
        lines: list[Line]
        prior: dict

    value = Holder(
        lines=[Line(audience_cost=float("inf"), weight=float("nan"))],
        prior={"dist": "normal", "mean": 1.0, "sd": float("inf")},
    )
    assert check_finite(value) == [
        (("lines", 0, "weight"), "expected a finite number (got nan)"),
        (("prior", "sd"), "expected a finite number (got inf)"),
    ]


def test_json_output_is_strict():
    assert (
        strict_json({"a": float("inf"), "b": [float("nan"), 1.5]})
        == '{"a": null, "b": [null, 1.5]}'
    )


def test_run_json_parses_as_strict_json(run_cli):
    code, out, _ = run_cli("run", "new_start_2021", "--seed", "2", "--json")
    refuse = lambda token: pytest.fail(f"non-standard JSON token {token}")  # noqa: E731
    expected = sim.run("new_start_2021", seed=2).outcome.category
    assert code == 0 and json.loads(out, parse_constant=refuse)["outcome"]["category"] == expected


@pytest.mark.parametrize(
    "replace, field, message",
    [
        (
            {"  years: [1, 2, 3, 4, 5]": "  years: [true]"},
            "agenda.years[0]",
            "expected a number, not true",
        ),
        (
            {"  in_force: true": "  in_force: 1"},
            "treaty.in_force",
            "expected true or false, not a number (got 1)",
        ),
        (
            {"  deadline_step: 24": "  deadline_step: 40"},
            "talks.deadline_step",
            "step 40 is after the last step (36)",
        ),
    ],
)
def test_booleans_are_not_numbers_and_deadlines_lie_in_the_run(
    run_cli, tmp_path, replace, field, message
):
    path = tmp_path / "x.yaml"
    path.write_text(scenario(**replace), encoding="utf-8")
    code, _, err = run_cli("validate", path)
    new_line = next(iter(replace.values())).splitlines()[0]
    assert (code, err) == (
        2,
        f"error: {path}:{BASIC.splitlines().index(next(iter(replace))) + 1}: {field}: {message}\n",
    ), new_line


@pytest.mark.parametrize("deadline", ["1970-01-01", "1973-06-01"])
def test_a_deadline_outside_the_run(run_cli, deadline):
    code, _, err = run_cli(
        "run", ROOT / "docs" / "examples" / "salt_i.yaml", "--set", f"talks.deadline={deadline}"
    )
    assert (code, err) == (
        2,
        f"error: --set talks.deadline: talks.deadline: {deadline} is outside the run; expected a date "
        "after the start (1971-05-26) and at most its end (1972-12-31)\n",
    )


@pytest.mark.parametrize(
    "date, message",
    [
        ("2021-02-30", "day value is outside expected range (got '2021-02-30')"),
        ("0000-01-01", "year 0 is out of range (got '0000-01-01')"),
    ],
)
def test_dates_that_do_not_exist_in_a_file_a_set_and_a_parent(run_cli, tmp_path, date, message):
    text = (
        (bundled_dir() / "new_start_2021.yaml")
        .read_text(encoding="utf-8")
        .replace("name: new_start_2021", "name: parent")
    )
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith("start: "))
    (tmp_path / "parent.yaml").write_text(
        text.replace(text.splitlines()[line - 1].split(": ")[1].split()[0], date, 1),
        encoding="utf-8",
    )
    (tmp_path / "child.yaml").write_text("name: child\nextends: parent.yaml\n", encoding="utf-8")
    for args, where in (
        ((tmp_path / "parent.yaml",), f"{tmp_path / 'parent.yaml'}:{line}"),
        ((tmp_path / "child.yaml",), f"{tmp_path / 'parent.yaml'}:{line}"),
        (("new_start_2021", "--set", f"calendar.start={date}"), "--set calendar.start"),
    ):
        code, _, err = run_cli("run", *args)
        assert (
            code == 2 and err.startswith(f"error: {where}: calendar.start: ") and message in err
        ), err


def test_yaml_merge_keys_work(run_cli, tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text(
        scenario(
            **{
                "  - name: Blue\n": "  - &blue\n    name: Blue\n",
                "  - name: Red\n": "  - <<: *blue\n    name: Red\n",
            }
        ),
        encoding="utf-8",
    )
    code, out, err = run_cli("validate", path)
    assert (code, err) == (0, "") and "2 states" in out


def test_a_nul_byte_is_located(run_cli, tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"name: x\ntitle: a\x00b\n")
    code, _, err = run_cli("validate", path)
    assert (code, err) == (
        2,
        f"error: {path}:2: control character U+0000 at column 9: not a text file; expected YAML text "
        "(control characters may be written as escapes in double quotes)\n",
    )


# ---------------------------------------------------------------------------- what reaches the terminal
def test_escape_sequences_from_a_scenario_are_shown_not_obeyed(run_cli, tmp_path):
    forged = r'"\e[2J\e[H\rOutcome: forged\u202e"'
    path = tmp_path / "ansi.yaml"
    path.write_text(
        scenario(
            **{'title: "Classroom: two equal states and an expiring treaty"': f"title: {forged}"}
        ),
        encoding="utf-8",
    )
    for command in ("run", "show", "validate"):
        code, out, err = run_cli(command, path, *(["--seed", "1"] if command == "run" else []))
        assert code == 0
        assert not any(c in out + err for c in "\x1b\r\u202e")
        assert "\\x1b[2J\\x1b[H Outcome: forged\\u202e" in out
        outcomes = [line for line in out.splitlines() if line.startswith("Outcome:")]
        assert len(outcomes) == (command == "run") and not any(
            "forged" in line for line in outcomes
        )


def test_printable_keeps_text_and_escapes_controls():
    assert (
        printable("Trust, but verify — Доверяй\tпроверяй") == "Trust, but verify — Доверяй проверяй"
    )
    assert printable("a\x1b[31mb\x07\x9b\u2066") == "a\\x1b[31mb\\x07\\x9b\\u2066"
    assert printable("one\ntwo", keep_newlines=True) == "one\ntwo"


# ---------------------------------------------------------------------------- sweeps, plots, processes
def test_a_sweep_whose_runs_all_fail_exits_1_and_says_why(run_cli, tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(sys.modules["sim.sweep"], "run_one", broken)
    spec = tmp_path / "sweep.yaml"
    spec.write_text(
        f"scenario: classroom_basic\nparameters: {{tension.initial: [0.1, 0.2]}}\nreplicates: 2\noutput: {tmp_path / 'out'}\n"
    )
    code, out, err = run_cli("sweep", spec, "--workers", "1", "--quiet")
    assert code == 1
    assert out.startswith(f"4 runs in {tmp_path / 'out'} (1 parts); 4 failed")
    assert (
        err
        == "error: every run failed; the most common error (4 of 4 runs): ZeroDivisionError: float division by zero\n"
    )


def test_a_list_valued_sweep_parameter_is_summarised(run_cli, tmp_path):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(
        f"scenario: classroom_basic\nparameters: {{agenda.years: [[1, 5], [5]]}}\noutput: {tmp_path / 'out'}\n"
    )
    code, out, err = run_cli("sweep", spec, "--workers", "1", "--quiet")
    assert (code, err) == (0, "")
    assert "[1, 5]" in out and "[5]" in out


def test_plot_refuses_to_overwrite_without_force(run_cli, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    pd.DataFrame(
        {
            "run": [0, 1],
            "x.y": [0.1, 0.2],
            "category": ["extended", "lapsed"],
            "error": [None, None],
        }
    ).to_parquet(results / "part-00000.parquet")
    output = tmp_path / "plot.html"
    output.write_text("my notes", encoding="utf-8")
    code, _, err = run_cli("plot", results, "--x", "x.y", "--output", output)
    assert (code, err) == (
        2,
        f"error: {output} exists; refusing to overwrite it (use --force, or another --output)\n",
    )
    assert output.read_text(encoding="utf-8") == "my notes"
    code, out, _ = run_cli("plot", results, "--x", "x.y", "--output", output, "--force")
    assert (
        code == 0
        and out == f"wrote {output}\n"
        and "<html" in output.read_text(encoding="utf-8").lower()
    )


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.timeout(120)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_sweep_leaves_no_worker_behind(tmp_path):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(
        f"scenario: new_start_2021\nparameters: {{tension.initial: [0.1, 0.2, 0.3, 0.4]}}\nreplicates: 500\n"
        f"output: {tmp_path / 'out'}\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(spec), "--workers", "2", "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.2)
    assert len(workers) >= 2, "the sweep never started its workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert left == [], "orphaned workers"


@pytest.mark.timeout(60)
def test_a_dask_sweep_without_workers_stops_with_a_message(tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setenv(limits.DASK_NO_WORKER_S.variable, "2")
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        spec = {"scenario": "classroom_basic", "output": str(tmp_path / "out")}
        started = time.monotonic()
        with pytest.raises(sim.sweep.SweepError) as info:
            sim.sweep(spec, scheduler=cluster.scheduler_address, progress=False)
        assert time.monotonic() - started < 20
    assert info.value.message.startswith(
        f"the Dask scheduler at {cluster.scheduler_address} has no worker: none joined within 2 s"
    )


def test_a_dask_sweep_whose_workers_died_stops_with_a_message(monkeypatch):
    from concurrent.futures import Future

    from sim.sweep import SweepError, _drive

    monkeypatch.setenv(limits.DASK_NO_WORKER_S.variable, "1")
    monkeypatch.setattr(sys.modules["sim.sweep"], "POLL_S", 0.1)

    class Stuck:  # an executor whose work never comes back, as on a scheduler whose workers died
        def submit(self, fn, *args):
            return Future()

    def alive():
        return False

    alive.scheduler = "tcp://cluster:8786"
    started = time.monotonic()
    with pytest.raises(
        SweepError, match="has had no live worker for 1 s; the chunks already written are kept"
    ):
        _drive(Stuck(), [0, 1], lambda k: (abs, k), lambda k, rows: None, 2, alive)
    assert time.monotonic() - started < 5


# ---------------------------------------------------------------------------- extends and --set, the smaller items
def test_an_empty_event_list_in_a_variant_clears_the_inherited_events(tmp_path):
    path = tmp_path / "quiet.yaml"
    path.write_text("name: quiet\nextends: new_start_2021\nevents: []\n", encoding="utf-8")
    assert load_scenario("new_start_2021").events and load_scenario(path).events == []


def test_an_event_without_id_is_removed_by_its_fields(tmp_path):
    parent = tmp_path / "parent.yaml"
    parent.write_text(
        BASIC.rstrip() + "\nevents:\n  - {step: 3, actor: Blue, kind: statement, text: hello}\n"
        "  - {step: 5, actor: Red, kind: statement, text: again}\n",
        encoding="utf-8",
    )
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        "name: variant\nextends: parent.yaml\nevents:\n  - {step: 3, kind: statement, remove: true}\n",
        encoding="utf-8",
    )
    assert [e.text for e in load_scenario(variant).events] == ["again"]
    variant.write_text(
        "name: variant\nextends: parent.yaml\nevents:\n  - {kind: statement, remove: true}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(variant)
    assert (info.value.line, info.value.message) == (
        4,
        "remove: 2 inherited items have kind: statement; expected exactly one (give more fields, or its id)",
    )


def test_set_refuses_a_negative_index_and_blames_itself(run_cli):
    code, _, err = run_cli("run", "classroom_basic", "--set", "states.-1.forces=1")
    assert (code, err) == (
        2,
        "error: --set states.-1.forces: index -1 is out of range; expected 0 to 1 (the list has 2 items) or an item's name\n",
    )
    code, _, err = run_cli("run", "classroom_basic", "--set", "states.Blue=null")
    assert code == 2 and err.startswith("error: --set states.Blue: states[0]: ")


def test_the_docs_list_the_limits_and_the_real_messages():
    from docs import gen_limits

    page = gen_limits.PAGE.read_text(encoding="utf-8")
    assert gen_limits.render() in page, (
        "docs/authoring.md is out of date: run python -m docs.gen_limits"
    )
    for limit in limits.LIMITS:
        assert f"| `{limit.name}` | {limit.default:,} {limit.unit} |" in page


def test_infinity_inside_a_prior_is_refused_and_an_infinite_audience_cost_is_a_wall(run_cli):
    code, _, err = run_cli(
        "run",
        "classroom_basic",
        "--set",
        "states.Blue.utility.secrecy_cost={dist: normal, mean: .inf, sd: 1}",
    )
    assert (code, err) == (
        2,
        "error: --set states.Blue.utility.secrecy_cost: states[0].utility.secrecy_cost.mean: "
        "expected a finite number (got inf)\n",
    )
    wall = load_scenario(
        "classroom_basic",
        {
            "states.Blue.red_lines": [
                {"issue": "years", "at_least": 2, "audience_cost": float("inf")}
            ]
        },
    )
    assert wall.state("Blue").red_lines[0].audience_cost == float("inf")


def test_a_duplicate_key_is_named_without_quoting_the_values(run_cli, tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(f"token: {SECRET}\ntoken: {SECRET}-2\n", encoding="utf-8")
    code, _, err = run_cli("validate", path)
    assert (code, err) == (
        2,
        f'error: {path}:2: malformed YAML: found duplicate key "token" (while constructing a mapping)\n',
    )


def test_the_dashboards_editor_and_upload_read_no_file(world, monkeypatch):
    from dashboard.state import describe_error
    from dashboard.views.scenario_editor import check_text

    monkeypatch.chdir(world.parent)
    text = f"name: mine\nextends: {world.parent / 'secret.yaml'}\n"
    scn, errors = check_text(text)  # the Scenario tab's editor and its upload
    assert scn is None and [(e["line"], e["field"]) for e in errors] == [(2, "extends")]
    assert errors[0]["message"].endswith("; files are not read") and SECRET not in str(errors)
    with pytest.raises(
        ScenarioError
    ) as info:  # the sidebar's upload, as dashboard/views/controls.py calls it
        load_scenario_text(text, file="upload.yaml")
    assert describe_error(info.value).startswith(
        "line 2, extends: here extends: names a bundled scenario"
    )
