"""Private values: many draws of a state's preferences from their priors, and what each draw makes of every offer.

A state's preferences (utility, bargaining and compliance numbers, the audience
costs of its red lines, its domestic body's ratification threshold) may be
priors (:mod:`sim.priors`). The prior is represented by ``POOL_SIZE`` draws made
once per state spec, from a seed fixed by the spec itself, so every run and
every process sees the same pool:

* a run draws the state's **true** values by picking one draw of the pool at
  random (from the run's generator): a sample from the prior;
* the other states' **belief** about those values starts as the first
  ``BELIEF_PARTICLES`` draws with equal weights (the common prior) and is
  updated by Bayes' rule as offers are refused (:mod:`sim.beliefs`).

A spec without priors has a pool of one draw: its values are known to all
(complete information), and no random number is drawn for it.

For every draw the utility tables of :mod:`sim.agenda` are computed over the
whole offer space at once, as (draws, offers) arrays; the parts that change
during a run (trust, tension, which red lines hold yet) are combined each step
by :meth:`Draws.values_of`.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import cast

import numpy as np

from sim import priors
from sim.agenda import TERM_NAMES, OfferSpace, cheating_risk, discounted_years, red_line_crossings
from sim.bargaining import still_asked
from sim.scenario import Bargaining, Compliance, RedLine, StateSpec, Utility

POOL_SIZE = 1024  # draws that stand for a state's prior
BELIEF_PARTICLES = 256  # the first draws of the pool, weighted, make up the others' belief about it
POOL_SEED = (
    20201016  # with the spec's own text, seeds the pool: the same spec always gets the same draws
)

# The fields that may hold a prior, by section; (section, field) -> the class that bounds it.
PRIOR_FIELDS: dict[str, tuple[type, tuple[str, ...]]] = {
    "utility": (
        Utility,
        (
            "predictability",
            "loss_if_cheated",
            "secrecy_cost",
            "freeze_cost",
            "freeze_gain",
            "lock_in",
            "surplus",
            "discount",
            "tension_sensitivity",
        ),
    ),
    "bargaining": (Bargaining, ("reservation", "concession", "hardening")),
    "compliance": (Compliance, ("cheat_gain", "cooperation_value", "trust_threshold")),
}


@dataclass
class RedLineDraws:
    """One red line: the offers it rules out, its audience cost in each draw (utility), and its date."""

    crossed: np.ndarray  # (offers,) bool
    cost: np.ndarray  # (draws,) utility; inf for a hard wall
    since: object  # datetime.date or None (from the start)
    reason: str
    wall: bool  # an infinite audience cost in every draw


def has_priors(spec: StateSpec) -> bool:
    """Whether any of the state's preferences is a distribution (a private value)."""
    for section, (_cls, names) in PRIOR_FIELDS.items():
        part = getattr(spec, section)
        if any(priors.is_prior(getattr(part, n)) for n in names):
            return True
    if any(priors.is_prior(rl.audience_cost) for rl in spec.red_lines):
        return True
    return spec.ratification is not None and priors.is_prior(spec.ratification.threshold)


def spec_seed(spec: StateSpec) -> int:
    """A seed fixed by the spec's text: the same spec gets the same pool in every run and process."""
    digest = hashlib.sha256(spec.model_dump_json().encode()).digest()
    return POOL_SEED ^ int.from_bytes(digest[:8], "little")


class Draws:
    """A pool of draws of one state's private values, with its utility of every offer under each.

    Attributes (M draws, O offers):
        size: M (1 for a state without priors).
        values: {"utility.secrecy_cost": (M,), ...} every prior-capable field.
        fixed: (M, O) the utility terms that depend on nothing that changes in a run (utility).
        fixed_terms: {term name: (M, O)} the same, term by term (for the dashboard's breakdown).
        annuity: (M, O) the discounted length of each offer's term (years).
        loss, sensitivity: (M,) the loss if cheated (utility per year) and how tension inflates it.
        reservation, concession, hardening: (M,) the concession curve's parameters.
        red_lines: the state's red lines, each with its audience cost per draw.
        not_party: (O,) the offers it is no party to; partial: whether there are any.
        threshold: (M,) sorted ratification thresholds of its domestic body (utility), or None.
    """

    def __init__(self, spec: StateSpec, index: int, space: OfferSpace):
        self.spec, self.index = spec, index
        self.size = POOL_SIZE if has_priors(spec) else 1
        rng = np.random.default_rng(spec_seed(spec))
        self.values = self._draw_values(spec, rng)
        v = self.values
        self.loss = v["utility.loss_if_cheated"]
        self.sensitivity = v["utility.tension_sensitivity"]
        self.reservation = v["bargaining.reservation"]
        self.concession = v["bargaining.concession"]
        self.hardening = v["bargaining.hardening"]
        self.fixed_terms = fixed_terms(space, spec, index, v)
        self.fixed = cast(np.ndarray, sum(self.fixed_terms.values()))  # (M, O), never the start 0
        self.annuity = discounted_years(space.years[None, :], v["utility.discount"][:, None])
        self.red_lines = [self._red_line(space, rl, rng) for rl in spec.red_lines]
        self.not_party = ~space.party[:, index]
        self.partial = bool(self.not_party.any())  # some offers leave this state out
        self._thresholds = np.sort(
            v["compliance.trust_threshold"]
        ).tolist()  # a security seeker's, sorted for its chance of building
        self._greedy: dict[float, float] = {}  # detection -> a greedy state's chance of cheating
        self._equal: dict[int, np.ndarray] = {}  # k -> equal weights of k particles
        # active red lines -> for each offer, the first of them it crosses (see first_crossed)
        self._first_crossed: dict[tuple[bool, ...], list[int | None]] = {}
        self._asked: dict[tuple, np.ndarray] = {}  # (first, last draw, progress) -> still_asked
        self._penalties: dict[
            tuple, np.ndarray
        ] = {}  # (first, last draw, active red lines) -> audience costs
        self._tables: dict[
            tuple, tuple[np.ndarray, np.ndarray]
        ] = {}  # (first, last draw) -> tables
        # the particles' answers worked out, shared by every run (see sim.beliefs.answers_now):
        # the answers by their key, least recently used first; how often each was found again
        # since it was kept (halved now and then); how many were worked out
        self.kept_answers: OrderedDict[tuple, object] = OrderedDict()
        self.answer_hits: dict[tuple, int] = {}
        self.answers_made = 0
        self.answers_lock = threading.Lock()  # games of class mode run in threads and share them
        self.threshold = None
        if spec.ratification is not None:
            self.threshold = np.sort(priors.draw(spec.ratification.threshold, rng, self.size))

    def _draw_values(self, spec: StateSpec, rng: np.random.Generator) -> dict[str, np.ndarray]:
        out = {}
        for section, (cls, names) in PRIOR_FIELDS.items():
            part = getattr(spec, section)
            for name in names:
                out[f"{section}.{name}"] = priors.draw(
                    getattr(part, name), rng, self.size, priors.bounds_of(cls, name)
                )
        return out

    def _red_line(self, space: OfferSpace, rl: RedLine, rng: np.random.Generator) -> RedLineDraws:
        crossed, reason = red_line_crossings(space, rl)
        cost = priors.draw(
            rl.audience_cost, rng, self.size, priors.bounds_of(RedLine, "audience_cost")
        )
        return RedLineDraws(crossed, cost, rl.since, reason, bool(np.isinf(cost).all()))

    # ---------------------------------------------------------------- what a draw makes of offers
    def penalty(self, rows: np.ndarray | slice, active: tuple[bool, ...]) -> np.ndarray:
        """(rows, offers) audience costs of crossing the active red lines (utility; inf behind a wall).

        For a slice of draws (the particles of a belief) the result is kept per set of active red lines.
        """
        key = (rows.start, rows.stop, active) if isinstance(rows, slice) else None
        if key is not None and key in self._penalties:
            return self._penalties[key]
        # the shape of the rows' tables, without copying the rows of an array of draws
        shape = (
            self.fixed[rows].shape if isinstance(rows, slice) else (len(rows), len(self.not_party))
        )
        out = np.zeros(shape, order="F" if key else "C")
        for rl, on in zip(self.red_lines, active):
            if on:
                out += np.where(rl.crossed[None, :], rl.cost[rows][:, None], 0.0)
        if key is not None:
            self._penalties[key] = out
        return out

    def tables(self, rows: np.ndarray | slice) -> tuple[np.ndarray, np.ndarray]:
        """(rows, offers) the annuity (years) and the fixed utility terms (utility) of the given draws.

        For a slice of draws (the particles of a belief) they are kept, laid out offer by offer
        in memory (Fortran order): a particle's best offer is then a fast reduction, and every
        elementwise result keeps that layout. The numbers are the same.
        """
        if not isinstance(rows, slice):
            return self.annuity[rows], self.fixed[rows]
        key = (rows.start, rows.stop)
        if key not in self._tables:
            self._tables[key] = (
                np.asfortranarray(self.annuity[rows]),
                np.asfortranarray(self.fixed[rows]),
            )
        return self._tables[key]

    def utilities(
        self, rows: np.ndarray | slice, tension: float, exposure_to_distrust: np.ndarray
    ) -> np.ndarray:
        """(rows, offers) utility of each offer relative to no deal for the given draws (utility; 0 where not a party)."""
        annuity, fixed = self.tables(rows)
        risk = cheating_risk(
            annuity,
            self.loss[rows],
            self.sensitivity[rows],
            tension,
            exposure_to_distrust,
        )
        out = np.add(risk, fixed, out=risk)  # fixed + risk, in the array cheating_risk made
        if self.partial:
            out[:, self.not_party] = 0.0
        return out

    def decision_values(
        self, rows: np.ndarray | slice, utilities: np.ndarray, active: tuple[bool, ...]
    ) -> np.ndarray:
        """(rows, offers) what each offer is worth to the state when it decides: V = rho U - audience costs (utility).

        rho is the chance its domestic body ratifies (1 without one), applied to agreements
        worth more than no deal (one worth less is no better for being likely to fail at
        home); an offer behind a hard wall is worth -inf; an offer it is not a party to is worth 0.
        """
        value = utilities  # 0 already where it is no party; ratification keeps a 0 at 0
        if self.threshold is not None:
            value = np.where(
                utilities > 0.0, utilities * self.ratification_chance(utilities), utilities
            )
        if any(active):
            value = value - self.penalty(rows, active)
            if self.partial:
                value[:, self.not_party] = 0.0
        return value

    def ratification_chance(self, utility: np.ndarray) -> np.ndarray:
        """Chance that the state's domestic body ratifies an agreement worth ``utility`` to the state (0-1).

        The body ratifies when the agreement is worth at least its threshold, which nobody
        knows before the vote: the share of the threshold's draws at or below the utility.
        """
        if self.threshold is None:
            return np.ones_like(utility)
        return np.searchsorted(self.threshold, utility, side="right") / len(self.threshold)

    def still_asked(self, rows: slice, progress: float) -> np.ndarray:
        """(rows,) the share of the gap above its reservation each draw still asks for at this progress
        (:func:`sim.bargaining.still_asked`), kept per progress: runs reach the same ones step by step."""
        key = (rows.start, rows.stop, progress)
        found = self._asked.get(key)
        if found is None:
            found = self._asked[key] = still_asked(progress, self.concession[rows])
        return found

    def first_crossed(self, active: tuple[bool, ...]) -> list[int | None]:
        """For each offer, the index of the first of the active red lines it crosses (None: none),
        kept per set of active red lines (a state's answer reads it for every offer it refuses)."""
        found = self._first_crossed.get(active)
        if found is None:
            lines = [rl.crossed.tolist() for rl, on in zip(self.red_lines, active) if on]
            index = [k for k, on in enumerate(active) if on]
            found = [
                next((k for k, crossed in zip(index, lines) if crossed[o]), None)
                for o in range(len(self.not_party))
            ]
            self._first_crossed[active] = found
        return found

    def equal_weights(self, k: int) -> np.ndarray:
        """(k,) 1/k each: the weights a belief over the first k draws starts from, made once and
        read-only (every run's beliefs start from them; an update replaces them)."""
        found = self._equal.get(k)
        if found is None:
            found = self._equal[k] = np.full(k, 1.0 / k)
            found.flags.writeable = False
        return found

    def greedy_cheat_chance(self, detection: float) -> float:
        """Chance, under the prior, that a greedy state of this kind cheats under a regime of this detection (0-1).

        A greedy state cheats when its gain exceeds what it expects to lose if caught
        (:func:`sim.strategies.greedy_would_cheat`); over the draws of its private values
        this is the share of draws in which it would (Kydd 2005: the likelihoods the model implies).
        """
        if detection not in self._greedy:
            gain = self.values["compliance.cheat_gain"]
            coop = self.values["compliance.cooperation_value"]
            discount = self.values["utility.discount"]
            self._greedy[detection] = float(
                np.mean(gain > detection * coop * discount / (1.0 - discount))
            )
        return self._greedy[detection]

    def security_cheat_chance(self, trust: float) -> float:
        """Chance, under the prior, that a security seeker of this kind builds at this trust in its rival (0-1).

        A security seeker complies when its trust is at least its threshold (:class:`sim.strategies.TypeBased`).
        """
        t = self._thresholds
        return 1.0 - bisect.bisect_right(t, trust) / len(t)


def fixed_terms(
    space: OfferSpace, spec: StateSpec, index: int, v: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The named utility terms that do not change during a run, per draw and offer: {name: (M, O)} (utility).

    See :mod:`sim.agenda` for the equation; the cheating-risk term depends on trust and
    tension and is added each step.
    """
    col = lambda name: v[name][:, None]  # noqa: E731 - (M, 1) to broadcast over offers
    annuity = discounted_years(space.years[None, :], col("utility.discount"))
    party_value = np.array([spec.utility.party_value.get(name, 0.0) for name in space.names])
    terms = {
        "predictability": annuity * col("utility.predictability"),
        "secrecy": -annuity * col("utility.secrecy_cost") * space.intrusiveness[None, :],
        "freeze_gain": annuity * col("utility.freeze_gain") * space.freeze_weight[None, :],
        "freeze_cost": -annuity * col("utility.freeze_cost") * space.freeze_weight[None, :],
        "lock_in": -col("utility.lock_in") * space.years[None, :],
        "parties": np.broadcast_to(space.party.astype(float) @ party_value, annuity.shape),
        "share": col("utility.surplus") * space.share_of[None, :, index],
    }
    not_party = ~space.party[:, index]
    return {name: np.where(not_party[None, :], 0.0, t) for name, t in terms.items()}


def greedy_cheat_table(draws: list[Draws], detection: np.ndarray) -> np.ndarray:
    """(offers, states): the chance a greedy state would cheat under each offer's verification (0-1), under the prior."""
    out = np.zeros((len(detection), len(draws)))
    levels = {float(d) for d in detection}
    for j, d in enumerate(draws):
        chance = {level: d.greedy_cheat_chance(level) for level in levels}
        out[:, j] = [chance[float(x)] for x in detection]
    return out


def _columns(vectors: list[np.ndarray]) -> np.ndarray:
    """(n, k) with the k vectors of length n as its columns: ``np.stack(vectors, axis=1)``
    without its checks and broadcasting, three times as fast for the few a run gathers."""
    out = np.empty((len(vectors[0]), len(vectors)), dtype=vectors[0].dtype)
    for i, v in enumerate(vectors):
        out[:, i] = v
    return out


class Realised:
    """The true private values of a run's states (one draw each), and what they make of every offer.

    The draws' tables are gathered once per run into (offers, states) arrays, so that
    each step's utilities cost what they cost with fixed preferences.

    Attributes:
        draws: each state's pool; rows: (states,) the draw each state's true values are.
        exposure: (offers, states) chance that each party, if greedy, cheats undetected (0-1).
    """

    def __init__(self, draws: list[Draws], rows: list[int], exposure: np.ndarray):
        self.draws, self.rows, self.exposure = draws, np.asarray(rows), exposure
        self.fixed = _columns([d.fixed[r] for d, r in zip(draws, rows)])
        self.annuity = _columns([d.annuity[r] for d, r in zip(draws, rows)])
        self.loss = np.array([d.loss[r] for d, r in zip(draws, rows)])
        self.sensitivity = np.array([d.sensitivity[r] for d, r in zip(draws, rows)])
        self._loss_sensitivity = list(zip(self.loss.tolist(), self.sensitivity.tolist()))
        self.not_party = _columns([d.not_party for d in draws])
        self.partial = bool(self.not_party.any())  # some offers leave some state out
        self.ratifying = [i for i, d in enumerate(draws) if d.threshold is not None]
        self._penalties: dict[tuple, np.ndarray | None] = {}

    def spread(self, trust: np.ndarray) -> np.ndarray:
        """(offers, states) each state's exposure to being cheated under each offer, weighted by its distrust of each rival (0-1)."""
        distrust = 1.0 - np.asarray(trust, dtype=float)
        distrust.flat[:: len(distrust) + 1] = 0.0  # no state fears itself
        return self.exposure @ distrust.T

    def utilities(
        self, trust: np.ndarray, tension: float, spread: np.ndarray | None = None
    ) -> np.ndarray:
        """(offers, states) utility of each offer to each state, relative to no deal (utility).

        ``spread`` is :meth:`spread` of the same trust, when the caller has it already.
        """
        if spread is None:
            spread = self.spread(trust)
        # loss x (1 + sensitivity x tension) per state, on Python floats (the same numbers, for
        # two to six states without three numpy calls)
        scale = np.array([loss * (1.0 + k * tension) for loss, k in self._loss_sensitivity])
        risk = spread * self.annuity * scale
        out = self.fixed - risk
        if self.partial:
            out[self.not_party] = 0.0
        return out

    def values(self, utilities: np.ndarray, active: list[tuple[bool, ...]]) -> np.ndarray:
        """(offers, states) what each offer is worth to each state when it decides (see :meth:`Draws.decision_values`)."""
        out = utilities
        if self.ratifying:
            out = utilities.copy()
            for i in self.ratifying:
                u = utilities[:, i]
                out[:, i] = np.where(u > 0.0, u * self.draws[i].ratification_chance(u), u)
        key = tuple(active)
        if key not in self._penalties:
            stacked = _columns(
                [
                    d.penalty(self.rows[i : i + 1], a)[0]
                    for i, (d, a) in enumerate(zip(self.draws, active))
                ]
            )
            self._penalties[key] = stacked if stacked.any() else None
        penalty = self._penalties[key]
        if penalty is not None:
            out = out - penalty
            if self.partial:
                out[self.not_party] = 0.0
        return out

    def terms(self, k: int, i: int, trust_row: np.ndarray, tension: float) -> dict[str, float]:
        """The named terms of offer k's utility to state i (they sum to its utility)."""
        d, row = self.draws[i], self.rows[i]
        if d.not_party[k]:
            return {name: 0.0 for name in TERM_NAMES}
        distrust = 1.0 - np.asarray(trust_row, dtype=float)
        distrust[i] = 0.0
        out = {name: float(t[row, k]) for name, t in d.fixed_terms.items()}
        out["cheating_risk"] = float(
            d.utilities(self.rows[i : i + 1], tension, self.exposure @ distrust)[0, k]
            - d.fixed[row, k]
        )
        return {name: out[name] for name in TERM_NAMES}
