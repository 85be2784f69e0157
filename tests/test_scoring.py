"""The scoring arithmetic on a small example worked out by hand.

Three categories (A, B, C = indices 0, 1, 2) and three cases::

    case  forecast (A, B, C)   happened   status quo
    1     (0.7, 0.2, 0.1)      A          C
    2     (0.5, 0.5, 0.0)      B          A
    3     (0.2, 0.2, 0.6)      A          A

Brier, case by case: 0.3^2 + 0.2^2 + 0.1^2 = 0.14; 0.5^2 + 0.5^2 + 0 = 0.5;
0.8^2 + 0.2^2 + 0.6^2 = 1.04; mean 1.68 / 3 = 0.56.

Log score without hedge: -(ln 0.7 + ln 0.5 + ln 0.2) / 3 = ln(1 / 0.07) / 3
= 0.886418...

Base rate, leave one out, alpha = 1/2, K = 3 (denominator N - 1 + 3/2 = 7/2):
case 1 sees B, A: (1.5, 1.5, 0.5) / 3.5 = (3/7, 3/7, 1/7), Brier (4^2 + 3^2 +
1^2) / 49 = 26/49; case 2 sees A, A: (5/7, 1/7, 1/7), Brier (25 + 36 + 1) / 49
= 62/49; case 3 sees A, B: as case 1, 26/49. Mean 114 / 147 = 38/49.

Status quo: C for A (Brier 2), A for B (2), A for A (0): mean 4/3.

Skill: against the base rate 1 - 0.56 / (38/49) = 1 - 27.44/38 = 0.277894...;
against the status quo 1 - 0.56 / (4/3) = 0.58.

Reliability with 2 bins: the nine (forecast, happened) pairs are (0.7, 1),
(0.2, 0), (0.1, 0), (0.5, 0), (0.5, 1), (0, 0), (0.2, 1), (0.2, 0), (0.6, 0).
Bin [0, 0.5): 0.2, 0.1, 0, 0.2, 0.2: 5 pairs, mean 0.14, one happened: 0.2.
Bin [0.5, 1]: 0.7, 0.5, 0.5, 0.6: 4 pairs, mean 0.575, two happened: 0.5.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import scoring

P = np.array([[0.7, 0.2, 0.1], [0.5, 0.5, 0.0], [0.2, 0.2, 0.6]])
HAPPENED = np.array([0, 1, 0])
STATUS_QUO = np.array([2, 0, 0])


def test_brier_case_by_case_and_mean():
    assert scoring.brier_per_case(P, HAPPENED) == pytest.approx([0.14, 0.5, 1.04], abs=1e-12)
    assert scoring.brier(P, HAPPENED) == pytest.approx(0.56, abs=1e-12)


def test_brier_bounds_certain_right_certain_wrong_uniform():
    assert scoring.brier([[1, 0, 0]], [0]) == 0.0
    assert scoring.brier([[1, 0, 0]], [2]) == 2.0
    assert scoring.brier([[0.25] * 4], [1]) == pytest.approx(1 - 1 / 4)


def test_log_score_without_hedge():
    assert scoring.log_score(P, HAPPENED, hedge_weight=0) == pytest.approx(
        math.log(1 / 0.07) / 3, abs=1e-12
    )


def test_log_score_hedge_keeps_a_certain_miss_finite():
    # (1 - 0.01) * 0 + 0.01 / 3 on the category that happened
    assert scoring.log_score([[1, 0, 0]], [1]) == pytest.approx(-math.log(0.01 / 3))
    assert scoring.log_score([[1, 0, 0]], [1], hedge_weight=0) == math.inf
    assert scoring.log_score([[1, 0, 0]], [0]) == pytest.approx(-math.log(0.99 + 0.01 / 3))


def test_base_rate_leave_one_out():
    expected = np.array([[3, 3, 1], [5, 1, 1], [3, 3, 1]]) / 7
    assert scoring.base_rate_loo(HAPPENED, 3) == pytest.approx(expected, abs=1e-12)
    assert scoring.brier(scoring.base_rate_loo(HAPPENED, 3), HAPPENED) == pytest.approx(
        38 / 49, abs=1e-12
    )


def test_base_rate_never_gives_zero_even_to_a_category_nobody_saw():
    assert scoring.base_rate_loo([0, 0, 0, 0], 5).min() == pytest.approx(0.5 / (3 + 2.5))


def test_status_quo_baseline():
    assert scoring.brier(scoring.status_quo(STATUS_QUO, 3), HAPPENED) == pytest.approx(
        4 / 3, abs=1e-12
    )


def test_skill_scores():
    base = scoring.brier(scoring.base_rate_loo(HAPPENED, 3), HAPPENED)
    sq = scoring.brier(scoring.status_quo(STATUS_QUO, 3), HAPPENED)
    assert scoring.skill(scoring.brier(P, HAPPENED), base) == pytest.approx(
        1 - 27.44 / 38, abs=1e-12
    )
    assert scoring.skill(scoring.brier(P, HAPPENED), sq) == pytest.approx(0.58, abs=1e-12)
    assert scoring.skill(0.3, 0.3) == 0.0
    assert scoring.skill(0.6, 0.3) == pytest.approx(-1.0)


def test_reliability_bins():
    rel = scoring.reliability(P, HAPPENED, bins=2)
    assert rel.lo.tolist() == [0.0, 0.5] and rel.hi.tolist() == [0.5, 1.0]
    assert rel.count.tolist() == [5, 4]
    assert rel.predicted == pytest.approx([0.14, 0.575], abs=1e-12)
    assert rel.observed == pytest.approx([0.2, 0.5], abs=1e-12)


def test_reliability_edges_and_empty_bins():
    rel = scoring.reliability([[0.3, 0.7, 0.0], [1.0, 0.0, 0.0]], [1, 0], bins=10)
    assert rel.count.tolist() == [
        3,
        0,
        0,
        1,
        0,
        0,
        0,
        1,
        0,
        1,
    ]  # 0.3 in [0.3, 0.4), 0.7 in [0.7, 0.8), 1 in the last
    assert rel.rows()[1] == {"lo": 0.1, "hi": 0.2, "count": 0, "predicted": None, "observed": None}
    assert rel.observed[7] == 1.0 and rel.observed[3] == 0.0


def test_temperature_sharpens_and_flattens():
    # sqrt(0.8) = 2 sqrt(0.2), so T = 2 turns (0.8, 0.2) into (2/3, 1/3)
    assert scoring.temper([[0.8, 0.2]], 2.0)[0] == pytest.approx([2 / 3, 1 / 3])
    assert scoring.temper([[0.8, 0.2]], 0.5)[0] == pytest.approx([0.64 / 0.68, 0.04 / 0.68])
    assert scoring.temper([[0.5, 0.5, 0.0]], 3.0)[0] == pytest.approx([0.5, 0.5, 0.0])


def test_fit_temperature_flattens_an_overconfident_forecaster():
    # always 0.9 on the first category, which happens half the time: flatter is better
    p = np.array([[0.9, 0.1]] * 4)
    t = scoring.fit_temperature(p, [0, 1, 0, 1])
    assert t == scoring.TEMPERATURES.max()
    # right every time: sharper is better
    assert scoring.fit_temperature(p, [0, 0, 0, 0]) == scoring.TEMPERATURES.min()


def test_loo_temperature_is_fitted_without_the_case_itself():
    p = np.array([[0.9, 0.1]] * 4)
    temps = scoring.loo_temperatures(p, [0, 0, 0, 1])
    # without case 4 (the miss) the other three are always right: sharpest; with it, flatter
    assert temps[3] == scoring.TEMPERATURES.min()
    assert (temps[:3] > scoring.TEMPERATURES.min()).all()
    tempered, used = scoring.temper_loo(p, [0, 0, 0, 1])
    assert used.tolist() == temps.tolist()
    assert tempered[3] == pytest.approx(scoring.temper(p[3:], temps[3])[0])


def test_bad_forecasts_are_refused_with_a_message():
    with pytest.raises(ValueError, match="summing to 1"):
        scoring.brier([[0.5, 0.6]], [0])
    with pytest.raises(ValueError, match="0..1"):
        scoring.brier([[0.5, 0.5]], [2])
