"""Measure every row of the validation table on the current code; write ``docs/validation.md`` and its plots.

Run ``python -m docs.gen_validation`` from the project's root. Each experiment
below is a plain function that runs the real model on a bundled scenario or on
a small scenario of ``tests/scenarios/`` and returns what it measured; the
validation tests (``tests/test_validation.py``) call the same functions and
assert on their results, so the page and the tests cannot disagree.

Ensembles derive their seeds from one root seed with
``numpy.random.SeedSequence``; shares come with Wilson 95% intervals, means
with normal 95% intervals.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import sim
from docs.fingerprint import marker
from sim.agenda import nash_point
from sim.bargaining import rubinstein_share
from sim.ensemble import WILSON_Z, wilson_interval
from sim.forces import Richardson
from sim.model import ArmsControlModel
from sim.scenario import Scenario
from sim.strategies import AXELROD_COUNTERPARTS, STRATEGIES

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "tests" / "scenarios"
PAGE = ROOT / "docs" / "validation.md"
IMAGES = ROOT / "docs" / "images"

ROOT_SEED = 20240501  # every ensemble's seeds derive from this


def scenario_path(name: str) -> str:
    """Path of a validation scenario in tests/scenarios (name without .yaml)."""
    return str(SCENARIOS / f"{name}.yaml")


def seeds(n: int, root: int = ROOT_SEED) -> list[int]:
    """n independent run seeds derived from a root seed (SeedSequence)."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(root).spawn(n)]


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval of a share k / n (the ensembles' own, :func:`sim.ensemble.wilson_interval`)."""
    lo, hi = wilson_interval(k, n)
    return float(lo), float(hi)


@dataclass
class Share:
    """k successes out of n runs, with a Wilson 95% interval."""

    k: int
    n: int

    @property
    def p(self) -> float:
        return self.k / self.n if self.n else float("nan")

    @property
    def ci(self) -> tuple[float, float]:
        return wilson(self.k, self.n)

    def __str__(self) -> str:
        lo, hi = self.ci
        return f"{self.p:.2f} [{lo:.2f}, {hi:.2f}] (n={self.n})"


@dataclass
class Mean:
    """Mean of per-run values with a normal 95% interval."""

    values: list[float] = field(repr=False)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def ci(self) -> tuple[float, float]:
        half = (
            WILSON_Z * float(np.std(self.values, ddof=1)) / math.sqrt(len(self.values))
            if len(self.values) > 1
            else math.inf
        )
        return self.mean - half, self.mean + half

    def __str__(self) -> str:
        lo, hi = self.ci
        return f"{self.mean:.3f} [{lo:.3f}, {hi:.3f}] (n={len(self.values)})"


def separated(low: Share | Mean, high: Share | Mean) -> bool:
    """True when low's 95% interval lies wholly below high's."""
    return low.ci[1] < high.ci[0]


# =========================================================================== Axelrod (1984)
TURNS = 200
# the deterministic strategies the Axelrod library also has: model name -> library class name
AXELROD_NAMES = {
    name: axelrod
    for name, axelrod in AXELROD_COUNTERPARTS.items()
    if not STRATEGIES[name].classifier["stochastic"]
}


def model_match(a: str, b: str, turns: int = TURNS) -> tuple[float, float]:
    """Scores of a match between two strategies in the model (prisoners_dilemma, perfect monitoring)."""
    r = sim.run(
        "prisoners_dilemma",
        seed=1,
        overrides={"states.A.strategy": a, "states.B.strategy": b, "calendar.steps": turns},
    )
    return r.model.states[0].score, r.model.states[1].score


def library_match(a: str, b: str, turns: int = TURNS) -> tuple[float, float]:
    """Scores of the same match in the Axelrod library."""
    import axelrod as axl

    pa, pb = getattr(axl, AXELROD_NAMES[a])(), getattr(axl, AXELROD_NAMES[b])()
    match = axl.Match((pa, pb), turns=turns)
    match.play()
    return tuple(float(x) for x in match.final_score())


def model_tournament(turns: int = TURNS) -> dict[str, float]:
    """Round robin in the model: each strategy's mean score per turn against the others (Axelrod's normalised score)."""
    names = list(AXELROD_NAMES)
    total = dict.fromkeys(names, 0.0)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            sa, sb = model_match(a, b, turns)
            total[a] += sa
            total[b] += sb
    return {n: total[n] / (turns * (len(names) - 1)) for n in names}


def library_tournament(turns: int = TURNS) -> tuple[list[str], dict[str, float]]:
    """The Axelrod library's tournament of the same strategies: its ranking (model names) and normalised scores."""
    import axelrod as axl

    names = list(AXELROD_NAMES)
    players = [getattr(axl, AXELROD_NAMES[n])() for n in names]
    results = axl.Tournament(players, turns=turns, repetitions=1).play(
        progress_bar=False, processes=0
    )
    return [names[i] for i in results.ranking], {
        n: float(results.normalised_scores[i][0]) for i, n in enumerate(names)
    }


def same_ranking(ours: dict[str, float], library_ranking: list[str]) -> bool:
    """Whether the library's ranking orders our scores from best to worst (exact ties may come in either order).

    The library breaks exact ties (tit-for-tat and grim trigger both score
    2.49875 here) in no fixed order, so only the order of unequal scores counts.
    """
    ordered = [ours[n] for n in library_ranking]
    return sorted(ours) == sorted(library_ranking) and all(
        a >= b for a, b in zip(ordered, ordered[1:])
    )


def ranking(scores: dict[str, float]) -> list[str]:
    """Names by descending score; ties keep the order of AXELROD_NAMES (as the library does)."""
    order = list(AXELROD_NAMES)
    return sorted(scores, key=lambda n: (-scores[n], order.index(n)))


# =========================================================================== Richardson (1960)
def richardson_params(scn: Scenario) -> dict[str, float]:
    """Textbook a, b, m, n, r, s of the richardson scenario, with grievance r = g_X (1 - trust_X)."""
    x, y = scn.states
    return dict(
        a=x.reaction["Y"],
        b=y.reaction["X"],
        m=x.fatigue,
        n=y.fatigue,
        r=x.grievance * (1 - x.trust),
        s=y.grievance * (1 - y.trust),
    )


@dataclass
class RichardsonRun:
    """Forces through the model and in closed form at the same dates."""

    dates: list[str]
    years: np.ndarray
    model: np.ndarray
    closed: np.ndarray
    params: dict[str, float]

    @property
    def max_error(self) -> float:
        """Largest gap between the model and the closed form (warheads)."""
        return float(np.abs(self.model - self.closed).max())


def richardson_run(step: str = "month", end: str = "2040-01-01", **params: float) -> RichardsonRun:
    """Run the richardson scenario and the closed form at its dates.

    Keyword params override a, b (reactions of X to Y and Y to X) and m, n (fatigue).
    """
    names = {
        "a": "states.X.reaction.Y",
        "b": "states.Y.reaction.X",
        "m": "states.X.fatigue",
        "n": "states.Y.fatigue",
    }
    overrides = {names[k]: v for k, v in params.items()}
    overrides.update({"calendar.step": step, "calendar.end": end})
    r = sim.run(scenario_path("richardson"), seed=1, overrides=overrides)
    ts, scn = r.timeseries, r.scenario
    p = richardson_params(scn)
    years = np.asarray(r.model.calendar.years, dtype=float)
    model = ts[["forces_X", "forces_Y"]].to_numpy()
    closed = Richardson.two_state(p["a"], p["b"], p["m"], p["n"]).trajectory(
        [s.forces for s in scn.states], [p["r"], p["s"]], years
    )
    return RichardsonRun(list(ts.date), years, model, closed, p)


def richardson_equilibrium(p: dict[str, float]) -> tuple[float, float]:
    """x* = (a s + n r) / (m n - a b), y* = (b r + m s) / (m n - a b)."""
    det = p["m"] * p["n"] - p["a"] * p["b"]
    return (p["a"] * p["s"] + p["n"] * p["r"]) / det, (p["b"] * p["r"] + p["m"] * p["s"]) / det


def weekly_vs_monthly(end: str = "2040-01-01") -> tuple[int, float]:
    """Number of dates common to a weekly and a monthly run, and the largest gap between them there (warheads)."""
    w, m = richardson_run("week", end), richardson_run("month", end)
    wi = {d: k for k, d in enumerate(w.dates)}
    common = [(wi[d], k) for k, d in enumerate(m.dates) if d in wi]
    gap = max(float(np.abs(w.model[i] - m.model[j]).max()) for i, j in common)
    return len(common), gap


# =========================================================================== Kydd (2000)
def bayes_by_hand(prior: float, alarm: bool, d: float, f: float, p_s: float, p_g: float) -> float:
    """Posterior trust written out: P(signal | type) from cheating rates, detection d and false alarms f."""
    alarm_if_security = p_s * d + (1 - p_s) * f
    alarm_if_greedy = p_g * d + (1 - p_g) * f
    like_s = alarm_if_security if alarm else 1 - alarm_if_security
    like_g = alarm_if_greedy if alarm else 1 - alarm_if_greedy
    return prior * like_s / (prior * like_s + (1 - prior) * like_g)


KYDD_BASE = {"states.A.type": "security", "states.B.type": "greedy"}


def first_step_trust(
    seed: int, events: list[dict] | None = None, likelihoods: str = "implied"
) -> tuple[float, bool]:
    """A's trust in B after step 1 of compliance_game (B greedy, so it cheats), and whether A saw an alarm."""
    overrides = dict(KYDD_BASE, **{"trust_model.likelihoods": likelihoods})
    if events is not None:
        overrides["events"] = events
    m = ArmsControlModel(scenario_path("compliance_game"), rng=seed, overrides=overrides)
    m.step()
    a = m.states[0]
    return float(a.trust[1]), a.seen[-1] == "D"


def trust_path(events: list[dict], seed: int = 3) -> np.ndarray:
    """A's trust in B at every step of compliance_game with these scripted events."""
    r = sim.run(
        scenario_path("compliance_game"), seed=seed, overrides={**KYDD_BASE, "events": events}
    )
    return r.timeseries["trust_A_B"].to_numpy()


def odds(p: float) -> float:
    return p / (1 - p)


# =========================================================================== Coe & Vaynman (2020)
SECRECY_COSTS = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0]
CHEAT_GAINS = [0.5, 3.0, 5.0, 8.0, 9.5]


def agreement_share(overrides: dict, n: int) -> Share:
    """Share of verification_tradeoff runs that end in an agreement."""
    k = sum(
        sim.run(
            scenario_path("verification_tradeoff"), seed=s, overrides=overrides
        ).model.treaty.agreement
        is not None
        for s in seeds(n)
    )
    return Share(k, n)


def both(field_: str, value: Any) -> dict:
    """The same override for both states A and B."""
    return {f"states.A.{field_}": value, f"states.B.{field_}": value}


def secrecy_sweep(n: int, costs: list[float] = SECRECY_COSTS) -> dict[float, Share]:
    return {c: agreement_share(both("utility.secrecy_cost", c), n) for c in costs}


def cheat_gain_sweep(n: int, gains: list[float] = CHEAT_GAINS) -> dict[float, Share]:
    return {g: agreement_share(both("compliance.cheat_gain", g), n) for g in gains}


# =========================================================================== Oye (1985)
DISCOUNTS = [0.5, 0.7, 0.8, 0.85, 0.9, 0.95]
# (detection, false alarm) from clean to noisy monitoring
NOISE = [(0.95, 0.0), (0.8, 0.02), (0.7, 0.03), (0.5, 0.06), (0.3, 0.1)]


def cooperation(overrides: dict, n: int) -> Mean:
    """Mean share of compliant moves (both states, all steps) over n runs of compliance_game."""
    out = []
    for s in seeds(n):
        r = sim.run(scenario_path("compliance_game"), seed=s, overrides=overrides)
        moves = [m for st in r.model.states for m in st.moves]
        out.append(sum(m == "C" for m in moves) / len(moves))
    return Mean(out)


def discount_sweep(n: int, discounts: list[float] = DISCOUNTS) -> dict[float, Mean]:
    return {d: cooperation(both("utility.discount", d), n) for d in discounts}


def noise_sweep(
    n: int, levels: list[tuple[float, float]] = NOISE
) -> dict[tuple[float, float], Mean]:
    return {
        (d, f): cooperation(
            {"verification_levels.0.detection": d, "verification_levels.0.false_alarm": f}, n
        )
        for d, f in levels
    }


# =========================================================================== Fearon (1995)
def random_agenda_scenario(rng: np.random.Generator) -> dict:
    """A small random two-state scenario with complete information: both security seekers, trust 0.999."""
    n_levels = int(rng.integers(1, 4))
    levels = [
        {
            "name": f"v{k}",
            "detection": float(rng.uniform(0.2, 0.99)),
            "false_alarm": 0.0,
            "intrusiveness": float(rng.uniform(0, 1)),
        }
        for k in range(n_levels)
    ]
    freezes = [
        {"name": "none", "weight": 0.0},
        {"name": "freeze", "weight": float(rng.uniform(0.2, 1.0))},
    ]
    years = sorted(
        int(y) for y in rng.choice([1, 2, 3, 4, 5], size=int(rng.integers(1, 4)), replace=False)
    )

    def state(name: str, rival: str) -> dict:
        red = []
        if n_levels > 1 and rng.random() < 0.5:
            bound = f"v{int(rng.integers(0, n_levels))}"
            red.append(
                {"issue": "verification", ("at_least" if rng.random() < 0.5 else "at_most"): bound}
            )
        if rng.random() < 0.3:
            red.append({"issue": "freeze", "exclude": [str(rng.choice(["none", "freeze"]))]})
        return {
            "name": name,
            "type": "security",
            "forces": 1000,
            "trust": 0.999,
            "utility": {
                "predictability": float(rng.uniform(0, 1.5)),
                "loss_if_cheated": float(rng.uniform(0, 3)),
                "secrecy_cost": float(rng.uniform(0, 2)),
                "freeze_cost": float(rng.uniform(0, 1.5)),
                "freeze_gain": float(rng.uniform(0, 1.5)),
                "lock_in": float(rng.uniform(0, 0.3)),
                "discount": 0.9,
            },
            "bargaining": {
                "reservation": float(rng.uniform(0, 2.5)),
                "concession": float(rng.choice([0.3, 1.0, 3.0])),
                "hardening": 0.0,
            },
            "compliance": {"cheat_gain": float(rng.uniform(0, 8)), "trust_threshold": 0.5},
            "red_lines": red,
        }

    return {
        "name": "fearon_case",
        "calendar": {"step": "turn", "steps": 8, "turn_years": 0.25},
        "states": [state("A", "B"), state("B", "A")],
        "verification_levels": levels,
        "freeze_options": freezes,
        "agenda": {
            "years": years,
            "verification": [lv["name"] for lv in levels],
            "freeze": ["none", "freeze"],
        },
        "treaty": {"in_force": False},
        "talks": {"deadline_step": 8, "first_proposer": str(rng.choice(["A", "B"]))},
        "trust_model": {"floor": 1e-4},
        "compliance": {"no_treaty_verification": levels[0]["name"]},
    }


FEARON_MARGIN = (
    0.05  # agendas with an offer this close (utility) to a reservation are knife-edge and skipped
)


@dataclass
class FearonCase:
    overlap: bool
    agreed: bool
    knife_edge: bool


def fearon_case(seed: int) -> FearonCase:
    """Whether the two acceptable sets overlap (computed from the utilities at the start) and whether a deal was struck."""

    scn = Scenario.model_validate(random_agenda_scenario(np.random.default_rng(seed)))
    m = ArmsControlModel(scn, rng=seed)
    u = m.utilities
    res = np.array([s.spec.bargaining.reservation for s in m.states])
    acceptable = [m.states[i].allowed & (u[:, i] >= res[i]) for i in range(2)]
    overlap = bool((acceptable[0] & acceptable[1]).any())
    knife = bool((np.abs(u - res[None, :]) < FEARON_MARGIN).any())
    m.run()
    return FearonCase(overlap, m.treaty.agreement is not None, knife)


def fearon_cases(n: int) -> list[FearonCase]:
    return [fearon_case(s) for s in seeds(n, root=ROOT_SEED + 1)]


# =========================================================================== Nash (1950), Rubinstein (1982)
def nash_brute_force(u: np.ndarray, d: np.ndarray) -> int | None:
    """The offer with the largest product of gains over d among offers that give everyone more than d, by plain loops."""
    best, arg = -math.inf, None
    for k in range(len(u)):
        gains = [u[k, i] - d[i] for i in range(u.shape[1])]
        if all(g > 0 for g in gains):
            prod = math.prod(gains)
            if prod > best:
                best, arg = prod, k
    return arg


def nash_on_scenario(name: str, seed: int = 1) -> tuple[int | None, int | None, int]:
    """(computed Nash point, brute-force one, number of offers) over a bundled scenario's offer space at the start."""

    m = ArmsControlModel(name, rng=seed)
    res = np.array([s.spec.bargaining.reservation for s in m.states])
    return nash_point(m.utilities, res), nash_brute_force(m.utilities, res), len(m.space)


SPLIT_GRID = [round(x, 3) for x in np.linspace(0.0, 1.0, 1001)]
RUBINSTEIN_CASES = [(0.8, 0.6), (0.9, 0.9), (0.95, 0.7), (0.6, 0.9)]
HORIZONS = [1, 2, 3, 5, 10, 20, 60]


def split_share(
    d_a: float, d_b: float, rounds: int, tactic: str = "backward_induction"
) -> float | None:
    """A's share of the surplus agreed in the split scenario, one round a year for `rounds` rounds (None: no deal)."""
    r = sim.run(
        scenario_path("split"),
        seed=1,
        overrides={
            "agenda.share": SPLIT_GRID,
            "states.A.utility.discount": d_a,
            "states.B.utility.discount": d_b,
            "calendar.steps": rounds,
            "talks.deadline_step": rounds,
            "states.A.bargaining.tactic": tactic,
            "states.B.bargaining.tactic": tactic,
        },
    )
    a = r.model.treaty.agreement
    return None if a is None else r.model.space.offers[a["offer"]].share


def rubinstein_tolerance(d_a: float, d_b: float) -> float:
    """How far a grid of SPLIT_GRID's step can put the discrete game's share from Rubinstein's: step / (1 - d_a d_b)."""
    return (SPLIT_GRID[1] - SPLIT_GRID[0]) / (1 - d_a * d_b) + 1e-9


# =========================================================================== Roth, Murnighan & Schoumaker (1988)
DEADLINE_STEPS = 24
UNCERTAIN = {"talks.deadline_kind": "uncertain", "talks.hazard_per_year": 2.0}


def agreement_steps(overrides: dict, n: int) -> list[int | None]:
    """Step of agreement (None: no deal) in each of n runs of the deadline scenario."""
    return [
        sim.run(scenario_path("deadline"), seed=s, overrides=overrides).outcome.agreement_step
        for s in seeds(n, root=ROOT_SEED + 2)
    ]


def last_tenth(steps: list[int | None], horizon: int = DEADLINE_STEPS) -> Share:
    """Share of the agreements struck in the last 10% of the talks' time."""
    agreed = [s for s in steps if s is not None]
    return Share(sum(s > 0.9 * horizon for s in agreed), len(agreed))


# =========================================================================== model 2: private information
PRIOR_WIDTHS = [
    0.0,
    0.1,
    0.2,
    0.3,
]  # sd of each side's private reservation value (screening scenario)
SPLIT_STEP = (
    0.05  # the screening scenario's grid of shares: sets overlap when r_A + r_B <= 1 - this
)


def screening(width: float, n: int) -> tuple[Share, Mean]:
    """Failure among runs whose true acceptable sets overlap, and the month of agreement, at a prior width (Fearon 1995)."""
    dist = {"dist": "normal", "mean": 0.3, "sd": width}
    scn = sim.load_scenario(
        scenario_path("screening"),
        {"states.A.bargaining.reservation": dist, "states.B.bargaining.reservation": dist},
    )
    failed = overlapping = 0
    steps = []
    for s in seeds(n, root=ROOT_SEED + 4):
        m = ArmsControlModel(scn, rng=s).run()
        r = sum(x.value("bargaining.reservation") for x in m.states)
        agreed = m.treaty.agreement is not None
        if r <= 1.0 - SPLIT_STEP:
            overlapping += 1
            failed += not agreed
        if agreed:
            steps.append(m.treaty.agreement["step"])
    return Share(failed, overlapping), Mean(steps)


AUDIENCE_MEDIANS = [
    0.25,
    0.5,
    1.0,
    2.0,
    4.0,
    8.0,
]  # median audience cost of A's red line in the private-values scenario


def audience_sweep(n: int) -> dict[float, tuple[Share, Share]]:
    """Per median audience cost of A's red line: share of runs with a deal, and share crossing the red line (Fearon 1997; Tomz 2007)."""
    out = {}
    for median in AUDIENCE_MEDIANS:
        e = sim.ensemble(
            scenario_path("private_values"),
            n=n,
            seed=ROOT_SEED + 5,
            overrides={
                "states.A.red_lines.0.audience_cost": {
                    "dist": "lognormal",
                    "median": median,
                    "sigma": 0.6,
                }
            },
        )
        cat = e.runs.category
        out[median] = (
            Share(int(cat.isin(["extended", "new_terms"]).sum()), n),
            Share(int((cat == "new_terms").sum()), n),
        )
    return out


RATIFICATION_MEANS = [
    -2.0,
    0.5,
    1.5,
    3.0,
]  # mean threshold of B's domestic body (utility): low support is a high threshold


def ratification_sweep(n: int) -> dict[float, tuple[Share, Mean]]:
    """Per mean threshold of B's body: ratified share of signed agreements, and B's utility of the agreements made (Putnam 1988)."""
    out = {}
    for mean in RATIFICATION_MEANS:
        body = {
            "body": "B's parliament",
            "delay_months": 2,
            "threshold": {"dist": "normal", "mean": mean, "sd": 0.5},
        }
        scn = sim.load_scenario(scenario_path("private_values"), {"states.B.ratification": body})
        ratified = signed = 0
        worth = []
        for s in seeds(n, root=ROOT_SEED + 6):
            m = ArmsControlModel(scn, rng=s).run()
            if m.treaty.ratification in ("ratified", "refused"):
                signed += 1
                ratified += m.treaty.ratification == "ratified"
                k = (m.treaty.agreement or m.treaty.refused)["offer"]
                worth.append(float(m.utility.utilities(m.trust_matrix(), m.tension)[k, 1]))
        out[mean] = (Share(ratified, signed), Mean(worth))
    return out


def step_length(n: int) -> dict[str, dict[str, float]]:
    """Outcome shares and crisis rate of the private-values scenario on weekly and monthly calendars."""
    out = {}
    for step in ("week", "month"):
        runs = sim.ensemble(
            scenario_path("private_values"),
            n=n,
            seed=ROOT_SEED + 7,
            overrides={"calendar.step": step},
        ).runs
        out[step] = {
            **runs.category.value_counts(normalize=True).to_dict(),
            "crisis": float(runs.crisis.mean()),
        }
    return out


def step_length_gap(shares: dict[str, dict[str, float]], n: int) -> tuple[float, float]:
    """Largest gap between the two calendars' shares, and 3.5 standard errors of such a gap at n runs each."""
    keys = set(shares["week"]) | set(shares["month"])
    gaps = {k: abs(shares["week"].get(k, 0.0) - shares["month"].get(k, 0.0)) for k in keys}
    worst = max(gaps, key=gaps.get)
    p = (shares["week"].get(worst, 0.0) + shares["month"].get(worst, 0.0)) / 2
    return gaps[worst], 3.5 * math.sqrt(2 * max(p * (1 - p), 0.25 / n) / n)


# =========================================================================== history
FINAL_DAYS = (
    14  # "in the final days": agreed at most this many days before the deadline (history: 2 days)
)


@dataclass
class HistoryShares:
    name: str
    n: int
    labels: dict[str, int]
    five_years: Share
    five_years_final_days: Share
    withdrawn: Share


def history(name: str, n: int) -> HistoryShares:
    """Outcome shares of a bundled historical scenario over n replicates."""
    labels: dict[str, int] = {}
    five = final = wd = 0
    for s in seeds(n, root=ROOT_SEED + 3):
        o = sim.run(name, seed=s).outcome
        labels[o.label] = labels.get(o.label, 0) + 1
        if o.years == 5:
            five += 1
            final += o.before_deadline is not None and o.before_deadline <= FINAL_DAYS
        wd += o.category == "withdrawn"
    return HistoryShares(name, n, labels, Share(five, n), Share(final, n), Share(wd, n))


# =========================================================================== the page
@dataclass
class Row:
    source: str
    claim: str
    measured: str
    passed: bool | None  # None: not measured


def _fmt_pairs(d: dict, key: Callable[[Any], str] = str) -> str:
    return "; ".join(
        f"{key(k)}: {v.p if isinstance(v, Share) else v.mean:.2f}" for k, v in d.items()
    )


def measure(n: int = 200) -> tuple[list[Row], dict[str, Any]]:
    """Every row of the table, measured now; also the raw data for the plots."""
    rows, data = [], {}

    # Axelrod
    pairs = [(a, b) for a in AXELROD_NAMES for b in AXELROD_NAMES]
    bad = [(a, b) for a, b in pairs if model_match(a, b) != library_match(a, b)]
    lib_rank, lib_scores = library_tournament()
    ours = model_tournament()
    same_rank = same_ranking(ours, lib_rank) and all(
        abs(ours[k] - lib_scores[k]) < 1e-12 for k in ours
    )
    tft = model_match("tit_for_tat", "always_defect")
    rows.append(
        Row(
            "Axelrod (1984)",
            "match scores equal the Axelrod library's (25 pairs, 200 turns); same tournament ranking",
            f"{len(pairs) - len(bad)}/{len(pairs)} matches equal (tit-for-tat vs always defect {tft[0]:.0f} to {tft[1]:.0f}); "
            f"ranking {' > '.join(ranking(ours))} (tit_for_tat and grim_trigger tie) {'= library' if same_rank else 'differs from library ' + ' > '.join(lib_rank)}",
            not bad and same_rank,
        )
    )
    data["tournament"] = (ours, lib_scores)

    # Richardson
    run = richardson_run()
    long = richardson_run("month", "2160-01-01")
    star = richardson_equilibrium(long.params)
    conv = float(np.abs(long.model[-1] - np.array(star)).max())
    div = richardson_run("month", "2040-01-01", a=0.6, b=0.5)
    common, gap = weekly_vs_monthly()
    div_ok = div.model[-1].min() > 10 * div.model[0].max() and div.max_error < 1e-9 * float(
        np.abs(div.closed).max()
    )
    rows.append(
        Row(
            "Richardson (1960)",
            "closed form through the model; equilibrium to 1e-6; diverges iff m n < a b; weekly = monthly",
            f"max gap to closed form {run.max_error:.1e} warheads over 40 years; |x(160 y) - x*| = {conv:.1e}; "
            f"m n < a b: forces x{div.model[-1].min() / div.model[0].max():.0f} in 40 years; weekly vs monthly at {common} common dates: max gap {gap:.1e}",
            run.max_error < 1e-6 and conv < 1e-6 and div_ok and gap < 1e-6,
        )
    )
    data["richardson"] = (run, div)

    # Kydd
    ok_bayes, checked = True, 0
    for s in range(6):
        got, alarm = first_step_trust(s)
        d_step, f_step = (
            1 - (1 - 0.7) ** 0.25,
            1 - (1 - 0.03) ** 0.25,
        )  # per year, over a quarter-year step
        ok_bayes &= (
            abs(got - bayes_by_hand(0.6, alarm, d_step, f_step, 0.0, 1.0)) < 1e-12
        )  # the likelihoods the policy implies
        checked += 1
    base = trust_path([])
    talk = trust_path(
        [{"step": 5, "actor": "B", "kind": "statement", "text": "promises restraint"}]
    )
    g1 = trust_path([{"step": 5, "actor": "B", "kind": "gesture", "cost": 1.0}])
    g2 = trust_path([{"step": 5, "actor": "B", "kind": "gesture", "cost": 2.0}])
    talk_move = float(np.abs(talk - base).max())
    m1, m2 = g1[5] - base[5], g2[5] - base[5]
    rows.append(
        Row(
            "Kydd (2000)",
            "Bayes-exact trust updates; cheap talk moves trust by zero; a costlier signal moves it more",
            f"{checked} first-step updates equal Bayes by hand to 1e-12; statement moves trust by {talk_move:g}; "
            f"gesture of cost 1 moves it {m1:+.3f}, cost 2 {m2:+.3f}",
            ok_bayes and talk_move == 0.0 and m2 > m1 > 0,
        )
    )

    # Coe & Vaynman
    sec, gain = secrecy_sweep(n), cheat_gain_sweep(n)
    ok = separated(sec[SECRECY_COSTS[-1]], sec[SECRECY_COSTS[0]]) and separated(
        gain[CHEAT_GAINS[-1]], gain[CHEAT_GAINS[0]]
    )
    rows.append(
        Row(
            "Coe & Vaynman (2020)",
            "agreement falls as the secrecy cost of verification rises, and as the gain from undetected cheating rises",
            f"share agreeing by secrecy cost: {_fmt_pairs(sec)}; by cheating gain: {_fmt_pairs(gain)} "
            f"(extremes: {sec[SECRECY_COSTS[0]]} vs {sec[SECRECY_COSTS[-1]]}; {gain[CHEAT_GAINS[0]]} vs {gain[CHEAT_GAINS[-1]]})",
            ok,
        )
    )
    data["coe"] = (sec, gain)

    # Oye
    disc, noise = discount_sweep(n // 2), noise_sweep(n // 2)
    ok = separated(disc[DISCOUNTS[0]], disc[DISCOUNTS[-1]]) and separated(
        noise[NOISE[-1]], noise[NOISE[0]]
    )
    rows.append(
        Row(
            "Oye (1985)",
            "cooperation rises with the shadow of the future and falls with monitoring noise",
            f"share of compliant moves by discount: {_fmt_pairs(disc)}; by (detection, false alarm): "
            f"{_fmt_pairs(noise, lambda k: f'({k[0]:g}, {k[1]:g})')}",
            ok,
        )
    )
    data["oye"] = (disc, noise)

    # Fearon
    cases = fearon_cases(n)
    used = [c for c in cases if not c.knife_edge]
    table = {
        (o, a): sum(c.overlap == o and c.agreed == a for c in used)
        for o in (True, False)
        for a in (True, False)
    }
    rows.append(
        Row(
            "Fearon (1995)",
            "with complete information a deal is reached whenever the acceptable sets overlap, never otherwise",
            f"{len(used)} random agendas ({len(cases) - len(used)} knife-edge skipped): overlap and deal {table[True, True]}, "
            f"overlap and no deal {table[True, False]}, no overlap and deal {table[False, True]}, neither {table[False, False]}",
            table[True, False] == 0
            and table[False, True] == 0
            and table[True, True] > 0
            and table[False, False] > 0,
        )
    )

    # Nash, Rubinstein
    nash = {name: nash_on_scenario(name) for name in ("classroom_basic", "new_start_2021")}
    nash_ok = all(a == b for a, b, _ in nash.values())
    rub = {(da, db): split_share(da, db, 60) for da, db in RUBINSTEIN_CASES}
    rub_ok = all(
        v is not None and abs(v - rubinstein_share(da, db)) <= rubinstein_tolerance(da, db)
        for (da, db), v in rub.items()
    )
    conv = {h: split_share(0.9, 0.9, h) for h in HORIZONS}
    rows.append(
        Row(
            "Nash (1950), Rubinstein (1982)",
            "the Nash point maximises the product of gains; alternating offers converge to Rubinstein's shares",
            "Nash point = brute force on "
            + ", ".join(f"{k} ({v[2]} offers)" for k, v in nash.items())
            + "; "
            "proposer's share after 60 rounds vs (1 - d2)/(1 - d1 d2): "
            + "; ".join(
                f"d = {da:g}, {db:g}: {v:.3f} vs {rubinstein_share(da, db):.3f}"
                for (da, db), v in rub.items()
            ),
            nash_ok and rub_ok,
        )
    )
    data["rubinstein"] = conv

    # Roth et al.
    hard, unc = agreement_steps({}, n), agreement_steps(UNCERTAIN, 2 * n)
    sh, su = last_tenth(hard), last_tenth(unc)
    rows.append(
        Row(
            "Roth, Murnighan & Schoumaker (1988)",
            "hard deadline and Boulware bargainers: agreements cluster just before it; uncertain deadline: no spike",
            f"share of agreements in the last 10% of the time: hard {sh}; uncertain (2 a year) {su}",
            separated(su, sh) and sh.p > 0.5,
        )
    )
    data["deadline"] = (hard, unc)

    # Fearon (1995): private information
    screen = {w: screening(w, n) for w in PRIOR_WIDTHS}
    fail = [screen[w][0] for w in PRIOR_WIDTHS]
    delay = [screen[w][1] for w in PRIOR_WIDTHS]
    rows.append(
        Row(
            "Fearon (1995), private information",
            "bargaining failure and delay rise with the width of the priors over private values, at fixed overlap",
            "by sd of each side's private reservation value: "
            + "; ".join(
                f"{w:g}: no deal though the sets overlap {screen[w][0]}, mean month of agreement {screen[w][1].mean:.2f}"
                for w in PRIOR_WIDTHS
            ),
            fail[0].k == 0 and separated(fail[0], fail[-1]) and delay[-1].mean > delay[0].mean,
        )
    )
    data["screening"] = screen

    # Fearon (1997), Tomz (2007)
    aud = audience_sweep(n)
    deals = [aud[m][0] for m in AUDIENCE_MEDIANS]
    cross = [aud[m][1] for m in AUDIENCE_MEDIANS]
    smooth = max(abs(a.p - b.p) for a, b in zip(deals, deals[1:]))
    rows.append(
        Row(
            "Fearon (1997), Tomz (2007)",
            "a public red line is respected more often, and no deal is likelier, as its audience cost rises; no cliff",
            "by median audience cost: "
            + "; ".join(
                f"{m:g}: deal {aud[m][0].p:.2f}, crossing it {aud[m][1].p:.2f}"
                for m in AUDIENCE_MEDIANS
            )
            + f" (largest step between neighbours {smooth:.2f})",
            separated(cross[-1], cross[0]) and separated(deals[-1], deals[0]) and smooth < 0.2,
        )
    )
    data["audience"] = aud

    # Putnam (1988)
    rat = ratification_sweep(n)
    shares = [rat[m][0] for m in RATIFICATION_MEANS]
    terms = [rat[m][1] for m in RATIFICATION_MEANS if rat[m][1].values]
    rows.append(
        Row(
            "Putnam (1988)",
            "the chance that a signed agreement is ratified falls as domestic support falls; a narrower win-set gets better terms",
            "by B's mean ratification threshold: "
            + "; ".join(
                f"{m:g}: ratified {rat[m][0]}, B's utility of the deal {rat[m][1].mean:.2f}"
                for m in RATIFICATION_MEANS
                if rat[m][1].values
            ),
            separated(shares[-1], shares[0]) and len(terms) >= 2 and terms[-1].mean > terms[0].mean,
        )
    )

    # step length
    steps = step_length(2 * n)
    gap, allowed = step_length_gap(steps, 2 * n)
    rows.append(
        Row(
            "step length",
            "a weekly and a monthly calendar give the same distribution of outcomes and crisis flags within sampling error",
            "; ".join(
                f"{k}: " + ", ".join(f"{c} {p:.2f}" for c, p in sorted(v.items()))
                for k, v in steps.items()
            )
            + f" (largest gap {gap:.3f}, allowed {allowed:.3f})",
            gap < allowed,
        )
    )

    # history
    ns, nt = history("new_start_2021", n), history("new_start_2021_no_transition", n)
    text = (
        f"new_start_2021: 5-year extension {ns.five_years}, of which within {FINAL_DAYS} days of the deadline {ns.five_years_final_days}; "
        f"without the transition: 5-year deal {nt.five_years} (outcomes {nt.labels})"
    )
    ok = ns.five_years.p > 0.5 and ns.five_years_final_days.p > 0.5 and nt.five_years.p < 0.5
    hist = [ns, nt]
    inf = history("inf_2019", n)
    text += f"; inf_2019: withdrawn {inf.withdrawn}"
    ok = ok and inf.withdrawn.p > 0.5
    hist.append(inf)
    rows.append(
        Row(
            "history",
            "New START 2021 mostly extended 5 years in the final days; without the transition mostly no 5-year deal; INF 2019 withdrawn",
            text,
            ok,
        )
    )
    data["history"] = hist
    return rows, data


def plots(data: dict[str, Any]) -> list[str]:
    """Write the figures; returns their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    IMAGES.mkdir(parents=True, exist_ok=True)
    out = []

    def save(fig, name):
        fig.tight_layout()
        fig.savefig(IMAGES / name, dpi=110)
        plt.close(fig)
        out.append(name)

    run, div = data["richardson"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, r, title in (
        (axes[0], run, "stable: m n > a b"),
        (axes[1], div, "unstable: m n < a b"),
    ):
        for i, name in enumerate("XY"):
            ax.plot(r.years, r.closed[:, i], lw=3, alpha=0.35, label=f"{name}, closed form")
            ax.plot(r.years, r.model[:, i], "--", lw=1, label=f"{name}, model (monthly)")
        ax.set_title(title)
        ax.set_xlabel("years")
        ax.set_ylabel("forces (warheads)")
    axes[0].legend(fontsize=7)
    axes[1].set_yscale("log")
    save(fig, "validation_richardson.png")

    sec, gain = data["coe"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    for ax, d, label in (
        (axes[0], sec, "secrecy cost of verification (utility a year)"),
        (axes[1], gain, "gain from undetected cheating (utility a year)"),
    ):
        xs = list(d)
        ps = [d[x].p for x in xs]
        lo = [max(0.0, d[x].p - d[x].ci[0]) for x in xs]
        hi = [max(0.0, d[x].ci[1] - d[x].p) for x in xs]
        ax.errorbar(xs, ps, yerr=[lo, hi], marker="o", capsize=3)
        ax.set_xlabel(label)
        ax.set_ylabel("share of runs with agreement")
        ax.set_ylim(0, 1.05)
    save(fig, "validation_coe_vaynman.png")

    disc, noise = data["oye"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    xs = list(disc)
    axes[0].errorbar(
        xs,
        [disc[x].mean for x in xs],
        yerr=[
            [disc[x].mean - disc[x].ci[0] for x in xs],
            [disc[x].ci[1] - disc[x].mean for x in xs],
        ],
        marker="o",
        capsize=3,
    )
    axes[0].set_xlabel("discount factor per year (shadow of the future)")
    labels = [f"{d:g}/{f:g}" for d, f in noise]
    vals = list(noise.values())
    axes[1].errorbar(
        range(len(vals)),
        [v.mean for v in vals],
        yerr=[[v.mean - v.ci[0] for v in vals], [v.ci[1] - v.mean for v in vals]],
        marker="o",
        capsize=3,
    )
    axes[1].set_xticks(range(len(vals)), labels)
    axes[1].set_xlabel("monitoring: detection / false alarm (noisier to the right)")
    for ax in axes:
        ax.set_ylabel("share of compliant moves")
        ax.set_ylim(0, 1.05)
    save(fig, "validation_oye.png")

    conv = data["rubinstein"]
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    hs = [h for h in conv if conv[h] is not None]
    ax.plot(hs, [conv[h] for h in hs], "o-", label="model (backward induction)")
    ax.axhline(
        rubinstein_share(0.9, 0.9), color="k", ls="--", label="Rubinstein (1 - d2)/(1 - d1 d2)"
    )
    ax.set_xscale("log")
    ax.set_xlabel("rounds before the deadline")
    ax.set_ylabel("first proposer's share")
    ax.legend(fontsize=8)
    save(fig, "validation_rubinstein.png")

    hard, unc = data["deadline"]
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    bins = np.arange(0.5, DEADLINE_STEPS + 1.5)
    ax.hist(
        [s for s in hard if s is not None],
        bins=bins,
        alpha=0.6,
        label="hard deadline",
        density=True,
    )
    ax.hist(
        [s for s in unc if s is not None],
        bins=bins,
        alpha=0.6,
        label="uncertain deadline (2 a year)",
        density=True,
    )
    ax.axvline(0.9 * DEADLINE_STEPS, color="k", ls=":", label="last 10% of the time")
    ax.set_xlabel("month of agreement")
    ax.set_ylabel("share of agreements")
    ax.legend(fontsize=8)
    save(fig, "validation_deadline.png")

    hist = data["history"]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    cats = sorted({k for h in hist for k in h.labels})
    width = 0.8 / len(hist)
    for i, h in enumerate(hist):
        ax.bar(
            np.arange(len(cats)) + i * width,
            [h.labels.get(c, 0) / h.n for c in cats],
            width,
            label=h.name,
        )
    ax.set_xticks(np.arange(len(cats)) + width * (len(hist) - 1) / 2, cats, rotation=15)
    ax.set_ylabel("share of runs")
    ax.legend(fontsize=8)
    save(fig, "validation_history.png")
    return out


INTRO = """# Validation

The model must reproduce a set of published results (the table of the
design brief). Every figure on this page was measured on the current code by
`python -m docs.gen_validation`, which also drew the plots; the same
experiments are the tests of `tests/test_validation.py`, so a row that fails
here fails the test suite too. Ensembles use seeds derived from one root seed
(`numpy.random.SeedSequence`); shares are given with Wilson 95% intervals
[low, high], means with normal 95% intervals. The small scenarios made for
these experiments are in `tests/scenarios/`.
"""

HOW_FAR = """## How far the model matches history, and where it does not

* **New START 2021, as a forecast.** The scenario is the forecast made on
  1 September 2020, from sources dated on or before it: the election of
  3 November 2020 is a branch with the published forecast's chance (about
  80%), and each side's preferences and the audience costs of its public
  demands are priors. The model then gives a five-year extension in most
  runs, not all (the row above), mostly in the last two weeks before the
  deadline; pinned to the re-election branch, it mostly lapses. History's
  extension, agreed on 26 January and in force on 3 February 2021, is one
  likely branch among others, not a script. The model represents the Duma's
  approval only where a scenario gives a state a ratification step.
* **The case library.** Twenty historical negotiations, coded from sources
  dated before each cut-off, score the model out of sample against the base
  rate and the status quo: see [How well does the model forecast?](forecast.md),
  which also says where it does badly.
* **INF 2019.** Ends in withdrawal when the scenario is bundled (the row
  says so when it is not).
* **Timing is coarse.** The historical scenarios run in weekly steps, so
  dates are right to the week at best, and the model agrees as soon as both
  targets allow it, with no time for drafting or ratification.
* **Where the theory rows are only partly met.** With an uncertain
  deadline the spike before the deadline goes away, but the agreements do
  not spread out evenly as in Roth et al.'s experiments: they gather in an
  earlier, narrower band, because the concession schedule is deterministic
  and only the break-off is random (and most runs break off first). The
  Coe & Vaynman and Oye rows run on validation scenarios with fixed values,
  so their responses come in steps: a greedy state's choice to cheat under a
  verification level is a threshold (its gain against the expected loss if
  caught). With priors over those values (the model-2 rows and the historical
  scenarios) the same responses are smooth. The Rubinstein shares are met to the grid of
  the share issue (0.001), not exactly.
* **The theory rows are mechanisms, not history.** They check that each
  part does what its source says, on scenarios built for the purpose; they
  do not say that real states bargain by backward induction or follow
  tit-for-tat.
"""

DETAILS = """## The experiments

* **Axelrod.** `prisoners_dilemma` (perfect monitoring, T, R, P, S = 5, 3,
  1, 0), 200 turns, every ordered pair of tit-for-tat, grim trigger, Pavlov,
  always cooperate and always defect (the library's TitForTat, Grudger,
  WinStayLoseShift, Cooperator, Defector); the tournament is a round robin
  without self-play ranked by mean score per turn, as the library's
  normalised score.
* **Richardson.** `tests/scenarios/richardson.yaml`: no talks, no compliance
  game, no events, perfect monitoring and both types assumed never to cheat
  (so trust cannot move). Grievance in the model is `grievance x (1 - min
  trust)`, so the closed form uses r = 50 x (1 - 0.2) = 40 and
  s = 40 x (1 - 0.5) = 20; with a = 0.2, b = 0.3, m = 0.5, n = 0.4,
  x* = 142.857..., y* = 157.142.... The unstable case raises a and b to 0.6
  and 0.5.
* **Kydd.** `tests/scenarios/compliance_game.yaml` with A a security seeker
  and B greedy: A's trust in B after the first report is compared with Bayes'
  rule written out by hand; a scripted `statement` of B must leave the whole
  trust path unchanged; `gesture` events of cost 1 and 2 multiply the odds by
  1 + cost.
* **Coe & Vaynman.** `tests/scenarios/verification_tradeoff.yaml`: random
  types, two years of talks over how a five-year agreement is verified.
* **Oye.** `tests/scenarios/compliance_game.yaml`: ten years of the
  compliance game with random types; cooperation is the share of compliant
  moves of both states over all quarters.
* **Fearon.** Random two-state agendas (terms, one to three verification
  levels, a freeze, random utilities, reservations and red lines), both
  security seekers with trust 0.999 and a trust floor of 0.0001. A state's
  acceptable set is the offers within its red lines worth at least its
  reservation; agendas with an offer within 0.05 of a reservation are
  skipped as knife-edge (trust still moves a little).
* **Nash and Rubinstein.** The Nash point is compared with a brute-force
  search over the whole offer space of two bundled scenarios. The
  one-issue split is `tests/scenarios/split.yaml`: the agenda's `share`
  issue on a grid of 0.001, both states bargaining with
  `tactic: backward_induction`, one round a year; with a grid the
  discrete game can differ from Rubinstein's by up to step / (1 - d1 d2).
* **Roth et al.** `tests/scenarios/deadline.yaml`: two Boulware bargainers
  (concession 0.1) divide a surplus over 24 months; hard deadline against an
  uncertain one with a break-off rate of 2 a year.
* **History.** The bundled scenarios, unchanged.
"""


def page(rows: list[Row], images: list[str]) -> str:
    lines = [
        INTRO,
        f"Measured on {dt.date.today().isoformat()}.\n",
        marker() + "\n",
        "| source | what the model must show | measured | verdict |",
        "|---|---|---|---|",
    ]
    for r in rows:
        verdict = (
            "not measured" if r.passed is None else ("**passes**" if r.passed else "**FAILS**")
        )
        lines.append(f"| {r.source} | {r.claim} | {r.measured.replace('|', '/')} | {verdict} |")
    lines.append("")
    lines.append(HOW_FAR)
    lines.append(DETAILS)
    captions = {
        "validation_richardson.png": "Richardson: forces through the model (dashed) on the closed form (wide), stable and unstable.",
        "validation_coe_vaynman.png": "Coe & Vaynman: share of runs with agreement, with Wilson 95% intervals.",
        "validation_oye.png": "Oye: share of compliant moves by discount factor and by monitoring noise.",
        "validation_rubinstein.png": "Rubinstein: the first proposer's share approaches (1 - d2)/(1 - d1 d2) as rounds grow (d1 = d2 = 0.9).",
        "validation_deadline.png": "Roth et al.: month of agreement, hard against uncertain deadline.",
        "validation_history.png": "History: outcome shares of the bundled historical scenarios.",
    }
    lines.append("## Plots\n")
    for name in images:
        lines.append(
            f"![{captions.get(name, name)}](images/{name})\n\n*{captions.get(name, name)}*\n"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure, plot and write the page; exit status 1 when a row fails."""
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 200
    rows, data = measure(n)
    for r in rows:
        print(f"{'ok  ' if r.passed else 'FAIL'} {r.source}: {r.measured}")
    images = plots(data)
    PAGE.write_text(page(rows, images))
    print(f"wrote {PAGE.relative_to(ROOT)} and {len(images)} plots")
    return 0 if all(r.passed for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
