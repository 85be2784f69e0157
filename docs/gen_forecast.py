"""Write the page "How well does the model forecast?": ``python -m docs.gen_forecast``.

It runs the backtest (:func:`sim.backtest`) over every bundled case with a
``record:`` block, ``FORECAST_N`` replicates each, and writes three files:

- ``docs/forecast.json``: the backtest's JSON, plus a fingerprint of every case
  file it read (so a test can tell when a case changed after the page was made);
- ``docs/images/forecast_reliability.png``: the reliability diagram;
- ``docs/forecast.md``: the page, rendered from the JSON alone by :func:`render`
  (the test re-renders it and compares).

Options: ``-n N`` replicates per case, ``--workers W`` processes (default: the
cores available). The page's own figures use the defaults below.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import sim
from sim.backtest import case_names
from sim.loading import read_yaml, scenario_path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGE = DOCS / "forecast.md"
DATA = DOCS / "forecast.json"
FIGURE = DOCS / "images" / "forecast_reliability.png"
FORECAST_N = 100  # replicates per case: a share's 95% interval is within +-10 points; the page regenerates in minutes
FORECAST_SEED = 0
MIN_CASES = 2  # a leave-one-out base rate needs another case
BADLY_WORDS = ("badly", "poorly")  # a top-of-file comment with one of these explains a miss
PERCENT = "{:.0%}"


# ---------------------------------------------------------------------------- inputs
def case_files(name: str) -> list[Path]:
    """The files a case is read from: its own and those it extends, in order."""
    files, path = [], scenario_path(name)
    while True:
        files.append(path)
        extends = read_yaml(path).get("extends")
        if not extends:
            return files
        path = scenario_path(extends, relative_to=path.parent)


def fingerprint(name: str) -> str:
    """SHA-256 of a case's files (its own and those it extends), in hex."""
    digest = hashlib.sha256()
    for path in case_files(name):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def why_badly(name: str) -> str:
    """The case's own explanation of a miss: ``record.notes``, or else its top-of-file comment that says
    why the model does badly (a comment line with 'badly' or 'poorly', and the comment lines after it)."""
    notes = sim.load_scenario(name).record.notes.strip()
    if notes:
        return " ".join(notes.split())
    lines = scenario_path(name).read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line.lstrip("#").strip())
    for i, text in enumerate(header):
        if any(word in text.lower() for word in BADLY_WORDS):
            chunk = []
            for more in header[i:]:
                if not more:
                    break
                chunk.append(more)
            return " ".join(chunk)
    return ""


# ---------------------------------------------------------------------------- running it
def measure(
    n: int = FORECAST_N,
    workers: int | None = None,
    progress: bool = True,
    names: list[str] | None = None,
) -> dict[str, Any]:
    """Run the backtest (default: every bundled case) and return its JSON data with each case's
    fingerprint and explanation."""
    names = case_names() if names is None else names
    if len(names) < MIN_CASES:
        return {"cases": [], "n": n, "seed": FORECAST_SEED}
    bar = None
    if progress:
        from sim.sweep_cli import _bar

        bar = _bar(n * len(names))
    result = sim.backtest(names, n=n, workers=workers, seed=FORECAST_SEED, progress=bar)
    data = result.to_dict()
    for case, given in zip(data["cases"], names):
        case["fingerprint"] = fingerprint(given)
        case["why_badly"] = why_badly(given)
    return data


# ---------------------------------------------------------------------------- the page
def _pct(x: float | None) -> str:
    return "n/a" if x is None else PERCENT.format(x)


def _label(category: str) -> str:
    return category.replace("_", " ")


def bad_cases(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Cases where the model gave what happened less than the base rate did, worst (highest Brier score) first."""
    bad = [c for c in data["cases"] if c["p_recorded"] < c["p_base_rate"]]
    return sorted(bad, key=lambda c: (-c["brier"], c["name"]))


def verdict(data: dict[str, Any]) -> str:
    """One plain sentence on the skill scores."""

    def against(skill: float | None, name: str) -> str:
        if skill is None:
            return f"cannot be compared with {name}"
        return f"{'beats' if skill > 0 else 'does no better than' if skill == 0 else 'does worse than'} {name} (skill {skill:+.2f})"

    return (
        f"On these {len(data['cases'])} cases the model {against(data['skill_vs_base_rate'], 'the base rate')} "
        f"and {against(data['skill_vs_status_quo'], 'the status quo')}, in Brier score."
    )


def scores_table(data: dict[str, Any]) -> list[str]:
    return [
        "| score | model | base rate (leave one out) | status quo |",
        "|---|---|---|---|",
        f"| Brier score (0 best, 2 worst) | {data['brier']:.3f} | {data['brier_base_rate']:.3f} | {data['brier_status_quo']:.3f} |",
        f"| log score (nats, 0 best) | {data['log_score']:.3f} | {data['log_score_base_rate']:.3f} | {data['log_score_status_quo']:.3f} |",
        f"| Brier skill of the model against it | | {data['skill_vs_base_rate']:+.3f} | {data['skill_vs_status_quo']:+.3f} |",
        f"| log skill of the model against it | | {data['log_skill_vs_base_rate']:+.3f} | {data['log_skill_vs_status_quo']:+.3f} |",
    ]


def cases_table(data: dict[str, Any]) -> list[str]:
    rows = [
        "| case | cut-off | what happened | model | base rate | status quo | Brier | model's most likely | timing |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in data["cases"]:
        rows.append(
            f"| [{c['title']}](scenarios/{c['name']}.md) | {c['cutoff']} | {c['recorded_label']} (`{c['recorded']}`) "
            f"| {_pct(c['p_recorded'])} | {_pct(c['p_base_rate'])} | {_pct(c['p_status_quo'])} | {c['brier']:.2f} "
            f"| {_most_likely(c)} | {_timing(c['timing'])} |"
        )
    return rows


def _most_likely(case: dict[str, Any]) -> str:
    top = max(case["shares"], key=case["shares"].get) if case["shares"] else None
    return f"{_label(top)} ({_pct(case['shares'][top])})" if top else "n/a"


def _timing(t: dict[str, Any]) -> str:
    """'1963-03-08 against 1963-08-05 (-150 days)' when runs reached the recorded agreement, else ''."""
    if t["days_off"] is None:
        return ""
    return f"{t['median_date']} against {t['recorded_date']} ({t['days_off']:+d} days)"


def reliability_table(data: dict[str, Any]) -> list[str]:
    rows = [
        "| forecast probability | pairs | mean forecast | observed frequency |",
        "|---|---|---|---|",
    ]
    for b in data["reliability"]:
        if b["count"]:
            rows.append(
                f"| {b['lo']:.1f} to {b['hi']:.1f} | {b['count']} | {b['predicted']:.2f} | {b['observed']:.2f} |"
            )
    return rows


def bad_section(data: dict[str, Any]) -> list[str]:
    bad = bad_cases(data)
    if not bad:
        return [
            "In every case the model gave what happened at least the probability the base rate gave it."
        ]
    out = [
        f"In {len(bad)} of the {len(data['cases'])} cases the model gave what happened less probability than "
        "the base rate did. Worst (highest Brier score) first:",
        "",
    ]
    for c in bad:
        line = (
            f"- **[{c['title']}](scenarios/{c['name']}.md)**, from {c['cutoff']}. What happened: "
            f"{c['recorded_label']} (`{c['recorded']}`). The model gave it {_pct(c['p_recorded'])}, the base rate "
            f"{_pct(c['p_base_rate'])}; the model's most likely outcome was {_most_likely(c)}."
        )
        if c.get("why_badly"):
            line += f" *Why, in the words of the case file:* {c['why_badly']}"
        out.append(line)
    return out


HEADER = [
    "# How well does the model forecast?",
    "",
    "<!-- Generated by docs/gen_forecast.py from docs/forecast.json: do not edit by hand. "
    "Regenerate with: python -m docs.gen_forecast -->",
    "",
]


def render(data: dict[str, Any]) -> str:
    """The page, from the backtest's data alone."""
    n_cases = len(data["cases"])
    if n_cases < MIN_CASES:
        return (
            "\n".join(
                HEADER
                + [
                    f"Fewer than {MIN_CASES} bundled scenarios have a `record:` block (what happened), so there is "
                    "nothing to score yet. See [Adding a case](cases.md)."
                ]
            )
            + "\n"
        )
    lines = HEADER + [
        f"Each of the {n_cases} historical cases below is a scenario that starts at a *cut-off*: a date when "
        "the outcome was still open, coded only from sources dated on or before it (see the "
        "[codebook](codebook.md)). The model runs each case "
        f"{data['n']} times from its cut-off (seed {data['seed']}), and the share of runs ending in each "
        "outcome is its forecast. What really happened is written in each file's `record:` block, which "
        "the model never reads: only the scoring does. The forecasts are then scored against the record, "
        "and against two baselines that know nothing about the cases' details.",
        "",
        "Reproduce every number on this page with:",
        "",
        "```console",
        f"$ acsim backtest -n {data['n']} --seed {data['seed']}",
        "```",
        "",
        "and regenerate the page with `python -m docs.gen_forecast`. The numbers are also in "
        "[forecast.json](forecast.json).",
        "",
        "## The scores",
        "",
        verdict(data),
        "",
    ]
    lines += scores_table(data)
    lines += [
        "",
        "A skill score is 1 - (the model's score) / (the baseline's score): above 0 the model beats the "
        "baseline, 1 would be perfect foresight.",
        "",
        f"**What was fitted across cases:** {data['fitted']['how']}.",
        "",
        "## Case by case",
        "",
        "The probability each forecast gave to what happened. *Model*: the share of runs; *base rate*: the "
        "frequency of that outcome among the other cases; *status quo*: 100% when what happened is what "
        '"nothing changes" would have meant, else 0%. *Timing*, when what happened was an agreement: the '
        "median date on which the runs that reached that agreement reached it, against the recorded date.",
        "",
    ]
    lines += cases_table(data)
    lines += [
        "",
        "## Is the model calibrated?",
        "",
        "Every (case, outcome) pair is a forecast that came true or did not. Grouped by the probability the "
        "model gave, the share that came true should match that probability: a calibrated forecaster's "
        "points lie on the diagonal. With so few cases the bins are small; read the counts.",
        "",
        "![Reliability diagram: observed frequency against forecast probability](images/forecast_reliability.png)",
        "",
    ]
    lines += reliability_table(data)
    lines += ["", "## Where the model does badly, and why", ""]
    lines += bad_section(data)
    lines += [
        "",
        "## How the scores are computed",
        "",
        "In `sim/scoring.py`, on K outcome categories "
        f"({', '.join(f'`{c}`' for c in data['categories'])}):",
        "",
        "- **Brier score** (Brier 1950): the mean over cases of the sum over categories of (forecast - "
        "outcome)², where the outcome is 1 for what happened and 0 otherwise. 0 is a certain, right "
        "forecast; 2 a certain, wrong one.",
        "- **Log score** (Good 1952): the mean of -ln(the probability given to what happened), in nats. So "
        "that a certain miss is not infinitely bad, every forecast (the model's and the baselines') is "
        f"first mixed with {data['scoring']['log_hedge']:.0%} of the uniform distribution.",
        "- **Base rate, leave one out**: a case's forecast is the frequency of each category among the "
        f"*other* cases, with {data['scoring']['base_rate_alpha']:g} added to each category's count so that "
        "no probability is 0.",
        '- **Status quo**: certainty that the case ends in its `record.status_quo` (what "nothing '
        'changes" would have meant); when the record leaves it out, a treaty in force that expires during '
        "the run lapses, one that does not stays in force, and no treaty stays no agreement.",
        "- **Reliability**: all (case, category) pairs of the categories that were forecast or happened at "
        "least once, in ten bins of forecast probability.",
        "",
        "`acsim backtest --calibrate` also fits one temperature T (each forecast p becomes p^(1/T), "
        "renormalised), leave one case out: each case is scored with the T that scores best on the other "
        "cases. This page fits nothing unless it says so above.",
    ]
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------- the figure
def draw(data: dict[str, Any], path: Path = FIGURE) -> None:
    """The reliability diagram: observed frequency against mean forecast per bin, sized by count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.ensemble import wilson_interval

    bins = [b for b in data["reliability"] if b["count"]]
    x = [b["predicted"] for b in bins]
    y = [b["observed"] for b in bins]
    intervals = [wilson_interval(round(b["observed"] * b["count"]), b["count"]) for b in bins]
    below = [
        max(0.0, obs - float(lo)) for obs, (lo, _hi) in zip(y, intervals)
    ]  # max: rounding can leave -1e-17
    above = [max(0.0, float(hi) - obs) for obs, (_lo, hi) in zip(y, intervals)]
    fig, (ax, hist) = plt.subplots(
        2, 1, figsize=(5.5, 5.2), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="calibrated")
    ax.errorbar(
        x,
        y,
        yerr=[below, above],
        fmt="o-",
        color="#1f77b4",
        lw=1,
        capsize=3,
        label="model, with 95% intervals",
    )
    ax.set_ylabel("observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="upper left", frameon=False)
    ax.set_title(f"Reliability over {len(data['cases'])} cases ({data['n']} runs each)")
    centres = [(b["lo"] + b["hi"]) / 2 for b in data["reliability"]]
    counts = [b["count"] for b in data["reliability"]]
    hist.bar(centres, counts, width=0.09, color="0.6")
    for cx, count in zip(centres, counts):
        if count:
            hist.annotate(str(count), (cx, count), ha="center", va="bottom", fontsize=8)
    hist.set_ylim(0, max(counts + [1]) * 1.3)
    hist.set_xlabel("forecast probability")
    hist.set_ylabel("pairs")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


# ---------------------------------------------------------------------------- main
def write(data: dict[str, Any]) -> None:
    DATA.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    if data["cases"]:
        draw(data)
    PAGE.write_text(render(data), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m docs.gen_forecast", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "-n", type=int, default=FORECAST_N, help=f"replicates per case (default {FORECAST_N})"
    )
    parser.add_argument("--workers", type=int, help="processes (default: the cores available)")
    args = parser.parse_args(argv)
    data = measure(n=args.n, workers=args.workers, progress=sys.stderr.isatty())
    write(data)
    figure = f" and {FIGURE.relative_to(ROOT)}" if data["cases"] else ""
    print(
        f"wrote {PAGE.relative_to(ROOT)}, {DATA.relative_to(ROOT)}{figure} ({len(data['cases'])} cases, {args.n} replicates each)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
