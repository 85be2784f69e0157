"""The limits on what a scenario, a sweep or an ensemble may ask of the machine.

Each limit is checked before any work starts, so that a file cannot make acsim
read without end, build billions of values in memory or run for ever, and the
message says the limit and, where raising it makes sense, how. The limits a
user may raise are read from environment variables (``ACSIM_MAX_STEPS=50000
acsim run long.yaml``); the others protect the reader and stay fixed.

The documentation's table of limits (in ``docs/authoring.md``) is generated
from :data:`LIMITS` by ``python -m docs.gen_limits``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """One limit: its name, its default value, its unit and what it bounds.

    Attributes:
        name: the constant's name (``MAX_STEPS``); its environment variable is ``ACSIM_`` + name.
        default: the value when the environment does not raise it.
        unit: what the value counts (steps, offers, bytes, ...).
        what: what it bounds, for the docs.
        raise_hint: how to go further when the limit is in the way ("" when it is fixed).
        env: whether ``ACSIM_<name>`` may change it.
    """

    name: str
    default: int
    unit: str
    what: str
    raise_hint: str = ""
    env: bool = True

    @property
    def variable(self) -> str:
        return f"ACSIM_{self.name}"

    @property
    def value(self) -> int:
        """The limit in force: the environment's value when it may and does set one, else the default."""
        if not self.env:
            return self.default
        text = os.environ.get(self.variable, "").strip().replace("_", "")
        return int(text) if text.isdigit() and int(text) > 0 else self.default

    def exceeded(self, got: int | float, what: str) -> str:
        """The message for `what` having `got`, over the limit: says the limit and how to raise it."""
        hint = f"set {self.variable} to raise it" if self.env else ""
        if self.raise_hint:
            hint = f"{self.raise_hint}, or {hint}" if hint else self.raise_hint
        shown = f"{got:,}" if isinstance(got, int) else f"{got:,.3g}"
        return f"{what} {shown} {self.unit}; the limit is {self.value:,}" + (
            f" ({hint})" if hint else ""
        )


FILE_BYTES = Limit(
    "FILE_BYTES",
    1_000_000,
    "bytes",
    "Size of a scenario or sweep file (and of the dashboard's editor text); reading stops at the limit, whatever the file system says.",
    env=False,
)
DEPTH = Limit(
    "DEPTH", 24, "levels", "Nesting of mappings and lists in a file, aliases expanded.", env=False
)
ALIASES = Limit("ALIASES", 64, "aliases", "YAML aliases (*name) in a file.", env=False)
VALUES = Limit(
    "VALUES",
    200_000,
    "values",
    "Values in a parsed file once aliases are expanded (an 'alias bomb' stops here).",
    env=False,
)
EXTENDS = Limit(
    "EXTENDS", 8, "levels", "Chain of extends: from a file to its last ancestor.", env=False
)
STEPS = Limit(
    "STEPS", 10_000, "steps", "Steps of a run's calendar (about 27 years of days, 190 of weeks)."
)
OFFERS = Limit(
    "OFFERS",
    10_000,
    "offers",
    "Size of the offer space: the product of the number of options of each agenda issue.",
)
OFFER_STEPS = Limit(
    "OFFER_STEPS",
    10_000_000,
    "offer-steps",
    "The work of one run: offers times steps (every offer is valued at every step).",
)
STATES = Limit("STATES", 8, "states", "States at the table.", env=False)
EVENTS = Limit("EVENTS", 2_000, "events", "Scripted events in a scenario.", env=False)
RANDOM_EVENTS = Limit(
    "RANDOM_EVENTS", 50, "random events", "Kinds of random event in a scenario.", env=False
)
SWEEP_VALUES = Limit(
    "SWEEP_VALUES", 10_000, "values", "Values of one sweep parameter (a list, or a range expanded)."
)
SWEEP_RUNS = Limit(
    "SWEEP_RUNS", 10_000_000, "runs", "Runs of a sweep: grid points times replicates."
)
ENSEMBLE_RUNS = Limit(
    "ENSEMBLE_RUNS",
    100_000,
    "replicates",
    "Replicates of an ensemble (acsim ensemble -n), all held in memory.",
    "for more, run a sweep with replicates: it streams its results to disk",
)
ENSEMBLE_VALUES = Limit(
    "ENSEMBLE_VALUES",
    50_000_000,
    "values",
    "Recorded series values an ensemble holds in memory: replicates times calendar points times series.",
    "record fewer series or replicates, or run a sweep, which streams to disk",
)
WORKERS_PER_CORE = Limit(
    "WORKERS_PER_CORE",
    4,
    "workers per core",
    "Worker processes of an ensemble or a local sweep (--workers), per core this process may use.",
    "for more, run the sweep on a Dask cluster with --scheduler",
)
DASK_NO_WORKER_S = Limit(
    "DASK_NO_WORKER_S",
    60,
    "seconds",
    "How long a Dask sweep waits for a live worker (at the start, or after every worker died) before it stops with a message.",
)

LIMITS: tuple[Limit, ...] = (
    FILE_BYTES,
    DEPTH,
    ALIASES,
    VALUES,
    EXTENDS,
    STEPS,
    OFFERS,
    OFFER_STEPS,
    STATES,
    EVENTS,
    RANDOM_EVENTS,
    SWEEP_VALUES,
    SWEEP_RUNS,
    ENSEMBLE_RUNS,
    ENSEMBLE_VALUES,
    WORKERS_PER_CORE,
    DASK_NO_WORKER_S,
)


def cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def max_workers() -> int:
    """Worker processes allowed on this machine: WORKERS_PER_CORE x the cores available."""
    return WORKERS_PER_CORE.value * cores()


def check_workers(workers: int, option: str = "--workers") -> str | None:
    """A message when `workers` is not a number of processes this machine can take, else None."""
    if workers < 1:
        return f"{option}: expected at least 1 (got {workers})"
    if workers > max_workers():
        return (
            f"{option}: {workers} processes is more than this machine takes: at most {max_workers()} "
            f"({WORKERS_PER_CORE.value} per core, {cores()} core{'s' * (cores() != 1)}); "
            f"for more, run the sweep on a Dask cluster with --scheduler, or set {WORKERS_PER_CORE.variable}"
        )
    return None
