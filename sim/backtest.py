"""The backtest: the model's forecasts of historical cases, scored against what happened.

``sim.backtest()`` runs every bundled scenario that has a ``record:`` block
(or the cases named), each from its cut-off (``calendar.start``) with
:func:`sim.ensemble`, takes the share of replicates ending in each outcome
category as the model's forecast, and scores the forecasts against the
recorded outcomes with :mod:`sim.scoring`: the Brier and log scores, the same
for the two baselines (the base rate over the other cases, leave one out; the
status quo persists), the skill scores and a reliability diagram.

The cases are the bundled scenarios whose own file has a ``record:`` block; a
variant that inherits its parent's record through ``extends:`` is not a case.

The model never reads ``record:``; this module is its only reader. A case's
forecast is computed before its record is looked at, and the record changes
nothing in the runs (``tests/test_backtest.py`` checks it).

What is fitted across cases: by default nothing (the shares are scored as
they come). With ``calibrate=True`` a single temperature is fitted, leave one
case out (each case's forecast is tempered with the temperature that scores
best on the *other* cases; see :func:`sim.scoring.temper_loo`), and the
result says so in :attr:`BacktestResult.fitted`.

The status quo of a case is its ``record.status_quo``; when the record leaves
it out, it is read from the scenario itself: a treaty in force that expires
before the run ends would "lapse", one that does not would stay "in force",
and with no treaty there would be "no agreement".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import scoring
from sim.callable_module import make_callable
from sim.ensemble import default_workers, ensemble
from sim.loading import ScenarioError, bundled_scenarios, resolve_scenario
from sim.outcomes import CATEGORIES
from sim.scenario import Record, Scenario

DEFAULT_N = 200  # replicates per case
DEFAULT_SEED = 0
AGREEMENT_CATEGORIES = (
    "extended",
    "new_terms",
    "signed_not_ratified",
)  # outcomes that have an agreement date
Progress = Callable[[int, int], Any]


# ---------------------------------------------------------------------------- one case
@dataclass(frozen=True)
class CaseResult:
    """One case's forecast and what happened.

    Attributes:
        name, title, period: the scenario's.
        cutoff: the forecast's date, the scenario's start (YYYY-MM-DD).
        recorded: the recorded outcome category; recorded_label, recorded_date its words and date.
        status_quo: the category "nothing changes" would have meant.
        n: replicates run.
        shares: {category: share of replicates (0-1)} for the categories that occurred.
        p_recorded: the model's probability of the recorded outcome (0-1), after any calibration.
        p_base_rate, p_status_quo: the baselines' probabilities of it.
        brier, log_score: this case's scores (0-2; nats).
        timing: the median agreement date of the replicates that reached the recorded agreement,
            against the recorded date (:func:`agreement_timing`).
        temperature: the calibration temperature used for this case (None when nothing is fitted).
        notes: the record's note (e.g. why the model may do badly here).
    """

    name: str
    title: str
    period: str
    cutoff: str
    recorded: str
    recorded_label: str
    recorded_date: str | None
    status_quo: str
    n: int
    shares: dict[str, float]
    p_recorded: float
    p_base_rate: float
    p_status_quo: float
    brier: float
    log_score: float
    timing: dict[str, Any]
    temperature: float | None
    notes: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def default_status_quo(scn: Scenario) -> str:
    """What "nothing changes" means for a scenario without a stated status quo (see the module's docstring)."""
    treaty, end = scn.treaty, scn.calendar.end
    if not treaty.in_force:
        return "no_agreement"
    return (
        "lapsed"
        if treaty.expires is not None and end is not None and treaty.expires <= end
        else "in_force"
    )


def status_quo_of(scn: Scenario) -> str:
    """The case's status-quo category: the record's, or the scenario's default."""
    return record_of(scn).status_quo or default_status_quo(scn)


def record_of(scn: Scenario) -> Record:
    """A historical case's record (what happened); a case without one is refused by :func:`backtest`."""
    if scn.record is None:
        raise ValueError(f"scenario '{scn.name}' has no record: it is not a historical case")
    return scn.record


def agreement_timing(
    runs: pd.DataFrame, recorded: str, recorded_date: dt.date | None
) -> dict[str, Any]:
    """When the replicates that reached the recorded agreement reached it, against the recorded date.

    Timing is asked only of the runs that got the outcome right: when the
    record is an agreement (extended, new terms, signed not ratified), the
    agreement dates of the replicates that ended in that same category.

    Returns {"agreements": share of all replicates that reached any agreement
    (0-1), "runs": how many replicates the timing is measured on,
    "median_date": their middle agreement date (the earlier of the two middle
    ones for an even count; None without any), "recorded_date", "days_off":
    median minus recorded (days; None without a median or a recorded date)}.
    """
    agreed = runs["agreement_date"].notna()
    timed = (
        runs[agreed & (runs["category"] == recorded)]
        if recorded in AGREEMENT_CATEGORIES
        else runs.iloc[:0]
    )
    dates = sorted(dt.date.fromisoformat(d) for d in timed["agreement_date"] if _is_date(d))
    median = dates[(len(dates) - 1) // 2] if dates else None
    days_off = (
        (median - recorded_date).days if median is not None and recorded_date is not None else None
    )
    return {
        "agreements": float(agreed.mean()) if len(runs) else 0.0,
        "runs": len(dates),
        "median_date": median.isoformat() if median else None,
        "recorded_date": recorded_date.isoformat() if recorded_date else None,
        "days_off": days_off,
    }


def _is_date(text: Any) -> bool:
    try:
        dt.date.fromisoformat(str(text))
    except ValueError:  # a dateless scenario labels steps "turn k"
        return False
    return True


# ---------------------------------------------------------------------------- the result
@dataclass
class BacktestResult:
    """Every case's forecast and the overall scores.

    Attributes:
        cases: one :class:`CaseResult` per case, in the order run.
        categories: the outcome categories scored over (K of them).
        scores: brier, brier_base_rate, brier_status_quo, skill_vs_base_rate,
            skill_vs_status_quo (Brier skill scores), and the same for the log
            score (log_score, log_score_base_rate, log_score_status_quo,
            log_skill_vs_base_rate, log_skill_vs_status_quo).
        reliability: the reliability diagram's bins (:class:`sim.scoring.Reliability`).
        fitted: what was fitted across cases and how ({"what", "how", ...}).
        n, seed: replicates per case and the seed of every case's ensemble.
        forecasts: the (cases, categories) array of the model's probabilities scored.
    """

    cases: list[CaseResult]
    categories: tuple[str, ...]
    scores: dict[str, float]
    reliability: scoring.Reliability
    fitted: dict[str, Any]
    n: int
    seed: int
    forecasts: np.ndarray = field(repr=False)

    def table(self) -> pd.DataFrame:
        """One row per case: name, cutoff, recorded, p_recorded, p_base_rate, p_status_quo, brier,
        most likely outcome and its share, median agreement date, recorded date, days off."""
        rows = []
        for c in self.cases:
            top = max(c.shares.items(), key=lambda kv: kv[1])[0] if c.shares else None
            rows.append(
                {
                    "name": c.name,
                    "cutoff": c.cutoff,
                    "recorded": c.recorded,
                    "p_recorded": c.p_recorded,
                    "p_base_rate": c.p_base_rate,
                    "p_status_quo": c.p_status_quo,
                    "brier": c.brier,
                    "most_likely": top,
                    "p_most_likely": c.shares.get(top, 0.0) if top else 0.0,
                    "median_agreement": c.timing["median_date"],
                    "recorded_date": c.recorded_date,
                    "days_off": c.timing["days_off"],
                }
            )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """The table and the scores as text (what ``acsim backtest`` prints)."""
        t = self.table()
        lines = [f"{len(self.cases)} cases, {self.n} replicates each, seed {self.seed}", ""]
        head = f"{'case':<26} {'cutoff':<10}  {'recorded':<19} {'model':>6} {'base':>6} {'s.quo':>6}  {'brier':>5}  timing"
        lines += [head, "-" * len(head)]
        for r in t.itertuples(index=False):
            timing = (
                "" if r.days_off is None or pd.isna(r.days_off) else f"{int(r.days_off):+d} days"
            )
            lines.append(
                f"{r.name[:26]:<26} {r.cutoff:<10}  {r.recorded[:19]:<19} {r.p_recorded:6.1%} "
                f"{r.p_base_rate:6.1%} {r.p_status_quo:6.1%}  {r.brier:5.2f}  {timing}"
            )
        s = self.scores
        lines += [
            "",
            f"{'':<22}{'model':>8}{'base rate':>11}{'status quo':>12}",
            f"{'Brier score (0-2)':<22}{s['brier']:8.3f}{s['brier_base_rate']:11.3f}{s['brier_status_quo']:12.3f}",
            f"{'log score (nats)':<22}{s['log_score']:8.3f}{s['log_score_base_rate']:11.3f}{s['log_score_status_quo']:12.3f}",
            "",
            f"Brier skill: {s['skill_vs_base_rate']:+.3f} against the base rate, {s['skill_vs_status_quo']:+.3f} "
            "against the status quo (above 0: better than the baseline).",
            f"Fitted across cases: {self.fitted['how']}",
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: {"cases": [...], "brier", "brier_base_rate", "brier_status_quo",
        "skill_vs_base_rate", "skill_vs_status_quo", the log scores, "reliability", "fitted", ...}."""
        return {
            "cases": [c.to_dict() for c in self.cases],
            **{k: _num(v) for k, v in self.scores.items()},
            "categories": list(self.categories),
            "reliability": self.reliability.rows(),
            "fitted": self.fitted,
            "n": self.n,
            "seed": self.seed,
            "scoring": {"log_hedge": scoring.LOG_HEDGE, "base_rate_alpha": scoring.ALPHA},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)


def _num(x: float) -> float | None:
    """A score for JSON (which has no infinity or NaN): None when not finite."""
    return float(x) if np.isfinite(x) else None


# ---------------------------------------------------------------------------- running it
def is_case(name_or_path: str | Path) -> bool:
    """Whether a scenario file states a record of its own.

    A variant that ``extends:`` a case without a record of its own (a
    counterfactual such as a pinned branch) inherits its parent's record but is
    not a case: it would count the same history twice.
    """
    from sim.loading import read_yaml, scenario_path

    return read_yaml(scenario_path(name_or_path)).get("record") is not None


def case_names() -> list[str]:
    """The bundled scenarios that are cases (:func:`is_case`), by name."""
    names = []
    for name in bundled_scenarios():
        try:
            if is_case(name):
                names.append(name)
        except (
            ScenarioError
        ):  # a file that does not parse is reported by `acsim validate`, not here
            continue
    return names


def load_cases(cases: Sequence[str | Path | Scenario] | None) -> list[Scenario]:
    """The scenarios to backtest; each must have a record.

    Raises:
        ScenarioError: for a case that does not load or has no record, or fewer than two cases.
    """
    given = case_names() if cases is None else list(cases)
    scenarios = [resolve_scenario(c) for c in given]
    for scn, where in zip(scenarios, given):
        if scn.record is None:
            raise ScenarioError(
                "no 'record:' block, so there is nothing to score this case against "
                "(add what happened: outcome, date, status_quo)",
                str(where),
                field="record",
            )
    if len(scenarios) < 2:
        raise ScenarioError(
            f"a backtest needs at least 2 cases with a 'record:' block (the base rate of each case "
            f"comes from the others), got {len(scenarios)}"
        )
    return scenarios


def forecast(
    scn: Scenario, n: int, seed: int, workers: int, progress: Progress | None = None
) -> tuple[dict[str, float], pd.DataFrame]:
    """Run one case's ensemble from its cut-off: (share of each category that occurred, the runs)."""
    result = ensemble(scn, n=n, seed=seed, workers=workers, progress=progress, series=())
    counts = result.runs["category"].value_counts()
    shares = {c: float(counts[c] / result.n) for c in CATEGORIES if c in counts.index}
    return shares, result.runs


def backtest(
    cases: Sequence[str | Path | Scenario] | None = None,
    n: int = DEFAULT_N,
    workers: int | None = None,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    calibrate: bool = False,
) -> BacktestResult:
    """Run every case from its cut-off and score the forecasts against the record.

    Args:
        cases: scenario names, paths or Scenarios (default: every bundled scenario with a record).
        n: replicates per case.
        workers: processes per ensemble (default: the cores available).
        seed: every case's ensemble seed (replicate r of a case runs with ``replicate_seed(seed, r)``).
        progress: called as progress(done, total) with replicates done over all cases.
        calibrate: fit one temperature leave one case out (default: fit nothing).

    Raises:
        ScenarioError: for a case that does not load or has no record (located).
        ValueError: for n < 1 or workers < 1.
    """
    if n < 1 or int(n) != n:
        raise ValueError(f"n must be a whole number of replicates, at least 1 (got {n!r})")
    workers = default_workers() if workers is None else workers
    scenarios = load_cases(cases)
    total = n * len(scenarios)
    runs_of, shares_of = [], []
    for i, scn in enumerate(scenarios):
        done_before = i * n
        step = (lambda d, _t, base=done_before: progress(base + d, total)) if progress else None
        shares, runs = forecast(scn, n, seed, workers, step)
        shares_of.append(shares)
        runs_of.append(runs)
    return score_cases(scenarios, shares_of, runs_of, n=n, seed=seed, calibrate=calibrate)


def score_cases(
    scenarios: Sequence[Scenario],
    shares_of: Sequence[dict[str, float]],
    runs_of: Sequence[pd.DataFrame],
    n: int,
    seed: int,
    calibrate: bool = False,
) -> BacktestResult:
    """Score the forecasts (each case's shares) against the records; the only place that reads ``record``."""
    k = len(CATEGORIES)
    index = {c: i for i, c in enumerate(CATEGORIES)}
    raw = np.array([[s.get(c, 0.0) for c in CATEGORIES] for s in shares_of])
    raw = raw / raw.sum(axis=1, keepdims=True)
    happened = np.array([index[record_of(scn).outcome] for scn in scenarios])
    quo = np.array([index[status_quo_of(scn)] for scn in scenarios])
    temps: np.ndarray | list[None]
    if calibrate:
        model, temps = scoring.temper_loo(raw, happened)
        fitted = {
            "what": "temperature",
            "how": "one temperature T (forecast p_k^(1/T), renormalised) fitted leave one case out: each case's "
            "forecast uses the T with the least log score on the other cases",
            "grid": [float(t) for t in scoring.TEMPERATURES],
        }
    else:
        model, temps = raw, [None] * len(scenarios)
        fitted = {"what": "nothing", "how": "nothing: the model's shares are scored as they come"}
    base = scoring.base_rate_loo(happened, k)
    sq = scoring.status_quo(quo, k)
    scores = overall_scores(model, base, sq, happened)
    brier_each = scoring.brier_per_case(model, happened)
    log_each = scoring.log_score_per_case(model, happened)
    temperatures = [None if t is None else float(t) for t in temps]
    cases = []
    for i, scn in enumerate(scenarios):
        rec = record_of(scn)
        cases.append(
            CaseResult(
                name=scn.name,
                title=scn.title or scn.name,
                period=scn.period,
                cutoff=scn.calendar.start.isoformat() if scn.calendar.start else "turn 0",
                recorded=rec.outcome,
                recorded_label=rec.label or rec.outcome,
                recorded_date=rec.date.isoformat() if rec.date else None,
                status_quo=CATEGORIES[quo[i]],
                n=n,
                shares=shares_of[i],
                p_recorded=float(model[i, happened[i]]),
                p_base_rate=float(base[i, happened[i]]),
                p_status_quo=float(sq[i, happened[i]]),
                brier=float(brier_each[i]),
                log_score=float(log_each[i]),
                timing=agreement_timing(runs_of[i], rec.outcome, rec.date),
                temperature=temperatures[i],
                notes=rec.notes,
            )
        )
    seen = (model > 0).any(axis=0) | np.isin(np.arange(k), happened)
    return BacktestResult(
        cases=cases,
        categories=tuple(CATEGORIES),
        scores=scores,
        reliability=scoring.reliability(model[:, seen], _reindex(happened, seen)),
        fitted=fitted,
        n=n,
        seed=seed,
        forecasts=model,
    )


def _reindex(happened: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Outcome indices into the categories kept (those forecast or recorded at least once)."""
    return np.cumsum(seen)[happened] - 1


def overall_scores(
    model: np.ndarray, base: np.ndarray, sq: np.ndarray, happened: np.ndarray
) -> dict[str, float]:
    """The Brier and log scores of the model and both baselines, and the skill scores against each."""
    s = {
        "brier": scoring.brier(model, happened),
        "brier_base_rate": scoring.brier(base, happened),
        "brier_status_quo": scoring.brier(sq, happened),
        "log_score": scoring.log_score(model, happened),
        "log_score_base_rate": scoring.log_score(base, happened),
        "log_score_status_quo": scoring.log_score(sq, happened),
    }
    s["skill_vs_base_rate"] = scoring.skill(s["brier"], s["brier_base_rate"])
    s["skill_vs_status_quo"] = scoring.skill(s["brier"], s["brier_status_quo"])
    s["log_skill_vs_base_rate"] = scoring.skill(s["log_score"], s["log_score_base_rate"])
    s["log_skill_vs_status_quo"] = scoring.skill(s["log_score"], s["log_score_status_quo"])
    return s


make_callable(
    __name__
)  # sim.backtest(...) runs the backtest; sim.backtest.case_names() still works
