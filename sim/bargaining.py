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
* **Proposal.** Among the offers its red lines allow that meet its target, the
  proposer picks the one whose worst-off other party is best served relative
  to that party's own target (with two states: the offer the other likes best).
* **Response.** A party accepts when the offer is within its red lines and
  worth at least its current target. The offer is agreed when every party
  accepts.
* **Scripted offers** from the scenario's timeline replace the proposer's
  choice at their date, so history's offers appear where they happened.
* **Costly signals.** A proposer that offers less for itself than it did
  last time has paid a cost; observers treat it as evidence of a security
  seeker (see :mod:`sim.trust`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def concession_progress(elapsed_years: float, horizon_years: float, kind: str, hazard_per_year: float) -> float:
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


def target(u_max: float, reservation: float, progress: float, concession: float) -> float:
    """Current target utility (utility units): from u_max down to the reservation value."""
    if u_max <= reservation:
        return reservation
    return reservation + (1.0 - progress ** (1.0 / concession)) * (u_max - reservation)


@dataclass
class Proposal:
    """A proposer's choice and why."""

    offer: int | None
    reason: str


def choose_offer(proposer: int, utilities: np.ndarray, targets: np.ndarray, allowed: np.ndarray, party: np.ndarray) -> int | None:
    """The offer the proposer makes, or None when no offer it allows reaches its target.

    Args:
        proposer: index of the proposing state.
        utilities: (offers, states) utilities.
        targets: (states,) current targets.
        allowed: (offers,) the proposer's red-line mask.
        party: (offers, states) who is a party to each offer.
    """
    ok = allowed & party[:, proposer] & (utilities[:, proposer] >= targets[proposer] - 1e-12)
    if not ok.any():
        return None
    slack = utilities - targets[None, :]
    others = party.copy()
    others[:, proposer] = False
    worst = np.where(others, slack, np.inf).min(axis=1)
    worst = np.where(ok, worst, -np.inf)
    best = worst.max()
    # among equally good offers for the others, the one best for the proposer
    ties = np.flatnonzero(worst >= best - 1e-12)
    return int(ties[np.argmax(utilities[ties, proposer])])


def respond(responder: int, offer: int, utilities: np.ndarray, targets: np.ndarray, allowed: np.ndarray) -> bool:
    """Whether a party accepts: within its red lines and worth at least its target."""
    return bool(allowed[offer]) and utilities[offer, responder] >= targets[responder] - 1e-12
