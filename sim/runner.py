"""One run of a scenario: ``sim.run(scenario, seed=..., **overrides)``, and the per-process scenario cache.

Scenarios named by a bundled name or a path are cached per process
(:func:`cached_scenario`), keyed by the file, its modification time and size
and those of every file it ``extends:``, and by the overrides. A driver that
calls ``sim.run("new_start_2021", overrides=...)`` in a loop pays for reading
the YAML once, as if it had loaded the scenario itself. The cache returns the
same object each time: scenarios are never changed after validation (the
model derives its tables from them once and shares them between runs).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from sim.model import ArmsControlModel
from sim.outcomes import Outcome
from sim.scenario import Scenario

CACHE_SIZE = 128  # scenario variants (file and overrides) kept per process
EXTENDS_LINE = re.compile(r"^extends:\s*['\"]?([^'\"#\s]+)", re.MULTILINE)
MAX_EXTENDS = 8  # as sim.loading allows
SEED_BITS = 31  # a drawn seed stays a small, typeable integer (acsim run --seed N)


@dataclass
class RunResult:
    """What one run produced.

    Attributes:
        scenario: the scenario as run (overrides applied).
        seed: the seed it ran with (drawn when none was given), so that it can be repeated.
        outcome: how it ended (:class:`~sim.outcomes.Outcome`).
        model: the finished model, for anything else.
    """

    scenario: Scenario
    seed: int
    outcome: Outcome
    model: ArmsControlModel = field(repr=False)

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per calendar index: date, tension, treaty, and per state forces, caps, trust, moves."""
        return self.model.recorder.frame()

    @cached_property
    def log(self) -> pd.DataFrame:
        """The dated log of decisions and their reasons (step, date, actor, kind, text)."""
        return self.model.log.to_frame()

    def story(self) -> str:
        """The log as text, one dated line per decision."""
        return self.model.log.to_text()

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain data (what ``acsim run --json`` prints)."""
        ts = self.timeseries.astype(object).where(self.timeseries.notna(), None)
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "outcome": self.outcome.as_dict(),
            "log": self.log.to_dict(orient="records"),
            "timeseries": ts.to_dict(orient="records"),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, default=str)

    def __repr__(self) -> str:
        return (
            f"RunResult(scenario={self.scenario.name!r}, seed={self.seed}, outcome={self.outcome.label!r}, "
            f"steps={self.model.recorder.last})"
        )

    def _repr_html_(self) -> str:
        """A notebook's view: the scenario, the seed, the outcome and its reason, and how to see more."""
        title = self.scenario.title or self.scenario.name
        rows = [
            ("scenario", f"{title} ({self.scenario.name})"),
            ("seed", str(self.seed)),
            ("outcome", self.outcome.label),
            ("why", self.outcome.reason),
            ("decisions logged", f"{len(self.model.log)} (.log, .story())"),
            ("time series", f"{self.model.recorder.last + 1} rows (.timeseries)"),
        ]
        return html_table("RunResult", rows)


def run(
    scenario: Scenario | str = "classroom_basic",
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    **more: Any,
) -> RunResult:
    """Run a scenario to its end.

    Args:
        scenario: a Scenario, a bundled scenario's name or a path to a YAML file.
        seed: fixes every random draw; the same seed and scenario give the same run, bit for bit.
            Without one, a seed is drawn and recorded in the result's ``seed``.
        overrides: {dotted.path: value} applied before validation.
        **more: overrides given as keywords; use ``__`` for dots (``tension__initial=0.5``).
    """
    merged = dict(overrides or {})
    merged.update({k.replace("__", "."): v for k, v in more.items()})
    if seed is None:
        seed = secrets.randbits(SEED_BITS)
    model = ArmsControlModel(cached_scenario(scenario, merged), rng=seed)
    model.run()
    assert model.outcome is not None  # set when a run ends
    return RunResult(scenario=model.scenario, seed=seed, outcome=model.outcome, model=model)


def html_table(caption: str, rows: list[tuple[str, str]]) -> str:
    """A small two-column HTML table (for notebooks), every text escaped."""
    body = "".join(
        f"<tr><th style='text-align:left'>{escape(k)}</th><td style='text-align:left'>{escape(v)}</td></tr>"
        for k, v in rows
    )
    return (
        f"<table><caption style='text-align:left'><b>{escape(caption)}</b></caption>{body}</table>"
    )


# ---------------------------------------------------------------------------- the scenario cache
_CACHE: OrderedDict[tuple, Scenario] = OrderedDict()


def _file_chain(path: Path) -> tuple[tuple[str, int, int], ...]:
    """(file, mtime_ns, size) of a scenario file and of each file it extends, read without parsing YAML."""
    from sim.loading import ScenarioError, extends_path

    out = []
    for _ in range(MAX_EXTENDS + 1):
        try:
            st = os.stat(path)
            stamp = (str(path.resolve()), st.st_mtime_ns, st.st_size)
            parent = _PARENTS[stamp] if stamp in _PARENTS else _parent_line(path, stamp)
        except OSError:
            break  # loading will report it
        out.append(stamp)
        if parent is None:
            break
        try:
            path = extends_path(parent.group(1), path.parent)
        except (ScenarioError, ValueError):
            break  # loading will report it
    return tuple(out)


# The `extends:` line of each scenario file as it was when read, by (file, mtime_ns, size).
_PARENTS: dict[tuple[str, int, int], re.Match | None] = {}


def _parent_line(path: Path, stamp: tuple[str, int, int]) -> re.Match | None:
    """The file's `extends:` line (None without one), remembered under its stamp so that an
    unchanged file is not read again."""
    parent = EXTENDS_LINE.search(path.read_text(encoding="utf-8", errors="replace"))
    if len(_PARENTS) >= CACHE_SIZE:
        _PARENTS.clear()
    _PARENTS[stamp] = parent
    return parent


def _remember(key: tuple, scenario: Scenario) -> Scenario:
    _CACHE[key] = scenario
    _CACHE.move_to_end(key)
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return scenario


def cached_scenario(
    scenario: Scenario | str | Path, overrides: dict[str, Any] | None = None
) -> Scenario:
    """A validated scenario from a Scenario, a bundled name or a path, with overrides, cached per process.

    A name or path is read once per (file and the files it extends, as they are
    now; overrides); a changed file is read again. A Scenario object is not cached.

    Raises:
        ScenarioError: as :func:`sim.load_scenario`, naming the file, the line and the field.
    """
    from sim.loading import load_scenario, resolve_scenario, scenario_path

    if isinstance(scenario, Scenario):
        return resolve_scenario(scenario, overrides)
    base_key = _file_chain(scenario_path(scenario)) or (str(scenario),)
    base = _CACHE.get(base_key)
    if base is None:
        base = _remember(base_key, load_scenario(scenario))
    if not overrides:
        return base
    key = (base_key, json.dumps(overrides, sort_keys=True, default=repr))
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    return _remember(key, resolve_scenario(base, overrides))


def clear_cache() -> None:
    """Forget every cached scenario."""
    _CACHE.clear()
    _PARENTS.clear()
