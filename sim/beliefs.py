"""Beliefs about the others' private values, updated by Bayes' rule on what they refuse.

A proposer does not know what the others will accept: their preferences are
private values drawn from a common prior (:mod:`sim.private_values`). It holds a
belief about each other state: weights over ``BELIEF_PARTICLES`` draws of that
state's prior (particles), equal at the start. For an offer it asks, particle by
particle, whether a state with those values would accept it now (its value of the
offer at least its current target; the target follows the same concession curve
as the true state's, from public facts: the time, the tension, the state's own
trust, which is computed from public evidence). The chance the others accept is
the weight of the particles that would, multiplied over the parties.

After a refusal the particles that would have accepted lose weight: their
likelihood of refusing is ``TREMBLE``, the chance that a state that would accept
refuses anyway, so that a belief proved wrong can recover (Bayes' rule with a
trembling hand, Selten 1975). After a leadership change the belief about that
state starts again from its new prior.

With a prior of one draw (a known value) the belief is certain, and bargaining
is the complete-information game of model 1 (Fearon 1995: a deal whenever the
acceptable sets overlap).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from sim.bargaining import accepts, best_hope, targets
from sim.private_values import BELIEF_PARTICLES, Draws

# Particle answers a pool keeps for later runs (each some 100 kB over 20 offers). 64 made 32
# compiled scenarios (a sweep, a class moving sliders) hold about 300 MB more than 16; keeping the
# most used rather than the last 16 finds as many again as keeping the last 64 did.
ANSWERS_KEPT = 16
# Every this many answers worked out, a pool halves the count of times each kept one was found,
# so that answers used often long ago give way to those used often now.
HITS_HALVED_EVERY = 64
TREMBLE = (
    0.05  # chance that a state that would accept an offer refuses it anyway (a trembling hand)
)


class Belief:
    """One state's belief about another state's private values: weights over particles.

    Attributes:
        draws: the other state's pool of draws (its prior).
        rows: the draws used as particles (the first K of the pool, as a slice).
        weights: (K,) their probabilities (sum 1).
    """

    def __init__(self, draws: Draws):
        self.reset(draws)

    def reset(self, draws: Draws) -> None:
        """Start again from the prior (a new leadership, a new pool)."""
        self.draws = draws
        k = min(BELIEF_PARTICLES, draws.size)
        self.rows = slice(
            0, k
        )  # the first k draws (a slice: their tables are read without copying)
        self.weights = draws.equal_weights(k)  # shared and read-only: an update makes new weights

    @property
    def certain(self) -> bool:
        """Whether the belief is a single value (a known state)."""
        return len(self.weights) == 1

    def update_on_refusal(
        self, would_accept: np.ndarray, likelihood: np.ndarray | None = None
    ) -> None:
        """Bayes' rule after the state refused an offer that the particles in ``would_accept`` (K,) would have accepted.

        ``likelihood`` is ``refusal_likelihood(would_accept)``, when the caller has it.
        """
        if self.certain:
            return
        w = self.weights * (refusal_likelihood(would_accept) if likelihood is None else likelihood)
        self.weights = w / w.sum()


def refusal_likelihood(would_accept: np.ndarray) -> np.ndarray:
    """(K,) the chance that a state with each particle's values refuses an offer: ``TREMBLE`` where
    it would accept it (``would_accept`` true or 1.0), else 1."""
    return np.where(would_accept, TREMBLE, 1.0)


class Answers:
    """How every particle of one state would answer each offer now: computed once a round, shared by all proposers.

    Attributes:
        accept: (K, offers) 1.0 where a state with that particle's values accepts, else 0.0 (row order).
        shortfall: (K, offers) how far below its target the offer falls (utility, >= 0; inf behind
            a wall), worked out when first read (a proposer needs it only when it expects no offer
            to be accepted).
    """

    def __init__(
        self,
        draws: Draws | None,
        rows: slice | None = None,
        tension: float = 0.0,
        exposure_to_distrust: np.ndarray | None = None,
        active: tuple[bool, ...] = (),
        progress: float = 0.0,
        own: np.ndarray | None = None,
    ):
        if draws is None:
            return  # filled by Answers.known
        assert rows is not None and exposure_to_distrust is not None and own is not None
        u = draws.utilities(rows, tension, exposure_to_distrust)
        value = draws.decision_values(rows, u, active)
        floor = draws.reservation[rows] + draws.hardening[rows] * tension
        asked = draws.still_asked(rows, progress)
        goal = targets(best_hope(value, own), floor, progress, draws.concession[rows], asked)
        self._fill(value, goal, own)

    @classmethod
    def known(cls, value: np.ndarray, goal: float, own: np.ndarray) -> Answers:
        """The answers of a state whose values are known: one particle, its true values and target."""
        out = cls(None)
        out._fill(value[None, :], np.array([goal]), own)
        return out

    def _fill(self, value: np.ndarray, goal: np.ndarray, own: np.ndarray) -> None:
        self._value, self._goal, self._own = value, goal, own
        # 1.0 or 0.0, particle by particle, in row order: numpy's product of a belief's weights with
        # a table of booleans copies them so first, and adds up the same; given the copy, it is 4
        # times faster. Written straight into that table, in one pass over the particles' values.
        self.accept = accepts(value, goal, out=np.empty(value.shape))
        if not own.all():
            self.accept[:, ~own] = 1.0  # an offer it is no party to needs no answer from it
        self._shortfall: np.ndarray | None = None
        self._refusals: dict[int, np.ndarray] = {}

    def refusal_likelihood(self, offer: int) -> np.ndarray:
        """(K,) each particle's chance of refusing the offer (:func:`refusal_likelihood`), kept per
        offer: the answers are shared by the runs, and they see the same offers refused."""
        found = self._refusals.get(offer)
        if found is None:
            found = self._refusals[offer] = refusal_likelihood(self.accept[:, offer])
        return found

    @property
    def shortfall(self) -> np.ndarray:
        if self._shortfall is None:
            short = np.maximum(self._goal[:, None] - self._value, 0.0)
            if not self._own.all():
                short[:, ~self._own] = 0.0  # nothing is asked of it where it is no party
            # C order, so that the weighted sum adds in the same order whatever the layout above
            self._shortfall = np.ascontiguousarray(
                np.where(np.isfinite(short), short, BIG_SHORTFALL)
            )
        return self._shortfall


def answers_now(
    draws: Draws,
    rows: slice,
    tension: float,
    exposure_to_distrust: np.ndarray,
    active: tuple[bool, ...],
    progress: float,
    own: np.ndarray,
) -> Answers:
    """How the particles ``rows`` of a pool answer every offer now (see :class:`Answers`), shared by every run.

    The answers depend on nothing but these arguments, and runs of a scenario go through
    the same ones again and again (every run starts at the same tension and trust, and
    most steps change neither), so the pool keeps ``ANSWERS_KEPT`` of those it worked out,
    keyed by their exact values; a run only reads them (an Answers is never changed; it keeps
    what it works out from its own answers, such as each particle's chance of refusing). When
    it is full, a new one takes the place of the one found again least often (of those, the
    least recently used): the answers of the first steps, which every run asks for, stay,
    while those of a single run's late steps replace each other.
    """
    key = (
        rows.start,
        rows.stop,
        float(tension).hex(),
        exposure_to_distrust.tobytes(),
        active,
        float(progress).hex(),
        own.tobytes(),
    )
    kept, hits = draws.kept_answers, draws.answer_hits
    with draws.answers_lock:  # runs in threads (class mode's games) share the pool
        found = kept.get(key)
        if found is not None:
            hits[key] += 1
            kept.move_to_end(key)
            return cast(Answers, found)
    made = Answers(draws, rows, tension, exposure_to_distrust, active, progress, own)
    with draws.answers_lock:
        if key in kept:  # another thread worked out the same answers meanwhile
            return cast(Answers, kept[key])
        draws.answers_made += 1
        if draws.answers_made % HITS_HALVED_EVERY == 0:
            for k in hits:
                hits[k] //= 2
        if len(kept) >= ANSWERS_KEPT:
            least = min(
                kept, key=hits.__getitem__
            )  # the first of the least found: least recently used
            del kept[least], hits[least]
        kept[key], hits[key] = made, 0
    return made


def chance_all_accept(beliefs: list[Belief], answers: list[Answers]) -> np.ndarray:
    """(offers,) the believed chance that every other party accepts each offer.

    ``beliefs[k]`` is the proposer's belief about the state whose answers are ``answers[k]``;
    a state that is not a party to an offer accepts it trivially (its answers say so).
    """
    chance: np.ndarray | None = None
    for b, a in zip(beliefs, answers):
        p = b.weights @ a.accept
        chance = p if chance is None else chance * p
    assert chance is not None, "no other party to answer"
    return chance


def expected_shortfall(beliefs: list[Belief], answers: list[Answers]) -> np.ndarray:
    """(offers,) the believed total shortfall of the other parties below their targets (utility; ``BIG_SHORTFALL`` for each wall)."""
    short: np.ndarray | None = None
    for b, a in zip(beliefs, answers):
        s = b.weights @ a.shortfall
        short = s if short is None else short + s
    assert short is not None, "no other party to answer"
    return short


# A refusal behind a hard wall counts as this far short (utility) when offers are ranked by expected shortfall.
BIG_SHORTFALL = 1e9
