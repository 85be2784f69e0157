"""Ensembles: many replicates of one scenario, to turn an outcome into a probability.

``sim.ensemble("new_start_2021", n=500, seed=0)`` runs 500 replicates and
returns an :class:`EnsembleResult`: one row per replicate, the share of each
outcome with a 95% (Wilson) interval, percentile bands of recorded series,
and when agreements came.

Seeds. Replicate ``r`` runs with the integer seed
``replicate_seed(seed, r)``: the first 32-bit word of child ``r`` of
``numpy.random.SeedSequence(seed)`` (what ``SeedSequence(seed).spawn(n)[r]``
gives). So replicate ``r`` can be rerun alone with
``sim.run(scenario, seed=replicate_seed(seed, r), overrides=...)``, and a
result depends only on (scenario, overrides, seed, r), never on the number of
workers or the order in which they finish.

Workers. ``workers=1`` runs in this process (no pickling); ``workers>1``
runs chunks of replicates on a process pool; ``executor=`` takes any
:class:`concurrent.futures.Executor`, for instance a Dask client's
``get_executor()``.
"""

from __future__ import annotations

import atexit
import gc
import hashlib
import json
import math
import multiprocessing
import os
import pickle
import sys
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from sim import limits
from sim.callable_module import make_callable
from sim.compiled import CompiledScenario, compile_scenario
from sim.loading import resolve_scenario
from sim.model import ArmsControlModel
from sim.outcomes import CATEGORIES
from sim.reporters import AGREED_TERMS, Reporters, agreed_terms, long_frame
from sim.runner import cached_scenario, html_table
from sim.scenario import Scenario

WILSON_Z = 1.959963984540054  # two-sided 95% normal quantile
BAND_PERCENTILES = (5, 25, 50, 75, 95)
COMPILED_CACHE_SIZE = 8  # compiled scenarios a worker keeps for later chunks and ensembles
CHUNKS_PER_WORKER = 4  # chunks handed to each worker: fewer costs balance, more costs pickling
WATCH_PARENT_S = (
    1.0  # how often a worker checks that the process that started it is still there (seconds)
)

OUTCOME_FIELDS = (
    "category",
    "label",
    "years",
    "agreement_date",
    "agreement_step",
    "before_deadline",
    "crisis",
    "arms_race",
    "branches",
)
Progress = Callable[[int, int], Any]
RUN_COLUMNS = (
    "replicate",
    "seed",
    *OUTCOME_FIELDS,
    *AGREED_TERMS,
    "final_tension",
    "final_total_forces",
)
# types that do not depend on the data: a term or a step that may be missing is float64 (NaN when none)
RUN_DTYPES = {
    "replicate": "int64",
    "seed": "int64",
    "category": "object",
    "label": "object",
    "years": "float64",
    "agreement_date": "object",
    "agreement_step": "float64",
    "before_deadline": "float64",
    "crisis": "bool",
    "arms_race": "bool",
    "verification": "object",
    "freeze": "object",
    "parties": "object",
    "final_tension": "float64",
    "final_total_forces": "float64",
}
REPORTER_DTYPES = {
    "double": "float64",
    "bool": "boolean",
    "string": "object",
}  # arrow type name -> pandas dtype


# ---------------------------------------------------------------------------- seeds
def replicate_seed(seed: int, r: int) -> int:
    """The integer seed of replicate r: child r of ``SeedSequence(seed)``, first 32-bit word."""
    child = np.random.SeedSequence(seed, spawn_key=(r,))
    return int(child.generate_state(1, dtype=np.uint32)[0])


def replicate_seeds(seed: int, n: int, start: int = 0) -> list[int]:
    """Seeds of replicates start..start+n-1 (equal to ``SeedSequence(seed).spawn``'s children)."""
    return [replicate_seed(seed, r) for r in range(start, start + n)]


@dataclass(frozen=True)
class Replicates:
    """Replicates start..stop-1 of an ensemble seeded with ``seed``, met as (r, its seed).

    A chunk sent to a worker is one of these: the worker works out the seeds it runs
    (some 5 microseconds each), instead of the caller working out all of them before
    the first chunk can start.
    """

    seed: int
    start: int
    stop: int

    def __len__(self) -> int:
        return self.stop - self.start

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for r in range(self.start, self.stop):
            yield r, replicate_seed(self.seed, r)


# ---------------------------------------------------------------------------- recorded series
def series_names(model: ArmsControlModel) -> list[str]:
    """Names of the series a run records: tension, total_forces, treaty_in_force, talks_open,
    agreed, and per state forces_<S>, cap_<S>, target_<S>, score_<S>, trust_<A>_<B>."""
    names = ["tension", "total_forces", "treaty_in_force", "talks_open", "agreed"]
    states = [s.name for s in model.states]
    for a in states:
        names += [f"forces_{a}", f"cap_{a}", f"target_{a}", f"score_{a}"]
        names += [f"trust_{a}_{b}" for b in states if b != a]
    return names


def series_values(model: ArmsControlModel, name: str) -> np.ndarray:
    """A recorded series as floats, one value per calendar index (NaN after an early end).

    Units: warheads for forces, caps and total_forces; 0-1 for tension and trust;
    1/0 for the flags treaty_in_force, talks_open and agreed.
    """
    rec = model.recorder
    idx = {s.name: s.index for s in model.states}
    if name == "tension":
        out = rec.tension.astype(float)
    elif name == "total_forces":
        out = rec.forces.sum(axis=1)
    elif name in ("treaty_in_force", "talks_open", "agreed"):
        out = {"treaty_in_force": rec.in_force, "talks_open": rec.talks_open, "agreed": rec.agreed}[
            name
        ].astype(float)
    else:
        found = _state_series(rec, idx, name)
        if found is None:
            raise KeyError(
                f"no recorded series '{name}'; expected one of {', '.join(series_names(model))}"
            )
        out = found
    out = np.array(out, dtype=float)
    out[rec.last + 1 :] = np.nan
    return out


def _state_series(rec, idx: dict[str, int], name: str) -> np.ndarray | None:
    kind, _, rest = name.partition("_")
    if kind == "trust":
        for a, i in idx.items():
            if rest.startswith(a + "_") and rest[len(a) + 1 :] in idx and rest[len(a) + 1 :] != a:
                return rec.trust[:, i, idx[rest[len(a) + 1 :]]]
        return None
    arrays = {"forces": rec.forces, "cap": rec.caps, "target": rec.targets, "score": rec.scores}
    if kind in arrays and rest in idx:
        values = arrays[kind][:, idx[rest]].astype(float)
        return np.where(np.isinf(values), np.nan, values) if kind == "cap" else values
    return None


# ---------------------------------------------------------------------------- one replicate
def simulate(scenario: Scenario | CompiledScenario, seed: int) -> ArmsControlModel:
    """Run one replicate to its end and return the finished model."""
    return ArmsControlModel(scenario, rng=seed).run()


def outcome_row(model: ArmsControlModel) -> dict[str, Any]:
    """The outcome of a finished run as a flat row, with final_tension (0-1) and
    final_total_forces (warheads)."""
    o = model.outcome
    row = {f: getattr(o, f) for f in OUTCOME_FIELDS}
    row.update(agreed_terms(model))
    row["final_tension"] = float(model.tension)
    row["final_total_forces"] = float(sum(s.forces for s in model.states))
    return row


def replicate(
    scenario: Scenario | CompiledScenario, r: int, seed: int, reporters: Reporters | None
) -> tuple[ArmsControlModel, dict, list]:
    """Run replicate r: the finished model, its row (outcome, agreed terms, final reporters) and its
    long time-series rows (reporters recorded every k steps)."""
    if reporters:
        model = ArmsControlModel(scenario, rng=seed)
        finals, long = reporters.run(model, r)
    else:
        model, finals, long = simulate(scenario, seed), {}, []
    return model, {"replicate": r, "seed": seed, **outcome_row(model), **finals}, long


@dataclass(frozen=True)
class Shipped:
    """A scenario as sent to a pool's workers: pickled once, with a key under which a worker keeps its compiled form.

    A worker compiles the scenario (its offer space, its pools of private values and their
    utility tables) at the first chunk that brings it, and reuses that for every later chunk
    and ensemble of the same scenario; a worker forked after :func:`ship` inherits it. A
    sweep's variants (the scenario with a point's overrides) are kept the same way, so the runs
    of one point share their compiled form, and what their beliefs work out, across chunks.
    """

    key: str
    blob: bytes

    def compiled(self) -> CompiledScenario:
        """The compiled scenario, built in this process at most once per key."""
        hit = _COMPILED.get(self.key)
        if hit is None:
            hit = _keep(self.key, compile_scenario(pickle.loads(self.blob)))
        _COMPILED.move_to_end(self.key)
        return hit

    def variant(self, overrides: dict[str, Any]) -> CompiledScenario:
        """The scenario with these {dotted.path: value} overrides, compiled in this process at most
        once per (key, overrides) while kept.

        Raises:
            ScenarioError: for an override the scenario refuses, located.
        """
        if not overrides:
            return self.compiled()
        key = f"{self.key}|{json.dumps(overrides, sort_keys=True, default=repr)}"
        hit = _COMPILED.get(key)
        if hit is None:
            base = self.compiled().scenario
            hit = _keep(key, compile_scenario(resolve_scenario(base, overrides)))
        _COMPILED.move_to_end(key)
        return hit


# Compiled scenarios by the key they were shipped under (see Shipped), most recent last.
_COMPILED: OrderedDict[str, CompiledScenario] = OrderedDict()


def _keep(key: str, compiled: CompiledScenario) -> CompiledScenario:
    _COMPILED[key] = compiled
    while len(_COMPILED) > COMPILED_CACHE_SIZE:
        _COMPILED.popitem(last=False)
    return compiled


def ship(scenario: Scenario) -> Shipped:
    """The scenario pickled, keyed by its content, with its compiled form kept under that key here."""
    blob = pickle.dumps(scenario, protocol=pickle.HIGHEST_PROTOCOL)
    shipped = Shipped(hashlib.sha256(blob).hexdigest(), blob)
    if shipped.key not in _COMPILED:
        _keep(shipped.key, compile_scenario(scenario))
    return shipped


def _run_chunk(
    shipped: Shipped,
    items: Iterable[tuple[int, int]],
    series: Sequence[str],
    reporters: dict[str, Any] | None = None,
) -> tuple[list[dict], dict[str, np.ndarray], list]:
    """Run replicates [(r, seed), ...]; rows, each series as an (items, N+1) array, and long rows."""
    arrays: dict[str, list[np.ndarray]] = {name: [] for name in series}
    rows, long = [], []
    scenario = shipped.compiled()
    compiled = Reporters(reporters, scenario.scenario) if reporters else None
    for r, seed in items:
        model, row, more = replicate(scenario, r, seed, compiled)
        rows.append(row)
        long += more
        for name in series:
            arrays[name].append(series_values(model, name))
        model.release()
    return rows, {k: np.vstack(v) if v else np.empty((0, 0)) for k, v in arrays.items()}, long


# ---------------------------------------------------------------------------- pools
_POOLS: dict[int, ProcessPoolExecutor] = {}


def pool_context():
    """The way to start worker processes: fork on Linux.

    ``import mesa`` sets the default start method to spawn, under which every
    worker imports numpy, pandas, pydantic and the model again (seconds); a
    forked worker starts in milliseconds with the scenario already loaded.
    Elsewhere (macOS, Windows) the platform's default is kept.
    """
    return multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None


def worker_init(parent_pid: int) -> None:
    """In a pool's worker: leave as soon as the process that started the pool is gone, and
    leave what it inherited out of the garbage collector's passes.

    A parent killed outright (SIGKILL, out of memory) cannot shut its pool down, and its
    workers would wait for work for ever; each one watches its parent and exits instead.
    A forked worker starts with every object of its parent (some 100,000: pandas, the
    scenarios read); frozen (:func:`gc.freeze`), they are not walked again by each full
    pass of the collector, nor copied into the worker's memory by it: about 4% less
    CPU for 1,000 replicates of new_start_2021.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCH_PARENT_S)
        os._exit(0)

    threading.Thread(target=watch, name="leave-with-parent", daemon=True).start()
    gc.freeze()


def shared_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of this size, kept for the next call (its start-up costs more than a small ensemble)."""
    pool = _POOLS.get(workers)
    if pool is None:
        pool = _POOLS[workers] = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=pool_context(),
            initializer=worker_init,
            initargs=(os.getpid(),),
        )
    return pool


@atexit.register
def _close_pools() -> None:
    for pool in _POOLS.values():
        pool.shutdown(wait=False, cancel_futures=True)
    _POOLS.clear()


def chunks(items: list, n_chunks: int) -> list[list]:
    """Split a list into at most n_chunks contiguous, nearly equal pieces."""
    n_chunks = max(1, min(n_chunks, len(items)))
    size = math.ceil(len(items) / n_chunks) if items else 1
    return [items[i : i + size] for i in range(0, len(items), size)]


# ---------------------------------------------------------------------------- the ensemble
def wilson_interval(
    k: np.ndarray | int, n: int, z: float = WILSON_Z
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (lo, hi) for k successes out of n (Wilson 1927)."""
    k = np.asarray(k, dtype=float)
    if n == 0:
        return np.full(k.shape, np.nan), np.full(k.shape, np.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # rounding can put the bound a hair past p when k is 0 or n (lo 5.6e-17 > 0): the interval holds p
    return np.clip(np.minimum(centre - half, p), 0, 1), np.clip(np.maximum(centre + half, p), 0, 1)


@dataclass
class EnsembleResult:
    """Replicates of one scenario.

    Attributes:
        scenario: the scenario as run (overrides applied).
        seed: the ensemble's seed; replicate r ran with ``replicate_seed(seed, r)``.
        overrides: {dotted.path: value} applied.
        runs: one row per replicate (replicate, seed, category, label, years,
            agreement_date, agreement_step, before_deadline, crisis, arms_race, the
            agreed terms verification, freeze and parties, final_tension,
            final_total_forces, then any final reporters), ordered by replicate;
            the types do not depend on the data (years and steps are float64).
        series: {name: (n, N+1) array} of each recorded series by calendar index.
        dates: the calendar's labels (YYYY-MM-DD, or "turn k"), one per index.
        dateless: True when the calendar counts turns, not days.
        timeseries: the reporters recorded every k steps, one row per (run, step, date, variable,
            state, value), run being the replicate; see :mod:`sim.reporters`.
    """

    scenario: Scenario
    seed: int
    overrides: dict[str, Any]
    runs: pd.DataFrame
    series: dict[str, np.ndarray] = field(repr=False)
    dates: list[str] = field(repr=False)
    dateless: bool = False
    timeseries: pd.DataFrame = field(default_factory=lambda: long_frame([]), repr=False)

    @property
    def n(self) -> int:
        return len(self.runs)

    def shares(self, by: str = "category", all_categories: bool = False) -> pd.DataFrame:
        """Share of each outcome with its Wilson 95% interval.

        Columns: <by>, count, share, lo, hi (shares are fractions 0-1). Rows in
        the order of :data:`sim.outcomes.CATEGORIES` when by="category" (all of
        them when all_categories, else those that occurred); by count otherwise.
        """
        counts = self.runs[by].value_counts()
        if by == "category":
            keys = (
                list(CATEGORIES) if all_categories else [c for c in CATEGORIES if c in counts.index]
            )
            keys += [c for c in counts.index if c not in keys]
            counts = counts.reindex(keys, fill_value=0)
        lo, hi = wilson_interval(counts.to_numpy(), self.n)
        return pd.DataFrame(
            {
                by: counts.index,
                "count": counts.to_numpy(),
                "share": counts.to_numpy() / max(self.n, 1),
                "lo": lo,
                "hi": hi,
            }
        )

    def share(self, category: str) -> float:
        """Share (0-1) of replicates that ended in this category."""
        return float((self.runs["category"] == category).mean()) if self.n else float("nan")

    def bands(
        self, variable: str = "tension", percentiles: Iterable[float] = BAND_PERCENTILES
    ) -> pd.DataFrame:
        """Percentile bands of a recorded series across replicates, one row per calendar index.

        Columns: step, date, mean and p5, p25, p50, p75, p95 (in the series' units).
        """
        if variable not in self.series:
            raise KeyError(
                f"the series '{variable}' was not recorded; recorded: {', '.join(self.series) or 'none'} "
                f"(pass series=(..., '{variable}') to ensemble)"
            )
        values = self.series[variable]
        percentiles = tuple(percentiles)
        out = pd.DataFrame(
            {"step": np.arange(values.shape[1]), "date": self.dates[: values.shape[1]]}
        )
        with np.errstate(all="ignore"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                if not values.size:
                    out["mean"], qs = np.nan, np.full((len(percentiles), 0), np.nan)
                elif np.isnan(values).any():  # replicates that ended early leave gaps
                    out["mean"] = np.nanmean(values, axis=0)
                    qs = np.nanpercentile(values, percentiles, axis=0)
                else:  # the same numbers, without nanpercentile's column-by-column loop (2 to 20x faster)
                    out["mean"] = values.mean(axis=0)
                    qs = np.percentile(values, percentiles, axis=0)
        for p, q in zip(percentiles, qs):
            out[f"p{p:g}"] = q
        return out

    @property
    def timing_unit(self) -> str:
        """'days' for a dated calendar, 'steps' for a dateless one."""
        return "steps" if self.dateless else "days"

    def agreement_timing(self) -> pd.Series:
        """Time from each agreement to the talks' deadline (days, or steps when dateless),
        one value per replicate that reached one; for the histogram."""
        col = self.runs["before_deadline"].dropna().astype(int)
        return col.rename(f"{self.timing_unit}_before_deadline").reset_index(drop=True)

    def summary(self) -> str:
        """The ensemble in a few readable lines: shares with intervals, then timing."""
        title = self.scenario.title or self.scenario.name
        lines = [f"{title}: {self.n} replicates, seed {self.seed}"]
        if self.overrides:
            lines.append("with " + ", ".join(f"{k}={v}" for k, v in self.overrides.items()))
        width = max([len(str(c)) for c in self.runs["category"]] + [8])
        for row in self.shares().itertuples(index=False):
            lines.append(
                f"  {row.category:<{width}}  {row.share:6.1%}  (95% interval {row.lo:.1%} to {row.hi:.1%}; {row.count} runs)"
            )
        agreed = self.runs["label"][self.runs["years"].notna()]
        if len(agreed):
            terms = agreed.value_counts()
            lines.append(
                "Terms agreed: "
                + ", ".join(f"{label} {count / self.n:.1%}" for label, count in terms.items())
            )
        timing = self.agreement_timing()
        if len(timing):
            q = np.percentile(timing, [25, 50, 75])
            lines.append(
                f"Agreements: {len(timing)}; {self.timing_unit} before the deadline: median {q[1]:g} "
                f"(middle half {q[0]:g} to {q[2]:g})"
            )
        else:
            lines.append("No replicate reached an agreement.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        shares = ", ".join(
            f"{r.category} {r.share:.1%}" for r in self.shares().itertuples(index=False)
        )
        return (
            f"EnsembleResult(scenario={self.scenario.name!r}, n={self.n}, seed={self.seed}, "
            f"overrides={self.overrides!r}, shares: {shares or 'none'})"
        )

    def _repr_html_(self) -> str:
        """A notebook's view: the scenario, seed and overrides, then the shares with their intervals."""
        title = self.scenario.title or self.scenario.name
        rows = [
            ("scenario", f"{title} ({self.scenario.name})"),
            ("replicates", str(self.n)),
            ("seed", str(self.seed)),
        ]
        rows += (
            [("overrides", ", ".join(f"{k}={v!r}" for k, v in self.overrides.items()))]
            if self.overrides
            else []
        )
        shares = self.shares()
        table = "".join(
            f"<tr><td>{escape(str(r.category))}</td><td>{r.share:.1%}</td><td>{r.lo:.1%} to {r.hi:.1%}</td>"
            f"<td>{r.count}</td></tr>"
            for r in shares.itertuples(index=False)
        )
        return (
            html_table("EnsembleResult", rows)
            + "<table><tr><th>outcome</th><th>share</th><th>95% interval</th>"
            f"<th>runs</th></tr>{table}</table>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Shares and timing as plain data (what ``acsim ensemble --json`` prints)."""
        timing = self.agreement_timing()
        return {
            "scenario": self.scenario.name,
            "n": self.n,
            "seed": self.seed,
            "overrides": self.overrides,
            "shares": self.shares().to_dict(orient="records"),
            "timing": {
                "unit": self.timing_unit,
                "count": int(len(timing)),
                "median": float(timing.median()) if len(timing) else None,
                "values": [int(v) for v in timing],
            },
        }


def ensemble(
    scenario: Scenario | str = "classroom_basic",
    n: int = 100,
    seed: int = 0,
    workers: int = 1,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
    series: Sequence[str] = ("tension",),
    reporters: dict[str, Any] | None = None,
) -> EnsembleResult:
    """Run n replicates of a scenario.

    Args:
        scenario: a Scenario, a bundled scenario's name or a YAML path.
        n: number of replicates.
        seed: the ensemble's seed (replicate seeds come from ``SeedSequence(seed)``).
        workers: 1 runs in this process; more uses a process pool of that size.
        overrides: {dotted.path: value} applied to the scenario.
        progress: called as progress(done, total) as replicates finish.
        executor: any concurrent.futures.Executor (e.g. ``distributed.Client(...).get_executor()``);
            when given, workers only sets how many chunks to cut.
        series: recorded series to keep for :meth:`EnsembleResult.bands` (see :func:`series_names`).
        reporters: {attribute name: "final" or k} to record any model or state attribute at the end
            (columns of ``runs``) or every k steps (rows of ``timeseries``); see :mod:`sim.reporters`.

    Raises:
        ScenarioError: for a bad scenario or override, located.
        ValueError: for n < 0, workers < 1, an unknown series name or a reporter that names nothing.
    """
    if isinstance(n, bool) or n < 0 or int(n) != n:
        raise ValueError(f"n must be a whole number of replicates, at least 0 (got {n!r})")
    if n > limits.ENSEMBLE_RUNS.value:
        raise ValueError(limits.ENSEMBLE_RUNS.exceeded(int(n), "-n: an ensemble of"))
    problem = limits.check_workers(workers, "workers") if executor is None else None
    if problem:
        raise ValueError(problem)
    overrides = dict(overrides or {})
    scn = cached_scenario(scenario, overrides)
    probe = ArmsControlModel(scn, rng=0)
    series = tuple(series)
    known = series_names(probe)
    unknown = [s for s in series if s not in known]
    if unknown:
        raise ValueError(
            f"unknown series {', '.join(unknown)}; expected some of {', '.join(known)}"
        )
    values = n * (probe.calendar.n_steps + 1) * len(series)
    if values > limits.ENSEMBLE_VALUES.value:
        raise ValueError(
            limits.ENSEMBLE_VALUES.exceeded(
                values,
                f"{n:,} replicates x {probe.calendar.n_steps + 1:,} points x "
                f"{len(series)} series make",
            )
        )
    reporters = dict(reporters or {})
    compiled = Reporters(reporters, scn) if reporters else None
    rows: list[dict] = []
    long: list[tuple] = []
    parts: dict[int, dict[str, np.ndarray]] = {}
    if executor is None and workers == 1:
        step = max(1, n // 100)
        arrays: dict[str, list[np.ndarray]] = {name: [] for name in series}
        for r, s in Replicates(seed, 0, n):
            model, row, more = replicate(scn, r, s, compiled)
            rows.append(row)
            long += more
            for name in series:
                arrays[name].append(series_values(model, name))
            model.release()
            if progress is not None and ((r + 1) % step == 0 or r + 1 == n):
                progress(r + 1, n)
        parts[0] = {
            k: np.vstack(v) if v else np.empty((0, probe.calendar.n_steps + 1))
            for k, v in arrays.items()
        }
    else:
        shipped = ship(scn)
        pool = executor or shared_pool(workers)
        pieces = [
            Replicates(seed, piece[0], piece[-1] + 1)
            for piece in chunks(list(range(n)), workers * CHUNKS_PER_WORKER)
        ]
        futures = {
            pool.submit(_run_chunk, shipped, piece, series, reporters): piece.start
            for piece in pieces
        }
        done = 0
        for fut in as_completed(futures):
            chunk_rows, chunk_arrays, chunk_long = fut.result()
            rows.extend(chunk_rows)
            long.extend(chunk_long)
            parts[futures[fut]] = chunk_arrays
            done += len(chunk_rows)
            if progress is not None:
                progress(done, n)
    extra = {
        col: REPORTER_DTYPES[str(t)] for col, t in (compiled.types.items() if compiled else ())
    }
    runs = pd.DataFrame(rows, columns=[*RUN_COLUMNS, *extra]).astype({**RUN_DTYPES, **extra})
    runs = runs.sort_values("replicate", kind="stable").reset_index(drop=True)
    timeseries = long_frame(long)
    if long:  # chunks finish in any order
        timeseries = timeseries.sort_values(["run", "step"], kind="stable").reset_index(drop=True)
    width = probe.calendar.n_steps + 1
    series_arrays = {
        name: np.vstack([parts[k][name] for k in sorted(parts)]) if parts else np.empty((0, width))
        for name in series
    }
    return EnsembleResult(
        scenario=scn,
        seed=seed,
        overrides=overrides,
        runs=runs,
        series=series_arrays,
        dates=list(probe.calendar.labels),
        dateless=probe.calendar.dateless,
        timeseries=timeseries,
    )


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


make_callable(
    __name__
)  # sim.ensemble(...) runs an ensemble; sim.ensemble.replicate_seed(...) still works
