"""Alternating-offer bargaining with time-dependent concession (Rubinstein 1982; Faratin, Sierra & Jennings 1998).

While talks are open, each round one state proposes and the parties to its
offer respond. The proposer rotates (stacked alternating offers when there are
more than two states).

* **Target.** A state's target utility falls from the best it can hope for,
  U_max (its best offer within its red lines), toward its reservation value r
  as the deadline nears::

      target(t) = r + (1 - phi(t) ** (1 / beta)) (U_max - r)

  with phi the share of the time to the deadline already gone (hard
  deadline), or the probability that an uncertain deadline has already come,
  1 - exp(-h t). beta < 1 is Boulware (holds out until the end), beta > 1 a
  conceder. Tension hardens bargaining: r rises by ``hardening x tension``.
* **Proposal** (under incomplete information; Fearon 1995). The proposer
  does not know what the others accept; among the offers it may make that meet
  its target it maximises P(accept) x (value - target), its expected gain over
  going on, with P from its beliefs (:mod:`sim.beliefs`). With certain beliefs
  this is the offer best for it among those the others accept.
* **Response.** A party accepts when the offer is worth at least its current
  target, its value counting the audience costs of its red lines and the chance
  its domestic body ratifies (:mod:`sim.private_values`). The offer is agreed
  when every party accepts.
* **Scripted offers** from the scenario's timeline replace the proposer's
  choice at their date, so history's offers appear where they happened.
* **Backward induction** (``bargaining.tactic: backward_induction``): instead
  of a concession curve the state aims at the subgame-perfect outcome of the
  alternating-offers game with the rounds left before the deadline (Stahl
  1972). In the last round the proposer gets the best offer every other
  party still prefers to no deal; one round earlier, the best offer that
  gives each other party at least its discounted value of what it would get
  one round later; and so on back to now. The proposer's target is its value
  of that offer; a responder's target is its discounted value of the next
  round's outcome. Each round is discounted by the state's yearly discount
  factor over the round's length, and, with an uncertain deadline, by the
  chance that talks survive the round (Binmore, Rubinstein & Wolinsky 1986).
  As the rounds left grow, the proposer's share of a one-issue split tends to
  Rubinstein's (1982) (1 - d2) / (1 - d1 d2).
* A concession (an offer that asks less than the last) is no evidence of
  type: both types bargain alike (:mod:`sim.trust`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def concession_progress(
    elapsed_years: float, horizon_years: float, kind: str, hazard_per_year: float
) -> float:
    """phi: how far the bargainer has moved toward its reservation pressure (0-1).

    Args:
        elapsed_years: time since talks opened (years).
        horizon_years: time from opening to the deadline (years); used for a hard deadline.
        kind: "hard" or "uncertain".
        hazard_per_year: break-off rate of an uncertain deadline (per year).
    """
    if kind == "uncertain":
        return 1.0 - math.exp(-hazard_per_year * max(elapsed_years, 0.0))
    if horizon_years <= 0:
        return 1.0
    return min(max(elapsed_years / horizon_years, 0.0), 1.0)


def still_asked(progress: float, concession):
    """1 - progress ** (1 / concession): the share of the gap between its best hope and its
    reservation that a bargainer still asks for (0-1; a float, or an array for many concessions)."""
    return 1.0 - progress ** (1.0 / concession)


def target(u_max: float, reservation: float, progress: float, concession: float) -> float:
    """Current target utility (utility units): from u_max down to the reservation value."""
    if u_max <= reservation:
        return float(reservation)
    return float(reservation + still_asked(progress, concession) * (u_max - reservation))


def targets(
    u_max: np.ndarray,
    reservation: np.ndarray,
    progress: float,
    concession: np.ndarray,
    asked: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`target` for many at once (one per draw of a state's private values).

    A hope at or below the reservation (-inf when nothing is acceptable) gives the
    reservation itself: the gap to concede is then 0. ``asked`` is
    ``still_asked(progress, concession)``, when the caller has it.
    """
    gap = np.maximum(u_max, reservation) - reservation
    return reservation + (still_asked(progress, concession) if asked is None else asked) * gap


def best_hope(values: np.ndarray, own: np.ndarray, axis: int = -1) -> np.ndarray:
    """The most a state can hope for: its best value over the offers it could agree to (-inf when none).

    ``values`` has its offers along ``axis`` (the last by default), ``own`` the offers it is a
    party to: (offers,), or the shape of ``values`` (each state's own offers, one state per column).
    A mask of one dimension is looked at first (the particles' values are large, the mask short);
    a full one gives the same as none.
    """
    if own.ndim == 1 and own.all():
        return values.max(axis=axis, initial=-np.inf)
    return values.max(axis=axis, initial=-np.inf, where=own)


def choose_offer(
    value: np.ndarray,
    goal: float,
    ok: np.ndarray,
    accept: np.ndarray,
    shortfall: np.ndarray | Callable[[], np.ndarray],
) -> int | None:
    """The offer a proposer makes, screening the others under uncertainty; None when none reaches its target.

    Among the offers it may make that are worth at least its target, it maximises
    its expected gain over going on, accept(o) x (value(o) - target): the chance the
    others accept it times what it gains by the deal (Fearon 1995; a screening offer).
    Ties go to the likelier offer, then the better one for the proposer, then agenda order.
    When it expects no offer to be accepted, it makes the one that comes closest to
    the others' targets as it believes them (the smallest expected shortfall).

    Args:
        value: (offers,) the proposer's value of each offer (utility).
        goal: its current target (utility).
        ok: (offers,) the offers it may make (a party to them, within its red lines).
        accept: (offers,) its belief that every other party accepts (0-1).
        shortfall: (offers,) its expected shortfall of the others below their targets (utility, >= 0),
            or a function that works it out (called only when no offer is expected to be accepted).
    """
    idx = (ok & (value >= goal - TOLERANCE)).nonzero()[0]
    if not idx.size:
        return None
    p = accept[idx]
    if p.max() <= 0.0:
        short = (shortfall() if callable(shortfall) else shortfall)[idx]
        return int(idx[(short <= short.min() + TOLERANCE).nonzero()[0][0]])
    mine = value[idx]
    score = p * (mine - goal)
    best = (score >= score.max() - TOLERANCE).nonzero()[0]
    if best.size == 1:  # no tie to break
        return int(idx[best[0]])
    likeliest = best[(p[best] >= p[best].max() - TOLERANCE).nonzero()[0]]
    return int(idx[likeliest[mine[likeliest].argmax()]])


def accepts(value: np.ndarray, goal, out: np.ndarray | None = None) -> np.ndarray:
    """Whether a party accepts: the offer is worth at least its current target (arrays broadcast).

    ``out`` may be an array of numbers (1.0 yes, 0.0 no) to write the answers into, in its own layout.
    """
    floor = (
        np.asarray(goal)[..., None] - TOLERANCE
        if np.ndim(value) > np.ndim(goal)
        else goal - TOLERANCE
    )
    return np.greater_equal(value, floor, out=out)


# Two utilities closer than this count as equal (rounding in sums of terms).
TOLERANCE = 1e-12


# Backward induction over more rounds than this stops at the infinite-horizon limit.
MAX_INDUCTION_ROUNDS = 100_000
# Two continuation values closer than this (utility) count as equal when the induction turns periodic.
PERIODIC_TOLERANCE = TOLERANCE


@dataclass
class InductionPlan:
    """The subgame-perfect play from this round on, as the model needs it.

    Attributes:
        offer: the offer the current proposer makes in equilibrium (None: no deal is possible).
        targets: (states,) the proposer's value of that offer; for each other
            state, the least it accepts now: the larger of its reservation and
            its discounted value of the equilibrium from the next round on.
        rounds: how many rounds the induction went back (at most the rounds left).
    """

    offer: int | None
    targets: np.ndarray
    rounds: int


def best_for_proposer(
    p: int, utilities: np.ndarray, allowed: np.ndarray, party: np.ndarray, floors: np.ndarray
) -> int | None:
    """The offer p likes best among those that every party to it allows and values at least at its floor.

    Ties go to the offer whose worst-off other party does best, then to the first in agenda order.
    """
    ok = party[:, p] & allowed[:, p] & (utilities[:, p] >= floors[p] - TOLERANCE)
    others = party & (np.arange(party.shape[1]) != p)[None, :]
    ok &= np.where(others, allowed & (utilities >= floors[None, :] - TOLERANCE), True).all(axis=1)
    if not ok.any():
        return None
    mine = np.where(ok, utilities[:, p], -np.inf)
    ties = np.flatnonzero(mine >= mine.max() - TOLERANCE)
    worst = np.where(others[ties], utilities[ties], np.inf).min(axis=1)
    return int(ties[np.argmax(worst)])


def backward_induction(
    proposer: int,
    utilities: np.ndarray,
    allowed: np.ndarray,
    party: np.ndarray,
    reservations: np.ndarray,
    round_discounts: np.ndarray,
    rounds_left: int | None,
) -> InductionPlan:
    """Subgame-perfect offers of the alternating-offers game, by backward induction (Stahl 1972; Rubinstein 1982).

    Round t's proposer makes the offer it likes best among those giving each
    other party at least max(reservation, discount x its value of round t+1's
    outcome); a party's value of a round where no such offer exists is its
    value of waiting for the next one (its reservation at the end). The
    proposers take turns in index order from ``proposer``.

    Args:
        proposer: the state proposing this round.
        utilities: (offers, states) utility of each offer relative to no deal.
        allowed: (offers, states) each state's red-line mask.
        party: (offers, states) who is a party to each offer.
        reservations: (states,) the least each state accepts (utility).
        round_discounts: (states,) value now of one unit of utility one round later (0-1).
        rounds_left: rounds before talks end, this one included; None for no end (the infinite-horizon limit).
    """
    n = utilities.shape[1]
    horizon = MAX_INDUCTION_ROUNDS if rounds_left is None else max(int(rounds_left), 1)
    res = np.asarray(reservations, dtype=float)
    value = res.copy()  # each state's value of the game from the round after the current one
    history: list[
        tuple[np.ndarray, int | None, np.ndarray]
    ] = []  # per round counted from the end: (floors, offer, value)
    for back in range(horizon):
        p = (proposer + horizon - 1 - back) % n
        floors = res.copy() if back == 0 else np.maximum(res, round_discounts * value)
        offer = best_for_proposer(p, utilities, allowed, party, floors)
        value = np.where(party[offer], utilities[offer], 0.0) if offer is not None else floors
        history.append((floors, offer, value))
        if back >= n and np.abs(value - history[back - n][2]).max() <= PERIODIC_TOLERANCE:
            # the rounds repeat with period n from here on: round 0 looks like an earlier one with the same proposer
            same = back - n + ((horizon - 1 - (back - n)) % n)
            floors, offer, _ = history[same]
            return InductionPlan(offer, _plan_targets(proposer, offer, utilities, floors), back + 1)
    floors, offer, _ = history[-1]
    return InductionPlan(offer, _plan_targets(proposer, offer, utilities, floors), horizon)


def _plan_targets(
    proposer: int, offer: int | None, utilities: np.ndarray, floors: np.ndarray
) -> np.ndarray:
    targets = floors.astype(float).copy()
    if offer is not None:
        targets[proposer] = utilities[offer, proposer]
    return targets


def rubinstein_share(d_proposer: float, d_responder: float) -> float:
    """The proposer's share of a unit surplus in Rubinstein's (1982) game: (1 - d2) / (1 - d1 d2)."""
    return (1.0 - d_responder) / (1.0 - d_proposer * d_responder)


def round_discounts(
    yearly: np.ndarray, round_years: float, hazard_per_year: float = 0.0
) -> np.ndarray:
    """Per-round discount factors: yearly discount over the round, times the chance talks survive it (0-1)."""
    return np.asarray(yearly, dtype=float) ** round_years * math.exp(-hazard_per_year * round_years)
