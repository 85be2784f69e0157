"""Reporters: record any model or state attribute by name, at the end of a run or every k steps.

In the spirit of Mesa's model and agent reporters and NetLogo's BehaviorSpace
reporters, a sweep spec (``metrics.reporters``) or an ensemble
(``sim.ensemble(..., reporters=...)``) names what to record::

    reporters:
      crisis_count: final                 # an attribute of the model
      treaty.verification: final          # dotted: an attribute of an attribute
      states.forces: {every: 4}           # every state's attribute, every 4 steps
      states.US.trust_in_rival: final     # one state's attribute

A name that starts with ``states.`` is read on each state agent (or on the one
named next); any other name is read on the model. A value must be a number,
a flag (true/false), a text or nothing.

Where they go. A ``final`` reporter is a column of the runs table: its name
for a model reporter, ``states.<S>.<attribute>`` for each state of a state
reporter. Numbers are float64, flags boolean and texts strings whatever the
data (the type is read from a probe run before the sweep starts). An
``{every: k}`` reporter goes to the long, tidy time-series table, one row per
(run, step, date, variable, state, value): calendar indices 0, k, 2k, ... and
the last one; ``value`` is float64 (a flag is 1.0 or 0.0), ``state`` is empty
for a model reporter.

The agreed terms of a run (:func:`agreed_terms`) are columns of their own as
well: ``verification``, ``freeze`` and ``parties`` beside ``years`` and
``agreement_date``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    from sim.model import ArmsControlModel
    from sim.scenario import Scenario

STATES = "states"
FINAL = "final"
PARTY_SEPARATOR = "+"  # parties of an agreement as one text: "US+RU"
LONG_COLUMNS = ("run", "step", "date", "variable", "state", "value")
LONG_SCHEMA = pa.schema(
    [
        pa.field("run", pa.int64()),
        pa.field("step", pa.int64()),
        pa.field("date", pa.string()),
        pa.field("variable", pa.string()),
        pa.field("state", pa.string()),
        pa.field("value", pa.float64()),
    ]
)
LONG_DTYPES = {
    "run": "int64",
    "step": "int64",
    "date": "object",
    "variable": "object",
    "state": "object",
    "value": "float64",
}
AGREED_TERMS = ("verification", "freeze", "parties")


class ReporterError(ValueError):
    """A reporter that names nothing the model has, or reads something that is not a single value."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


# ---------------------------------------------------------------------------- agreed terms
def agreed_terms(model: ArmsControlModel) -> dict[str, str | None]:
    """The terms of the run's agreement, if it reached one: verification level, freeze scope and
    parties ("US+RU"); None for each when there was no agreement (years and date are outcome fields)."""
    agreement = model.treaty.agreement
    if not agreement:
        return dict.fromkeys(AGREED_TERMS)
    offer = model.space.offers[agreement["offer"]]
    return {
        "verification": offer.verification,
        "freeze": offer.freeze,
        "parties": PARTY_SEPARATOR.join(offer.parties),
    }


# ---------------------------------------------------------------------------- reading a value
def read_path(obj: Any, parts: list[str]) -> Any:
    """getattr along a dotted path (dict keys too)."""
    for part in parts:
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def _state_reader(index: int, parts: list[str]) -> Callable[[Any], Any]:
    """A probe that reads `parts` on the model's state number `index`."""
    return lambda model: read_path(model.states[index], parts)


def scalar(value: Any) -> Any:
    """A reported value as a plain Python number, flag, text or None; TypeError for anything else."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"is a {type(value).__name__}, not a single number, flag or text")


def arrow_type(value: Any) -> pa.DataType:
    """The column type of a reporter from a probe value (numbers float64, flags bool, texts and nothing string)."""
    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, float):
        return pa.float64()
    return pa.string()


@dataclass(frozen=True)
class Probe:
    """One column a reporter gives: its column name, variable and state, and how to read it."""

    column: str
    variable: str
    state: str | None
    read: Callable[[ArmsControlModel], Any]


def compile_reporter(name: str, model: ArmsControlModel) -> list[Probe]:
    """The probes of one reporter name, checked against a model (ReporterError when it names nothing)."""
    parts = name.split(".")
    if not all(parts):
        raise ReporterError(name, "expected a dotted attribute name, e.g. tension or states.forces")
    names = [s.name for s in model.states]
    if parts[0] == STATES:
        rest = parts[1:]
        chosen = names
        if rest and rest[0] in names:
            chosen, rest = [rest[0]], rest[1:]
        if not rest:
            raise ReporterError(
                name, f"name the attribute to read on each state, e.g. {STATES}.forces"
            )
        variable = ".".join(rest)
        probes = [
            Probe(
                f"{STATES}.{s}.{variable}",
                variable,
                s,
                _state_reader(names.index(s), rest),
            )
            for s in chosen
        ]
    else:
        probes = [Probe(name, name, None, lambda m: read_path(m, parts))]
    for p in probes:
        try:
            scalar(p.read(model))
        except (AttributeError, KeyError, IndexError) as exc:
            where = f"state {p.state}" if p.state else "the model"
            missing = getattr(exc, "name", None) or str(exc).strip("'")
            raise ReporterError(name, f"{where} has no attribute '{missing}'") from None
        except TypeError as exc:
            raise ReporterError(name, str(exc)) from None
    return probes


# ---------------------------------------------------------------------------- a set of reporters
class Reporters:
    """Reporters compiled against a scenario: what to read, when, and the types of their columns.

    Args:
        spec: {name: "final" or an int k (every k steps)}.
        scenario: the scenario the runs will use (a probe run fixes the column types).
    """

    def __init__(self, spec: dict[str, Any], scenario: Scenario):
        from sim.model import ArmsControlModel

        probe = ArmsControlModel(scenario, rng=0)
        self.final: list[Probe] = []
        self.every: list[tuple[Probe, int]] = []
        compiled = {name: compile_reporter(name, probe) for name in spec}
        probe.run()
        for name, when in spec.items():
            probes = compiled[name]
            if when == FINAL:
                self.final += probes
                continue
            if any(arrow_type(scalar(p.read(probe))) == pa.string() for p in probes):
                raise ReporterError(
                    name,
                    "only numbers and flags can be recorded over time; record a text with 'final'",
                )
            self.every += [(p, int(when)) for p in probes]
        self.types = {p.column: arrow_type(scalar(p.read(probe))) for p in self.final}

    def __bool__(self) -> bool:
        return bool(self.final or self.every)

    def run(self, model: ArmsControlModel, run: int) -> tuple[dict[str, Any], list[tuple]]:
        """Step the model to its end, reading the reporters; (final columns, long rows)."""
        rows: list[tuple] = []
        labels = model.calendar.labels
        due = [(p, k) for p, k in self.every if model.step_index % k == 0]
        self._read(model, run, due, labels, rows)
        while model.running:
            model.step()
            k_now = model.step_index
            self._read(
                model,
                run,
                [(p, k) for p, k in self.every if k_now % k == 0 or not model.running],
                labels,
                rows,
            )
        final = {p.column: scalar(p.read(model)) for p in self.final}
        return final, rows

    @staticmethod
    def _read(model, run: int, due: list, labels, rows: list) -> None:
        k = model.step_index
        for p, _ in due:
            value = scalar(p.read(model))
            rows.append(
                (run, k, labels[k], p.variable, p.state, np.nan if value is None else float(value))
            )


def long_frame(rows: list[tuple]) -> pd.DataFrame:
    """Long rows -> the tidy time-series table with fixed dtypes (see :data:`LONG_DTYPES`)."""
    frame = pd.DataFrame(rows, columns=list(LONG_COLUMNS))
    return frame.astype(LONG_DTYPES)


def series_rows(
    run: int, name: str, values: np.ndarray, every: int, last: int, labels
) -> list[tuple]:
    """A recorded series as long rows at calendar indices 0, k, 2k, ... (and the last one)."""
    steps = list(range(0, last + 1, every))
    if steps[-1] != last:
        steps.append(last)
    return [(run, k, labels[k], name, None, float(values[k])) for k in steps]
