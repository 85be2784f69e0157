"""The agenda, the offers on it, what each offer is worth to each state, the Pareto frontier and the Nash point.

Every combination of the agenda's options (term in years, verification level,
freeze scope, set of parties) is one offer. The space is small (a few hundred
offers), so every quantity is computed exactly over all of it as numpy arrays.

Utility of offer o to state i, relative to no deal (utility units)::

    U_i(o) = A_i(y) * [ P_i                                   predictability
                        - L_i (1 + k_i T) * sum_j (1 - tau_ij) q_j(v) (1 - d_v)   expected loss from being cheated
                        - S_i iota_v                          secrecy cost of verification
                        + (G_i - C_i) w_f ]                   freeze: gain of freezing the rivals minus cost to own plans
             - K_i y                                          lock-in: leverage given up per year of term
             + sum_{j in parties} V_ij                        value of who is a party
             + W_i sigma_i(o)                                 share of a surplus

with A_i(y) = 1 + delta_i + ... + delta_i^(y-1) the discounted length of the term
(years), tau_ij i's trust in j, T the tension, d_v and iota_v the detection
probability (per year of breach) and intrusiveness of verification level v, w_f
the weight of freeze scope f, and q_j(v) the chance, under the common prior over
j's private values, that a greedy j would cheat under level v (its gain from
cheating exceeds the expected cost of being caught, see
:func:`sim.strategies.greedy_would_cheat`). With fixed values q is 0 or 1; with
priors it moves smoothly with detection, so trust and verification weigh in
every utility. Sources: Nash (1950) for the bargaining point, Coe & Vaynman
(2020) for the transparency-security trade-off, Kydd (2000) for the role of
trust. A state that is not a party values the offer at 0.

What a state decides on is the offer's *value* to it (:mod:`sim.private_values`)::

    V_i(o) = rho_i(o) U_i(o) - sum of the audience costs of the active red lines o crosses

with rho_i(o) the chance its domestic body ratifies an agreement worth U_i(o) > 0
(1 without a ratification step, or for an agreement worth less than no deal; Putnam 1988) and the audience costs of its public
red lines (Fearon 1997; Tomz 2007), infinite for a hard wall.

The optional share issue (``agenda.share``) divides a surplus worth W_i
(``utility.surplus``, once) to state i: sigma_i(o) is i's fraction of it, the
offer's share for the first state of the scenario and an equal part of the
rest for each other party. It is the one-issue split of Rubinstein (1982).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.issues import ISSUES, issue_options
from sim.scenario import RedLine, Scenario

# The utility terms, in the order the dashboard shows them.
TERM_NAMES = (
    "predictability",
    "cheating_risk",
    "secrecy",
    "freeze_gain",
    "freeze_cost",
    "lock_in",
    "parties",
    "share",
)


@dataclass
class Offer:
    """One point of the agenda."""

    years: int
    verification: str | None
    freeze: str | None
    parties: tuple[str, ...]
    share: float | None = None

    def as_dict(self) -> dict:
        out: dict[str, Any] = {
            "years": self.years,
            "verification": self.verification,
            "freeze": self.freeze,
            "parties": list(self.parties),
        }
        if self.share is not None:
            out["share"] = self.share
        return out


class OfferSpace:
    """All offers of a scenario's agenda, as parallel arrays.

    Attributes:
        offers: the offers, in a fixed order (years fastest-varying last).
        years: term of each offer (years).
        detection, false_alarm, intrusiveness: the verification level's figures, per offer (probabilities).
        freeze_weight: share of arsenals the freeze covers, per offer (0-1).
        party: (offers, states) boolean mask of who is a party.
        share_of: (offers, states) each state's fraction of the surplus (0-1; all 0 without a share issue).
    """

    def __init__(self, scn: Scenario):
        self.scenario = scn
        self.names = scn.state_names
        self.options = issue_options(scn)
        levels = {v.name: v for v in scn.verification_levels}
        freezes = {f.name: f for f in scn.freeze_options}
        self.levels, self.freezes = levels, freezes
        self.offers = [
            Offer(*combo) for combo in itertools.product(*(self.options[i] for i in ISSUES))
        ]
        self.index = {self.key(o): k for k, o in enumerate(self.offers)}
        self.years = np.array([o.years for o in self.offers], dtype=float)
        self.detection = np.array(
            [
                levels[o.verification].detection if o.verification in levels else 0.0
                for o in self.offers
            ]
        )
        self.false_alarm = np.array(
            [
                levels[o.verification].false_alarm if o.verification in levels else 0.0
                for o in self.offers
            ]
        )
        self.intrusiveness = np.array(
            [
                levels[o.verification].intrusiveness if o.verification in levels else 0.0
                for o in self.offers
            ]
        )
        self.freeze_weight = np.array(
            [freezes[o.freeze].weight if o.freeze in freezes else 0.0 for o in self.offers]
        )
        self.party = np.array(
            [[n in o.parties for n in self.names] for o in self.offers], dtype=bool
        )
        self.share_of = np.array([_shares(o, self.names) for o in self.offers]).reshape(
            len(self.offers), len(self.names)
        )

    def __len__(self) -> int:
        return len(self.offers)

    @staticmethod
    def key(offer: Offer) -> tuple:
        return (offer.years, offer.verification, offer.freeze, tuple(offer.parties), offer.share)

    def find(self, partial: dict) -> int:
        """Index of the offer matching a written offer; issues left out take their first option."""
        values = {i: self.options[i][0] for i in ISSUES}
        values.update({k: (tuple(v) if isinstance(v, list) else v) for k, v in partial.items()})
        return self.index[
            (
                values["years"],
                values["verification"],
                values["freeze"],
                tuple(values["parties"]),
                values["share"],
            )
        ]

    def describe(self, k: int, treaty_exists: bool = True) -> str:
        """An offer in words, e.g. '5-year extension, on-site inspections, no freeze'."""
        o = self.offers[k]
        parts = [f"{o.years}-year {'extension' if treaty_exists else 'agreement'}"]
        if o.verification in self.levels:
            parts.append(self.levels[o.verification].label or o.verification)
        if o.freeze in self.freezes:
            parts.append(self.freezes[o.freeze].label or o.freeze)
        if len(self.options["parties"]) > 1:
            parts.append("parties " + "+".join(o.parties))
        if o.share is not None:
            parts.append(f"{o.share:.0%} of the surplus to {self.names[0]}")
        return ", ".join(parts)


def _shares(offer: Offer, names: list[str]) -> list[float]:
    """Each state's fraction of the surplus under an offer: the offer's share to the first state, the rest split equally."""
    if offer.share is None:
        return [0.0] * len(names)
    first = names[0] if names[0] in offer.parties else None
    rest = [n for n in offer.parties if n != first]
    mine = offer.share if first is not None else 0.0
    each = (1.0 - mine) / len(rest) if rest else 0.0
    return [mine if n == first else (each if n in rest else 0.0) for n in names]


def discounted_years(years: np.ndarray, discount: float | np.ndarray) -> np.ndarray:
    """A(y) = 1 + delta + ... + delta^(y-1): the present length of a term of y years (years)."""
    return (1.0 - discount**years) / (1.0 - discount)


def exposure(space: OfferSpace, greedy_cheat: np.ndarray) -> np.ndarray:
    """(offers, states): the chance that each party, if greedy, cheats undetected under each offer (0-1).

    ``greedy_cheat`` is (offers, states): the chance under the common prior that a greedy
    state would cheat under the offer's verification (:mod:`sim.private_values`).
    """
    return space.party * greedy_cheat * (1.0 - space.detection)[:, None]


def cheating_risk(
    annuity: np.ndarray,
    loss: np.ndarray,
    sensitivity: np.ndarray,
    tension: float,
    exposure_to_distrust: np.ndarray,
) -> np.ndarray:
    """Expected loss from being cheated, per offer (utility, negative).

    -A(y) L (1 + k T) sum_j (1 - trust_j) q_j (1 - d): ``annuity`` (..., offers) years,
    ``loss`` and ``sensitivity`` (...,) per draw or state, ``exposure_to_distrust``
    (offers,) the exposure weighted by distrust in each rival.
    """
    scale = np.asarray(loss) * (1.0 + np.asarray(sensitivity) * tension)
    risk = annuity * scale[..., None]  # one new array, then in place: -(A s e) is (-A) s e exactly
    risk *= exposure_to_distrust
    return np.negative(risk, out=risk)


def red_line_crossings(space: OfferSpace, rl: RedLine) -> tuple[np.ndarray, str]:
    """The offers a red line rules out, and why in words (its reason, or its terms)."""
    return _crosses(space, rl), rl.reason or _describe_red_line(rl)


def _crosses(space: OfferSpace, rl: RedLine) -> np.ndarray:
    opts = space.options[rl.issue]
    values = [getattr(o, rl.issue) for o in space.offers]
    if rl.issue == "parties":
        return np.array([not set(rl.require) <= set(v) for v in values])
    rank = {v: r for r, v in enumerate(opts)}
    pos = np.array([rank[v] for v in values])
    crossed = (
        np.isin(np.array(values, dtype=object), np.array(rl.exclude, dtype=object))
        if rl.exclude
        else np.zeros(len(values), bool)
    )
    if rl.at_least is not None:
        crossed |= pos < rank[rl.at_least]
    if rl.at_most is not None:
        crossed |= pos > rank[rl.at_most]
    return crossed


def _describe_red_line(rl: RedLine) -> str:
    parts = []
    if rl.at_least is not None:
        parts.append(f"{rl.issue} at least {rl.at_least}")
    if rl.at_most is not None:
        parts.append(f"{rl.issue} at most {rl.at_most}")
    if rl.exclude:
        parts.append(f"{rl.issue} never {', '.join(map(str, rl.exclude))}")
    if rl.require:
        parts.append(f"parties must include {', '.join(rl.require)}")
    return "red line: " + "; ".join(parts)


def pareto_frontier(utilities: np.ndarray, candidates: np.ndarray | None = None) -> np.ndarray:
    """Indices of the offers no other candidate beats for every state and strictly for one.

    Args:
        utilities: (offers, states) utilities.
        candidates: boolean mask of offers to consider (default all).
    """
    idx = np.arange(len(utilities)) if candidates is None else np.flatnonzero(candidates)
    u = utilities[idx]
    ge = (u[:, None, :] >= u[None, :, :]).all(axis=2)
    gt = (u[:, None, :] > u[None, :, :]).any(axis=2)
    dominated = (ge & gt).any(axis=0)
    return idx[~dominated]


def nash_point(
    utilities: np.ndarray, disagreement: np.ndarray, candidates: np.ndarray | None = None
) -> int | None:
    """The offer maximising the product of gains over the disagreement point (Nash 1950).

    Only offers that give every state more than its disagreement value count;
    None when there is none. Ties go to the first offer in agenda order.
    """
    gains = utilities - disagreement[None, :]
    ok = (gains > 0).all(axis=1)
    if candidates is not None:
        ok &= candidates
    if not ok.any():
        return None
    product = np.where(ok, np.prod(np.where(ok[:, None], gains, 1.0), axis=1), -np.inf)
    return int(np.argmax(product))
