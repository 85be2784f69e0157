"""Parameter sweeps: a grid of scenario variants, replicated, streamed to Parquet, resumable.

A sweep spec is a YAML file in the spirit of NetLogo's BehaviorSpace::

    scenario: new_start_2021            # a bundled name, or a path relative to this file
    overrides: {talks.rounds_per_step: 1}            # fixed for every run (optional)
    parameters:                          # the grid: every combination of these
      states.RU.utility.secrecy_cost: {start: 0.5, stop: 3.0, step: 0.5}   # stop included
      states.US.utility.lock_in: [0.0, 0.35, 0.7]
    zip:                                 # parameters that vary together (one grid axis each)
      - {states.US.utility.discount: [0.8, 0.9], states.RU.utility.discount: [0.8, 0.9]}
    replicates: 50
    seed: 0
    sample:                              # or (and) a sampled design, see sim.sampling
      method: lhs
      n: 64
      uncertainties: {tension.initial: [0.0, 0.6]}
    metrics:
      outcome: [category, label, years, verification, before_deadline, crisis, arms_race, final_tension]
      series: {tension: final, trust_US_RU: {every: 4}}
      reporters: {crisis_count: final, states.forces: {every: 4}}   # any attribute, see sim.reporters
    output: results/new_start_sweep      # a directory, relative to where the sweep is started

Run index. Combinations are numbered in the order the axes are written
(``parameters`` first, then each ``zip`` group, then the sample's points), the last axis varying
fastest; run ``i`` is replicate ``i % replicates`` of combination
``i // replicates``. Its seed is child ``i`` of ``SeedSequence(seed)``
(:func:`sim.ensemble.replicate_seed`), or child ``replicate`` with
``common_seeds: true`` (the same random numbers in every combination). So a
result depends only on the spec and the run index, never on the workers,
their order or the executor.

Output. Chunks of consecutive runs are written as ``part-XXXXX.parquet``
(to a temporary name, then renamed, so a part is whole or absent) and listed
in ``manifest.json`` (spec hash, total runs, chunk size, done chunks). A
sweep that was killed resumes with ``resume=True`` and ends with every run
present exactly once. A run that fails is kept with its error text in the
``error`` column, and the sweep goes on. Table columns: run, combo,
replicate, seed, one column per parameter (named by its dotted path), the
outcome metrics, one column per ``final`` series and reporter, error; their
types do not depend on the data (:func:`load_results`). Series and reporters
recorded ``{every: k}`` go to a long, tidy table (``series-XXXXX.parquet``,
written before the chunk's part; :func:`load_timeseries`): run, step, date,
variable, state, value at calendar indices 0, k, 2k, ... and the last one.

Limits (:mod:`sim.limits`). A parameter's values and the sweep's runs (grid
points times replicates) are counted before anything is built; workers are
bounded by the cores; a Dask sweep whose scheduler has had no live worker for
``DASK_NO_WORKER_S`` seconds (at the start or after its workers died) stops
with a message, keeping the chunks already written.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import sys
import time
import typing
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from sim import limits
from sim.callable_module import make_callable
from sim.compiled import CompiledScenario
from sim.ensemble import (
    Shipped,
    default_workers,
    outcome_row,
    pool_context,
    replicate_seed,
    series_names,
    series_values,
    ship,
    simulate,
    worker_init,
)
from sim.loading import LDict, ScenarioError, read_yaml, resolve_scenario
from sim.model import ArmsControlModel
from sim.provenance import model_version, versions
from sim.reporters import (
    LONG_COLUMNS,
    LONG_DTYPES,
    LONG_SCHEMA,
    ReporterError,
    Reporters,
    long_frame,
    series_rows,
)
from sim.runner import cached_scenario
from sim.sampling import SampleSpec
from sim.scenario import Scenario

MANIFEST = "manifest.json"
PART = "part-{:05d}.parquet"
SERIES_PART = "series-{:05d}.parquet"  # the chunk's long time-series rows, written before its part
MAX_CHUNK = 500  # runs per part file at most
MIN_CHUNK = 10  # runs per part file at least (when there are that many)
CHUNKS_TARGET = 50  # aim for about this many part files in a mid-sized sweep
NULLABLE_WHOLE = (
    "years",
    "agreement_step",
    "before_deadline",
)  # float64 always, NaN when there is none
INFLIGHT_PER_WORKER = 2  # chunks queued per worker: keeps workers busy, memory flat
POLL_S = 1.0  # how often a sweep on Dask checks that its scheduler still has a worker (seconds)
OUTCOME_METRICS = (
    "category",
    "label",
    "reason",
    "years",
    "agreement_step",
    "agreement_date",
    "before_deadline",
    "verification",
    "freeze",
    "parties",
    "crisis",
    "arms_race",
    "final_tension",
    "final_total_forces",
)
DEFAULT_OUTCOME = (
    "category",
    "label",
    "years",
    "agreement_date",
    "before_deadline",
    "crisis",
    "arms_race",
    "final_tension",
)
OUTCOME_TYPES = {
    "category": pa.string(),
    "label": pa.string(),
    "reason": pa.string(),
    "years": pa.int64(),
    "agreement_step": pa.int64(),
    "agreement_date": pa.string(),
    "before_deadline": pa.int64(),
    "verification": pa.string(),
    "freeze": pa.string(),
    "parties": pa.string(),
    "crisis": pa.bool_(),
    "arms_race": pa.bool_(),
    "final_tension": pa.float64(),
    "final_total_forces": pa.float64(),
}


class SweepError(ScenarioError):
    """A problem with a sweep spec or its output, located: file, line, field and what was expected."""


# ---------------------------------------------------------------------------- the spec
class Every(BaseModel):
    """Record a series every k steps (calendar indices 0, k, 2k, ...)."""

    model_config = ConfigDict(extra="forbid")
    every: int = Field(ge=1)


class Metrics(BaseModel):
    """What each run records: outcome fields, recorded series by name, and reporters (any model or
    state attribute, see :mod:`sim.reporters`), each ``final`` or ``{every: k}``."""

    model_config = ConfigDict(extra="forbid")
    outcome: list[Literal[OUTCOME_METRICS]] = Field(default_factory=lambda: list(DEFAULT_OUTCOME))  # type: ignore[valid-type]
    series: dict[str, Literal["final"] | Every] = Field(default_factory=dict)
    reporters: dict[str, Literal["final"] | Every] = Field(default_factory=dict)

    def reporter_spec(self) -> dict[str, Any]:
        """{name: "final" or k} for :class:`sim.reporters.Reporters`."""
        return {k: v if v == "final" else v.every for k, v in self.reporters.items()}


class SweepSpec(BaseModel):
    """A sweep: a base scenario, the parameters to vary, replicates, metrics and where to write.

    Parameter values here are already lists (ranges are expanded when the file is read).
    """

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    description: str | None = None
    scenario: str
    overrides: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, list[Any]] = Field(default_factory=dict)
    zip: list[dict[str, list[Any]]] = Field(default_factory=list)
    sample: SampleSpec | None = None
    replicates: int = Field(1, ge=1)
    seed: int = Field(0, ge=0)
    common_seeds: bool = False
    metrics: Metrics = Field(default_factory=Metrics)
    output: str
    chunk_size: int | None = Field(None, ge=1)
    _axes: list | None = PrivateAttr(default=None)

    @field_validator("parameters")
    @classmethod
    def _non_empty(cls, value: dict[str, list]) -> dict[str, list]:
        for path, values in value.items():
            if not values:
                raise ValueError(f"'{path}' has no values")
        return value

    @field_validator("zip")
    @classmethod
    def _same_lengths(cls, groups: list[dict[str, list]]) -> list[dict[str, list]]:
        for g, group in enumerate(groups):
            lengths = {len(v) for v in group.values()}
            if not group or 0 in lengths:
                raise ValueError(
                    f"zip group {g} must list at least one parameter with at least one value"
                )
            if len(lengths) > 1:
                shown = ", ".join(f"{k} has {len(v)}" for k, v in group.items())
                raise ValueError(
                    f"the parameters of a zip group vary together, so they need as many values each ({shown})"
                )
        return groups

    @model_validator(mode="after")
    def _each_path_once(self) -> SweepSpec:
        seen: set[str] = set(self.parameters)
        for group in self.zip:
            for path in group:
                if path in seen:
                    raise ValueError(
                        f"'{path}' is varied twice (in parameters and zip, or in two zip groups)"
                    )
                seen.add(path)
        for path in self.sample.parameters if self.sample else {}:
            if path in seen:
                raise ValueError(f"'{path}' is both sampled and on the grid; give it in one place")
        return self

    # -- the design
    def axes(self) -> list[tuple[tuple[str, ...], list[tuple]]]:
        """The design's axes: (paths, value tuples), ``parameters`` first, then each zip group,
        then the sample's design (one joint axis, or levers then uncertainties)."""
        if self._axes is None:
            out: list[tuple[tuple[str, ...], list[tuple]]] = [
                ((path,), [(v,) for v in values]) for path, values in self.parameters.items()
            ]
            for group in self.zip:
                paths = tuple(group)
                out.append((paths, list(zip(*(group[p] for p in paths)))))
            self._axes = out + (self.sample.axes() if self.sample else [])
        return self._axes

    @property
    def parameter_paths(self) -> list[str]:
        return [p for paths, _ in self.axes() for p in paths]

    @property
    def n_combos(self) -> int:
        return math.prod(len(values) for _, values in self.axes())

    @property
    def total_runs(self) -> int:
        return self.n_combos * self.replicates

    def combo(self, c: int) -> dict[str, Any]:
        """The overrides of combination c (mixed radix, last axis fastest)."""
        out: dict[str, Any] = {}
        for paths, values in reversed(self.axes()):
            c, k = divmod(c, len(values))
            out.update(zip(paths, values[k]))
        return {p: out[p] for p in self.parameter_paths}

    def run_seed(self, i: int) -> int:
        """The seed of run i."""
        return replicate_seed(self.seed, i % self.replicates if self.common_seeds else i)

    def hash(self, scenario: Scenario) -> str:
        """Identifies the experiment: the spec (without output or prose) and the scenario it resolves to."""
        body = self.model_dump(mode="json", exclude={"output", "name", "description"})
        body["scenario_content"] = scenario.model_dump(mode="json")
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[
            :16
        ]


# ---------------------------------------------------------------------------- reading a spec
def expand_values(node: Any) -> list[Any]:
    """A parameter's values: a list, ``{values: [...]}``, or ``{start, stop, step}`` (stop included)."""
    if isinstance(node, list):
        return list(node)
    if isinstance(node, dict) and set(node) == {"values"} and isinstance(node["values"], list):
        return list(node["values"])
    if isinstance(node, dict) and set(node) == {"start", "stop", "step"}:
        start, stop, step = (node[k] for k in ("start", "stop", "step"))
        if not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in (start, stop, step)
        ):
            raise ValueError("start, stop and step must be numbers")
        if not all(math.isfinite(v) for v in (start, stop, step)):
            raise ValueError("start, stop and step must be finite numbers")
        if step <= 0:
            raise ValueError(f"step must be positive (got {step})")
        if stop < start:
            raise ValueError(f"stop ({stop}) is below start ({start})")
        count = (stop - start) / step + 1e-9
        if not math.isfinite(count) or count + 1 > limits.SWEEP_VALUES.value:
            raise ValueError(
                limits.SWEEP_VALUES.exceeded(
                    int(count) + 1 if math.isfinite(count) else count, "the range has"
                )
            )
        n = int(math.floor(count)) + 1
        whole = all(isinstance(v, int) for v in (start, stop, step))
        return [start + k * step if whole else round(start + k * step, 12) for k in range(n)]
    raise ValueError(
        "expected a list of values, {values: [...]}, or {start: ..., stop: ..., step: ...}"
    )


def _where(data: Any, *path: Any) -> int | None:
    """The line of a key path in located data (the deepest one known)."""
    line, node = None, data
    for part in path:
        got = getattr(node, "where", {}).get(part)
        if got and got[1]:
            line = got[1]
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return line


def load_spec(spec_or_path: SweepSpec | dict | str | Path) -> tuple[SweepSpec, str, Any]:
    """Read and validate a sweep spec; returns (spec, file name, located raw data).

    Raises:
        SweepError: naming the file, the line and the field, and what was expected.
    """
    if isinstance(spec_or_path, SweepSpec):
        return spec_or_path, "<sweep>", {}
    if isinstance(spec_or_path, dict):
        data, file = spec_or_path, "<sweep>"
    else:
        path = Path(spec_or_path)
        file = str(path)
        if not path.exists():
            raise SweepError("no such sweep file", file)
        try:
            data = read_yaml(path)
        except ScenarioError as exc:
            raise SweepError(exc.message, exc.file, exc.line, exc.field) from None
    data = dict(data) if not isinstance(data, LDict) else data
    plain = dict(data)
    for key in ("parameters",):
        if isinstance(data.get(key), dict):
            plain[key] = {}
            for p, node in data[key].items():
                try:
                    plain[key][p] = expand_values(node)
                except ValueError as exc:
                    raise SweepError(str(exc), file, _where(data, key, p), f"{key}.{p}") from None
    if isinstance(data.get("zip"), list):
        plain["zip"] = [_zip_group(data, g, group, file) for g, group in enumerate(data["zip"])]
    try:
        spec = SweepSpec.model_validate(plain)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(
            str(p) for p in loc if not (isinstance(p, str) and ("[" in p or p in ("list", "dict")))
        )
        msg = err["msg"].replace("Value error, ", "")
        if err["type"] == "extra_forbidden":
            msg = "unknown key; expected one of " + ", ".join(_allowed(loc[:-1]))
        elif err["type"] == "missing":
            msg = "missing required field"
        got = err.get("input")
        if (
            err["type"] not in ("extra_forbidden", "missing")
            and not isinstance(got, (dict, list))
            and got is not None
        ):
            msg += f" (got {got!r})"
        raise SweepError(
            msg, file, _where(data, *loc) or (1 if file != "<sweep>" else None), field or None
        ) from None
    _check_size(spec, file, data)
    return spec, file, data


def _check_size(spec: SweepSpec, file: str, data: Any) -> None:
    """Each parameter's values and the runs in all within sim.limits, counted before anything is built."""
    for paths, values in spec.axes():
        if len(values) > limits.SWEEP_VALUES.value:
            where = ("parameters", paths[0]) if paths[0] in spec.parameters else ("zip",)
            raise SweepError(
                limits.SWEEP_VALUES.exceeded(len(values), "the parameter has"),
                file,
                _where(data, *where),
                ".".join(where),
            )
    if spec.total_runs > limits.SWEEP_RUNS.value:
        raise SweepError(
            limits.SWEEP_RUNS.exceeded(
                spec.total_runs,
                f"{spec.n_combos:,} grid points x {spec.replicates:,} replicates make",
            ),
            file,
            _where(data, "replicates") or _where(data, "parameters"),
            "replicates",
        )


def _zip_group(data: Any, g: int, group: Any, file: str) -> Any:
    """A zip group with its ranges expanded, checked for equal lengths (located)."""
    if not isinstance(group, dict) or not group:
        raise SweepError(
            "expected a mapping of parameter paths to values",
            file,
            _where(data, "zip", g),
            f"zip.{g}",
        )
    out = {}
    for p, node in group.items():
        try:
            out[p] = expand_values(node)
        except ValueError as exc:
            raise SweepError(str(exc), file, _where(data, "zip", g, p), f"zip.{g}.{p}") from None
    if len({len(v) for v in out.values()}) > 1:
        shown = ", ".join(f"{k} has {len(v)}" for k, v in out.items())
        raise SweepError(
            f"the parameters of a zip group vary together, so they need as many values each ({shown})",
            file,
            _where(data, "zip", g),
            f"zip.{g}",
        )
    return out


def _allowed(loc: tuple) -> list[str]:
    cls: Any = SweepSpec
    for part in loc:
        f = cls.model_fields.get(part) if isinstance(part, str) else None
        inner = (
            [
                a
                for a in (f.annotation, *typing.get_args(f.annotation))
                if isinstance(a, type) and issubclass(a, BaseModel)
            ]
            if f
            else []
        )
        if not inner:
            break
        cls = inner[0]
    return list(cls.model_fields)


def _scenario_ref(spec: SweepSpec, file: str) -> str:
    ref = spec.scenario
    if ref.endswith((".yaml", ".yml")) and not Path(ref).is_absolute() and not file.startswith("<"):
        candidate = Path(file).parent / ref
        if candidate.exists() or not Path(ref).exists():
            return str(candidate)
    return ref


def prepare(spec: SweepSpec, file: str, data: Any) -> tuple[Scenario, list[str]]:
    """Load the base scenario and check every path and value against it (located errors).

    Returns the base scenario (fixed overrides applied) and the recorded series names.
    """
    try:
        base = cached_scenario(_scenario_ref(spec, file), spec.overrides)
    except ScenarioError as exc:
        if exc.file and exc.file.startswith("--set "):
            key = exc.file[len("--set ") :]
            raise SweepError(
                exc.message, file, _where(data, "overrides", key), f"overrides.{key}"
            ) from None
        if exc.line is None and "scenario" not in (exc.file or ""):
            raise SweepError(
                f"scenario '{spec.scenario}': {exc.message}",
                file,
                _where(data, "scenario"),
                "scenario",
            ) from None
        raise
    _check_sample(spec, base, file, data)
    grid = spec.axes()[
        : len(spec.axes()) - (spec.sample.n_axes if spec.sample else 0)
    ]  # the sample is checked above
    for paths, values in grid:
        section = "parameters" if len(paths) == 1 and paths[0] in spec.parameters else "zip"
        for value in values:
            try:
                resolve_scenario(base, dict(zip(paths, value)))
            except ScenarioError as exc:
                shown = ", ".join(f"{p}={v!r}" for p, v in zip(paths, value))
                g = next((i for i, grp in enumerate(spec.zip) if paths[0] in grp), None)
                line = (
                    _where(data, "parameters", paths[0])
                    if section == "parameters"
                    else _where(data, "zip", g, paths[0])
                )
                field = f"parameters.{paths[0]}" if section == "parameters" else f"zip.{g}"
                raise SweepError(
                    f"{shown}: {exc.message}" + (f" ({exc.field})" if exc.field else ""),
                    file,
                    line,
                    field,
                ) from None
    names = series_names(ArmsControlModel(base, rng=0))
    for name in spec.metrics.series:
        if name not in names:
            raise SweepError(
                f"unknown series '{name}'; expected one of {', '.join(names)}",
                file,
                _where(data, "metrics", "series", name),
                f"metrics.series.{name}",
            )
    return base, names


def compile_reporters(spec: SweepSpec, base: Scenario, file: str, data: Any) -> Reporters | None:
    """The spec's reporters checked against the base scenario (located errors), or None."""
    if not spec.metrics.reporters:
        return None
    try:
        return Reporters(spec.metrics.reporter_spec(), base)
    except ReporterError as exc:
        raise SweepError(
            exc.message,
            file,
            _where(data, "metrics", "reporters", exc.name),
            f"metrics.reporters.{exc.name}",
        ) from None


def _check_sample(spec: SweepSpec, base: Scenario, file: str, data: Any) -> None:
    """Each sampled path, tried at its bounds and an interior point (located errors)."""
    if spec.sample is None:
        return
    for path, dist in spec.sample.parameters.items():
        kind = spec.sample.kind_of(path)
        for value in dist.probes():
            try:
                resolve_scenario(base, {path: value})
            except ScenarioError as exc:
                hint = (
                    "; for whole numbers use {integer: [low, high]}"
                    if "integer" in exc.message
                    else ""
                )
                raise SweepError(
                    f"{path}={value!r}: {exc.message}{hint}"
                    + (f" ({exc.field})" if exc.field else ""),
                    file,
                    _where(data, "sample", kind, path),
                    f"sample.{kind}.{path}",
                ) from None


# ---------------------------------------------------------------------------- running a chunk
def run_one(
    scenario: Scenario | CompiledScenario,
    seed: int,
    metrics: Metrics,
    reporters: Reporters | None = None,
    run: int = 0,
) -> dict[str, Any]:
    """One run's metrics (outcome fields, series, final reporters); its long time-series rows
    (series and reporters recorded every k steps) under the key ``_series``."""
    long: list[tuple] = []
    if reporters:
        model = ArmsControlModel(scenario, rng=seed)
        finals, long = reporters.run(model, run)
    else:
        model, finals = simulate(scenario, seed), {}
    row = outcome_row(model)
    out = {k: row[k] if k in row else getattr(model.outcome, k) for k in metrics.outcome}
    last, labels = model.recorder.last, model.calendar.labels
    for name, when in metrics.series.items():
        values = series_values(model, name)
        if when == "final":
            out[name] = float(values[last])
        else:
            long += series_rows(run, name, values, when.every, last, labels)
    out.update(finals)
    if long:
        out["_series"] = long
    model.release()
    return out


def run_chunk(
    spec: SweepSpec, shipped: Shipped, start: int, stop: int, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Rows of runs start..stop-1 (a worker's job) of the base scenario `shipped` (fixed overrides
    applied). A failing run gives a row with its error."""
    rows: list[dict[str, Any]] = []
    reporters = (
        Reporters(spec.metrics.reporter_spec(), shipped.compiled().scenario)
        if spec.metrics.reporters and not dry_run
        else None
    )
    for i in range(start, stop):
        c, r = divmod(i, spec.replicates)
        combo = spec.combo(c)
        seed = spec.run_seed(i)
        row: dict[str, Any] = {
            "run": i,
            "combo": c,
            "replicate": r,
            "seed": seed,
            **combo,
            "error": None,
        }
        if dry_run:
            rows.append(row)
            continue
        try:
            row.update(run_one(shipped.variant(combo), seed, spec.metrics, reporters, i))
        except Exception as exc:  # noqa: BLE001 - a failing run is recorded, and the sweep goes on
            row["error"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- the table
def _param_type(values: list[Any]) -> tuple[pa.DataType, bool]:
    """Arrow type for a parameter column; (type, as_json) when the values mix types."""
    try:
        return pa.array(values).type, False
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.string(), True


def table_schema(spec: SweepSpec, reporters: Reporters | None = None) -> tuple[pa.Schema, set[str]]:
    """The fixed schema of every part file, and the parameter columns stored as JSON text."""
    fields = [
        pa.field("run", pa.int64()),
        pa.field("combo", pa.int64()),
        pa.field("replicate", pa.int64()),
        pa.field("seed", pa.int64()),
    ]
    as_json = set()
    for paths, values in spec.axes():
        for j, p in enumerate(paths):
            t, js = _param_type([v[j] for v in values])
            fields.append(pa.field(p, t))
            if js:
                as_json.add(p)
    fields += [pa.field(k, OUTCOME_TYPES[k]) for k in spec.metrics.outcome]
    fields += [
        pa.field(name, pa.float64())
        for name, when in spec.metrics.series.items()
        if when == "final"
    ]
    fields += [pa.field(col, t) for col, t in (reporters.types.items() if reporters else ())]
    fields.append(pa.field("error", pa.string()))
    return pa.schema(fields), as_json


def _to_table(rows: list[dict], schema: pa.Schema, as_json: set[str]) -> pa.Table:
    if as_json:
        rows = [{**r, **{p: json.dumps(r[p], default=str) for p in as_json}} for r in rows]
    return pa.Table.from_pylist(rows, schema=schema)


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def _write_manifest(out: Path, manifest: dict) -> None:
    _write_atomic(out / MANIFEST, lambda p: p.write_text(json.dumps(manifest, indent=1)))


def load_results(output: str | Path) -> pd.DataFrame:
    """The results of a sweep (finished or not) as one table, ordered by run index.

    Column types do not depend on the data: whole numbers that may be missing
    (years, agreement_step, before_deadline) are float64, flags are pandas'
    nullable boolean, texts are strings.

    Raises:
        SweepError: when the directory holds no sweep results.
    """
    out = Path(output)
    parts = sorted(out.glob("part-*.parquet"))
    if not parts:
        raise SweepError("no sweep results here (no part-*.parquet files)", str(out))
    table = pa.concat_tables([pq.read_table(p) for p in parts])
    frame = table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
    for name in NULLABLE_WHOLE:
        if name in frame.columns:
            frame[name] = frame[name].astype("float64")
    return frame.sort_values("run", kind="stable").reset_index(drop=True)


def load_timeseries(output: str | Path) -> pd.DataFrame:
    """The long, tidy time series of a sweep: one row per (run, step, date, variable, state, value).

    Holds the series and reporters recorded ``{every: k}``, for the chunks that
    are done (see :mod:`sim.reporters` for the columns and their types).
    """
    out = Path(output)
    parts = [
        p
        for p in sorted(out.glob("series-*.parquet"))
        if (out / PART.format(int(p.stem.split("-")[1]))).exists()
    ]
    if not parts:
        return long_frame([])
    frame = pa.concat_tables([pq.read_table(p) for p in parts]).to_pandas()
    return (
        frame.astype(LONG_DTYPES).sort_values(["run", "step"], kind="stable").reset_index(drop=True)
    )


def read_manifest(output: str | Path) -> dict | None:
    """The sweep's manifest (spec hash, total runs, chunk size, done chunks), or None."""
    path = Path(output) / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SweepError(f"unreadable manifest: {exc}", str(path)) from None


# ---------------------------------------------------------------------------- the sweep
def default_chunk_size(total: int) -> int:
    """Runs per part file: about CHUNKS_TARGET files, within [MIN_CHUNK, MAX_CHUNK]."""
    return max(1, min(total, min(MAX_CHUNK, max(MIN_CHUNK, math.ceil(total / CHUNKS_TARGET)))))


def _done_chunks(out: Path, manifest: dict, sizes: dict[int, int]) -> set[int]:
    done = set(manifest.get("done", []))
    for p in out.glob("part-*.parquet"):
        try:
            k = int(p.stem.split("-")[1])
            if k in sizes and pq.read_metadata(p).num_rows == sizes[k]:
                done.add(k)  # written whole, but the manifest had not caught up
        except (ValueError, OSError, pa.ArrowException):
            p.unlink(missing_ok=True)
    return {k for k in done if (out / PART.format(k)).exists()}


def sweep(
    spec_or_path: SweepSpec | dict | str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool | Callable[[int, int], Any] = True,
    executor: Executor | None = None,
    output: str | Path | None = None,
    dry_run: bool = False,
    load: bool = True,
    allow_version_change: bool = False,
) -> pd.DataFrame | None:
    """Run a sweep and return its table (see the module docstring for the spec and the columns).

    Args:
        spec_or_path: a YAML file, a dict with the same fields, or a SweepSpec.
        workers: processes (default: the cores available); 1 runs in this process.
        scheduler: address of a Dask scheduler (``tcp://host:8786``); runs go to its workers.
        resume: finish a sweep whose output already holds part of this spec's results.
        progress: True for a progress bar on stderr (rate and time left), False for none,
            or a callable progress(done, total).
        executor: any concurrent.futures.Executor to run the chunks on (overrides workers and scheduler).
        output: write here instead of the spec's ``output``.
        dry_run: go through chunking, writing and resuming without running the model (metrics empty).
        load: return the table (False: return None, for sweeps too large to hold in memory).
        allow_version_change: resume even if the output was started by another model version
            (the manifest then lists each version under ``resumed``).

    Raises:
        SweepError: a bad spec (located), an output that holds another sweep's results, or one
            started by another model version (see :mod:`sim.provenance`).
    """
    spec, file, data = load_spec(spec_or_path)
    if executor is None and scheduler is None and workers is not None:
        problem = limits.check_workers(workers)
        if problem:
            raise SweepError(problem)
    out = Path(output if output is not None else spec.output)
    base, _ = prepare(spec, file, data)
    reporters = compile_reporters(spec, base, file, data)
    digest, total = spec.hash(base), spec.total_runs
    manifest = read_manifest(out)
    if manifest is not None:
        if manifest.get("spec_hash") != digest:
            raise SweepError(
                f"this output holds the results of a different sweep (spec {manifest.get('spec_hash')}, "
                f"this one is {digest}); choose another output or remove it",
                str(out),
            )
        if manifest.get("done") and not resume:
            raise SweepError(
                f"this output already holds {len(manifest['done'])} of {manifest['n_chunks']} chunks of this "
                "sweep; resume it (--resume) or remove it",
                str(out),
            )
        _check_version(manifest, out, allow_version_change)
        chunk = int(manifest["chunk_size"])
    else:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise SweepError(
                "exists and is not a sweep output; refusing to write into it", str(out)
            )
        chunk = spec.chunk_size or default_chunk_size(total)
    n_chunks = math.ceil(total / chunk) if total else 0
    sizes = {k: min(chunk, total - k * chunk) for k in range(n_chunks)}
    out.mkdir(parents=True, exist_ok=True)
    for tmp in out.glob("*.tmp"):
        tmp.unlink(missing_ok=True)
    manifest = manifest or {
        "spec_hash": digest,
        "total_runs": total,
        "chunk_size": chunk,
        "n_chunks": n_chunks,
        "parameters": spec.parameter_paths,
        "spec": spec.model_dump(mode="json"),
        "versions": versions(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "done": [],
    }
    done = _done_chunks(out, manifest, sizes)
    manifest["done"] = sorted(done)
    _write_manifest(out, manifest)
    todo = [k for k in range(n_chunks) if k not in done]
    schema, as_json = table_schema(spec, reporters)

    bar, report = None, None
    if callable(progress):
        report = progress
    elif progress:
        from tqdm import tqdm

        bar = tqdm(
            total=total,
            initial=sum(sizes[k] for k in done),
            unit="run",
            file=sys.stderr,
            desc=spec.name or out.name,
            dynamic_ncols=True,
        )

    def finished(k: int, rows: list[dict]) -> None:
        long = [x for r in rows for x in r.pop("_series", ())]
        if long:  # before the part, whose presence marks the chunk done
            _write_atomic(
                out / SERIES_PART.format(k),
                lambda p: pq.write_table(
                    pa.Table.from_pylist(
                        [dict(zip(LONG_COLUMNS, x)) for x in long], schema=LONG_SCHEMA
                    ),
                    p,
                ),
            )
        _write_atomic(
            out / PART.format(k), lambda p: pq.write_table(_to_table(rows, schema, as_json), p)
        )
        done.add(k)
        manifest["done"] = sorted(done)
        _write_manifest(out, manifest)
        if bar is not None:
            bar.update(len(rows))
        if report is not None:
            report(sum(sizes[j] for j in done), total)

    own: Any = None
    alive = None
    try:
        if executor is None and scheduler is not None:
            own = _dask_client(scheduler)
            executor, alive = own.get_executor(), _has_workers(own, scheduler)
        n_workers = workers or default_workers()
        shipped = ship(base)  # before the pool, whose forked workers inherit its compiled form
        if executor is None and n_workers == 1:
            for k in todo:
                finished(k, run_chunk(spec, shipped, k * chunk, k * chunk + sizes[k], dry_run))
        else:
            if executor is None:
                own = executor = ProcessPoolExecutor(
                    max_workers=n_workers,
                    mp_context=pool_context(),
                    initializer=worker_init,
                    initargs=(os.getpid(),),
                )
            _drive(
                executor,
                todo,
                lambda k: (run_chunk, spec, shipped, k * chunk, k * chunk + sizes[k], dry_run),
                finished,
                INFLIGHT_PER_WORKER * n_workers,
                alive,
            )
    finally:
        if bar is not None:
            bar.close()
        if own is not None:
            own.close() if hasattr(own, "scheduler_info") else own.shutdown(
                wait=True, cancel_futures=True
            )
    manifest["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    _write_manifest(out, manifest)
    return load_results(out) if load and total else None


def _check_version(manifest: dict, out: Path, allow: bool) -> None:
    """Refuse to resume an output started by another model version, unless allowed (then note it)."""
    if not manifest.get("done"):
        return
    now = versions()
    before = manifest.get("versions")
    if model_version(before) == model_version(now):
        return
    if not allow:
        raise SweepError(
            f"this output was started by {model_version(before)}; this is {model_version(now)}. Resuming "
            "would mix two model versions in one table: use another output, or resume anyway with "
            "--allow-version-change (allow_version_change=True)",
            str(out),
        )
    manifest.setdefault("resumed", []).append(
        {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "versions": now}
    )


def _dask_client(scheduler: str) -> Any:
    """A client of the Dask scheduler at `scheduler`, once it has a worker (SweepError after DASK_NO_WORKER_S)."""
    from distributed import Client

    client = Client(scheduler)
    try:
        client.wait_for_workers(1, timeout=limits.DASK_NO_WORKER_S.value)
    except (TimeoutError, OSError):
        client.close()
        raise SweepError(
            f"the Dask scheduler at {scheduler} has no worker: none joined within "
            f"{limits.DASK_NO_WORKER_S.value} s; start some (dask worker {scheduler}) and run again "
            f"(the limit is {limits.DASK_NO_WORKER_S.variable})"
        ) from None
    return client


def _has_workers(client: Any, scheduler: str) -> Callable[[], bool]:
    """A check that the scheduler still has at least one live worker (False when it cannot be asked)."""

    def alive() -> bool:
        try:
            return bool(client.nthreads())
        except Exception:  # noqa: BLE001 - a scheduler that cannot answer has no worker for us
            return False

    alive.scheduler = scheduler  # type: ignore[attr-defined]
    return alive


def _drive(
    executor: Executor,
    todo: list[int],
    job: Callable[[int], tuple],
    finished: Callable[[int, list], None],
    inflight: int,
    alive: Callable[[], bool] | None = None,
) -> None:
    """Keep at most `inflight` chunks queued on the executor; write each as it comes back.

    With `alive` (a Dask sweep), stop with a SweepError once it has said False for DASK_NO_WORKER_S seconds.
    """
    queue = iter(todo)
    running: dict = {}
    alone_since: float | None = None
    try:
        for k in itertools.islice(queue, inflight):
            fn, *args = job(k)
            running[executor.submit(fn, *args)] = k
        while running:
            ready, _ = wait(running, timeout=POLL_S if alive else None, return_when=FIRST_COMPLETED)
            if alive is not None and not ready:
                if alive():
                    alone_since = None
                elif alone_since is None:
                    alone_since = time.monotonic()
                elif time.monotonic() - alone_since > limits.DASK_NO_WORKER_S.value:
                    raise SweepError(
                        f"the Dask scheduler at {getattr(alive, 'scheduler', '?')} has had no live worker for "
                        f"{limits.DASK_NO_WORKER_S.value} s; the chunks already written are kept: start "
                        "workers and continue with --resume"
                    )
                continue
            for fut in ready:
                k = running.pop(fut)
                finished(k, fut.result())
                for nxt in itertools.islice(queue, 1):
                    fn, *args = job(nxt)
                    running[executor.submit(fn, *args)] = nxt
    except BaseException:
        for fut in running:
            fut.cancel()
        raise


sweep.load_results = load_results  # type: ignore[attr-defined]
sweep.load_timeseries = load_timeseries  # type: ignore[attr-defined]
sweep.load_spec = load_spec  # type: ignore[attr-defined]
sweep.SweepError = SweepError  # type: ignore[attr-defined]

make_callable(__name__)  # sim.sweep(...) runs a sweep; sim.sweep.load_results(...) still works
