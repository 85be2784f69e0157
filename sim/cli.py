"""The command line: ``acsim`` (also ``python -m sim``).

Subcommands: ``run``, ``validate``, ``list``, ``schema``, ``show`` and
``dashboard``; ``ensemble``, ``sweep`` and ``plot`` come from
:mod:`sim.sweep_cli` when it is installed. Each subcommand's handler takes the
parsed arguments and returns the exit code:

- 0: success;
- 1: an unexpected internal error (a traceback only with ``--debug``);
- 2: invalid input (a bad scenario file, a bad ``--set``), reported as one
  located line per problem on stderr:
  ``error: FILE:LINE: FIELD: what is wrong (got VALUE)``;
- 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import secrets
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import sim
from sim.terminal import printable, strict_json

if (
    TYPE_CHECKING
):  # imported where needed: --help, --version and list must not wait for the scenario schema
    from sim.loading import ScenarioError

OK, INTERNAL, INVALID, INTERRUPTED = 0, 1, 2, 130
SEED_BITS = 31  # a seed drawn for a run without --seed stays a small, typeable integer
DATE_GAP = 2  # spaces after a log line's date ("2020-09-01  ", "turn 3  "); wrapped lines continue under the text
DEFAULT_HOST, DEFAULT_PORT = "localhost", 5006

EXAMPLES = {
    "acsim": """\
examples:
  acsim list
  acsim show new_start_2021
  acsim run new_start_2021 --seed 3
  acsim run new_start_2021 --set states.RU.red_lines=[] --seed 3
  acsim validate my_case.yaml
  acsim schema --output acsim-scenario.schema.json
  acsim dashboard --port 5006

Run 'acsim COMMAND --help' for the options of one command.""",
    "run": """\
SCENARIO is a bundled scenario's name (see 'acsim list') or a path to a YAML
file.

--set changes one field before the run; the path is dotted, and a list item is
named by its position or by its name or id; the value is read as YAML:
  acsim run new_start_2021 --set states.US.utility.discount=0.8
  acsim run new_start_2021 --set talks.deadline_kind=uncertain \\
      --set talks.hazard_per_year=2
  acsim run new_start_2021 --set states.RU.red_lines=[]
  acsim run classroom_basic --seed 7 --json > run.json
  acsim run classroom_basic --seed 7 --csv > timeseries.csv

Without --seed, a seed is drawn and printed in the header, so that any run can
be repeated exactly.""",
    "validate": """\
examples:
  acsim validate my_case.yaml
  acsim validate scenarios/*.yaml

Prints 'FILE: ok (...)' for each valid file and one located line per problem
for each invalid one; exits 2 if any file is invalid.""",
    "list": """\
examples:
  acsim list
  acsim list --json""",
    "schema": """\
The JSON Schema lets an editor check and complete scenario files as you type.
With the YAML language server (VS Code, Neovim, ...) put this first line in a
scenario file:
  # yaml-language-server: $schema=acsim-scenario.schema.json

examples:
  acsim schema --output acsim-scenario.schema.json
  acsim schema | python -m json.tool""",
    "show": """\
examples:
  acsim show new_start_2021
  acsim show my_case.yaml""",
    "dashboard": """\
examples:
  acsim dashboard                      # http://localhost:5006, opens a browser
  acsim dashboard --no-show --port 8080
  acsim dashboard --host 0.0.0.0 --allow-origin classroom.example.org:5006

Class mode: the server also prints the teacher's console address with its key
(/teacher?key=...; without the key it answers 403); students join at /join.
Set ACSIM_TEACHER_KEY to keep one key across restarts (docs/classroom.md).""",
}


class InvalidInput(Exception):
    """A user's mistake outside a scenario file (a malformed --set, a missing argument value)."""


# ---------------------------------------------------------------------------- output helpers
def width() -> int:
    """Columns of the terminal (80 when not a terminal)."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def wrap(text: str, indent: int = 0) -> str:
    """Wrap a line to the terminal, continuing under column `indent` (control characters shown as escapes)."""
    return textwrap.fill(
        printable(text), width=width(), subsequent_indent=" " * indent, break_on_hyphens=False
    )


def error_lines(exc: ScenarioError, default_file: str | None = None) -> list[str]:
    """One ``error: FILE:LINE: FIELD: message`` line per problem found with `exc`."""
    out = []
    for e in exc.all():
        file = e.file or default_file
        parts = [f"{file}:{e.line}" if file and e.line else file, e.field]
        message = " ".join(str(e.message).split())  # one line, whatever the parser wrote
        out.append(printable("error: " + "".join(f"{p}: " for p in parts if p) + message))
    return out


def report(exc: ScenarioError, default_file: str | None = None) -> int:
    for line in error_lines(exc, default_file):
        print(line, file=sys.stderr)
    return INVALID


def parse_sets(items: Sequence[str] | None) -> dict[str, Any]:
    """``["a.b=1", "c=x"]`` -> ``{"a.b": 1, "c": "x"}``, each value read as YAML."""
    from sim.loading import ScenarioError, parse_value

    out: dict[str, Any] = {}
    for item in items or []:
        path, sep, value = item.partition("=")
        path = path.strip()
        if not sep or not path or any(not part for part in path.split(".")):
            raise ScenarioError(
                f"expected --set dotted.path=value (e.g. states.US.utility.discount=0.8), got '{item}'",
                "--set",
            )
        try:
            out[path] = parse_value(value.strip())
        except ScenarioError as exc:
            exc.file = f"--set {path}"
            raise
    return out


def load(scenario: str, overrides: dict[str, Any] | None = None) -> sim.Scenario:
    return sim.load_scenario(scenario, overrides or None)


# ---------------------------------------------------------------------------- run
def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario once and print its story, its JSON or its time series."""
    from sim.loading import ScenarioError

    try:
        overrides = parse_sets(args.set)
        scn = load(args.scenario, overrides)
    except ScenarioError as exc:
        return report(exc, args.scenario)
    seed = args.seed if args.seed is not None else secrets.randbits(SEED_BITS)
    result = sim.run(scn, seed=seed)
    if args.json:
        print(strict_json(result.to_dict(), indent=1))
    elif args.csv:
        sys.stdout.write(result.timeseries.to_csv(index=False))
    else:
        if not args.quiet:
            title = scn.title or scn.name
            print(wrap(f"{title} ({scn.name})"))
            print(
                wrap(
                    f"seed {seed}"
                    + ("" if args.seed is not None else f" (drawn; repeat with --seed {seed})")
                )
            )
            for path, value in overrides.items():
                print(wrap(f"set {path} = {value!r}"))
            print()
            for entry in result.model.log:
                if entry.kind != "outcome":
                    print(wrap(str(entry), len(entry.date) + DATE_GAP))
            print()
        print(wrap(outcome_line(result.outcome)))
    return OK


def outcome_line(outcome: Any) -> str:
    """``Outcome: extended 5 years. New START was extended ...`` with any crisis or arms race."""
    flags = [
        name
        for name, on in (("a crisis", outcome.crisis), ("an arms race", outcome.arms_race))
        if on
    ]
    extra = f" Along the way: {' and '.join(flags)}." if flags else ""
    return f"Outcome: {outcome.label}. {outcome.reason}{extra}"


# ---------------------------------------------------------------------------- validate
def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario files; one line per file, one located line per problem."""
    from sim.loading import ScenarioError

    bad = 0
    for file in args.files:
        try:
            scn = load(file)
        except ScenarioError as exc:
            bad += 1
            report(exc, file)
            continue
        n_states, n_events = len(scn.states), len(scn.events)
        title = scn.title or scn.name
        print(
            printable(
                f"{file}: ok ({title}, {n_states} state{'s' * (n_states != 1)}, {n_events} event{'s' * (n_events != 1)})"
            )
        )
    if bad and len(args.files) > 1:
        print(f"{bad} of {len(args.files)} files invalid", file=sys.stderr)
    return INVALID if bad else OK


# ---------------------------------------------------------------------------- list
def cmd_list(args: argparse.Namespace) -> int:
    """The bundled scenarios with their titles (read without validating: see :mod:`sim.catalog`)."""
    from sim import catalog

    rows = []
    for name in catalog.bundled_names():
        try:
            title = catalog.title(name)
        except ValueError as exc:  # a broken bundled file should not hide the others
            title = f"(invalid: {exc})"
        rows.append({"name": name, "title": title})
    if args.json:
        print(json.dumps(rows, indent=1))
        return OK
    pad = max((len(r["name"]) for r in rows), default=0) + 2
    for r in rows:
        print(wrap(r["name"].ljust(pad) + r["title"], pad))
    return OK


# ---------------------------------------------------------------------------- schema
def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (draft 2020-12), built from the classes."""
    from sim import schema

    return schema.build()


def cmd_schema(args: argparse.Namespace) -> int:
    """Print (or write) the shipped JSON Schema: no scenario classes to build, so it answers at once."""
    from sim import schema

    text = schema.text()
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"{args.output}: cannot write: {exc.strerror or exc}") from None
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return OK


# ---------------------------------------------------------------------------- show
def cmd_show(args: argparse.Namespace) -> int:
    """What a scenario is: title, description, things to notice and to try, sources."""
    from sim.loading import ScenarioError

    try:
        scn = load(args.scenario)
    except ScenarioError as exc:
        return report(exc, args.scenario)
    title = printable(scn.title or scn.name)
    print(title)
    print("=" * min(len(title), width()))
    cal = scn.calendar
    span = (
        f"{cal.steps} turns" if scn.dateless else f"{cal.start} to {cal.end}, one step a {cal.step}"
    )
    print(
        wrap(f"{scn.name}: {', '.join(scn.state_names)}; {span}; {len(scn.events)} scripted events")
    )
    for heading, body in (
        ("WHAT IS IT", scn.description),
        ("THINGS TO NOTICE", scn.notice),
        ("THINGS TO TRY", scn.try_),
    ):
        if body.strip():
            print(f"\n{heading}")
            print(paragraphs(printable(body, keep_newlines=True)))
    if scn.sources:
        print("\nSOURCES")
        for source in scn.sources:
            print(wrap(f"- {source}", 2))
    return OK


def paragraphs(text: str) -> str:
    """Re-wrap free text to the terminal, keeping its paragraphs and '- ' list items."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.strip().splitlines() + [""]:
        stripped = line.strip()
        if (not stripped or stripped.startswith("- ")) and current:
            first = current[0]
            indent = 2 if first.startswith("- ") else 0
            blocks.append(wrap(" ".join(current), indent))
            current = []
        if stripped:
            current.append(stripped)
        elif blocks and blocks[-1] != "":
            blocks.append("")
    return "\n".join(blocks).rstrip()


# ---------------------------------------------------------------------------- dashboard
def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard (the Panel app)."""
    try:
        app = importlib.import_module("dashboard.app")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "dashboard":
            raise InvalidInput("the dashboard is not installed (no module dashboard.app)") from None
        raise
    app.serve(
        host=args.host,
        port=args.port,
        allowed_origins=list(args.allow_origin or []),
        show=args.show,
    )
    return OK


# ---------------------------------------------------------------------------- the parser
def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show a traceback on an internal error",
    )
    return common


def _subparser(
    subparsers: Any, name: str, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    return subparsers.add_parser(
        name,
        help=help,
        description=description or help,
        epilog=EXAMPLES.get(name),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common()],
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``acsim`` parser with every subcommand (and those of sim.sweep_cli, if present)."""
    parser = argparse.ArgumentParser(
        prog="acsim",
        description="An agent-based simulation of arms-control negotiation.",
        epilog=EXAMPLES["acsim"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {sim.__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show a traceback on an internal error"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _subparser(sub, "run", "run a scenario once and print what happened")
    p.add_argument(
        "scenario", metavar="SCENARIO", help="a bundled scenario's name or a path to a YAML file"
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="fixes every random draw: the same seed gives the same run, bit for bit",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="PATH=VALUE",
        help="change one field before the run (repeatable), e.g. states.US.utility.discount=0.8",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument(
        "--json",
        action="store_true",
        help="print the whole result as JSON (outcome, log, time series)",
    )
    out.add_argument(
        "--csv", action="store_true", help="print the time series as CSV, one row per step"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only the outcome line")
    p.set_defaults(func=cmd_run)

    p = _subparser(sub, "validate", "check scenario files and report every problem with its line")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario files (or bundled names)")
    p.set_defaults(func=cmd_validate)

    p = _subparser(sub, "list", "list the bundled scenarios")
    p.add_argument("--json", action="store_true", help="print a JSON list of {name, title}")
    p.set_defaults(func=cmd_list)

    p = _subparser(sub, "schema", "print the JSON Schema of scenario files (for editors)")
    p.add_argument(
        "-o", "--output", metavar="PATH", help="write it to PATH instead of standard output"
    )
    p.set_defaults(func=cmd_schema)

    p = _subparser(
        sub, "show", "describe a scenario: what it is, what to notice, what to try, sources"
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", help="a bundled scenario's name or a path to a YAML file"
    )
    p.set_defaults(func=cmd_show)

    p = _subparser(sub, "dashboard", "serve the interactive dashboard in a browser")
    p.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--allow-origin",
        action="append",
        metavar="ORIGIN",
        help="also accept browser connections from ORIGIN (host:port; repeatable)",
    )
    p.add_argument(
        "--show",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="open a browser tab (default: yes)",
    )
    p.set_defaults(func=cmd_dashboard)

    from sim import backtest_cli  # acsim backtest

    backtest_cli.register(sub)
    try:
        sweep_cli = importlib.import_module("sim.sweep_cli")
    except ModuleNotFoundError as exc:
        if exc.name != "sim.sweep_cli":  # it exists but something it needs is missing
            raise
    else:
        sweep_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (default: sys.argv[1:]), run the subcommand and return its exit code."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C: quiet, with the conventional code
        return INTERRUPTED


class _NeverRaised(Exception):
    """Stands for ScenarioError while sim.loading is not imported (so none can have been raised)."""


def _scenario_error() -> type[ScenarioError]:
    """sim.loading's ScenarioError once it is imported; imported lazily to keep start-up short."""
    module = sys.modules.get("sim.loading")
    if module is None:
        return cast("type[ScenarioError]", _NeverRaised)  # caught in its place, never reported
    return module.ScenarioError


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse exits 2)
        return exc.code if isinstance(exc.code, int) else (OK if exc.code is None else INVALID)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return INVALID
    try:
        return args.func(args)
    except _scenario_error() as exc:  # from a subcommand that did not report it itself
        return report(exc)
    except InvalidInput as exc:
        print(printable(f"error: {exc}"), file=sys.stderr)
        return INVALID
    except BrokenPipeError:  # `acsim run ... | head`: the reader left; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return OK
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        print(printable(f"internal error: {type(exc).__name__}: {exc}"), file=sys.stderr)
        print(
            "(a bug in acsim, not in your input; run again with --debug for the traceback)",
            file=sys.stderr,
        )
        return INTERNAL
