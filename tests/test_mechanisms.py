"""Unit tests of the model's mechanisms: trust, tension, agenda, bargaining, calendar, outcomes.

Each test checks a formula of the module's docstring with numbers worked out by
hand, or a behaviour a user would notice.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

import sim
from sim import trust
from sim.agenda import OfferSpace, discounted_years, nash_point, pareto_frontier, red_line_crossings
from sim.bargaining import (
    accepts,
    backward_induction,
    best_for_proposer,
    choose_offer,
    concession_progress,
    round_discounts,
    rubinstein_share,
    target,
)
from sim.calendar import Calendar, add_months
from sim.compiled import CompiledScenario
from sim.loading import resolve_scenario
from sim.private_values import Realised
from sim.scenario import Calendar as CalendarSpec
from sim.scenario import RedLine, TensionModel
from sim.tension import TensionInputs, band
from sim.tension import update as update_tension


# --------------------------------------------------------------------------- trust
def test_bayes_rule_by_hand():
    # prior 0.5, P(e | security) = 0.2, P(e | greedy) = 0.6: posterior 0.1 / (0.1 + 0.3) = 0.25
    assert trust.bayes(0.5, 0.2, 0.6) == pytest.approx(0.25)


def test_signal_likelihoods_follow_detection_and_false_alarms():
    # security cheats 10%, greedy 50%; detection 0.8, false alarm 0.1
    s, g = trust.signal_likelihoods(True, 0.8, 0.1, 0.1, 0.5)
    assert (s, g) == pytest.approx((0.1 * 0.8 + 0.9 * 0.1, 0.5 * 0.8 + 0.5 * 0.1))
    s2, g2 = trust.signal_likelihoods(False, 0.8, 0.1, 0.1, 0.5)
    assert (s2, g2) == pytest.approx((1 - s, 1 - g))


def test_an_alarm_lowers_trust_and_a_clean_report_raises_it():
    assert (
        trust.after_signal(0.5, True, 0.8, 0.05, 0.05, 0.6)
        < 0.5
        < trust.after_signal(0.5, False, 0.8, 0.05, 0.05, 0.6)
    )


def test_an_uninformative_regime_moves_nothing():
    # detection equal to the false-alarm rate: an alarm is as likely from either type
    assert trust.after_signal(0.37, True, 0.2, 0.2, 0.05, 0.6) == pytest.approx(0.37)


def test_likelihood_ratio_multiplies_the_odds():
    post = trust.with_ratio(0.2, 3.0)
    assert post / (1 - post) == pytest.approx(3.0 * 0.2 / 0.8)


def test_cheap_talk_has_ratio_one_and_costs_raise_it():
    assert trust.costly_signal_ratio(0.0, 2.0) == 1.0
    assert trust.costly_signal_ratio(-1.0, 2.0) == 1.0
    assert trust.costly_signal_ratio(1.5, 2.0) == pytest.approx(4.0)
    assert trust.with_ratio(0.4, trust.costly_signal_ratio(0.0, 5.0)) == 0.4


def test_trust_is_kept_within_the_floor():
    assert trust.clamp(0.0, 0.01) == 0.01
    assert trust.clamp(1.0, 0.01) == 0.99
    assert trust.clamp(0.5, 0.01) == 0.5


# --------------------------------------------------------------------------- tension
PARAMS = TensionModel(initial=0.3, baseline=0.2, decay_per_year=1.0)


def test_tension_decays_toward_the_baseline_exponentially():
    t = update_tension(0.6, TensionInputs(), PARAMS, 0.5)
    assert t == pytest.approx(0.2 + 0.4 * math.exp(-0.5))


def test_tension_inputs_add_as_documented():
    inputs = TensionInputs(
        growth_per_year=0.1,
        violations=2,
        withdrawals=1,
        shocks=0.03,
        agreement=True,
        treaty_in_force=True,
        all_complied=True,
    )
    t = update_tension(0.2, inputs, PARAMS, 0.25)
    expected = (
        0.2
        + PARAMS.arms_growth * 0.1 * 0.25
        + 2 * PARAMS.violation
        + PARAMS.withdrawal
        + 0.03
        - PARAMS.agreement
        - PARAMS.treaty_relief_per_year * 0.25
        - PARAMS.reciprocity_per_year * 0.25
    )
    assert t == pytest.approx(expected)


def test_shrinking_forces_do_not_lower_tension_and_tension_stays_in_0_1():
    assert update_tension(0.2, TensionInputs(growth_per_year=-0.5), PARAMS, 1.0) == pytest.approx(
        0.2
    )
    assert update_tension(0.9, TensionInputs(violations=10), PARAMS, 0.1) == 1.0
    assert update_tension(0.1, TensionInputs(agreement=True, shocks=-1), PARAMS, 0.1) == 0.0


@pytest.mark.parametrize(
    "level,name",
    [
        (0.0, "calm"),
        (0.25, "strained"),
        (0.49, "strained"),
        (0.5, "confrontation"),
        (0.75, "crisis"),
        (1.0, "crisis"),
    ],
)
def test_tension_bands(level, name):
    assert band(level, PARAMS) == name


def test_entering_the_crisis_band_is_logged():
    r = sim.run(
        "classroom_basic",
        seed=1,
        overrides={
            "tension.initial": 0.7,
            "random_events": [{"kind": "incident", "rate_per_year": 50, "tension": 0.2}],
        },
    )
    assert (r.log.kind == "crisis").any()
    assert r.outcome.crisis


# --------------------------------------------------------------------------- agenda
# the figures the hand calculations below use, set here so that they do not follow the bundled file
HAND = {
    "states.Blue.utility.secrecy_cost": 0.6,
    "states.Blue.utility.freeze_cost": 0.3,
    "states.Blue.utility.freeze_gain": 0.4,
    "states.Blue.utility.lock_in": 0.05,
    "states.Red.compliance.cheat_gain": 0.5,
}


@pytest.fixture(scope="module")
def classroom():
    return resolve_scenario("classroom_basic", HAND)


def test_offer_space_is_every_combination_of_the_options(classroom):
    space = OfferSpace(classroom)
    assert len(space) == 5 * 3 * 2  # years x verification x freeze
    assert (
        space.describe(space.find({"years": 2, "verification": "onsite", "freeze": "freeze"}))
        == "2-year extension, on-site inspections, freeze at current levels"
    )


def test_discounted_years_is_the_annuity():
    assert discounted_years(np.array([1.0, 3.0]), 0.9) == pytest.approx([1.0, 1 + 0.9 + 0.81])


def true_utility(scn) -> tuple[OfferSpace, Realised]:
    """The offer space and the states' utilities of a scenario without priors (each pool holds one draw)."""
    c = CompiledScenario(scn)
    draws = tuple(c.draws(s, i) for i, s in enumerate(scn.states))
    return c.space, Realised(list(draws), [0] * len(draws), c.exposure(draws))


def test_utility_terms_by_hand(classroom):
    space, um = true_utility(classroom)
    k = space.find({"years": 3, "verification": "data", "freeze": "freeze"})
    trust_row = np.array([1.0, 0.6])
    terms = um.terms(k, 0, trust_row, 0.3)
    a = 1 + 0.9 + 0.81
    assert terms["predictability"] == pytest.approx(a * 1.0)
    assert terms["secrecy"] == pytest.approx(-a * 0.6 * 0.2)
    assert terms["freeze_gain"] == pytest.approx(a * 0.4)
    assert terms["freeze_cost"] == pytest.approx(-a * 0.3)
    assert terms["lock_in"] == pytest.approx(-0.05 * 3)
    # a greedy Red would not cheat under data exchanges: 0.5 < 0.5 x 1 x 9 = 4.5, so no cheating risk
    assert terms["cheating_risk"] == 0.0
    u = um.utilities(np.array([[1.0, 0.6], [0.6, 1.0]]), 0.3)
    assert u[k, 0] == pytest.approx(sum(terms.values()))


def test_cheating_risk_by_hand_when_a_greedy_rival_would_cheat(classroom):
    scn = resolve_scenario(
        "classroom_basic", {**HAND, "states.Red.compliance.cheat_gain": 5.0}
    )  # 5 > 0.5 x 9 = 4.5 under ntm
    space, um = true_utility(scn)
    k = space.find({"years": 2, "verification": "ntm", "freeze": "none"})
    risk = um.terms(k, 0, np.array([1.0, 0.6]), 0.5)["cheating_risk"]
    # -A(2) x loss x (1 + sensitivity x tension) x (1 - trust) x (1 - detection)
    assert risk == pytest.approx(-(1.9) * 2.0 * 1.5 * 0.4 * 0.5)


def test_red_lines_remove_offers_and_say_why(classroom):
    space = OfferSpace(classroom)
    crossed, why = red_line_crossings(
        space, RedLine(issue="verification", at_most="data", reason="no inspectors")
    )
    onsite = [k for k, o in enumerate(space.offers) if o.verification == "onsite"]
    assert crossed[onsite].all() and crossed.sum() == len(onsite)
    assert why == "no inspectors"


def test_pareto_frontier_drops_dominated_offers():
    u = np.array([[1, 1], [2, 0], [0, 2], [0.5, 0.5], [1, 0.9]])
    assert set(pareto_frontier(u).tolist()) == {0, 1, 2}


def test_nash_point_by_hand_and_none_without_gains():
    u = np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 3.5]])
    assert nash_point(u, np.zeros(2)) == 1  # products 3, 4, 3.5
    assert (
        nash_point(u, np.array([1.5, 0.0])) == 0
    )  # products of gains 1.5 x 1, 0.5 x 2; the third gives A no gain
    assert nash_point(u, np.array([5.0, 5.0])) is None


def test_share_issue_divides_the_surplus():
    scn = resolve_scenario("tests/scenarios/split.yaml", {"agenda.share": [0.0, 0.25, 1.0]})
    space, um = true_utility(scn)
    assert space.share_of.tolist() == [[0.0, 1.0], [0.25, 0.75], [1.0, 0.0]]
    u = um.utilities(np.ones((2, 2)), 0.0)
    assert u[:, 0].tolist() == pytest.approx([0.0, 0.25, 1.0])
    assert um.terms(1, 1, np.ones(2), 0.0)["share"] == pytest.approx(0.75)
    assert "25% of the surplus to A" in space.describe(1, False)


def test_without_a_share_issue_the_share_term_is_zero(classroom):
    _space, um = true_utility(classroom)
    assert um.terms(0, 0, np.ones(2), 0.0)["share"] == 0.0


# --------------------------------------------------------------------------- bargaining
def test_concession_progress_hard_and_uncertain():
    assert concession_progress(0.5, 2.0, "hard", 0.0) == 0.25
    assert concession_progress(3.0, 2.0, "hard", 0.0) == 1.0
    assert concession_progress(0.5, 2.0, "uncertain", 2.0) == pytest.approx(1 - math.exp(-1.0))


def test_concession_curves_boulware_and_conceder():
    # halfway to the deadline: Boulware (0.5) still asks 1 - 0.5^2 = 75% of the way, conceder (2) 1 - 0.5^0.5
    assert target(4.0, 0.0, 0.5, 0.5) == pytest.approx(3.0)
    assert target(4.0, 0.0, 0.5, 2.0) == pytest.approx(4.0 * (1 - math.sqrt(0.5)))
    assert target(4.0, 1.0, 1.0, 0.3) == 1.0
    assert target(0.5, 1.0, 0.2, 1.0) == 1.0  # nothing better than the reservation: hold at it


def test_proposer_with_certain_beliefs_offers_its_best_among_what_the_other_accepts():
    mine, theirs = np.array([5.0, 4.0, 3.0, 1.0]), np.array([0.0, 1.0, 3.0, 5.0])
    ok = np.ones(4, bool)
    accept = accepts(theirs, 3.0).astype(
        float
    )  # the responder's target is 3: it accepts offers 2 and 3
    shortfall = np.maximum(3.0 - theirs, 0.0)
    assert (
        choose_offer(mine, 3.0, ok, accept, shortfall) == 2
    )  # the best for the proposer that is accepted
    assert choose_offer(mine, 0.5, ok, accept, shortfall) == 2
    # nothing it may offer is accepted: it offers what comes closest to the other's target
    assert choose_offer(mine, 3.5, ok, accept, shortfall) == 1
    assert choose_offer(mine, 6.0, ok, accept, shortfall) is None
    assert accepts(theirs, 3.0).tolist() == [False, False, True, True]


def test_proposer_under_uncertainty_trades_the_chance_of_acceptance_against_its_gain():
    mine = np.array([5.0, 4.0, 3.0, 1.0])
    accept = np.array([0.2, 0.5, 0.9, 1.0])
    # expected gains over a target of 0: 1.0, 2.0, 2.7, 1.0
    assert choose_offer(mine, 0.0, np.ones(4, bool), accept, np.zeros(4)) == 2
    # a target of 2.5 leaves offers 0 to 2, gains 0.5, 0.75, 0.45
    assert choose_offer(mine, 2.5, np.ones(4, bool), accept, np.zeros(4)) == 1
    # offers it may not make are never made
    assert choose_offer(mine, 0.0, np.array([True, True, False, False]), accept, np.zeros(4)) == 1


def test_backward_induction_by_hand_on_a_small_split():
    shares = np.linspace(0, 1, 11)
    u = np.stack([shares, 1 - shares], axis=1)
    ok = np.ones_like(u, bool)
    one = backward_induction(0, u, ok, ok, np.zeros(2), np.array([0.5, 0.5]), 1)
    assert shares[one.offer] == 1.0  # last round: the proposer takes all
    two = backward_induction(0, u, ok, ok, np.zeros(2), np.array([0.5, 0.5]), 2)
    # B would get everything next round, worth 0.5 now: A offers B half
    assert shares[two.offer] == pytest.approx(0.5)
    assert two.targets == pytest.approx([0.5, 0.5])


def test_backward_induction_respects_red_lines_and_reservations():
    u = np.array([[3.0, 0.0], [2.0, 1.0], [1.0, 2.0]])
    allowed = np.array([[True, True], [True, False], [True, True]])
    plan = backward_induction(
        0, u, allowed, np.ones_like(allowed), np.array([0.0, 0.5]), np.array([0.9, 0.9]), 1
    )
    assert (
        plan.offer == 2
    )  # offer 0 is worth less than B's reservation, offer 1 crosses B's red line
    assert best_for_proposer(0, u, allowed, np.ones_like(allowed), np.array([0.0, 5.0])) is None


def test_infinite_horizon_limit_is_rubinstein_on_a_fine_grid():
    shares = np.linspace(0, 1, 2001)
    u = np.stack([shares, 1 - shares], axis=1)
    ok = np.ones_like(u, bool)
    plan = backward_induction(0, u, ok, ok, np.zeros(2), np.array([0.8, 0.7]), None)
    assert shares[plan.offer] == pytest.approx(
        rubinstein_share(0.8, 0.7), abs=0.0005 / (1 - 0.56) + 1e-9
    )


def test_round_discounts_combine_the_yearly_discount_and_the_break_off_risk():
    assert round_discounts(np.array([0.81]), 0.5).tolist() == pytest.approx([0.9])
    assert round_discounts(np.array([0.81]), 0.5, 2.0).tolist() == pytest.approx(
        [0.9 * math.exp(-1.0)]
    )


def test_rubinstein_formula():
    assert rubinstein_share(0.9, 0.9) == pytest.approx(1 / 1.9)


# --------------------------------------------------------------------------- calendar
def test_add_months_clips_to_the_end_of_the_month():
    assert add_months(dt.date(2021, 1, 31), 1) == dt.date(2021, 2, 28)
    assert add_months(dt.date(2020, 11, 5), 3) == dt.date(2021, 2, 5)


def test_weekly_calendar_dates_and_step_lengths():
    cal = Calendar(CalendarSpec(start=dt.date(2021, 1, 1), end=dt.date(2021, 1, 20), step="week"))
    assert cal.labels == ["2021-01-01", "2021-01-08", "2021-01-15", "2021-01-22"]
    assert cal.step_years[1:].tolist() == pytest.approx([7 / 365.25] * 3)
    assert cal.step_of(dt.date(2021, 1, 10).toordinal()) == 2


def test_monthly_steps_have_their_own_lengths_and_sum_to_the_span():
    cal = Calendar(CalendarSpec(start=dt.date(2021, 1, 1), end=dt.date(2022, 1, 1), step="month"))
    assert cal.n_steps == 12
    assert cal.step_years[2] == pytest.approx(28 / 365.25)
    assert cal.step_years.sum() == pytest.approx(365 / 365.25)


def test_dateless_calendar_counts_turns():
    cal = Calendar(CalendarSpec(step="turn", steps=4, turn_years=0.25))
    assert cal.labels == ["turn 0", "turn 1", "turn 2", "turn 3", "turn 4"]
    assert cal.years[-1] == 1.0 and cal.step_years[0] == 0.0


# --------------------------------------------------------------------------- outcomes
def test_outcome_extended_in_the_final_days():
    o = sim.run("new_start_2021", seed=1, overrides={"events.election.pin": "biden"}).outcome
    assert (o.category, o.label, o.years) == ("extended", "extended 5 years", 5)
    assert 0 <= o.before_deadline <= 14


def test_outcome_lapsed_without_agreement():
    o = sim.run("new_start_2021_no_transition", seed=1).outcome
    assert o.category == "lapsed" and "2021-02-05" in o.reason


def test_outcome_new_terms_when_the_terms_change():
    o = sim.run("classroom_basic", seed=2).outcome
    assert o.category == "new_terms"


def test_outcome_withdrawn_takes_precedence():
    o = sim.run(
        "classroom_basic",
        seed=1,
        overrides={
            "events": [{"step": 2, "actor": "Red", "kind": "withdrawal_notice"}],
            "talks.enabled": False,
        },
    ).outcome
    assert o.category == "withdrawn"


def test_outcome_arms_race_without_a_treaty():
    o = sim.run(
        v_richardson(), seed=1, overrides={"states.X.reaction.Y": 0.6, "states.Y.reaction.X": 0.5}
    ).outcome
    assert o.category == "arms_race" and o.arms_race


def test_outcome_in_force_and_no_agreement():
    assert sim.run("prisoners_dilemma", seed=1).outcome.category == "no_agreement"
    o = sim.run(
        "classroom_basic",
        seed=1,
        overrides={
            "talks.enabled": False,
            "treaty.expires_step": None,
            "talks.deadline_step": None,
        },
    ).outcome
    assert o.category == "in_force"


def v_richardson() -> str:
    from pathlib import Path

    return str(Path(__file__).parent / "scenarios" / "richardson.yaml")
