"""Tests for sim.forces: Richardson arms dynamics and treaty caps."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.forces import Richardson, equilibrium_two_state, limit_forces

DAYS_PER_YEAR = 365.25

# A stable textbook example: m n = 0.20 > a b = 0.06.
A_, B_, M_, N_ = 0.2, 0.3, 0.5, 0.4
R_, S_ = 10.0, 20.0
# By hand: m n - a b = 0.2 - 0.06 = 0.14
#   x* = (a s + n r) / 0.14 = (4 + 4) / 0.14 = 400 / 7
#   y* = (b r + m s) / 0.14 = (3 + 10) / 0.14 = 650 / 7
X_STAR = 400.0 / 7.0
Y_STAR = 650.0 / 7.0


@pytest.fixture
def stable():
    return Richardson.two_state(A_, B_, M_, N_)


# --- equilibrium ---------------------------------------------------------


def test_two_state_formula_by_hand():
    x, y = equilibrium_two_state(A_, B_, M_, N_, R_, S_)
    assert x == pytest.approx(57.142857142857, abs=1e-9)
    assert y == pytest.approx(92.857142857143, abs=1e-9)
    assert x == pytest.approx(X_STAR, abs=1e-9)
    assert y == pytest.approx(Y_STAR, abs=1e-9)


def test_matrix_and_construction(stable):
    np.testing.assert_array_equal(stable.matrix, [[-0.5, 0.2], [0.3, -0.4]])
    np.testing.assert_array_equal(stable.reaction, [[0.0, 0.2], [0.3, 0.0]])
    np.testing.assert_array_equal(stable.fatigue, [0.5, 0.4])
    assert stable.n_states == 2
    # the returned matrix is a copy
    a = stable.matrix
    a[0, 0] = 99.0
    assert stable.matrix[0, 0] == -0.5


def test_eigenvalues_by_hand(stable):
    # trace -0.9, det 0.14: lambda = (-0.9 +- sqrt(0.81 - 0.56)) / 2 = -0.2, -0.7
    np.testing.assert_allclose(np.sort(stable.eigenvalues().real), [-0.7, -0.2], atol=1e-12)


def test_equilibrium_matches_formula(stable):
    eq = stable.equilibrium([R_, S_])
    np.testing.assert_allclose(eq, [X_STAR, Y_STAR], rtol=0, atol=1e-6)
    # it really is a rest point: A x* + g = 0
    np.testing.assert_allclose(stable.matrix @ eq + [R_, S_], 0.0, atol=1e-12)
    # and stepping from it stays there
    np.testing.assert_allclose(stable.step(eq, np.array([R_, S_]), 1.0), eq, atol=1e-9)


def test_long_run_steps_reach_equilibrium(stable):
    x = np.array([0.0, 0.0])
    g = np.array([R_, S_])
    for _ in range(200):  # slowest mode decays as exp(-0.2 t): e^-40 after 200 years
        x = stable.step(x, g, 1.0)
    np.testing.assert_allclose(x, [X_STAR, Y_STAR], rtol=0, atol=1e-6)


def test_equilibrium_two_state_boundary_raises():
    # m n = 0.5 * 0.5 = 0.25 = a b = 0.25 * 1.0, exactly representable
    with pytest.raises(ValueError):
        equilibrium_two_state(0.25, 1.0, 0.5, 0.5, 1.0, 1.0)
    # equal up to rounding: 0.2 * 0.5 and 0.25 * 0.4 are both 0.1
    with pytest.raises(ValueError):
        equilibrium_two_state(0.2, 0.5, 0.25, 0.4, 1.0, 1.0)


def test_equilibrium_singular_raises():
    system = Richardson.two_state(0.25, 1.0, 0.5, 0.5)
    assert not system.is_stable()
    with pytest.raises(ValueError):
        system.equilibrium([1.0, 1.0])
    # no fatigue, no reaction: A = 0
    with pytest.raises(ValueError):
        Richardson(np.zeros((2, 2)), np.zeros(2)).equilibrium([1.0, 1.0])


def test_singular_system_still_steps_exactly():
    # A = 0: dx/dt = g, so x(t) = x0 + g t (needs Gamma from the augmented exponential)
    system = Richardson(np.zeros((2, 2)), np.zeros(2))
    x = system.step(np.array([1.0, 2.0]), np.array([10.0, -4.0]), 0.5)
    np.testing.assert_allclose(x, [6.0, 0.0], atol=1e-12)
    # A singular but non-zero: m n == a b
    system = Richardson.two_state(0.25, 1.0, 0.5, 0.5)
    x0, g = np.array([3.0, 1.0]), np.array([2.0, 5.0])
    x = x0
    for _ in range(10):
        x = system.step(x, g, 0.3)
    np.testing.assert_allclose(x, system.trajectory(x0, g, [3.0])[0], rtol=1e-12)


def test_three_state_equilibrium():
    # cyclic rivalry: 0 reacts to 1, 1 to 2, 2 to 0, each at 0.5; fatigue 1
    reaction = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, 0.5], [0.5, 0.0, 0.0]])
    fatigue = np.array([1.0, 1.0, 1.0])
    g = np.array([1.0, 2.0, 4.0])
    system = Richardson(reaction, fatigue)
    # By hand: x1 = 1 + x2/2, x2 = 2 + x3/2, x3 = 4 + x1/2
    #   => x1 = 3 + x1/8 => x1 = 24/7, x3 = 40/7, x2 = 34/7
    expected = np.array([24.0, 34.0, 40.0]) / 7.0
    np.testing.assert_allclose(system.equilibrium(g), expected, atol=1e-12)
    # eigenvalues -1 + 0.5 w for cube roots of unity w: real parts -0.5, -1.25, -1.25
    np.testing.assert_allclose(np.sort(system.eigenvalues().real), [-1.25, -1.25, -0.5], atol=1e-12)
    assert system.is_stable()
    x = np.zeros(3)
    for _ in range(12 * 60):  # 60 years of months; slowest decay exp(-0.5 t)
        x = system.step(x, g, 1.0 / 12.0)
    np.testing.assert_allclose(x, expected, atol=1e-9)


def test_three_state_unstable():
    # each reacts to both others at 0.6, fatigue 1: eigenvalue -1 + 1.2 = 0.2 > 0
    reaction = np.full((3, 3), 0.6) - np.diag([0.6, 0.6, 0.6])
    system = Richardson(reaction, np.ones(3))
    assert not system.is_stable()
    np.testing.assert_allclose(np.max(system.eigenvalues().real), 0.2, atol=1e-12)


# --- stability ------------------------------------------------------------


def _run(system, x0, g, years, steps):
    x = np.asarray(x0, dtype=float)
    g = np.asarray(g, dtype=float)
    for _ in range(steps):
        x = system.step(x, g, years)
    return x


def test_stable_converges_unstable_diverges():
    stable = Richardson.two_state(0.2, 0.3, 0.5, 0.4)  # m n = 0.20 > a b = 0.06
    unstable = Richardson.two_state(0.5, 0.6, 0.2, 0.3)  # m n = 0.06 < a b = 0.30
    assert stable.is_stable()
    assert not unstable.is_stable()
    g = [10.0, 20.0]
    x0 = [100.0, 100.0]
    np.testing.assert_allclose(_run(stable, x0, g, 1.0, 200), [X_STAR, Y_STAR], atol=1e-6)
    eq = unstable.equilibrium(g)  # exists, but repels
    # x* = (0.5*20 + 0.3*10) / (0.06 - 0.30) = 13 / -0.24; y* = (0.6*10 + 0.2*20) / -0.24 = 10 / -0.24
    np.testing.assert_allclose(eq, [13.0 / -0.24, 10.0 / -0.24], atol=1e-9)
    d0 = np.linalg.norm(np.asarray(x0) - eq)
    x = _run(unstable, x0, g, 1.0, 100)
    assert np.linalg.norm(x - eq) > 1e6 * d0
    assert np.all(x > 1e6)  # a runaway arms race


@pytest.mark.parametrize(
    "b, stable",
    [
        (0.49, True),  # a b = 0.196 < m n = 0.2
        (0.4999, True),  # a b = 0.19996
        (0.5001, False),  # a b = 0.20004
        (0.51, False),  # a b = 0.204
    ],
)
def test_near_boundary(b, stable):
    a, m, n = 0.4, 0.5, 0.4  # m n = 0.2; boundary at b = 0.5
    system = Richardson.two_state(a, b, m, n)
    assert system.is_stable() is stable
    assert (m * n > a * b) is stable
    r, s = 10.0, 20.0
    g = [r, s]
    x0 = [0.0, 0.0]
    eq_x, eq_y = equilibrium_two_state(a, b, m, n, r, s)
    # the slowest mode grows or decays at about |m n - a b| / (m + n) per year
    # (0.0044 down to 0.000044 here), so take exact steps of five time constants
    rate = abs(m * n - a * b) / (m + n)
    x = _run(system, x0, g, 5.0 / rate, 10)
    if stable:
        np.testing.assert_allclose(x, [eq_x, eq_y], rtol=1e-6)
    else:
        d0 = math.hypot(eq_x, eq_y)
        assert np.linalg.norm(x - [eq_x, eq_y]) > 1e6 * d0
        assert np.all(x > 0)


def test_boundary_is_not_stable():
    assert not Richardson.two_state(0.25, 1.0, 0.5, 0.5).is_stable()  # m n == a b exactly
    assert not Richardson.two_state(0.2, 0.5, 0.25, 0.4).is_stable()  # equal up to rounding
    assert not Richardson(np.zeros((2, 2)), np.zeros(2)).is_stable()


_rate = st.floats(min_value=0.01, max_value=3.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(a=_rate, b=_rate, m=_rate, n=_rate)
def test_is_stable_iff_mn_greater_ab(a, b, m, n):
    mn, ab = m * n, a * b
    assume(abs(mn - ab) > 1e-6 * max(mn, ab))
    assert Richardson.two_state(a, b, m, n).is_stable() == (mn > ab)


@settings(max_examples=100, deadline=None)
@given(a=_rate, b=_rate, m=_rate, n=_rate, r=st.floats(-50, 50), s=st.floats(-50, 50))
def test_equilibrium_formula_matches_solver(a, b, m, n, r, s):
    mn, ab = m * n, a * b
    assume(abs(mn - ab) > 1e-3 * max(mn, ab))
    x, y = equilibrium_two_state(a, b, m, n, r, s)
    eq = Richardson.two_state(a, b, m, n).equilibrium([r, s])
    np.testing.assert_allclose(eq, [x, y], rtol=1e-9, atol=1e-9)


# --- exactness and step-length independence --------------------------------


def test_steps_match_closed_form_every_step(stable):
    x0 = np.array([300.0, 50.0])
    g = np.array([R_, S_])
    # calendar months of a leap year, in years
    month_days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] * 3
    times = np.cumsum(month_days) / DAYS_PER_YEAR
    closed = stable.trajectory(x0, g, times)
    x = x0
    for k, days in enumerate(month_days):
        x = stable.step(x, g, days / DAYS_PER_YEAR)
        np.testing.assert_allclose(x, closed[k], rtol=1e-9, atol=1e-9)


def test_steps_match_closed_form_unstable():
    system = Richardson.two_state(0.5, 0.6, 0.2, 0.3)
    x0 = np.array([10.0, 5.0])
    g = np.array([1.0, 2.0])
    times = np.arange(1, 41) / 4.0
    closed = system.trajectory(x0, g, times)
    x = x0
    for k in range(40):
        x = system.step(x, g, 0.25)
        np.testing.assert_allclose(x, closed[k], rtol=1e-9, atol=1e-9)


def test_trajectory_shape_and_start(stable):
    x0 = np.array([1.0, 2.0])
    out = stable.trajectory(x0, [R_, S_], [0.0, 1.0, 2.0])
    assert out.shape == (3, 2)
    np.testing.assert_array_equal(out[0], x0)
    assert stable.trajectory(x0, [R_, S_], []).shape == (0, 2)


def test_weekly_monthly_daily_agree(stable):
    x0 = np.array([300.0, 50.0])
    g = np.array([R_, S_])
    weekly = _run(stable, x0, g, 7 / DAYS_PER_YEAR, 52)
    monthly = _run(stable, x0, g, (364 / 12) / DAYS_PER_YEAR, 12)
    daily = _run(stable, x0, g, 1 / DAYS_PER_YEAR, 364)
    closed = stable.trajectory(x0, g, [364 / DAYS_PER_YEAR])[0]
    np.testing.assert_allclose(weekly, monthly, rtol=1e-9)
    np.testing.assert_allclose(daily, weekly, rtol=1e-9)
    np.testing.assert_allclose(weekly, closed, rtol=1e-9)
    # and the year actually moved the state (the test is not vacuous)
    assert np.linalg.norm(weekly - x0) > 50.0


def test_step_does_not_modify_inputs(stable):
    x = np.array([1.0, 2.0])
    g = np.array([3.0, 4.0])
    out = stable.step(x, g, 0.1)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_array_equal(g, [3.0, 4.0])
    assert out is not x
    out2 = stable.step(x, g, 0.1)
    assert out2 is not out
    np.testing.assert_array_equal(out, out2)


def test_step_accepts_lists_and_zero_length(stable):
    np.testing.assert_allclose(stable.step([1.0, 2.0], [3.0, 4.0], 0.0), [1.0, 2.0], atol=1e-15)
    np.testing.assert_allclose(
        stable.step([1.0, 2.0], [3.0, 4.0], np.float64(0.5)),
        stable.step(np.array([1.0, 2.0]), np.array([3.0, 4.0]), 0.5),
        rtol=1e-15,
    )


def test_naive_euler_diverges_where_exact_converges(stable):
    # eigenvalues -0.2 and -0.7: Euler is stable only for h < 2 / 0.7 = 2.857 years
    h = 5.0
    a = stable.matrix
    g = np.array([R_, S_])
    x_euler = np.array([100.0, 100.0])
    x_exact = x_euler.copy()
    for _ in range(40):
        x_euler = x_euler + h * (a @ x_euler + g)
        x_exact = stable.step(x_exact, g, h)
    eq = np.array([X_STAR, Y_STAR])
    # Euler error grows by |1 - 5 * 0.7| = 2.5 per step
    assert np.linalg.norm(x_euler - eq) > 1e10
    np.testing.assert_allclose(x_exact, eq, atol=1e-6)
    # with a small step Euler would be fine: the failure is the step, not the system
    x_small = np.array([100.0, 100.0])
    for _ in range(2000):
        x_small = x_small + 0.1 * (a @ x_small + g)
    np.testing.assert_allclose(x_small, eq, atol=1e-6)


# --- validation -------------------------------------------------------------


def test_rejects_nonzero_diagonal():
    with pytest.raises(ValueError, match="diagonal"):
        Richardson(np.array([[0.1, 0.2], [0.3, 0.0]]), np.array([0.5, 0.4]))


def test_rejects_negative_fatigue():
    with pytest.raises(ValueError, match="fatigue"):
        Richardson(np.array([[0.0, 0.2], [0.3, 0.0]]), np.array([0.5, -0.4]))
    with pytest.raises(ValueError):
        Richardson.two_state(0.2, 0.3, -0.5, 0.4)


@pytest.mark.parametrize(
    "reaction, fatigue",
    [
        (np.zeros((2, 3)), np.zeros(2)),  # not square
        (np.zeros(4), np.zeros(2)),  # not 2-D
        (np.zeros((2, 2)), np.zeros(3)),  # fatigue length
        (np.zeros((2, 2)), np.zeros((2, 1))),  # fatigue not 1-D
        (np.zeros((1, 1)), np.zeros(1)),  # fewer than two states
        (np.array([[0.0, np.nan], [0.1, 0.0]]), np.zeros(2)),  # not finite
        (np.zeros((2, 2)), np.array([np.inf, 0.1])),  # not finite
    ],
)
def test_rejects_bad_shapes_and_values(reaction, fatigue):
    with pytest.raises(ValueError):
        Richardson(reaction, fatigue)


def test_step_rejects_bad_input(stable):
    with pytest.raises(ValueError):
        stable.step(np.zeros(3), np.zeros(2), 0.1)
    with pytest.raises(ValueError):
        stable.step(np.zeros(2), np.zeros((2, 1)), 0.1)
    with pytest.raises(ValueError):
        stable.step(np.zeros(2), np.zeros(2), -0.1)
    with pytest.raises(ValueError):
        stable.step(np.zeros(2), np.zeros(2), float("nan"))
    with pytest.raises(ValueError):
        stable.step(np.zeros(2), np.zeros(2), float("inf"))
    with pytest.raises(ValueError):
        stable.equilibrium([1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        stable.trajectory([0.0, 0.0], [1.0, 1.0], [-1.0])
    with pytest.raises(ValueError):
        stable.trajectory([0.0, 0.0], [1.0, 1.0], [[1.0]])


def test_internals_are_read_only(stable):
    with pytest.raises(ValueError):
        stable.reaction[0, 1] = 5.0
    with pytest.raises(ValueError):
        stable.fatigue[0] = 5.0


# --- treaty caps ------------------------------------------------------------


def _limit(proposed, current, cap, complying, build=40.0, dismantle=100.0, years=0.5):
    return limit_forces(
        np.array([proposed], dtype=float),
        np.array([current], dtype=float),
        np.array([cap], dtype=float),
        np.array([complying]),
        build,
        dismantle,
        years,
    )[0]


@pytest.mark.parametrize(
    "proposed, current, cap, complying, expected",
    [
        # no cap: the proposal passes unchanged, complying or not
        (120.0, 100.0, np.inf, True, 120.0),
        (130.0, 150.0, np.inf, False, 130.0),
        # complying, above the cap: dismantle at most 100/yr * 0.5 yr = 50
        (480.0, 500.0, 300.0, True, 450.0),  # min(480, max(300, 450))
        (420.0, 500.0, 300.0, True, 420.0),  # dynamics propose fewer: take them
        (400.0, 320.0, 300.0, True, 300.0),  # 320 - 50 = 270 would pass the cap: stop at 300
        (250.0, 320.0, 300.0, True, 250.0),  # proposal below the cap: min(250, 300)
        # complying, at or below the cap: min(proposed, cap)
        (350.0, 300.0, 300.0, True, 300.0),
        (260.0, 200.0, 300.0, True, 260.0),
        (340.0, 200.0, 300.0, True, 300.0),
        # cheating: max(proposed, current) + 40/yr * 0.5 yr
        (280.0, 300.0, 300.0, False, 320.0),
        (350.0, 300.0, 300.0, False, 370.0),
        (200.0, 500.0, 300.0, False, 520.0),  # above the cap and still building
        # never below zero
        (-5.0, 10.0, np.inf, True, 0.0),
        (-3.0, 10.0, 300.0, True, 0.0),
        (-3.0, 400.0, 300.0, True, 0.0),
        (-8.0, 0.0, np.inf, False, 0.0),
    ],
)
def test_limit_forces_cases(proposed, current, cap, complying, expected):
    assert _limit(proposed, current, cap, complying) == expected


def test_limit_forces_vectorised_and_zero_years():
    proposed = np.array([480.0, 350.0, 280.0, 120.0])
    current = np.array([500.0, 300.0, 300.0, 100.0])
    cap = np.array([300.0, 300.0, 300.0, np.inf])
    complying = np.array([True, True, False, False])
    build = np.array([40.0, 40.0, 40.0, 40.0])
    dismantle = np.array([100.0, 100.0, 100.0, 100.0])
    out = limit_forces(proposed, current, cap, complying, build, dismantle, 0.5)
    np.testing.assert_array_equal(out, [450.0, 300.0, 320.0, 120.0])
    # inputs untouched
    np.testing.assert_array_equal(proposed, [480.0, 350.0, 280.0, 120.0])
    # a step of zero length: nothing dismantled, nothing built
    out = limit_forces(proposed, current, cap, complying, build, dismantle, 0.0)
    np.testing.assert_array_equal(out, [480.0, 300.0, 300.0, 120.0])
    # rates per state
    out = limit_forces(
        proposed, current, cap, complying, [10.0, 0.0, 60.0, 0.0], [20.0, 0.0, 0.0, 0.0], 1.0
    )
    np.testing.assert_array_equal(out, [480.0, 300.0, 360.0, 120.0])


_warheads = st.floats(min_value=-100.0, max_value=10_000.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    proposed=_warheads,
    current=st.floats(0.0, 10_000.0),
    cap=st.one_of(st.just(np.inf), st.floats(0.0, 10_000.0)),
    complying=st.booleans(),
    build=st.floats(0.0, 1000.0),
    dismantle=st.floats(0.0, 1000.0),
    years=st.floats(0.0, 2.0),
)
def test_limit_forces_properties(proposed, current, cap, complying, build, dismantle, years):
    new = _limit(proposed, current, cap, complying, build, dismantle, years)
    assert new >= 0.0
    if math.isinf(cap):
        assert new == max(proposed, 0.0)
    elif complying:
        assert new <= max(proposed, 0.0)  # never more than the dynamics propose
        assert new <= max(cap, current)  # never builds up past the cap
        if current <= cap:
            assert new <= cap
        else:  # dismantles no faster than the rate allows, unless the dynamics go lower
            assert new >= min(max(proposed, 0.0), current - dismantle * years) - 1e-9
    else:
        assert new >= current  # a cheater never gives anything up
        assert new == max(proposed, current) + build * years


def test_limit_forces_validation():
    ok = dict(
        proposed=np.array([1.0, 2.0]),
        current=np.array([1.0, 2.0]),
        cap=np.array([5.0, np.inf]),
        complying=np.array([True, False]),
        build_rate=1.0,
        dismantle_rate=1.0,
        years=0.1,
    )
    limit_forces(**ok)
    bad = [
        {"current": np.array([1.0, 2.0, 3.0])},
        {"cap": np.array([5.0])},
        {"complying": np.array([True])},
        {"build_rate": np.array([1.0, 1.0, 1.0])},
        {"build_rate": -1.0},
        {"dismantle_rate": np.array([1.0, -1.0])},
        {"years": -0.1},
        {"years": float("nan")},
        {"cap": np.array([-1.0, np.inf])},
        {"cap": np.array([np.nan, np.inf])},
        {"proposed": np.array([np.nan, 1.0])},
        {"proposed": np.array([[1.0, 2.0]])},
    ]
    for change in bad:
        with pytest.raises(ValueError):
            limit_forces(**{**ok, **change})
    with pytest.raises(TypeError):
        limit_forces(**{**ok, "complying": np.array([1.0, 0.0])})
