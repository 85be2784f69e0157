"""Arms dynamics after Richardson (1960), with treaty caps.

Richardson's model
------------------
Lewis Fry Richardson described an arms race as a set of linear differential
equations.  Each state i holds forces x_i (here: warheads) and changes them
for three reasons:

* **reaction** -- it arms in response to the forces of every other state j,
  at ``reaction[i, j]`` warheads per year for each warhead that j holds;
* **fatigue** -- the cost of keeping what it already has pulls it back, at
  ``fatigue[i]`` warheads per year for each warhead it holds;
* **grievance** -- a standing motive to arm (or, if negative, goodwill) that
  does not depend on anyone's forces, ``grievance[i]`` warheads per year.

With all rates per year::

    dx_i/dt = sum_{j != i} reaction[i, j] * x_j  -  fatigue[i] * x_i  +  grievance[i]

or, in matrix form with A = reaction - diag(fatigue) and g = grievance::

    dx/dt = A x + g .

For two states in the textbook notation (a, b reaction; m, n fatigue;
r, s grievance)::

    dx/dt = a y - m x + r
    dy/dt = b x - n y + s

the equilibrium (where both derivatives vanish) is::

    x* = (a s + n r) / (m n - a b)
    y* = (b r + m s) / (m n - a b)

and it is stable -- every trajectory approaches it -- if and only if
m n > a b, that is, when the two states' restraint outweighs their mutual
suspicion.  When m n < a b the race runs away.  In general the system is
stable if and only if every eigenvalue of A has a negative real part.

The model is linear and says nothing about signs: with negative grievances,
or an unstable system, x can go below zero.  Physical limits (no negative
warheads) and treaty obligations are applied separately by
:func:`limit_forces`.

Discretisation
--------------
The simulation advances in steps of varying length (calendar months are 28
to 31 days long), so the result of a step must not depend on how time is cut
into steps.  Within a step the grievance is held constant (zero-order hold),
and for a linear system with constant input the solution over a step of
length h years is known exactly::

    x(t + h) = Phi(h) x(t) + Gamma(h) g
    Phi(h)   = expm(A h)
    Gamma(h) = integral_0^h expm(A s) ds

Both come from a single matrix exponential of an augmented matrix::

    expm([[A, I],        [[Phi(h), Gamma(h)],
          [0, 0]] * h) =  [0,      I       ]]

which stays valid when A is singular (where the tempting shortcut
Gamma = A^-1 (Phi - I) fails).  Because Phi(h1) Phi(h2) = Phi(h1 + h2), a year
of weekly steps and a year of monthly steps land on the same point, up to
rounding.  ``Phi`` and ``Gamma`` are computed once per distinct step length
and cached, so each step costs one small matrix-vector product.

Why not simply x + h (A x + g)?  That explicit Euler step multiplies the
deviation from equilibrium by (I + h A) each step.  For an eigenvalue
lambda < 0 of A it is stable only while |1 + h lambda| < 1, i.e. h < 2/|lambda|.
With a = 0.2, b = 0.3, m = 0.5, n = 0.4 the eigenvalues are -0.2 and -0.7 per
year, so Euler steps longer than about 2.86 years blow up, even though the
real system settles down.  The exact step converges for every step length.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import expm

__all__ = ["Richardson", "equilibrium_two_state", "limit_forces", "limit_state"]

# Distinct step lengths kept per system; a run normally uses only a handful
# (the month lengths), so this bound only matters for unusual callers.
_MAX_CACHED_STEPS = 256


def _as_vector(value, n: int, name: str) -> np.ndarray:
    """Return ``value`` as a float array of shape (n,), or raise ValueError."""
    arr = np.asarray(value, dtype=float)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    return arr


def _as_rate(value, n: int, name: str):
    """A rate (per year, >= 0, finite): a scalar for every state or an array of shape (n,)."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 0 and arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got {arr.shape}")
    if not ((arr >= 0.0) & (arr < math.inf)).all():
        raise ValueError(f"{name} must be finite and >= 0")
    return arr


_SHARED: dict = {}
_MAX_SHARED = 4096


class Richardson:
    """The linear Richardson system for n states.

    Parameters
    ----------
    reaction:
        Array of shape (n, n), n >= 2, in 1/year.  ``reaction[i, j]`` is how
        many warheads per year state i adds for each warhead state j holds.
        The diagonal must be zero (a state's response to its own forces is
        the fatigue term).
    fatigue:
        Array of shape (n,), in 1/year, all >= 0.  ``fatigue[i]`` is how many
        warheads per year state i gives up for each warhead it holds.

    Raises
    ------
    ValueError
        On wrong shapes, a non-zero diagonal, negative or non-finite values.
    """

    def __init__(self, reaction: np.ndarray, fatigue: np.ndarray):
        reaction = np.array(reaction, dtype=float)
        fatigue = np.array(fatigue, dtype=float)
        if reaction.ndim != 2 or reaction.shape[0] != reaction.shape[1]:
            raise ValueError(f"reaction must be a square (n, n) array, got shape {reaction.shape}")
        n = reaction.shape[0]
        if n < 2:
            raise ValueError(f"need at least 2 states, got {n}")
        if fatigue.shape != (n,):
            raise ValueError(f"fatigue must have shape ({n},), got {fatigue.shape}")
        if not np.all(np.isfinite(reaction)):
            raise ValueError("reaction must be finite")
        if not np.all(np.isfinite(fatigue)):
            raise ValueError("fatigue must be finite")
        if np.any(np.diag(reaction) != 0.0):
            raise ValueError("reaction must have a zero diagonal; use fatigue for self-restraint")
        if np.any(fatigue < 0.0):
            raise ValueError("fatigue must be >= 0")

        reaction.setflags(write=False)
        fatigue.setflags(write=False)
        self._n = n
        self._reaction = reaction
        self._fatigue = fatigue
        a = reaction - np.diag(fatigue)
        a.setflags(write=False)
        self._a = a
        # Augmented generator [[A, I], [0, 0]]: its exponential holds Phi and Gamma.
        aug = np.zeros((2 * n, 2 * n))
        aug[:n, :n] = a
        aug[:n, n:] = np.eye(n)
        self._augmented = aug
        # step length (years) -> [Phi(h) | Gamma(h)], shape (n, 2n)
        self._propagators: dict[float, np.ndarray] = {}

    @classmethod
    def two_state(cls, a: float, b: float, m: float, n: float) -> Richardson:
        """Build the two-state system from textbook parameters.

        ``dx/dt = a y - m x + r`` and ``dy/dt = b x - n y + s``: ``a`` and
        ``b`` are the reaction coefficients (1/year) of x to y and of y to x,
        ``m`` and ``n`` the fatigue coefficients (1/year) of x and y.
        """
        return cls(np.array([[0.0, a], [b, 0.0]], dtype=float), np.array([m, n], dtype=float))

    @property
    def n_states(self) -> int:
        """Number of states n."""
        return self._n

    @property
    def reaction(self) -> np.ndarray:
        """Reaction coefficients, shape (n, n), 1/year (read-only)."""
        return self._reaction

    @property
    def fatigue(self) -> np.ndarray:
        """Fatigue coefficients, shape (n,), 1/year (read-only)."""
        return self._fatigue

    @property
    def matrix(self) -> np.ndarray:
        """The system matrix A = reaction - diag(fatigue), shape (n, n), in 1/year (a copy)."""
        return self._a.copy()

    def _exact(self, years: float) -> np.ndarray:
        """[Phi(h) | Gamma(h)] for h = ``years``, shape (n, 2n).

        Shared by every model with the same system and step length (runs of an
        ensemble repeat them), so the matrix exponential is computed once per process.
        """
        h = float(years)
        if not (math.isfinite(h) and h >= 0.0):
            raise ValueError(f"years must be finite and >= 0, got {years!r}")
        key = (self._augmented.tobytes(), self._n, h)
        prop = _SHARED.get(key)
        if prop is None:
            # expm([[A, I], [0, 0]] h) = [[Phi, Gamma], [0, I]]; keep the top rows.
            prop = np.ascontiguousarray(expm(self._augmented * h)[: self._n])
            if len(_SHARED) >= _MAX_SHARED:
                _SHARED.clear()
            _SHARED[key] = prop
        return prop.copy()

    def _propagator(self, years: float) -> np.ndarray:
        """Cached [Phi(h) | Gamma(h)] for h = ``years``."""
        prop = self._exact(years)
        cache = self._propagators
        if len(cache) >= _MAX_CACHED_STEPS:
            del cache[next(iter(cache))]
        prop.setflags(write=False)
        cache[years] = prop
        return prop

    def step(self, x: np.ndarray, grievance: np.ndarray, years: float) -> np.ndarray:
        """Advance forces ``x`` (warheads, shape (n,)) by ``years`` years, exactly.

        ``grievance`` (warheads/year, shape (n,)) is held constant over the
        step.  Returns a new array ``Phi(h) x + Gamma(h) grievance``; the
        result is the exact solution of the linear system, so it does not
        depend on how a period is divided into steps.  It is not clipped at
        zero (see :func:`limit_forces`).

        Raises ValueError for wrong shapes or a negative or non-finite
        ``years``.
        """
        try:
            prop = self._propagators.get(years)
        except TypeError:  # unhashable, e.g. a 0-d array
            years = float(years)
            prop = self._propagators.get(years)
        if prop is None:
            prop = self._propagator(years)
        n = self._n
        if type(x) is not np.ndarray or x.shape != (n,):
            x = _as_vector(x, n, "x")
        if type(grievance) is not np.ndarray or grievance.shape != (n,):
            grievance = _as_vector(grievance, n, "grievance")
        buf = np.empty(2 * n)
        buf[:n] = x
        buf[n:] = grievance
        return prop.dot(buf)

    def equilibrium(self, grievance) -> np.ndarray:
        """Forces x* (warheads, shape (n,)) where all change stops: A x* + g = 0.

        ``grievance`` is g in warheads/year.  The equilibrium exists whether
        or not it is stable (see :meth:`is_stable`); for an unstable system
        it is the point the race runs away from.

        Raises ValueError when A is singular (numerically: its smallest
        singular value is within rounding of zero), as on the two-state
        boundary m n == a b.
        """
        g = _as_vector(grievance, self._n, "grievance")
        sv = np.linalg.svd(self._a, compute_uv=False)
        if sv[-1] <= sv[0] * self._n * np.finfo(float).eps:
            raise ValueError("the system matrix is singular: there is no unique equilibrium")
        return np.linalg.solve(self._a, -g)

    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of A, in 1/year: their real parts are the growth rates of the modes."""
        return np.linalg.eigvals(self._a)

    def is_stable(self) -> bool:
        """True when every eigenvalue of A has a negative real part.

        Then every trajectory converges to :meth:`equilibrium`.  Eigenvalues
        within rounding of zero (a marginal system such as m n == a b) count
        as not stable.
        """
        tol = 8 * self._n * np.finfo(float).eps * np.linalg.norm(self._a, 1)
        return bool(np.max(self.eigenvalues().real) < -tol)

    def trajectory(self, x0, grievance, times_years) -> np.ndarray:
        """Closed-form solution x(t) = expm(A t) x0 + Gamma(t) g.

        ``x0`` are the forces at t = 0 (warheads, shape (n,)), ``grievance``
        g is constant (warheads/year, shape (n,)), ``times_years`` a 1-D
        sequence of times >= 0 in years.  Returns an array of shape
        (len(times_years), n); row k is x at ``times_years[k]``.
        """
        n = self._n
        x0 = _as_vector(x0, n, "x0")
        g = _as_vector(grievance, n, "grievance")
        times = np.asarray(times_years, dtype=float)
        if times.ndim != 1:
            raise ValueError(f"times_years must be 1-D, got shape {times.shape}")
        state = np.concatenate((x0, g))
        out = np.empty((times.size, n))
        for k, t in enumerate(times):
            out[k] = self._exact(t).dot(state)
        return out


def equilibrium_two_state(
    a: float, b: float, m: float, n: float, r: float, s: float
) -> tuple[float, float]:
    """Textbook equilibrium of dx/dt = a y - m x + r, dy/dt = b x - n y + s.

    Returns (x*, y*) in warheads::

        x* = (a s + n r) / (m n - a b)
        y* = (b r + m s) / (m n - a b)

    Raises ValueError when m n == a b (to rounding), where the lines
    dx/dt = 0 and dy/dt = 0 are parallel and there is no unique equilibrium.
    """
    mn = m * n
    ab = a * b
    det = mn - ab
    if abs(det) <= 8 * np.finfo(float).eps * max(abs(mn), abs(ab)):
        raise ValueError("m n == a b: no unique equilibrium")
    return (a * s + n * r) / det, (b * r + m * s) / det


def limit_forces(
    proposed, current, cap, complying, build_rate, dismantle_rate, years
) -> np.ndarray:
    """Apply a treaty cap to the forces Richardson's dynamics propose.

    All array arguments have shape (n,); ``build_rate`` and
    ``dismantle_rate`` may also be scalars that apply to every state.

    proposed:
        Forces (warheads) the arms dynamics would reach at the end of the step.
    current:
        Forces (warheads) at the start of the step.
    cap:
        Treaty ceiling (warheads) for each state; ``np.inf`` where no cap
        binds that state.
    complying:
        Boolean, True for states that honour the treaty this step.
    build_rate:
        How fast a cheating state adds warheads in secret (warheads/year, >= 0).
    dismantle_rate:
        How fast a complying state can take warheads apart (warheads/year, >= 0).
    years:
        Length of the step in years (>= 0).

    The rule, state by state:

    * A state with no cap (``cap`` is inf) gets what the dynamics propose,
      whether it is said to comply or not.
    * A complying state at or below its cap gets the proposal, but no more
      than the cap: ``min(proposed, cap)``.
    * A complying state above its cap dismantles towards the cap, at most
      ``dismantle_rate * years`` warheads this step and not past the cap;
      if the dynamics propose even fewer warheads, it gets the proposal:
      ``min(proposed, max(cap, current - dismantle_rate * years))``.
    * A cheating state keeps whatever is larger, its current forces or the
      proposal, and builds ``build_rate * years`` warheads on top in secret:
      ``max(proposed, current) + build_rate * years``.
    * Finally, no state ever has fewer than zero warheads.

    Returns a new float array of shape (n,).  Raises ValueError on
    mismatched shapes, negative or non-finite rates or step length, a
    negative or NaN cap, or non-finite forces; TypeError when ``complying``
    is not boolean.
    """
    proposed = np.asarray(proposed, dtype=float)
    if proposed.ndim != 1:
        raise ValueError(f"proposed must be 1-D, got shape {proposed.shape}")
    n = proposed.shape[0]
    current = _as_vector(current, n, "current")
    cap = _as_vector(cap, n, "cap")
    complying = np.asarray(complying)
    if complying.dtype != np.bool_:
        raise TypeError(f"complying must be boolean, got dtype {complying.dtype}")
    if complying.shape != (n,):
        raise ValueError(f"complying must have shape ({n},), got {complying.shape}")
    build_rate = _as_rate(build_rate, n, "build_rate")
    dismantle_rate = _as_rate(dismantle_rate, n, "dismantle_rate")
    years = float(years)
    if not (0.0 <= years < math.inf):
        raise ValueError(f"years must be finite and >= 0, got {years!r}")
    if not (np.isfinite(proposed).all() and np.isfinite(current).all()):
        raise ValueError("proposed and current must be finite")
    if not (cap >= 0.0).all():  # also rejects NaN
        raise ValueError("cap must be >= 0 (np.inf for no cap)")

    build_rate = np.broadcast_to(build_rate, (n,))
    dismantle_rate = np.broadcast_to(dismantle_rate, (n,))
    return np.array(
        [
            limit_state(
                float(proposed[i]),
                float(current[i]),
                float(cap[i]),
                bool(complying[i]),
                float(build_rate[i]),
                float(dismantle_rate[i]),
                years,
            )
            for i in range(n)
        ],
        dtype=float,
    )


def limit_state(
    proposed: float,
    current: float,
    cap: float,
    complying: bool,
    build_rate: float,
    dismantle_rate: float,
    years: float,
) -> float:
    """The rule of :func:`limit_forces` for one state, on plain numbers and without the checks.

    Forces, cap (``math.inf`` for none) in warheads; rates in warheads/year;
    ``years`` the step's length. The model calls this directly with values it
    has already validated: with two or three states, plain floats cost a
    fraction of numpy's per-call overhead, and the arithmetic is the same.
    """
    if cap == math.inf:
        new = proposed
    elif not complying:
        new = max(proposed, current) + build_rate * years
    elif current > cap:
        new = min(proposed, max(cap, current - dismantle_rate * years))
    else:
        new = min(proposed, cap)
    return max(new, 0.0)
