"""Samplers beside grids: Latin hypercube, Monte Carlo, Sobol and Morris designs for sweeps.

A sweep spec may hold a ``sample:`` block instead of (or beside) a grid::

    sample:
      method: lhs                  # lhs, sobol, morris or monte_carlo
      n: 16                        # base samples (see below for how many points each method makes)
      seed: 0
      levers:                      # what a policy chooses
        states.Blue.utility.lock_in: [0.0, 1.0]
      uncertainties:               # what is not known
        states.Red.utility.secrecy_cost: [0.0, 3.0]                 # uniform between the bounds
        tension.initial: {triangular: [0.1, 0.2, 0.5]}              # low, mode, high
        states.Blue.utility.discount: {normal: [0.9, 0.02]}         # mean, standard deviation
        talks.rounds_per_step: {integer: [1, 3]}                    # whole numbers, bounds included
        talks.deadline_kind: {choice: [fixed, uncertain]}           # one of these values

Each entry is ``[low, high]`` (uniform) or one distribution:
``uniform: [low, high]``, ``log_uniform: [low, high]``,
``triangular: [low, mode, high]``, ``normal: [mean, sd]``,
``truncated_normal: [low, high, mean, sd]``, ``lognormal: [mean, sd]`` (of
the logarithm), ``integer: [low, high]`` or ``choice: [value, ...]``.

The points come from SALib (``SALib.sample.latin``, ``.sobol``, ``.morris``;
Monte Carlo draws the unit cube from ``numpy.random.default_rng(seed)``), and
SALib's own scaling maps the unit cube onto each distribution. Integers and
choices are uniform draws cut into equal bins, as EMA Workbench does.

How many points: ``lhs`` and ``monte_carlo`` make ``n``; ``sobol`` makes
``n * (D + 2)`` (``n * (2D + 2)`` with ``second_order: true``; ``n`` must be
a power of two); ``morris`` makes ``n * (D + 1)`` (``n`` trajectories over
``levels`` levels), for D sampled parameters. With ``policies: k`` (LHS and
Monte Carlo only) the levers get a design of their own of k points (seed + 1)
and every policy meets every point of the uncertainties' design, as in EMA
Workbench's ``perform_experiments(scenarios=n, policies=k)``; without it,
levers and uncertainties are one joint design (what Sobol and Morris need).

:func:`sensitivity` turns a finished Sobol or Morris sweep into indices.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

METHODS = ("lhs", "sobol", "morris", "monte_carlo")
# name in a spec -> (SALib's name, number of values)
SALIB_DISTS = {
    "uniform": ("unif", 2),
    "log_uniform": ("logunif", 2),
    "triangular": ("triang", 3),
    "normal": ("norm", 2),
    "truncated_normal": ("truncnorm", 4),
    "lognormal": ("lognorm", 2),
    "integer": ("unif", 2),
}
MORRIS_LEVELS = 4  # SALib's default grid of levels for Morris trajectories
PROBE_FRACTION = (
    0.37  # an interior point, off any round number, to test a path's type before running
)


class Distribution(BaseModel):
    """One sampled parameter: a named distribution and its values (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: str
    values: list[Any]

    @property
    def salib(self) -> tuple[str, list[float]]:
        """(SALib's distribution name, its bounds list) for the problem dict."""
        if self.kind == "choice":
            return "unif", [0.0, float(len(self.values))]
        name, _ = SALIB_DISTS[self.kind]
        if self.kind == "triangular":  # SALib: [low, high, peak as a fraction of the width]
            lo, mode, hi = self.values
            return name, [lo, hi, (mode - lo) / (hi - lo)]
        if self.kind == "integer":
            return name, [float(self.values[0]), float(self.values[1]) + 1.0]
        return name, [float(v) for v in self.values]

    def convert(self, column: np.ndarray) -> list[Any]:
        """Scaled samples -> the values given to the scenario (plain Python numbers or choices)."""
        if self.kind == "choice":
            k = np.clip(np.floor(column).astype(int), 0, len(self.values) - 1)
            return [self.values[i] for i in k]
        if self.kind == "integer":
            return [int(v) for v in np.clip(np.floor(column), self.values[0], self.values[1])]
        return [float(v) for v in column]

    def probes(self) -> list[Any]:
        """Values to check against the scenario before anything runs: the ends and an interior point."""
        if self.kind == "choice":
            return list(self.values)
        if self.kind == "integer":
            return [int(self.values[0]), int(self.values[1])]
        if self.kind in ("normal", "lognormal"):
            mean = self.values[0]
            return [float(math.exp(mean)) if self.kind == "lognormal" else float(mean)]
        lo, hi = (
            (self.values[0], self.values[-1])
            if self.kind != "truncated_normal"
            else self.values[:2]
        )
        return [float(lo), float(hi), float(lo + PROBE_FRACTION * (hi - lo))]


def parse_distribution(node: Any) -> Any:
    """``[low, high]`` or ``{kind: [values]}`` -> a Distribution, or a ValueError saying what was expected."""
    if isinstance(node, Distribution):
        return node
    if isinstance(node, dict) and set(node) == {"kind", "values"}:  # a spec dumped by model_dump
        node = {node["kind"]: node["values"]}
    expected = "expected [low, high] or one of " + ", ".join(
        f"{{{k}: [...]}}" for k in (*SALIB_DISTS, "choice")
    )
    if isinstance(node, list):
        node = {"uniform": node}
    if not (isinstance(node, dict) and len(node) == 1):
        raise ValueError(expected)
    ((kind, values),) = node.items()
    if kind == "choice":
        if not isinstance(values, list) or not values:
            raise ValueError("choice: expected a list of at least one value")
        return Distribution(kind=kind, values=list(values))
    if kind not in SALIB_DISTS:
        raise ValueError(f"unknown distribution '{kind}'; " + expected)
    count = SALIB_DISTS[kind][1]
    if not (
        isinstance(values, list)
        and len(values) == count
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    ):
        raise ValueError(f"{kind}: expected a list of {count} numbers (got {values!r})")
    _check(kind, values)
    return Distribution(kind=kind, values=list(values))


def _check(kind: str, v: list[float]) -> None:
    if kind in ("uniform", "log_uniform", "integer", "truncated_normal") and not v[0] < v[1]:
        raise ValueError(f"{kind}: the low bound ({v[0]}) must be below the high bound ({v[1]})")
    if kind == "integer" and not all(float(x).is_integer() for x in v):
        raise ValueError(f"integer: the bounds must be whole numbers (got {v})")
    if kind == "log_uniform" and v[0] <= 0:
        raise ValueError(f"log_uniform: the bounds must be above 0 (got {v})")
    if kind == "triangular" and not v[0] <= v[1] <= v[2] or kind == "triangular" and v[0] == v[2]:
        raise ValueError(f"triangular: expected low <= mode <= high with low < high (got {v})")
    if kind in ("normal", "lognormal") and v[1] <= 0 or kind == "truncated_normal" and v[3] <= 0:
        raise ValueError(f"{kind}: the standard deviation must be above 0 (got {v})")


Dist = Annotated[Distribution, BeforeValidator(parse_distribution)]


class SampleSpec(BaseModel):
    """The ``sample:`` block of a sweep spec (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    method: Literal[METHODS]  # type: ignore[valid-type]
    n: int = Field(ge=1)
    seed: int = Field(0, ge=0)
    levers: dict[str, Dist] = Field(default_factory=dict)
    uncertainties: dict[str, Dist] = Field(default_factory=dict)
    policies: int | None = Field(None, ge=1)
    second_order: bool = False
    levels: int = Field(MORRIS_LEVELS, ge=2)

    @model_validator(mode="after")
    def _coherent(self) -> SampleSpec:
        if not self.levers and not self.uncertainties:
            raise ValueError("a sample needs at least one parameter under levers or uncertainties")
        twice = set(self.levers) & set(self.uncertainties)
        if twice:
            raise ValueError(f"{', '.join(sorted(twice))}: listed as a lever and as an uncertainty")
        if self.policies is not None:
            if self.method in ("sobol", "morris"):
                raise ValueError(
                    f"policies: a {self.method} design must be joint (leave policies out)"
                )
            if not self.levers or not self.uncertainties:
                raise ValueError("policies: needs both levers and uncertainties")
        if self.method == "sobol" and self.n & (self.n - 1):
            raise ValueError(
                f"n: a Sobol design needs a power of two (got {self.n}; "
                f"try {1 << (self.n.bit_length() - 1)} or {1 << self.n.bit_length()})"
            )
        return self

    @property
    def parameters(self) -> dict[str, Distribution]:
        """Every sampled parameter, levers first."""
        return {**self.levers, **self.uncertainties}

    def kind_of(self, path: str) -> str:
        """'levers' or 'uncertainties'."""
        return "levers" if path in self.levers else "uncertainties"

    @property
    def n_axes(self) -> int:
        """How many sweep axes the design makes: two with policies (levers, uncertainties), else one."""
        return 2 if self.policies is not None else 1

    def axes(self) -> list[tuple[tuple[str, ...], list[tuple]]]:
        """The design as sweep axes (paths, value tuples): one joint axis, or levers then uncertainties."""
        if self.policies is not None:
            return [
                design_axis(self.method, self.levers, self.policies, self.seed + 1, self),
                design_axis(self.method, self.uncertainties, self.n, self.seed, self),
            ]
        return [design_axis(self.method, self.parameters, self.n, self.seed, self)]


def problem(params: dict[str, Distribution]) -> dict[str, Any]:
    """SALib's problem dict for these parameters."""
    dists = [d.salib for d in params.values()]
    return {
        "num_vars": len(params),
        "names": list(params),
        "bounds": [b for _, b in dists],
        "dists": [name for name, _ in dists],
    }


def salib_matrix(
    method: str, params: dict[str, Distribution], n: int, seed: int, options: SampleSpec
) -> np.ndarray:
    """The design matrix (points x parameters) on each parameter's scale, from SALib."""
    from SALib.util import scale_samples

    prob = problem(params)
    if method == "lhs":
        from SALib.sample import latin

        return latin.sample(prob, n, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(prob, n, calc_second_order=options.second_order, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(prob, n, num_levels=options.levels, seed=seed)
    unit = np.random.default_rng(seed).random((n, len(params)))
    return scale_samples(unit, prob)


def design_axis(
    method: str, params: dict[str, Distribution], n: int, seed: int, options: SampleSpec
) -> tuple[tuple[str, ...], list[tuple]]:
    """One sweep axis: the parameters' paths and one value tuple per design point."""
    matrix = salib_matrix(method, params, n, seed, options)
    columns = [d.convert(matrix[:, j]) for j, d in enumerate(params.values())]
    return tuple(params), list(zip(*columns))


# ---------------------------------------------------------------------------- sensitivity
BOOTSTRAP_SEED = 1  # SALib's Sobol analysis seeds its bootstrap only for a seed that is not 0


def sensitivity(results: Any, metric: str = "category == 'extended'", seed: int = BOOTSTRAP_SEED):
    """Sobol or Morris indices of a metric from a finished sampled sweep.

    Args:
        results: a sweep's output directory (its manifest holds the spec).
        metric: a column or an expression over columns, averaged over each design
            point's replicates (a true/false metric becomes a share, 0-1).
        seed: for the bootstrap of the confidence intervals (not 0: SALib would leave it unseeded).

    Returns:
        Sobol: one row per parameter with S1, S1_conf, ST, ST_conf (fractions of
        the variance). Morris: mu, mu_star, sigma, mu_star_conf (in the metric's units).

    Raises:
        SweepError: the results are not a complete Sobol or Morris sweep, or the metric fails.
    """
    import pandas as pd

    from sim.plot import PlotError, metric_values
    from sim.sweep import SweepError, SweepSpec, load_results, read_manifest

    manifest = read_manifest(results)
    if manifest is None:
        raise SweepError("no sweep manifest here", str(results))
    spec = SweepSpec.model_validate(manifest["spec"])
    sample = spec.sample
    if sample is None or sample.method not in ("sobol", "morris"):
        raise SweepError(
            "sensitivity indices need a sweep sampled with method: sobol or morris", str(results)
        )
    if spec.parameters or spec.zip:
        raise SweepError(
            "sensitivity indices need a sweep with a sample only (no grid parameters or zip)",
            str(results),
        )
    table = load_results(results)
    ok = table[table["error"].isna()]
    try:
        values = metric_values(ok, metric).astype(float)
    except PlotError as exc:
        raise SweepError(str(exc), str(results)) from None
    y = values.groupby(ok["combo"]).mean().reindex(range(spec.n_combos))
    if y.isna().any():
        missing = int(y.isna().sum())
        raise SweepError(
            f"{missing} design points have no successful run (an unfinished sweep? resume it)",
            str(results),
        )
    if not seed:
        raise ValueError(
            "seed: SALib leaves its bootstrap unseeded for 0; give another whole number"
        )
    params = sample.parameters
    prob = problem(params)
    if sample.method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(prob, y.to_numpy(), calc_second_order=sample.second_order, seed=seed)
        cols = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris

        x = salib_matrix("morris", params, sample.n, sample.seed, sample)
        si = morris.analyze(prob, x, y.to_numpy(), num_levels=sample.levels, seed=seed)
        cols = ("mu", "mu_star", "sigma", "mu_star_conf")
    return pd.DataFrame(
        {"parameter": list(params), **{c: np.asarray(si[c], dtype=float) for c in cols}}
    )
