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
probability and intrusiveness of verification level v, w_f the weight of freeze
scope f, and q_j(v) = 1 when a greedy j would cheat under level v (its gain from
cheating exceeds the expected cost of being caught, see
:func:`sim.strategies.greedy_would_cheat`), else 0. Sources: Nash (1950) for the
bargaining point, Coe & Vaynman (2020) for the transparency-security trade-off,
Kydd (2000) for the role of trust. A state that is not a party values the offer at 0.

The optional share issue (``agenda.share``) divides a surplus worth W_i
(``utility.surplus``, once) to state i: sigma_i(o) is i's fraction of it, the
offer's share for the first state of the scenario and an equal part of the
rest for each other party. It is the one-issue split of Rubinstein (1982).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from sim.scenario import RedLine, Scenario, StateSpec
from sim.strategies import greedy_would_cheat

ISSUES = ("years", "verification", "freeze", "parties", "share")
TERM_NAMES = ("predictability", "cheating_risk", "secrecy", "freeze_gain", "freeze_cost", "lock_in", "parties")
# The share term is reported by UtilityModel.terms only when the agenda has a share issue.
SHARE_TERM = "share"


def issue_options(scn: Scenario) -> dict[str, list]:
    """The options of each issue, in order. An issue the agenda leaves empty keeps the treaty's current term."""
    levels = [v.name for v in scn.verification_levels]
    verification = list(scn.agenda.verification) or [scn.treaty.verification or (levels[0] if levels else None)]
    freeze = list(scn.agenda.freeze) or [scn.treaty.freeze]
    parties = [tuple(p) for p in scn.agenda.parties] or [tuple(scn.state_names)]
    share = list(scn.agenda.share) or [None]
    return {"years": list(scn.agenda.years), "verification": verification, "freeze": freeze, "parties": parties, "share": share}


@dataclass
class Offer:
    """One point of the agenda."""

    years: int
    verification: str | None
    freeze: str | None
    parties: tuple[str, ...]
    share: float | None = None

    def as_dict(self) -> dict:
        out = {"years": self.years, "verification": self.verification, "freeze": self.freeze, "parties": list(self.parties)}
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
        self.offers = [Offer(*combo) for combo in itertools.product(*(self.options[i] for i in ISSUES))]
        self.index = {self.key(o): k for k, o in enumerate(self.offers)}
        self.years = np.array([o.years for o in self.offers], dtype=float)
        self.detection = np.array([levels[o.verification].detection if o.verification in levels else 0.0 for o in self.offers])
        self.false_alarm = np.array([levels[o.verification].false_alarm if o.verification in levels else 0.0 for o in self.offers])
        self.intrusiveness = np.array([levels[o.verification].intrusiveness if o.verification in levels else 0.0 for o in self.offers])
        self.freeze_weight = np.array([freezes[o.freeze].weight if o.freeze in freezes else 0.0 for o in self.offers])
        self.party = np.array([[n in o.parties for n in self.names] for o in self.offers], dtype=bool)
        self.share_of = np.array([_shares(o, self.names) for o in self.offers]).reshape(len(self.offers), len(self.names))

    def __len__(self) -> int:
        return len(self.offers)

    @staticmethod
    def key(offer: Offer) -> tuple:
        return (offer.years, offer.verification, offer.freeze, tuple(offer.parties), offer.share)

    def find(self, partial: dict) -> int:
        """Index of the offer matching a written offer; issues left out take their first option."""
        values = {i: self.options[i][0] for i in ISSUES}
        values.update({k: (tuple(v) if isinstance(v, list) else v) for k, v in partial.items()})
        return self.index[(values["years"], values["verification"], values["freeze"], tuple(values["parties"]), values["share"])]

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


def discounted_years(years: np.ndarray, discount: float) -> np.ndarray:
    """A(y) = 1 + delta + ... + delta^(y-1): the present length of a term of y years (years)."""
    return (1.0 - discount**years) / (1.0 - discount)


def greedy_cheat_mask(space: OfferSpace, specs: list[StateSpec]) -> np.ndarray:
    """(offers, states): 1 where a greedy state would cheat under the offer's verification."""
    out = np.zeros((len(space), len(specs)))
    for j, s in enumerate(specs):
        c = s.compliance
        out[:, j] = [greedy_would_cheat(c.cheat_gain, d, c.cooperation_value, s.utility.discount) for d in space.detection]
    return out


class UtilityModel:
    """Each state's utility for every offer, split into named terms.

    The parts that depend only on the states' preferences are computed once
    (and again after a leadership change, :meth:`refresh`); each step only the
    trust- and tension-dependent loss is recomputed.
    """

    def __init__(self, space: OfferSpace, specs: list[StateSpec]):
        self.space = space
        self.refresh(specs)

    def refresh(self, specs: list[StateSpec]) -> None:
        """Recompute the fixed terms from the states' current preferences."""
        sp, n = self.space, len(specs)
        self.specs = specs
        # exposure[o, j]: chance-weighted share of a greedy j's cheating that goes undetected under o, if j is a party
        self.exposure = sp.party * greedy_cheat_mask(sp, specs) * (1.0 - sp.detection)[:, None]
        self.annuity = np.stack([discounted_years(sp.years, s.utility.discount) for s in specs], axis=1)
        self.fixed_terms = {}
        for i, s in enumerate(specs):
            u, a = s.utility, self.annuity[:, i]
            pv = np.array([u.party_value.get(name, 0.0) for name in sp.names])
            self.fixed_terms[i] = {
                "predictability": a * u.predictability,
                "secrecy": -a * u.secrecy_cost * sp.intrusiveness,
                "freeze_gain": a * u.freeze_gain * sp.freeze_weight,
                "freeze_cost": -a * u.freeze_cost * sp.freeze_weight,
                "lock_in": -u.lock_in * sp.years,
                "parties": sp.party.astype(float) @ pv,
                SHARE_TERM: u.surplus * sp.share_of[:, i],
            }
        self.fixed = np.stack([sum(self.fixed_terms[i].values()) for i in range(n)], axis=1)
        self.loss = np.array([s.utility.loss_if_cheated for s in specs])  # (states,) utility lost if cheated
        self.sensitivity = np.array([s.utility.tension_sensitivity for s in specs])  # (states,) per unit of tension
        self.not_party = ~sp.party

    def cheating_risk(self, i: int, trust_row: np.ndarray, tension: float) -> np.ndarray:
        """Expected loss to i from being cheated, per offer (utility, negative)."""
        u = self.specs[i].utility
        distrust = 1.0 - trust_row
        distrust[i] = 0.0
        return -self.annuity[:, i] * u.loss_if_cheated * (1.0 + u.tension_sensitivity * tension) * (self.exposure @ distrust)

    def utilities(self, trust: np.ndarray, tension: float) -> np.ndarray:
        """(offers, states) utility of each offer to each state; 0 where the state is not a party."""
        distrust = 1.0 - trust
        distrust.flat[:: len(distrust) + 1] = 0.0  # the diagonal (what np.fill_diagonal does, without its checks)
        losses = self.loss * (1.0 + self.sensitivity * tension)
        risk = -(self.exposure @ distrust.T) * self.annuity * losses[None, :]
        out = self.fixed + risk
        out[self.not_party] = 0.0
        return out

    def terms(self, k: int, i: int, trust_row: np.ndarray, tension: float) -> dict[str, float]:
        """The named terms of offer k's utility to state i (they sum to the utility).

        The share term is included only when the agenda has a share issue.
        """
        names = TERM_NAMES + ((SHARE_TERM,) if self.space.options["share"] != [None] else ())
        if not self.space.party[k, i]:
            return {name: 0.0 for name in names}
        out = {name: float(v[k]) for name, v in self.fixed_terms[i].items()}
        out["cheating_risk"] = float(self.cheating_risk(i, trust_row, tension)[k])
        return {name: out[name] for name in names}


def red_line_mask(space: OfferSpace, red_lines: list[RedLine]) -> tuple[np.ndarray, list[str]]:
    """Offers allowed by a state's red lines, and for each offer the first red line it crosses ('' if none)."""
    allowed = np.ones(len(space), dtype=bool)
    why = [""] * len(space)
    for rl in red_lines:
        crossed = _crosses(space, rl)
        for k in np.flatnonzero(crossed & allowed):
            why[k] = rl.reason or _describe_red_line(rl)
        allowed &= ~crossed
    return allowed, why


def _crosses(space: OfferSpace, rl: RedLine) -> np.ndarray:
    opts = space.options[rl.issue]
    values = [getattr(o, rl.issue) for o in space.offers]
    if rl.issue == "parties":
        return np.array([not set(rl.require) <= set(v) for v in values])
    rank = {v: r for r, v in enumerate(opts)}
    pos = np.array([rank[v] for v in values])
    crossed = np.isin(np.array(values, dtype=object), np.array(rl.exclude, dtype=object)) if rl.exclude else np.zeros(len(values), bool)
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


def nash_point(utilities: np.ndarray, disagreement: np.ndarray, candidates: np.ndarray | None = None) -> int | None:
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
