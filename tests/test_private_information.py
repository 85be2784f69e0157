"""Model 2: private values drawn from priors, bargaining under uncertainty, red lines with audience costs,
branches, ratification, multilateral exits, and rates per year.

Each test checks what a user or a paper would notice: exact values where they exist (draws within
their field's range, Bayes' rule on a refusal), and directions and smoothness over ensembles
elsewhere, with tolerances from the ensembles' sampling error.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pytest

import sim
from sim import priors
from sim.beliefs import TREMBLE, Belief
from sim.compiled import compile_scenario
from sim.loading import resolve_scenario
from sim.private_values import BELIEF_PARTICLES, POOL_SIZE, Draws
from sim.scenario import Utility

PV = "tests/scenarios/private_values.yaml"


def agreement_share(scn_or_name, n: int, seed: int = 0, **overrides) -> float:
    """Share of n replicates that end in an agreement (extended or new terms)."""
    e = sim.ensemble(scn_or_name, n=n, seed=seed, overrides=overrides or None)
    return float(e.runs.category.isin(["extended", "new_terms"]).mean())


def binomial_se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 0.25 / n) / n)


# --------------------------------------------------------------------------- priors
def test_draws_of_a_prior_follow_it_and_stay_in_the_field_range():
    rng = np.random.default_rng(0)
    normal = Utility(secrecy_cost={"dist": "normal", "mean": 0.2, "sd": 0.4}).secrecy_cost
    x = priors.draw(normal, rng, 20_000, priors.bounds_of(Utility, "secrecy_cost"))
    assert x.min() == 0.0  # clipped at the field's lower bound: a secrecy cost is never negative
    assert np.mean(x == 0.0) == pytest.approx(0.31, abs=0.02)  # P(N(0.2, 0.4) < 0) = 0.309
    beta = Utility(discount={"dist": "beta", "a": 9, "b": 1}).discount
    d = priors.draw(beta, rng, 20_000, priors.bounds_of(Utility, "discount"))
    assert 0.0 < d.min() and d.max() < 1.0 and d.mean() == pytest.approx(0.9, abs=0.005)
    choice = priors.Choice(dist="choice", values=[0.0, 1.0], weights=[3, 1])
    assert priors.draw(choice, rng, 20_000).mean() == pytest.approx(0.25, abs=0.01)
    assert priors.draw(1.5, rng, 3).tolist() == [1.5, 1.5, 1.5]  # a plain number is a known value


def test_a_pool_is_fixed_by_its_spec_and_a_spec_without_priors_has_one_draw():
    scn = resolve_scenario(PV)
    c1, c2 = (
        compile_scenario(scn),
        compile_scenario(resolve_scenario(PV, {"tension.initial": 0.31})),
    )
    a1, a2 = c1.draws(scn.states[0], 0), c2.draws(c2.scenario.states[0], 0)
    assert a1.size == POOL_SIZE and np.array_equal(
        a1.values["utility.secrecy_cost"], a2.values["utility.secrecy_cost"]
    )
    fixed = resolve_scenario("prisoners_dilemma")
    assert Draws(fixed.states[0], 0, compile_scenario(fixed).space).size == 1


def test_each_run_draws_its_true_values_and_the_seed_fixes_them():
    rows = {sim.ArmsControlModel(PV, rng=seed).states[1].row for seed in range(20)}
    assert len(rows) > 15  # different runs, different true values
    a, b = sim.ArmsControlModel(PV, rng=7), sim.ArmsControlModel(PV, rng=7)
    assert [s.row for s in a.states] == [s.row for s in b.states]


def test_a_refusal_moves_the_belief_by_bayes_rule_with_a_trembling_hand():
    draws = compile_scenario(resolve_scenario(PV)).draws(resolve_scenario(PV).states[1], 1)
    belief = Belief(draws)
    k = min(BELIEF_PARTICLES, POOL_SIZE)
    would = np.zeros(k, bool)
    would[: k // 4] = True  # a quarter of the particles would have accepted
    belief.update_on_refusal(would)
    # posterior weight of an accepting particle: (1/k) TREMBLE / (k/4 TREMBLE/k + 3k/4 /k)
    expected = TREMBLE / (0.25 * TREMBLE + 0.75) / k
    assert belief.weights[0] == pytest.approx(expected)
    assert belief.weights.sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- outcomes are odds, not fates
def test_a_scenario_with_priors_has_more_than_one_outcome():
    e = sim.ensemble(PV, n=200, seed=1)
    shares = e.runs.category.value_counts(normalize=True)
    assert shares.max() < 0.97 and len(shares) >= 2


@pytest.mark.slow
def test_agreement_falls_smoothly_as_the_secrecy_cost_of_verification_rises():
    """Coe & Vaynman (2020), and no cliff: no jump of 0.2 between neighbouring grid points."""
    grid = [0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0]
    shares = [
        agreement_share(
            PV,
            150,
            seed=3,
            **{"states.B.utility.secrecy_cost": {"dist": "lognormal", "median": m, "sigma": 0.5}},
        )
        for m in grid
    ]
    assert shares[0] > shares[-1] + 0.2
    assert max(abs(a - b) for a, b in zip(shares, shares[1:])) < 0.2, shares


@pytest.mark.slow
def test_the_audience_cost_of_a_red_line_moves_outcomes_smoothly_toward_respecting_it():
    """Fearon (1997), Tomz (2007): the costlier A's public red line (on-site inspections or nothing), the
    likelier a deal respects it and the likelier no deal at all; smoothly, with no cliff."""
    grid = [0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]
    crossing, deals = [], []
    for median in grid:
        cost = {"dist": "lognormal", "median": median, "sigma": 0.6}
        e = sim.ensemble(PV, n=150, seed=4, overrides={"states.A.red_lines.0.audience_cost": cost})
        deals.append(float(e.runs.category.isin(["extended", "new_terms"]).mean()))
        crossing.append(
            float((e.runs.category == "new_terms").mean())
        )  # the only new terms on offer drop inspections
    assert deals[0] > deals[-1] + 0.2 and crossing[0] > crossing[-1] + 0.2
    assert max(abs(a - b) for a, b in zip(deals, deals[1:])) < 0.2, deals
    wall = agreement_share(PV, 150, seed=4, **{"states.A.red_lines.0.audience_cost": float("inf")})
    assert wall <= deals[-1] + 3 * binomial_se(deals[-1], 150)


@pytest.mark.slow
@pytest.mark.parametrize(
    "path, grid, rises",
    [
        (
            "states.A.trust",
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
            True,
        ),  # more trust, less fear of being cheated (Kydd 2000)
        (
            "verification_levels.0.detection",
            [0.0, 0.075, 0.15, 0.225, 0.3, 0.375, 0.45, 0.525, 0.6],
            True,
        ),  # better national means make the deal without inspections safer
    ],
)
def test_agreement_moves_smoothly_with_trust_and_detection(path, grid, rises):
    shares = [agreement_share(PV, 120, seed=11, **{path: x}) for x in grid]
    assert (shares[-1] - shares[0] > 0.1) if rises else (shares[0] - shares[-1] > 0.1), shares
    assert max(abs(a - b) for a, b in zip(shares, shares[1:])) < 0.2, shares


# --------------------------------------------------------------------------- red lines and dates
def test_a_red_line_holds_only_from_the_date_of_its_source():
    m = sim.ArmsControlModel(PV, rng=0)
    a = m.states[0]
    assert a.active_red_lines() == (False,)
    while m.calendar.labels[m.step_index] < "2030-03-01":
        m.step()
    assert a.active_red_lines() == (True,)


def cited_dates(text: str) -> list[dt.date]:
    """Dates a log line cites, written as '22 Oct 2020', 'Oct 2020' or '2020-10-22'."""
    months = {
        m: i
        for i, m in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
        )
    }
    out = []
    for d, mon, y in re.findall(
        r"\b(\d{1,2})?\s*(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{4})\b",
        text,
    ):
        out.append(dt.date(int(y), months[mon.lower()], int(d) if d else 1))
    out += [dt.date.fromisoformat(x) for x in re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text)]
    return out


@pytest.mark.parametrize("name", [n for n in sim.bundled_scenarios()])
def test_no_log_line_cites_a_source_dated_after_it(name):
    scn = resolve_scenario(name)
    if scn.dateless:
        pytest.skip("a dateless scenario cites no dates")
    for seed in range(4):
        for entry in sim.run(scn, seed=seed).model.log.entries:
            if entry.kind in (
                "agreement",
                "treaty",
                "outcome",
                "start",
                "withdrawal",
                "talks",
                "event",
                "statement",
            ):
                continue  # these name the future dates they set (an expiry, a notice taking effect), not sources
            day = dt.date.fromisoformat(entry.date)
            late = [d for d in cited_dates(entry.text) if d > day]
            assert not late, f"{name}, seed {seed}: {entry}"


# --------------------------------------------------------------------------- branches and chances
def branching(**extra) -> sim.Scenario:
    return resolve_scenario(
        PV,
        {
            "events": [
                {
                    "id": "vote",
                    "kind": "branch",
                    "date": "2030-02-01",
                    "actor": "B",
                    "text": "An election in B",
                    "branches": [
                        {
                            "name": "hawk",
                            "chance": 0.3,
                            "events": [
                                {
                                    "date": "2030-03-01",
                                    "actor": "B",
                                    "kind": "leadership_change",
                                    "changes": {"utility": {"predictability": -1.0}},
                                }
                            ],
                        },
                        {"name": "dove", "chance": 0.7},
                    ],
                    **extra,
                }
            ]
        },
    )


def test_a_branch_is_taken_with_its_chance_and_a_pin_forces_it():
    e = sim.ensemble(branching(), n=300, seed=2)
    hawk = (e.runs.branches == "vote=hawk").mean()
    assert abs(hawk - 0.3) < 3 * binomial_se(0.3, 300)
    pinned = sim.ensemble(branching(pin="hawk"), n=20, seed=2)
    assert (pinned.runs.branches == "vote=hawk").all()
    # the hawkish future makes a deal rarer
    assert agreement_share(branching(pin="hawk"), 100) < agreement_share(branching(pin="dove"), 100)


def test_an_event_with_a_chance_fires_in_that_share_of_runs():
    scn = resolve_scenario(
        PV,
        {
            "events": [
                {
                    "date": "2030-02-01",
                    "actor": "B",
                    "kind": "deployment",
                    "forces": 100,
                    "chance": 0.25,
                }
            ]
        },
    )
    fired = [
        any("forces +100" in e.text for e in sim.ArmsControlModel(scn, rng=seed).run().log.entries)
        for seed in range(300)
    ]
    assert abs(np.mean(fired) - 0.25) < 3 * binomial_se(0.25, 300)


# --------------------------------------------------------------------------- ratification and multilateral treaties
def test_a_demanding_domestic_body_leaves_agreements_signed_but_not_ratified():
    """Putnam (1988): the chance of ratification falls as domestic support falls."""
    shares = []
    for threshold in (-5.0, 1.0, 3.0):
        e = sim.ensemble(
            PV,
            n=120,
            seed=6,
            overrides={
                "states.B.ratification": {
                    "body": "B's parliament",
                    "delay_months": 2,
                    "threshold": {"dist": "normal", "mean": threshold, "sd": 0.5},
                }
            },
        )
        signed = e.runs.category.isin(["extended", "new_terms", "signed_not_ratified"])
        shares.append(
            float((e.runs.category == "signed_not_ratified").sum() / max(signed.sum(), 1))
        )
    assert shares[0] == 0.0 and shares[0] < shares[1] < shares[2]


def test_a_multilateral_treaty_survives_one_partys_exit():
    name = resolve_scenario("trilateral").states[0].name
    over = {
        "treaty.survives_exit": True,
        "talks.enabled": False,
        "treaty.expires_step": None,
        "treaty.parties": ["US", "RU", "CN"],
        "events": [{"step": 2, "actor": name, "kind": "withdrawal_notice"}],
    }
    r = sim.run("trilateral", seed=0, overrides=over)
    assert r.outcome.category == "party_withdrew"
    assert name not in {r.model.states[i].name for i in r.model.treaty.parties}
    r2 = sim.run("trilateral", seed=0, overrides={**over, "treaty.survives_exit": False})
    assert r2.outcome.category == "withdrawn"


def test_an_absolute_cap_is_an_equal_ceiling():
    scn = resolve_scenario(
        PV,
        {
            "freeze_options": [
                {"name": "none", "weight": 0.0},
                {"name": "ceiling", "weight": 0.5, "cap": 800},
            ],
            "agenda.freeze": ["none", "ceiling"],
        },
    )
    m = sim.ArmsControlModel(scn, rng=0)
    k = m.space.find({"years": 3, "verification": "onsite", "freeze": "ceiling"})
    m.treaty.agree(k, "test")
    assert m.treaty.caps.tolist() == [800.0, 800.0]


# --------------------------------------------------------------------------- rates per year
@pytest.mark.slow
def test_weekly_and_monthly_calendars_give_the_same_distribution_of_outcomes():
    weekly = sim.ensemble(PV, n=300, seed=8).runs
    monthly = sim.ensemble(PV, n=300, seed=9, overrides={"calendar.step": "month"}).runs
    for category in set(weekly.category) | set(monthly.category):
        p, q = (weekly.category == category).mean(), (monthly.category == category).mean()
        assert abs(p - q) < 3.5 * math.sqrt(binomial_se(p, 300) ** 2 + binomial_se(q, 300) ** 2), (
            category,
            p,
            q,
        )
    p, q = weekly.crisis.mean(), monthly.crisis.mean()
    assert abs(p - q) < 3.5 * math.sqrt(binomial_se(p, 300) ** 2 + binomial_se(q, 300) ** 2)


def test_a_concession_is_no_evidence_of_type():
    """Both types bargain alike, so an offer that asks less moves no one's trust (Kydd 2005)."""
    r = sim.run(PV, seed=1, overrides={"compliance.enabled": False, "random_events": []})
    assert not [e for e in r.model.log.entries if e.kind == "trust"]
    assert r.timeseries["trust_A_B"].nunique() == 1


# --------------------------------------------------------------------------- the compiled scenario
def test_a_validated_scenario_is_frozen_and_each_scenario_object_compiles_on_its_own():
    scn = resolve_scenario("classroom_basic")
    with pytest.raises(Exception, match="frozen"):
        scn.calendar.steps = (
            46  # once, this left a stale cache: 36 steps run while the scenario said 46
        )
    longer = resolve_scenario("classroom_basic", {"calendar.steps": 46})
    assert (
        compile_scenario(longer).calendar.n_steps == 46
        and compile_scenario(scn).calendar.n_steps == 36
    )
    assert compile_scenario(scn) is compile_scenario(scn)
