"""Plots of sweep results: a heat map of a metric over two parameters, a line with bands over one.

The metric is a column of the sweep table (``final_tension``) or an
expression over its columns (``category == 'extended'``, ``years == 5``,
``final_tension > 0.5``). Per cell it is averaged over the replicates that
ran without error: for a true/false metric that is a share, shown with its
Wilson 95% interval; for a number, the mean, with the 5-95 and 25-75
percentile bands on a line plot.

PNG, SVG and PDF are drawn with matplotlib (Agg); HTML is a standalone Bokeh
page (its scripts inlined, so it opens offline).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.ensemble import BAND_PERCENTILES, wilson_interval

IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
HTML_SUFFIXES = (".html", ".htm")
FIGSIZE = (7.0, 5.0)  # inches
DPI = 120
COLORMAP = "viridis"


class PlotError(ValueError):
    """A metric or parameter that the table cannot give."""


def metric_values(table: pd.DataFrame, metric: str) -> pd.Series:
    """The metric for each row: a column, or an expression over the columns."""
    if metric in table.columns:
        return table[metric]
    try:
        values = table.eval(metric, engine="python")
    except Exception as exc:  # noqa: BLE001 - any failure is the user's expression
        raise PlotError(
            f"cannot evaluate the metric {metric!r}: {exc}; columns: {', '.join(map(str, table.columns))}"
        ) from None
    if not isinstance(values, pd.Series) or len(values) != len(table):
        raise PlotError(f"the metric {metric!r} must give one value per run")
    return values


def aggregate(table: pd.DataFrame, by: list[str], metric: str) -> pd.DataFrame:
    """The metric per parameter cell: n, value (share or mean), lo, hi and, for numbers, percentiles.

    For a true/false metric, lo and hi are the Wilson 95% interval of the share;
    for a number they are the 5th and 95th percentiles.
    """
    for col in by:
        if col not in table.columns:
            raise PlotError(
                f"no parameter column {col!r}; parameters in this table: "
                f"{', '.join(c for c in table.columns if '.' in str(c)) or 'none'}"
            )
    ok = table[table["error"].isna()] if "error" in table.columns else table
    values = metric_values(ok, metric)
    boolean = values.dropna().map(lambda v: isinstance(v, (bool, np.bool_))).all() and len(
        values.dropna()
    )
    frame = ok[by].assign(_v=values.astype(float) if len(values) else values)
    rows = []
    for key, cell in frame.groupby(by, sort=True, dropna=False):
        v = cell["_v"].dropna().to_numpy(dtype=float)
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        row["n"] = len(v)
        if boolean:
            lo, hi = wilson_interval(int(v.sum()), len(v))
            row.update(value=v.mean() if len(v) else np.nan, lo=float(lo), hi=float(hi))
        else:
            qs = np.percentile(v, BAND_PERCENTILES) if len(v) else [np.nan] * len(BAND_PERCENTILES)
            row.update(value=v.mean() if len(v) else np.nan, lo=qs[0], hi=qs[-1])
            row.update({f"p{p:g}": q for p, q in zip(BAND_PERCENTILES, qs)})
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["share"] = bool(boolean)
    return out


def _label(metric: str, share: bool) -> str:
    return f"share of runs with {metric}" if share else metric


def heatmap(
    table: pd.DataFrame,
    x: str,
    y: str,
    metric: str,
    output: str | Path | None = None,
    title: str | None = None,
) -> Any:
    """A heat map of the metric over two parameters (x across, y up); saved to `output` if given.

    Returns the matplotlib Figure (or the Bokeh figure for .html output).
    """
    cells = aggregate(table, [x, y], metric)
    xs, ys = sorted(cells[x].unique()), sorted(cells[y].unique())
    grid = np.full((len(ys), len(xs)), np.nan)
    for row in cells.itertuples(index=False):
        grid[ys.index(row[1]), xs.index(row[0])] = row.value
    label = _label(metric, cells.attrs["share"])
    title = title or f"{label}"
    if output is not None and Path(output).suffix.lower() in HTML_SUFFIXES:
        return _bokeh_heatmap(cells, x, y, xs, ys, label, title, output)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
    limits: dict[str, Any] = dict(vmin=0.0, vmax=1.0) if cells.attrs["share"] else {}
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap=COLORMAP, **limits)
    ax.set_xticks(range(len(xs)), [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title)
    for (i, j), v in np.ndenumerate(grid):
        if np.isfinite(v):
            shade = float(
                np.asarray(image.norm(v))
            )  # the stubs say ArrayLike; a scalar in, a scalar out
            ax.text(
                j,
                i,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="black" if shade > 0.6 else "white",
            )
    fig.colorbar(image, ax=ax, label=label)
    fig.tight_layout()
    if output is not None:
        fig.savefig(output)
        plt.close(fig)
    return fig


def line(
    table: pd.DataFrame,
    x: str,
    metric: str,
    output: str | Path | None = None,
    title: str | None = None,
) -> Any:
    """The metric over one parameter, with bands (Wilson 95% for a share; 5-95 and 25-75 percentiles
    for a number); saved to `output` if given. Returns the figure."""
    cells = aggregate(table, [x], metric)
    label = _label(metric, cells.attrs["share"])
    title = title or label
    if output is not None and Path(output).suffix.lower() in HTML_SUFFIXES:
        return _bokeh_line(cells, x, label, title, output)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
    xv = cells[x].to_numpy(dtype=float)
    ax.fill_between(
        xv,
        cells["lo"],
        cells["hi"],
        alpha=0.25,
        label="95% interval" if cells.attrs["share"] else "5-95%",
    )
    if not cells.attrs["share"]:
        ax.fill_between(xv, cells["p25"], cells["p75"], alpha=0.35, label="25-75%")
    ax.plot(xv, cells["value"], marker="o", label="share" if cells.attrs["share"] else "mean")
    ax.set_xlabel(x)
    ax.set_ylabel(label)
    if cells.attrs["share"]:
        ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    if output is not None:
        fig.savefig(output)
        plt.close(fig)
    return fig


def _save_bokeh(fig: Any, title: str, output: str | Path) -> None:
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    Path(output).write_text(file_html(fig, INLINE, title), encoding="utf-8")


def _bokeh_heatmap(
    cells: pd.DataFrame,
    x: str,
    y: str,
    xs: list,
    ys: list,
    label: str,
    title: str,
    output: str | Path,
) -> Any:
    from bokeh.models import ColumnDataSource, FactorRange, HoverTool, LinearColorMapper
    from bokeh.models.annotations import ColorBar
    from bokeh.palettes import Viridis256
    from bokeh.plotting import figure

    names = {"x": [str(v) for v in cells[x]], "y": [str(v) for v in cells[y]]}
    source = ColumnDataSource(
        dict(**names, value=cells["value"], lo=cells["lo"], hi=cells["hi"], n=cells["n"])
    )
    low, high = (
        (0.0, 1.0)
        if cells.attrs["share"]
        else (float(cells["value"].min()), float(cells["value"].max()))
    )
    mapper = LinearColorMapper(palette=Viridis256, low=low, high=high)
    fig = figure(
        title=title,
        x_range=FactorRange(factors=[str(v) for v in xs]),
        y_range=FactorRange(factors=[str(v) for v in ys]),
        x_axis_label=x,
        y_axis_label=y,
        width=700,
        height=500,
        tools="save,reset",
    )
    fig.rect(
        "x",
        "y",
        1,
        1,
        source=source,
        fill_color={"field": "value", "transform": mapper},
        line_color=None,
    )
    fig.add_tools(
        HoverTool(
            tooltips=[
                (x, "@x"),
                (y, "@y"),
                (label, "@value{0.000}"),
                ("interval", "@lo{0.000} to @hi{0.000}"),
                ("runs", "@n"),
            ]
        )
    )
    fig.add_layout(ColorBar(color_mapper=mapper, title=label), "right")
    _save_bokeh(fig, title, output)
    return fig


def _bokeh_line(cells: pd.DataFrame, x: str, label: str, title: str, output: str | Path) -> Any:
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure

    source = ColumnDataSource(cells.rename(columns={x: "x"}))
    fig = figure(
        title=title,
        x_axis_label=x,
        y_axis_label=label,
        width=700,
        height=450,
        tools="pan,wheel_zoom,save,reset,hover",
    )
    fig.varea(
        "x",
        "lo",
        "hi",
        source=source,
        fill_alpha=0.25,
        legend_label="95% interval" if cells.attrs["share"] else "5-95%",
    )
    if not cells.attrs["share"]:
        fig.varea("x", "p25", "p75", source=source, fill_alpha=0.35, legend_label="25-75%")
    fig.line(
        "x",
        "value",
        source=source,
        line_width=2,
        legend_label="share" if cells.attrs["share"] else "mean",
    )
    fig.scatter("x", "value", source=source, size=6)
    _save_bokeh(fig, title, output)
    return fig


def plot(
    results: pd.DataFrame | str | Path,
    x: str,
    metric: str,
    y: str | None = None,
    output: str | Path | None = None,
    title: str | None = None,
) -> Any:
    """A heat map (with y) or a line (without) of a sweep's results; `results` is a table or a sweep output directory."""
    if output is not None and Path(output).suffix.lower() not in IMAGE_SUFFIXES + HTML_SUFFIXES:
        raise PlotError(
            f"cannot tell the format of {output}; use one of {', '.join(IMAGE_SUFFIXES + HTML_SUFFIXES)}"
        )
    if not isinstance(results, pd.DataFrame):
        from sim.sweep import load_results

        results = load_results(results)
    if y is None:
        return line(results, x, metric, output, title)
    return heatmap(results, x, y, metric, output, title)
