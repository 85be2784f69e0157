"""The validation table: the model reproduces the published results it is built on.

Each test is one row (or one part of a row) of the table in the design and on
the docs page "Validation". The experiments themselves live in
``docs/gen_validation.py``, which also writes that page, so the page shows
exactly what these tests check. Ensembles use fixed seeds and 95% intervals.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

import sim

sys.path.insert(
    0, str(Path(__file__).resolve().parents[1])
)  # the experiments live in docs/, at the project's root
from docs import gen_validation as v  # noqa: E402
from sim.agenda import nash_point  # noqa: E402
from sim.bargaining import rubinstein_share  # noqa: E402
from sim.forces import equilibrium_two_state  # noqa: E402

ENSEMBLE = 200


# --------------------------------------------------------------------------- Axelrod (1984)
@pytest.mark.parametrize("a,b", list(itertools.product(v.AXELROD_NAMES, repeat=2)))
def test_match_scores_equal_the_axelrod_library(a, b):
    assert v.model_match(a, b) == v.library_match(a, b)


def test_tournament_ranks_as_the_axelrod_library():
    library_ranking, library_scores = v.library_tournament()
    ours = v.model_tournament()
    assert v.same_ranking(ours, library_ranking)
    assert v.ranking(ours)[0] == "always_defect" and v.ranking(ours)[-1] == "always_cooperate"
    assert ours == pytest.approx(library_scores, abs=1e-12)


# --------------------------------------------------------------------------- Richardson (1960)
def test_forces_through_the_model_follow_the_closed_form():
    run = v.richardson_run()
    assert run.max_error < 1e-6
    # grievance is scaled by distrust: r = 50 (1 - 0.2), s = 40 (1 - 0.5)
    assert (run.params["r"], run.params["s"]) == pytest.approx((40.0, 20.0))


def test_forces_converge_to_richardsons_equilibrium():
    run = v.richardson_run("month", "2160-01-01")
    p = run.params
    x_star, y_star = equilibrium_two_state(p["a"], p["b"], p["m"], p["n"], p["r"], p["s"])
    assert (x_star, y_star) == pytest.approx(
        (20 / 0.14, 22 / 0.14), rel=1e-12
    )  # (a s + n r)/(m n - a b), (b r + m s)/(m n - a b)
    assert np.abs(run.model[-1] - [x_star, y_star]).max() < 1e-6


def test_forces_diverge_when_reaction_outweighs_fatigue():
    run = v.richardson_run("month", "2040-01-01", a=0.6, b=0.5)  # a b = 0.3 > m n = 0.2
    assert (
        np.diff(run.model[-120:], axis=0) > 0
    ).all()  # both still growing over the last ten years
    assert run.model[-1].min() > 10 * run.model[0].max()
    assert run.max_error < 1e-9 * np.abs(run.closed).max()


def test_weekly_and_monthly_steps_agree_at_common_dates():
    common, gap = v.weekly_vs_monthly()
    assert common >= 20
    assert gap < 1e-6


def test_more_trust_means_less_grievance_and_lower_forces():
    low = sim.run(
        v.scenario_path("richardson"),
        seed=1,
        overrides={"states.X.trust": 0.2, "states.Y.trust": 0.2},
    )
    high = sim.run(
        v.scenario_path("richardson"),
        seed=1,
        overrides={"states.X.trust": 0.9, "states.Y.trust": 0.9},
    )
    assert high.timeseries.forces_X.iloc[-1] < low.timeseries.forces_X.iloc[-1]


# --------------------------------------------------------------------------- Kydd (2000)
# detection 0.7 and false alarms 0.03 a year, over a quarter-year step
D_STEP, F_STEP = 1 - 0.3**0.25, 1 - 0.97**0.25


@pytest.mark.parametrize("seed", range(8))
def test_trust_moves_by_bayes_rule_exactly_with_the_likelihoods_the_model_implies(seed):
    got, alarm = v.first_step_trust(seed)
    # B's greedy type gains 4 > 0.7 x 1 x 0.85 / 0.15 = 3.97 by cheating, so it cheats: q = 1; its security
    # type trusts A (0.6) above its threshold (0.4), so it complies: q = 0. Prior 0.6.
    expected = v.bayes_by_hand(0.6, alarm, D_STEP, F_STEP, 0.0, 1.0)
    assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_trust_moves_by_bayes_rule_exactly_with_stated_likelihoods(seed):
    got, alarm = v.first_step_trust(seed, likelihoods="stated")
    # a security seeker is assumed in breach 5% of the time, a greedy state 60%
    assert got == pytest.approx(v.bayes_by_hand(0.6, alarm, D_STEP, F_STEP, 0.05, 0.6), abs=1e-12)


def test_both_signals_occur_among_the_seeds_checked():
    assert {v.first_step_trust(s)[1] for s in range(8)} == {True, False}


def test_cheap_talk_moves_trust_by_exactly_zero():
    base = v.trust_path([])
    talk = v.trust_path(
        [
            {"step": 5, "actor": "B", "kind": "statement", "text": "promises restraint"},
            {"step": 9, "actor": "A", "kind": "statement", "text": "warns of consequences"},
        ]
    )
    np.testing.assert_array_equal(talk, base)


def test_a_costlier_gesture_moves_trust_more_by_its_likelihood_ratio():
    base = v.trust_path([])
    moved = {
        c: v.trust_path([{"step": 5, "actor": "B", "kind": "gesture", "cost": c}])
        for c in (1.0, 2.0)
    }
    # the gesture fires before the step's report, so it multiplies the odds by 1 + weight x cost (weight 1)
    for c, path in moved.items():
        assert v.odds(path[5]) / v.odds(base[5]) == pytest.approx(1 + c, rel=1e-9)
    assert moved[2.0][5] - base[5] > moved[1.0][5] - base[5] > 0


# --------------------------------------------------------------------------- Coe & Vaynman (2020)
def test_agreement_falls_as_the_secrecy_cost_of_verification_rises():
    cheap, dear = (
        v.agreement_share(v.both("utility.secrecy_cost", c), ENSEMBLE)
        for c in (v.SECRECY_COSTS[0], v.SECRECY_COSTS[-1])
    )
    assert v.separated(dear, cheap), (cheap, dear)


def test_agreement_falls_as_the_gain_from_undetected_cheating_rises():
    small, large = (
        v.agreement_share(v.both("compliance.cheat_gain", g), ENSEMBLE)
        for g in (v.CHEAT_GAINS[0], v.CHEAT_GAINS[-1])
    )
    assert v.separated(large, small), (small, large)


def test_agreement_is_uncertain_in_the_trade_off_scenario():
    share = v.agreement_share({}, 100)
    assert 0.1 < share.p < 0.9


# --------------------------------------------------------------------------- Oye (1985)
def test_cooperation_rises_with_the_shadow_of_the_future():
    short, long_ = (
        v.cooperation(v.both("utility.discount", d), 100) for d in (v.DISCOUNTS[0], v.DISCOUNTS[-1])
    )
    assert v.separated(short, long_), (short, long_)


def test_cooperation_falls_with_monitoring_noise():
    clean, noisy = (
        v.cooperation(
            {"verification_levels.0.detection": d, "verification_levels.0.false_alarm": f}, 100
        )
        for d, f in (v.NOISE[0], v.NOISE[-1])
    )
    assert v.separated(noisy, clean), (clean, noisy)


# --------------------------------------------------------------------------- Fearon (1995)
def test_with_complete_information_a_deal_happens_exactly_when_the_acceptable_sets_overlap():
    cases = [c for c in v.fearon_cases(120) if not c.knife_edge]
    assert len(cases) >= 60
    assert {c.overlap for c in cases} == {True, False}  # both kinds of agenda were tried
    wrong = [c for c in cases if c.overlap != c.agreed]
    assert not wrong


# --------------------------------------------------------------------------- Nash (1950), Rubinstein (1982)
@pytest.mark.parametrize("name", ["classroom_basic", "new_start_2021"])
def test_the_nash_point_maximises_the_product_of_gains_on_a_real_offer_space(name):
    computed, brute, _ = v.nash_on_scenario(name)
    assert computed == brute


@pytest.mark.parametrize("seed", range(20))
def test_the_nash_point_maximises_the_product_of_gains_on_random_utilities(seed):
    rng = np.random.default_rng(seed)
    u = rng.normal(1.0, 1.0, size=(int(rng.integers(5, 300)), int(rng.integers(2, 4))))
    d = rng.normal(0.0, 0.5, size=u.shape[1])
    assert nash_point(u, d) == v.nash_brute_force(u, d)


@pytest.mark.parametrize("d_a,d_b", v.RUBINSTEIN_CASES)
def test_alternating_offers_converge_to_rubinsteins_shares(d_a, d_b):
    share = v.split_share(d_a, d_b, 60)
    assert share == pytest.approx(rubinstein_share(d_a, d_b), abs=v.rubinstein_tolerance(d_a, d_b))


def test_with_one_round_left_the_proposer_takes_everything_and_more_rounds_bring_it_closer_to_rubinstein():
    assert v.split_share(0.9, 0.9, 1) == 1.0
    target = rubinstein_share(0.9, 0.9)
    errors = [abs(v.split_share(0.9, 0.9, h) - target) for h in (2, 10, 60)]
    assert errors[0] > errors[1] > errors[2]


# --------------------------------------------------------------------------- Roth, Murnighan & Schoumaker (1988)
def test_hard_deadline_agreements_cluster_before_it_and_an_uncertain_deadline_removes_the_spike():
    hard = v.last_tenth(v.agreement_steps({}, 150))
    uncertain = v.last_tenth(v.agreement_steps(v.UNCERTAIN, 300))
    assert hard.n >= 30 and uncertain.n >= 10
    assert hard.p > 0.8
    assert v.separated(uncertain, hard), (hard, uncertain)


# --------------------------------------------------------------------------- history
def test_new_start_2021_ends_mostly_in_a_five_year_extension_in_the_final_days():
    h = v.history("new_start_2021", ENSEMBLE)
    assert h.five_years.ci[0] > 0.5, h.five_years
    assert h.five_years_final_days.ci[0] > 0.5, h.five_years_final_days
    assert (
        h.labels.get("extended 5 years", 0) >= 0.9 * h.five_years.k
    )  # the five-year deals are mostly the same terms


def test_without_the_transition_new_start_2021_mostly_ends_without_a_five_year_deal():
    h = v.history("new_start_2021_no_transition", ENSEMBLE)
    assert h.five_years.ci[1] < 0.5, h.five_years


def test_inf_2019_ends_in_withdrawal():
    h = v.history("inf_2019", ENSEMBLE)
    assert h.withdrawn.ci[0] > 0.5, h.withdrawn


# --------------------------------------------------------------------------- Fearon (1995): private information
def test_with_known_values_bargaining_never_fails_when_the_sets_overlap():
    failed, delay = v.screening(0.0, 60)
    assert failed.k == 0 and failed.n == 60


@pytest.mark.slow
def test_failure_despite_overlap_and_delay_rise_with_the_width_of_the_priors():
    narrow, wide = v.screening(0.0, 150), v.screening(0.3, 150)
    assert v.separated(narrow[0], wide[0])
    assert wide[1].mean > narrow[1].mean


@pytest.mark.slow
def test_a_narrower_win_set_is_ratified_less_often_and_gets_better_terms():
    """Putnam (1988)."""
    rat = v.ratification_sweep(120)
    low, high = rat[v.RATIFICATION_MEANS[0]], rat[v.RATIFICATION_MEANS[-1]]
    assert v.separated(high[0], low[0])
    assert high[1].mean > low[1].mean
