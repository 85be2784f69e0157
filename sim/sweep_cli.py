"""The ``acsim ensemble``, ``acsim sweep``, ``acsim plot`` and ``acsim discover`` commands.

:func:`register` adds them to the main parser's subcommands; each handler
returns an exit code: 0 success, 2 bad input (one located line on stderr,
no traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sim import limits
from sim.terminal import printable, strict_json

# The commands import the model, pandas, tqdm, sweeps and plots when they run, not here: the command
# line imports this module to answer `acsim --help` and `acsim list` at once (benchmarks/bench_startup.py).

OK, FAILED, INVALID, INTERRUPTED = 0, 1, 2, 130

EXAMPLES = {
    "ensemble": """\
examples:
  acsim ensemble new_start_2021 -n 500 --seed 0 --workers 2
  acsim ensemble new_start_2021_no_transition -n 500 --set states.RU.red_lines=[]
  acsim ensemble classroom_basic -n 200 --json > shares.json
  acsim ensemble classroom_basic -n 200 --csv > runs.csv

Replicate r runs with child r of SeedSequence(SEED); its seed is in the
'seed' column of --csv, and 'acsim run SCENARIO --seed THAT' repeats it.""",
    "sweep": """\
examples:
  acsim sweep examples/sweep_new_start.yaml --workers 2
  acsim sweep examples/sweep_new_start.yaml --resume
  acsim sweep examples/sweep_new_start.yaml --scheduler tcp://10.0.0.5:8786

Results go to the spec's output directory as part-XXXXX.parquet files with a
manifest.json; a sweep stopped for any reason continues with --resume.""",
    "plot": """\
examples:
  acsim plot results/sweep_new_start --x states.RU.utility.secrecy_cost.median \\
      --y states.US.utility.lock_in.mean --metric "category == 'extended'" --output heatmap.png
  acsim plot results/sweep_new_start --x states.RU.utility.secrecy_cost.median \\
      --metric final_tension --output tension.html

--metric is a column (final_tension) or an expression over columns
(category == 'extended', years == 5); true/false metrics are shown as shares.""",
    "discover": """\
examples:
  acsim discover results/sweep_new_start --where "category == 'lapsed'"
  acsim discover results/lhs_classroom --where "category == 'lapsed'" --plot boxes.png
  acsim discover results/lhs_classroom --where "final_tension > 0.5" --inputs tension.initial,states.Red.p_greedy --json

Finds the ranges of the sweep's parameters (a box) that hold most of the runs
matching --where (coverage) and few others (density), by PRIM through EMA
Workbench (pip install 'acsim[discovery]'). Parameters in backquotes in an
expression: "`tension.initial` > 0.3".""",
}


def _parser(sub: Any, name: str, help: str) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        help=help,
        description=help,
        epilog=EXAMPLES[name],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show a traceback on an internal error",
    )
    return p


def register(subparsers: Any) -> None:
    """Add ``ensemble``, ``sweep`` and ``plot`` to the ``acsim`` subcommands."""
    p = _parser(
        subparsers,
        "ensemble",
        "run many replicates of a scenario and report the share of each outcome",
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", help="a bundled scenario's name or a path to a YAML file"
    )
    p.add_argument("-n", type=int, default=500, metavar="N", help="replicates (default 500)")
    p.add_argument(
        "--seed", type=int, default=0, metavar="S", help="the ensemble's seed (default 0)"
    )
    p.add_argument("--workers", type=int, default=1, metavar="W", help="processes (default 1)")
    p.add_argument(
        "--set",
        action="append",
        metavar="PATH=VALUE",
        help="change one field for every replicate (repeatable)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print shares and timing as JSON")
    out.add_argument("--csv", action="store_true", help="print one row per replicate as CSV")
    p.set_defaults(func=cmd_ensemble)

    p = _parser(
        subparsers, "sweep", "run a parameter sweep from a YAML spec, streaming results to Parquet"
    )
    p.add_argument("spec", metavar="SPEC", help="the sweep spec (YAML)")
    p.add_argument(
        "--workers", type=int, metavar="N", help="processes (default: the cores available)"
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="a Dask scheduler to run on, e.g. tcp://host:8786"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish a sweep whose output already holds part of its results",
    )
    p.add_argument(
        "--allow-version-change",
        action="store_true",
        help="with --resume: continue even if the output was started by another version of the model",
    )
    p.add_argument("--output", metavar="DIR", help="write here instead of the spec's output")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    p = _parser(
        subparsers, "plot", "plot sweep results: a heat map over two parameters or a line over one"
    )
    p.add_argument("results", metavar="RESULTS", help="a sweep's output directory")
    p.add_argument(
        "--x", required=True, metavar="PATH", help="the parameter across (its dotted path)"
    )
    p.add_argument("--y", metavar="PATH", help="the parameter up (gives a heat map)")
    p.add_argument(
        "--metric",
        default="category == 'extended'",
        metavar="EXPR",
        help="a column or an expression over columns (default: category == 'extended')",
    )
    p.add_argument(
        "--output", required=True, metavar="FILE", help="a .png, .svg, .pdf or .html file"
    )
    p.add_argument("--title", help="the plot's title")
    p.add_argument("--force", action="store_true", help="overwrite --output if it exists")
    p.set_defaults(func=cmd_plot)

    p = _parser(
        subparsers,
        "discover",
        "find the ranges of parameters that explain the runs matching a condition (PRIM)",
    )
    p.add_argument("results", metavar="RESULTS", help="a sweep's output directory")
    p.add_argument(
        "--where",
        required=True,
        metavar="EXPR",
        help="true for the runs of interest, e.g. \"category == 'lapsed'\"",
    )
    p.add_argument(
        "--inputs",
        metavar="PATHS",
        help="comma-separated parameters to explain by (default: the sweep's)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="D",
        help="the density the chosen box must reach (default 0.8)",
    )
    p.add_argument(
        "--box",
        type=int,
        metavar="I",
        help="show this box of the trajectory instead of the chosen one",
    )
    p.add_argument(
        "--plot", metavar="FILE", help="draw the trade-off and the chosen box (.png, .svg or .pdf)"
    )
    p.add_argument("--json", action="store_true", help="print the trajectory and the box as JSON")
    p.set_defaults(func=cmd_discover)


def _error(message: str) -> int:
    print(printable(f"error: {message}"), file=sys.stderr)
    return INVALID


def _located(exc: Exception) -> int:
    from sim.loading import ScenarioError

    if isinstance(exc, ScenarioError):
        for problem in exc.all():
            field = f" {problem.field}:" if problem.field else ""
            print(
                printable(f"error: {problem.location()}:{field} {problem.message}"), file=sys.stderr
            )
        return INVALID
    return _error(str(exc))


def _sets(items: list[str] | None) -> dict[str, Any]:
    from sim.loading import parse_value

    out: dict[str, Any] = {}
    for item in items or []:
        path, eq, value = item.partition("=")
        if not eq or not path.strip():
            raise ValueError(
                f"--set {item}: expected PATH=VALUE, e.g. states.US.utility.discount=0.8"
            )
        out[path.strip()] = parse_value(value.strip())
    return out


def cmd_ensemble(args: argparse.Namespace) -> int:
    """Print the shares of each outcome with their 95% intervals, and when agreements came."""
    from sim.ensemble import ensemble
    from sim.loading import ScenarioError

    if args.n < 1:
        return _error(f"-n: expected at least 1 replicate (got {args.n})")
    problem = limits.check_workers(args.workers)
    if problem:
        return _error(problem)
    try:
        result = ensemble(
            args.scenario,
            n=args.n,
            seed=args.seed,
            workers=args.workers,
            overrides=_sets(args.set),
            progress=_bar(args.n) if not (args.json or args.csv) and sys.stderr.isatty() else None,
        )
    except (ScenarioError, ValueError) as exc:
        return _located(exc)
    except KeyboardInterrupt:
        return INTERRUPTED
    if args.json:
        print(strict_json(result.to_dict(), indent=1))
    elif args.csv:
        result.runs.to_csv(sys.stdout, index=False)
    else:
        print(printable(result.summary(), keep_newlines=True))
    return OK


def _bar(total: int):
    from tqdm import tqdm

    bar = tqdm(total=total, unit="run", file=sys.stderr, leave=False)

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)
        if done >= _total:
            bar.close()

    return update


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the sweep, then say where the table is and how much of it failed."""
    from sim.loading import ScenarioError
    from sim.sweep import load_spec, read_manifest, sweep

    problem = (
        limits.check_workers(args.workers)
        if args.workers is not None and not args.scheduler
        else None
    )
    if problem:
        return _error(problem)
    try:
        table = sweep(
            args.spec,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=not args.quiet,
            output=args.output,
            allow_version_change=args.allow_version_change,
        )
    except ScenarioError as exc:
        return _located(exc)
    except KeyboardInterrupt:
        print("interrupted: finished chunks are kept; continue with --resume", file=sys.stderr)
        return INTERRUPTED
    except (
        OSError
    ) as exc:  # e.g. a scheduler that cannot be reached, an output that cannot be written
        return _error(f"{exc}")
    if table is None:
        print("the sweep has no runs")
        return OK
    spec, _, _ = load_spec(args.spec)
    out = args.output or spec.output
    failed = int(table["error"].notna().sum())
    parts = (read_manifest(out) or {}).get("n_chunks", "?")
    print(
        printable(
            f"{len(table)} runs in {out} ({parts} parts); {failed} failed"
            + ("; see the 'error' column" if failed else "")
        )
    )
    if failed == len(table):
        errors = table["error"].value_counts()
        print(
            printable(
                f"error: every run failed; the most common error ({errors.iloc[0]} of {len(table)} runs): {errors.index[0]}"
            ),
            file=sys.stderr,
        )
        return FAILED
    if "category" in table.columns and spec.parameter_paths:
        ok = table[table["error"].isna()]
        by = {
            p: ok[p].map(_hashable) for p in spec.parameter_paths
        }  # a list-valued parameter groups by its text
        shares = (
            ok.assign(**by)
            .groupby(spec.parameter_paths)["category"]
            .value_counts(normalize=True)
            .unstack(fill_value=0)
        )
        print("share of each outcome:")
        print(printable(shares.round(3).to_string(), keep_newlines=True))
    print(printable(f"load it with: sim.sweep.load_results({str(out)!r})"))
    return OK


def _hashable(value: Any) -> Any:
    """A parameter value as a table key: lists (and arrays) as their text."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    return str(value) if isinstance(value, (list, dict)) else value


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw the heat map (with --y) or the line and write it to --output."""
    from sim.loading import ScenarioError
    from sim.plot import PlotError, plot

    if Path(args.output).exists() and not args.force:
        return _error(
            f"{args.output} exists; refusing to overwrite it (use --force, or another --output)"
        )
    try:
        plot(
            args.results,
            x=args.x,
            y=args.y,
            metric=args.metric,
            output=args.output,
            title=args.title,
        )
    except (ScenarioError, PlotError) as exc:
        return _located(exc)
    except OSError as exc:
        return _error(f"cannot write {args.output}: {exc.strerror or exc}")
    print(f"wrote {args.output}")
    return OK


def cmd_discover(args: argparse.Namespace) -> int:
    """Print the chosen box (coverage, density, limits) and the trajectory's trade-off; draw it with --plot."""
    from sim.discovery import DENSITY_THRESHOLD, DiscoveryError, discover, plot
    from sim.loading import ScenarioError

    threshold = DENSITY_THRESHOLD if args.threshold is None else args.threshold
    if not 0 < threshold <= 1:
        return _error(f"--threshold: expected a density between 0 and 1 (got {threshold})")
    inputs = [p.strip() for p in args.inputs.split(",") if p.strip()] if args.inputs else None
    try:
        found = discover(args.results, args.where, inputs=inputs, threshold=threshold, box=args.box)
        if args.plot:
            plot(found, args.plot)
    except (ScenarioError, DiscoveryError) as exc:
        return _located(exc)
    except (OSError, ValueError) as exc:
        return _error(f"cannot write {args.plot}: {exc}" if args.plot else str(exc))
    if args.json:
        print(json.dumps(found.to_dict(), indent=1, default=str))
        return OK
    print(found.summary())
    print("\ntrade-off (coverage against density, one row per box):")
    print(found.trajectory.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if args.plot:
        print(f"wrote {args.plot}")
    return OK
