"""Scoring categorical forecasts: how good is a probability over outcome categories?

A forecast for one case is a vector ``p`` of probabilities over K outcome
categories (non-negative, summing to 1); what happened is one category, its
index ``o``. Over N cases the forecasts are an (N, K) array and the outcomes an
(N,) array of indices. Every function here is pure and works on such arrays.

Scores (lower is better; all are unitless averages over cases):

- **Brier score** (Brier 1950), in its original multi-category form::

      BS = (1/N) sum_i sum_k (p_ik - y_ik)^2,   y_ik = 1 if o_i = k else 0

  0 for a certain, right forecast; 2 for a certain, wrong one; 1 - 1/K for
  the uniform forecast whatever happens.
- **Log score** (Good 1952), in nats::

      LS = -(1/N) sum_i ln p_i,o_i

  0 for a certain, right forecast; infinite for a certain, wrong one. So that
  one confident miss does not make every comparison infinite, each forecast is
  first *hedged*: mixed with the uniform distribution,
  ``(1 - LOG_HEDGE) p + LOG_HEDGE / K`` (so no probability is below
  ``LOG_HEDGE / K``). The same hedge applies to every forecast compared.
- **Skill score** against a reference forecast: ``1 - S / S_ref``: 1 is
  perfect, 0 no better than the reference, negative worse than it.

Reference forecasts (the baselines):

- **Base rate, leave one out**: case i gets the frequency of each category
  among the *other* N - 1 cases, with additive (Jeffreys, alpha = 1/2)
  smoothing so that no probability is 0::

      p_ik = (c_k - y_ik + ALPHA) / (N - 1 + ALPHA K)

  where c_k counts the cases that ended in category k.
- **Status quo**: certainty that the case ends in its own status-quo
  category (what "nothing changes" would have meant for it).

Calibration: an optional single *temperature* T sharpens (T < 1) or flattens
(T > 1) a forecast, ``p_k^(1/T) / sum_j p_j^(1/T)``; :func:`fit_temperature`
picks T from :data:`TEMPERATURES` by the least log score, and
:func:`loo_temperatures` fits it for each case on the other cases only.

Reliability: :func:`reliability` pools every (case, category) pair
``(p_ik, y_ik)``, bins them by the forecast probability and gives, per bin,
the count, the mean forecast and the observed frequency (Murphy & Winkler
1977): a calibrated forecaster's points lie on the diagonal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALPHA = 0.5  # pseudo-count added to each category of the base rate (Jeffreys prior)
LOG_HEDGE = (
    0.01  # weight of the uniform distribution mixed into every forecast before the log score
)
RELIABILITY_BINS = 10  # equal-width bins of the forecast probability, [0, 0.1), ..., [0.9, 1]
BIN_TOLERANCE = 1e-9  # a forecast within this of a bin's lower edge counts as on it
TEMPERATURES = np.geomspace(
    0.25, 4.0, 41
)  # the temperatures a calibration may choose from (ratio 2^(1/10) apart)


# ---------------------------------------------------------------------------- inputs
def as_forecasts(p) -> np.ndarray:
    """Forecasts as an (N, K) float array; each row must be a probability vector.

    Raises:
        ValueError: for a negative entry or a row that does not sum to 1 (within 1e-9).
    """
    p = np.atleast_2d(np.asarray(p, dtype=float))
    if p.ndim != 2:
        raise ValueError(f"forecasts must be an (N cases, K categories) array, got shape {p.shape}")
    if (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-9):
        raise ValueError(
            "each forecast must be probabilities (>= 0) over the categories summing to 1"
        )
    return p


def one_hot(outcomes, k: int) -> np.ndarray:
    """The outcomes (N indices into K categories) as an (N, K) array of 0/1."""
    o = np.asarray(outcomes, dtype=int)
    if o.size and (o.min() < 0 or o.max() >= k):
        raise ValueError(f"outcome indices must lie in 0..{k - 1}, got {o.tolist()}")
    y = np.zeros((o.size, k))
    y[np.arange(o.size), o] = 1.0
    return y


# ---------------------------------------------------------------------------- scores
def brier_per_case(p, outcomes) -> np.ndarray:
    """Each case's Brier score, sum_k (p_k - y_k)^2, in [0, 2]."""
    p = as_forecasts(p)
    return ((p - one_hot(outcomes, p.shape[1])) ** 2).sum(axis=1)


def brier(p, outcomes) -> float:
    """The mean Brier score over cases (0 best, 2 worst)."""
    return float(brier_per_case(p, outcomes).mean())


def hedge(p, weight: float = LOG_HEDGE) -> np.ndarray:
    """Mix each forecast with the uniform distribution: (1 - weight) p + weight / K."""
    p = as_forecasts(p)
    return (1.0 - weight) * p + weight / p.shape[1]


def log_score_per_case(p, outcomes, hedge_weight: float = LOG_HEDGE) -> np.ndarray:
    """Each case's log score, -ln p_o (nats), on the hedged forecast."""
    q = hedge(p, hedge_weight)
    o = np.asarray(outcomes, dtype=int)
    with np.errstate(divide="ignore"):
        return -np.log(q[np.arange(len(o)), o])


def log_score(p, outcomes, hedge_weight: float = LOG_HEDGE) -> float:
    """The mean log score over cases (nats; 0 best)."""
    return float(log_score_per_case(p, outcomes, hedge_weight).mean())


def skill(score: float, reference: float) -> float:
    """Skill score 1 - score / reference (1 perfect, 0 as good as the reference, < 0 worse)."""
    if reference == 0:
        return float("nan") if score == 0 else float("-inf")
    return 1.0 - score / reference


# ---------------------------------------------------------------------------- baselines
def base_rate_loo(outcomes, k: int, alpha: float = ALPHA) -> np.ndarray:
    """Leave-one-out base rates: row i is the smoothed frequency of each category over the other cases."""
    y = one_hot(outcomes, k)
    n = len(y)
    if n < 2:
        raise ValueError("a leave-one-out base rate needs at least 2 cases")
    others = y.sum(axis=0)[None, :] - y
    return (others + alpha) / (n - 1 + alpha * k)


def status_quo(status_quo_outcomes, k: int) -> np.ndarray:
    """The status-quo forecast: certainty on each case's status-quo category."""
    return one_hot(status_quo_outcomes, k)


# ---------------------------------------------------------------------------- calibration
def temper(p, temperature: float) -> np.ndarray:
    """Each forecast raised to the power 1/T and renormalised (T > 1 flattens, T < 1 sharpens)."""
    p = as_forecasts(p)
    if temperature <= 0:
        raise ValueError(f"a temperature must be > 0, got {temperature}")
    powered = p ** (1.0 / temperature)
    return powered / powered.sum(axis=1, keepdims=True)


def fit_temperature(p, outcomes, grid=TEMPERATURES, hedge_weight: float = LOG_HEDGE) -> float:
    """The temperature in `grid` with the least mean log score on these cases (the first, on ties)."""
    scores = [log_score(temper(p, t), outcomes, hedge_weight) for t in grid]
    return float(grid[int(np.argmin(scores))])


def loo_temperatures(p, outcomes, grid=TEMPERATURES, hedge_weight: float = LOG_HEDGE) -> np.ndarray:
    """For each case, the temperature fitted on all the other cases (leave one case out)."""
    p = as_forecasts(p)
    o = np.asarray(outcomes, dtype=int)
    keep = ~np.eye(len(o), dtype=bool)
    return np.array(
        [fit_temperature(p[keep[i]], o[keep[i]], grid, hedge_weight) for i in range(len(o))]
    )


def temper_loo(
    p, outcomes, grid=TEMPERATURES, hedge_weight: float = LOG_HEDGE
) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts calibrated leave one case out: (tempered forecasts, the temperature used for each case)."""
    p = as_forecasts(p)
    temps = loo_temperatures(p, outcomes, grid, hedge_weight)
    return np.vstack([temper(p[i : i + 1], t)[0] for i, t in enumerate(temps)]), temps


# ---------------------------------------------------------------------------- reliability
@dataclass(frozen=True)
class Reliability:
    """A reliability diagram's bins (arrays, one entry per bin).

    Attributes:
        lo, hi: the bin's edges (probability); the last bin includes 1.
        count: (case, category) pairs whose forecast falls in the bin.
        predicted: their mean forecast probability (NaN when empty).
        observed: the fraction of them that happened (NaN when empty).
    """

    lo: np.ndarray
    hi: np.ndarray
    count: np.ndarray
    predicted: np.ndarray
    observed: np.ndarray

    def rows(self) -> list[dict]:
        """The bins as plain dicts (for JSON), None for an empty bin's means."""

        def num(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        return [
            {
                "lo": float(a),
                "hi": float(b),
                "count": int(c),
                "predicted": num(p),
                "observed": num(f),
            }
            for a, b, c, p, f in zip(self.lo, self.hi, self.count, self.predicted, self.observed)
        ]


def reliability(p, outcomes, bins: int = RELIABILITY_BINS) -> Reliability:
    """Bin every (case, category) pair by forecast probability; per bin the count, mean forecast and
    observed frequency. Bins are equal-width over [0, 1]; a forecast of exactly 1 falls in the last."""
    p = as_forecasts(p)
    y = one_hot(outcomes, p.shape[1]).ravel()
    flat = p.ravel()
    edges = np.arange(bins + 1) / bins
    # floor(p * bins), tolerant of rounding: a share computed as 0.29999999999999993 belongs to [0.3, 0.4)
    which = np.clip(np.floor(flat * bins + BIN_TOLERANCE).astype(int), 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        predicted = np.bincount(which, weights=flat, minlength=bins) / count
        observed = np.bincount(which, weights=y, minlength=bins) / count
    return Reliability(
        lo=edges[:-1], hi=edges[1:], count=count, predicted=predicted, observed=observed
    )
