"""Scenario discovery: the boxes of parameter space that explain a chosen set of runs (PRIM).

``acsim discover RESULTS --where "category == 'lapsed'"`` selects the runs of
interest in a sweep's table, then asks the Patient Rule Induction Method
(Friedman and Fisher 1999), as implemented by EMA Workbench
(``ema_workbench.analysis.prim``; ``pip install acsim[discovery]``), for a
sequence of ever smaller boxes (ranges of the sweep's parameters) that hold
more and more of them. Each box on that peeling trajectory has:

* coverage: the share of all selected runs that fall inside the box (0-1);
* density: the share of the runs inside the box that are selected (0-1);
* mass: the share of all runs that fall inside the box (0-1);
* restricted: how many parameters the box limits.

Each limit of the chosen box comes with its quasi-p value (Bryant and Lempert
2010, a one-sided binomial test, as EMA Workbench computes it): the chance of
a density as high without that limit. A limit above ``SIGNIFICANCE`` is
marked as possibly chance, and is better read as no limit at all.

The box chosen by default is the one with the highest coverage among those
whose density reaches the threshold (0.8 unless told), the usual trade-off
between explaining most of the selected runs and being right about the runs
it holds; :func:`plot` draws the trade-off and the chosen box's limits.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DENSITY_THRESHOLD = 0.8  # the density a chosen box must reach (EMA Workbench's usual choice)
PEEL_ALPHA = 0.05  # share of the box peeled away at each step
MASS_MIN = 0.05  # the smallest box, as a share of all runs
SIGNIFICANCE = (
    0.05  # a restriction whose quasi-p value is above this may be chance (Bryant and Lempert 2010)
)
INSTALL_HINT = "scenario discovery needs EMA Workbench: pip install 'acsim[discovery]' (or pip install ema_workbench)"
TRAJECTORY_COLUMNS = ("box", "coverage", "density", "mass", "restricted", "n", "selected")
FIGSIZE = (11.0, 4.5)  # inches: the trade-off and the box side by side
DPI = 120


class DiscoveryError(ValueError):
    """Discovery cannot run on this input (no selected runs, no parameters, no EMA Workbench)."""


@dataclass
class Discovery:
    """What PRIM found.

    Attributes:
        where: the expression that selected the runs of interest.
        n_runs, n_selected: runs considered (without errors) and selected.
        trajectory: one row per box on the peeling trajectory: box, coverage, density, mass
            (fractions 0-1), restricted (parameters limited), n (runs inside), selected (of them).
        chosen: the index (``box``) of the chosen box.
        limits: the chosen box, one row per parameter: parameter, lower, upper (for a choice,
            ``values`` lists those kept), low and high of the whole sample, restricted, and
            quasi_p (the limit's quasi-p value; NaN where there is no limit).
    """

    where: str
    n_runs: int
    n_selected: int
    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame
    threshold: float = DENSITY_THRESHOLD

    @property
    def box(self) -> pd.Series:
        """The chosen box's row of the trajectory."""
        return self.trajectory.set_index("box").loc[self.chosen]

    def summary(self) -> str:
        """The selection, the chosen box's coverage and density, and its limits, as readable lines."""
        b = self.box
        short = (
            f" (no box reaches a density of {self.threshold:.0%}: the densest)"
            if b.density < self.threshold
            else ""
        )
        lines = [
            f"{self.n_selected} of {self.n_runs} runs match {self.where} ({self.n_selected / self.n_runs:.1%})",
            f"box {self.chosen} of {len(self.trajectory) - 1}{short}: coverage {b.coverage:.1%}, density {b.density:.1%}, "
            f"mass {b.mass:.1%} ({int(b.n)} runs, {int(b.selected)} selected)",
        ]
        restricted = self.limits[self.limits["restricted"]]
        if restricted.empty:
            lines.append(
                "  (no parameter is restricted: the selected runs are spread over the whole sample)"
            )
        for r in restricted.itertuples(index=False):
            chance = f"; quasi-p {r.quasi_p:.2g}: may be chance" if r.quasi_p > SIGNIFICANCE else ""
            if isinstance(r.values, list):
                lines.append(f"  {r.parameter} in {{{', '.join(map(str, r.values))}}}{chance}")
            else:
                lines.append(
                    f"  {r.lower:.4g} <= {r.parameter} <= {r.upper:.4g}   (sampled {r.low:.4g} to {r.high:.4g}{chance})"
                )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain data (what ``acsim discover --json`` prints)."""
        limits = self.limits.astype(object).where(self.limits.notna(), None)
        return {
            "where": self.where,
            "n_runs": self.n_runs,
            "n_selected": self.n_selected,
            "chosen": self.chosen,
            "trajectory": self.trajectory.to_dict(orient="records"),
            "limits": limits.to_dict(orient="records"),
        }


# ---------------------------------------------------------------------------- the input
def _table_and_inputs(
    results: pd.DataFrame | str | Path, inputs: list[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """The runs without errors and the parameter columns to explain them by."""
    if isinstance(results, pd.DataFrame):
        table, known = results, None
    else:
        from sim.sweep import load_results, read_manifest

        table = load_results(results)
        known = (read_manifest(results) or {}).get("parameters")
    if inputs is None:
        inputs = list(known) if known else [c for c in table.columns if "." in str(c)]
    missing = [c for c in inputs if c not in table.columns]
    if missing:
        raise DiscoveryError(
            f"no column {', '.join(map(repr, missing))} in the results; "
            f"parameters: {', '.join(c for c in table.columns if '.' in str(c)) or 'none'}"
        )
    if not inputs:
        raise DiscoveryError("no parameters to explain the runs by (name them with --inputs)")
    ok = table[table["error"].isna()] if "error" in table.columns else table
    return ok.reset_index(drop=True), list(inputs)


def _selection(table: pd.DataFrame, where: str) -> np.ndarray:
    """The runs of interest as a boolean array (a missing value counts as not selected)."""
    from sim.plot import PlotError, metric_values

    try:
        values = metric_values(table, where)
    except PlotError as exc:
        raise DiscoveryError(str(exc)) from None
    if not all(isinstance(v, (bool, np.bool_)) for v in values.dropna()):
        raise DiscoveryError(
            f"--where must be true or false for each run (got values such as {values.iloc[0]!r})"
        )
    return values.fillna(False).astype(bool).to_numpy()


def _prim():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # EMA Workbench warns about optional back ends on import
            from ema_workbench.analysis import prim
    except ImportError:
        raise DiscoveryError(INSTALL_HINT) from None
    return prim


# ---------------------------------------------------------------------------- discovery
def discover(
    results: pd.DataFrame | str | Path,
    where: str,
    inputs: list[str] | None = None,
    threshold: float = DENSITY_THRESHOLD,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
    box: int | None = None,
) -> Discovery:
    """Find the boxes of parameter space that hold the runs matching `where`.

    Args:
        results: a sweep's output directory, or a table with one row per run.
        where: an expression over the columns, true for the runs of interest
            (``category == 'lapsed'``, ``final_tension > 0.5``).
        inputs: the parameter columns (default: the sweep's parameters, or every dotted column).
        threshold: the density (0-1) the chosen box must reach (when none does: the densest box).
        peel_alpha, mass_min: PRIM's peeling step and smallest box (shares of the runs).
        box: choose this box of the trajectory instead.

    Raises:
        DiscoveryError: EMA Workbench missing, a bad expression or column, or nothing (or everything) selected.
    """
    table, inputs = _table_and_inputs(results, inputs)
    y = _selection(table, where)
    if not y.any() or y.all():
        raise DiscoveryError(
            f"{int(y.sum())} of {len(y)} runs match {where}: there is nothing to tell apart"
        )
    x = table[inputs].copy()
    for col in inputs:
        if not pd.api.types.is_numeric_dtype(x[col]) or pd.api.types.is_bool_dtype(x[col]):
            x[col] = x[col].astype(str).astype("category")
        else:
            x[col] = x[col].astype(float)
    prim = _prim()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # EMA Workbench counts y >= threshold as the cases of interest and returns only the first box when the
        # last one's density falls short of it; the smallest positive threshold keeps the whole trajectory
        # (y is 0 or 1), and `threshold` chooses a box from it below
        found = prim.Prim(
            x, y, threshold=np.finfo(float).eps, peel_alpha=peel_alpha, mass_min=mass_min
        ).find_box()
    pt = found.peeling_trajectory
    trajectory = pd.DataFrame(
        {
            "box": pt["id"].astype(int),
            "coverage": pt["coverage"].astype(float),
            "density": pt["density"].astype(float),
            "mass": pt["mass"].astype(float),
            "restricted": pt["res_dim"].astype(int),
            "n": pt["n"].astype(int),
            "selected": pt["k"].astype(int),
        }
    ).reset_index(drop=True)
    if box is None:
        dense = trajectory[trajectory["density"] >= threshold]
        box = (
            int(
                dense.sort_values(["coverage", "density"], ascending=False, kind="stable")[
                    "box"
                ].iloc[0]
            )
            if len(dense)
            else int(trajectory["box"].iloc[-1])
        )
    elif box not in set(trajectory["box"]):
        raise DiscoveryError(
            f"no box {box}; the trajectory has boxes 0 to {int(trajectory['box'].max())}"
        )
    return Discovery(
        where=where,
        n_runs=len(y),
        n_selected=int(y.sum()),
        trajectory=trajectory,
        chosen=box,
        threshold=threshold,
        limits=_limits(found.box_lims[0], found.box_lims[box], inputs, found.qp[box]),
    )


def _limits(whole: pd.DataFrame, chosen: pd.DataFrame, inputs: list[str], qp: dict) -> pd.DataFrame:
    """One row per parameter: the chosen box's range against the whole sample's, and its quasi-p value."""
    rows = []
    for col in inputs:
        ps = [
            p for p in qp.get(col, []) if p is not None and p >= 0
        ]  # EMA Workbench marks a side with no limit -1
        lo, hi = chosen[col].iloc[0], chosen[col].iloc[1]
        if isinstance(lo, set):  # a choice: PRIM keeps a set of values
            rows.append(
                {
                    "parameter": col,
                    "lower": np.nan,
                    "upper": np.nan,
                    "values": sorted(lo),
                    "low": np.nan,
                    "high": np.nan,
                    "restricted": lo != whole[col].iloc[0],
                    "quasi_p": min(ps, default=np.nan),
                }
            )
        else:
            low, high = float(whole[col].iloc[0]), float(whole[col].iloc[1])
            rows.append(
                {
                    "parameter": col,
                    "lower": float(lo),
                    "upper": float(hi),
                    "values": None,
                    "low": low,
                    "high": high,
                    "restricted": bool(lo > low or hi < high),
                    "quasi_p": min(ps, default=np.nan),
                }
            )
    return pd.DataFrame(
        rows,
        columns=["parameter", "lower", "upper", "values", "low", "high", "restricted", "quasi_p"],
    )


# ---------------------------------------------------------------------------- the figure
def plot(found: Discovery, output: str | Path) -> Path:
    """Draw the coverage-density trade-off (colour: parameters restricted; ringed: the chosen box)
    and the chosen box's range of each restricted parameter within its sampled range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = found.trajectory
    fig, (left, right) = plt.subplots(1, 2, figsize=FIGSIZE, gridspec_kw={"width_ratios": [1, 1.2]})
    dots = left.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=22)
    b = found.box
    left.scatter(
        [b.coverage],
        [b.density],
        s=160,
        facecolors="none",
        edgecolors="crimson",
        linewidths=2,
        label=f"box {found.chosen}",
    )
    left.set(
        xlabel="coverage (share of the selected runs inside)",
        ylabel="density (share of the box selected)",
        xlim=(0, 1.05),
        ylim=(0, 1.05),
        title="PRIM's peeling trajectory",
    )
    left.legend(loc="lower left")
    fig.colorbar(
        dots, ax=left, label="parameters restricted", ticks=range(int(t["restricted"].max()) + 1)
    )
    numeric = found.limits[found.limits["values"].isna()].reset_index(drop=True)
    for i, r in numeric.iterrows():
        span = (r.high - r.low) or 1.0
        right.barh(i, 1.0, color="0.9")
        right.barh(
            i,
            (r.upper - r.lower) / span,
            left=(r.lower - r.low) / span,
            color="crimson" if r.restricted else "0.6",
        )
        right.text(1.02, i, f"{r.lower:.3g} to {r.upper:.3g}", va="center", fontsize=9)
    right.set_yticks(range(len(numeric)), numeric["parameter"], fontsize=9)
    right.set(
        xlim=(0, 1.35),
        xlabel="share of the sampled range",
        title=f"box {found.chosen}: coverage {b.coverage:.0%}, density {b.density:.0%}",
    )
    right.invert_yaxis()
    fig.suptitle(f"Runs where {found.where}: {found.n_selected} of {found.n_runs}")
    fig.tight_layout()
    output = Path(output)
    fig.savefig(output, dpi=DPI)
    plt.close(fig)
    return output
