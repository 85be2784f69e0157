"""The ``acsim backtest`` command: run the historical cases from their cut-offs and score the forecasts.

Exit codes: 0 done (whatever the score); 2 bad input (an unknown case, a case
without a ``record:`` block, fewer than two cases, a bad -n or --workers), one
located line on stderr; 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

OK, INVALID, INTERRUPTED = 0, 2, 130
# sim.backtest's defaults, repeated so that building the parser (which every acsim
# command does) does not import the model; tests/test_startup.py checks they agree.
DEFAULT_N = 200  # replicates per case
DEFAULT_SEED = 0

EXAMPLES = """\
examples:
  acsim backtest                          # every bundled case with a record, 200 replicates each
  acsim backtest -n 50 --workers 2        # quicker, noisier
  acsim backtest --cases inf_2019 new_start_2021 my_case.yaml
  acsim backtest --json > backtest.json
  acsim backtest --calibrate              # also fit one temperature, leave one case out

Per case: the model's probability of the recorded outcome against the two
baselines (the base rate over the other cases; the status quo persists), the
case's Brier score and when the replicates agreed against the recorded date.
Over all cases: the Brier and log scores and the skill scores (above 0: the
model beats the baseline). Every case's ensemble runs with --seed, so a
backtest repeats exactly."""


def register(subparsers: Any) -> None:
    """Add ``backtest`` to the ``acsim`` subcommands."""
    p = subparsers.add_parser(
        "backtest",
        help="score the model's forecasts of the historical cases against what happened",
        description="Run every case with a record from its cut-off and score the forecasts.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show a traceback on an internal error",
    )
    p.add_argument(
        "--cases",
        nargs="+",
        metavar="CASE",
        help="bundled names or YAML paths (default: every bundled scenario with a record)",
    )
    p.add_argument(
        "-n",
        type=int,
        default=DEFAULT_N,
        metavar="N",
        help=f"replicates per case (default {DEFAULT_N})",
    )
    p.add_argument(
        "--workers", type=int, metavar="W", help="processes (default: the cores available)"
    )
    p.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="S",
        help=f"every case's ensemble seed (default {DEFAULT_SEED})",
    )
    p.add_argument(
        "--calibrate",
        action="store_true",
        help="fit one temperature, leave one case out (default: fit nothing)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: cases, scores, reliability bins, what was fitted",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_backtest)


def cmd_backtest(args: argparse.Namespace) -> int:
    """Print the per-case table and the scores (or the JSON), and return the exit code."""
    from sim.backtest import backtest, case_names, load_cases
    from sim.loading import ScenarioError
    from sim.sweep_cli import (
        _bar,
    )  # the ensemble's progress bar, counting every replicate of every case

    if args.n < 1:
        return _error(f"-n: expected at least 1 replicate per case (got {args.n})")
    if args.workers is not None and args.workers < 1:
        return _error(f"--workers: expected at least 1 (got {args.workers})")
    try:
        scenarios = load_cases(args.cases)
        bar = None if args.quiet or not sys.stderr.isatty() else _bar(args.n * len(scenarios))
        result = backtest(
            scenarios,
            n=args.n,
            workers=args.workers,
            seed=args.seed,
            progress=bar,
            calibrate=args.calibrate,
        )
    except ScenarioError as exc:
        from sim.cli import report

        if args.cases is None and not case_names():
            print(
                "error: no bundled scenario has a 'record:' block; name cases with --cases",
                file=sys.stderr,
            )
            return INVALID
        return report(exc)
    except KeyboardInterrupt:
        return INTERRUPTED
    print(result.to_json() if args.json else result.summary())
    return OK


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return INVALID
