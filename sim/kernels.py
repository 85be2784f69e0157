"""Compiled kernels of a bargaining round: how every particle of a belief answers every offer.

A proposer's belief about another state is ``BELIEF_PARTICLES`` draws of that
state's private values (:mod:`sim.beliefs`). Each round it needs, for every
particle and offer, whether a state with those values would accept the offer
now. With numpy that took some fifteen passes over (particles x offers) arrays
of a few thousand numbers each, where the cost of each call, not the
arithmetic, was most of the time; here it is one pass, compiled with numba
(``cache=True``: compiled once per machine, then loaded from ``__pycache__``).

The arithmetic is the same as the equations in :mod:`sim.agenda`,
:mod:`sim.private_values` and :mod:`sim.bargaining`, term by term and in the
same order, so the results are the same bit for bit (no fast-math, which
would let the compiler reorder or fuse them).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Two utilities closer than this count as equal (rounding in sums of terms).
TOLERANCE = 1e-12
# What best_gamble returns when no offer reaches the target, and when no offer is expected to be accepted.
NO_OFFER = -1
NEEDS_SHORTFALL = -2

# A refusal behind a hard wall counts as this far short (utility) when offers are ranked by expected shortfall.
BIG_SHORTFALL = 1e9


@njit(cache=True)
def particle_answers(
    annuity,
    fixed,
    loss,
    sensitivity,
    tension,
    exposure_to_distrust,
    not_party,
    penalty,
    thresholds,
    reservation,
    hardening,
    concession,
    progress,
    own,
):
    """Each particle's value of each offer, its target now, and whether it accepts.

    Args (K particles, O offers):
        annuity, fixed: (K, O) the discounted term (years) and the fixed utility terms (utility).
        loss, sensitivity: (K,) the loss if cheated (utility per year) and how tension inflates it.
        tension: the model's tension now (0-1).
        exposure_to_distrust: (O,) the chance of being cheated undetected, weighted by distrust (0-1).
        not_party: (O,) bool, the offers the state is no party to (their value is 0).
        penalty: (K, O) the audience costs of its active red lines (utility; inf behind a wall),
            or (0, 0) when none is active.
        thresholds: sorted ratification thresholds of its domestic body (utility), or (0,) for none.
        reservation, hardening, concession: (K,) the concession curve's parameters.
        progress: how far bargainers have conceded (0-1; :func:`sim.bargaining.concession_progress`).
        own: (O,) bool, the offers whose answer is asked of it.

    Returns:
        value: (K, O) what each offer is worth to each particle (utility), offer by offer in memory.
        goal: (K,) each particle's target (utility).
        accept: (K, O) 1.0 where it accepts (always where it is no party), else 0.0, particle by particle.
    """
    k_count, o_count = annuity.shape
    value = np.empty((o_count, k_count)).T  # laid out offer by offer, like the tables
    # 1.0 or 0.0, particle by particle: a belief's weights times it add up as numpy's product of
    # the weights with a table of booleans does (which copies them so first), in a quarter of the time
    accept = np.empty((k_count, o_count))
    goal = np.empty(k_count)
    n_thresholds = thresholds.shape[0]
    penalised = penalty.shape[0] > 0
    best = np.full(k_count, -np.inf)
    for o in range(o_count):
        for k in range(k_count):
            u = 0.0
            if not not_party[o]:
                scale = loss[k] * (1.0 + sensitivity[k] * tension)
                u = fixed[k, o] + -annuity[k, o] * scale * exposure_to_distrust[o]
                if n_thresholds > 0 and u > 0.0:
                    u = u * (np.searchsorted(thresholds, u, side="right") / n_thresholds)
                if penalised:
                    u = u - penalty[k, o]
            value[k, o] = u
            if own[o] and u > best[k]:
                best[k] = u
    for k in range(k_count):
        floor = reservation[k] + hardening[k] * tension
        gap = max(best[k], floor) - floor
        goal[k] = floor + (1.0 - progress ** (1.0 / concession[k])) * gap
    for o in range(o_count):
        for k in range(k_count):
            accept[k, o] = 1.0 if (not own[o]) or value[k, o] >= goal[k] - TOLERANCE else 0.0
    return value, goal, accept


@njit(cache=True)
def particle_shortfalls(value, goal, own):
    """(K, O) how far below its target each offer falls for each particle (utility, >= 0; 0 where it is no party,
    ``BIG_SHORTFALL`` behind a wall), laid out particle by particle (row order)."""
    k_count, o_count = value.shape
    out = np.empty((k_count, o_count))
    for k in range(k_count):
        for o in range(o_count):
            if not own[o]:
                out[k, o] = 0.0
                continue
            short = max(goal[k] - value[k, o], 0.0)
            out[k, o] = short if np.isfinite(short) else BIG_SHORTFALL
    return out


@njit(cache=True)
def best_gamble(value, goal, party, accept):
    """The offer a proposer makes when it expects some offer to be accepted (see :func:`sim.bargaining.choose_offer`).

    Args (O offers):
        value: (O,) the proposer's value of each offer (utility; -inf behind its walls).
        goal: its target (utility).
        party: (O,) bool, the offers it is a party to.
        accept: (O,) its belief that every other party accepts (0-1).

    Returns the offer's index, ``NO_OFFER`` when none it may make reaches its target, or
    ``NEEDS_SHORTFALL`` when it expects none of those to be accepted.
    """
    o_count = value.shape[0]
    floor = goal - TOLERANCE
    cand = np.empty(o_count, dtype=np.bool_)
    any_cand = False
    p_max = -np.inf
    for o in range(o_count):
        cand[o] = party[o] and np.isfinite(value[o]) and value[o] >= floor
        if cand[o]:
            any_cand = True
            p_max = max(p_max, accept[o])
    if not any_cand:
        return NO_OFFER
    if p_max <= 0.0:
        return NEEDS_SHORTFALL
    score_max = -np.inf
    for o in range(o_count):
        if cand[o]:
            score_max = max(score_max, accept[o] * (value[o] - goal))
    best_p = -np.inf
    for o in range(o_count):
        if cand[o] and accept[o] * (value[o] - goal) >= score_max - TOLERANCE:
            best_p = max(best_p, accept[o])
    chosen, chosen_value = NO_OFFER, -np.inf
    for o in range(o_count):
        if (
            cand[o]
            and accept[o] * (value[o] - goal) >= score_max - TOLERANCE
            and accept[o] >= best_p - TOLERANCE
            and (chosen == NO_OFFER or value[o] > chosen_value)
        ):
            chosen, chosen_value = o, value[o]
    return chosen


@njit(cache=True)
def closest_offer(value, goal, party, shortfall):
    """The offer with the smallest expected shortfall of the others below their targets, among those
    the proposer may make that reach its target (the first in agenda order among ties)."""
    floor = goal - TOLERANCE
    least = np.inf
    for o in range(value.shape[0]):
        if party[o] and np.isfinite(value[o]) and value[o] >= floor:
            least = min(least, shortfall[o])
    for o in range(value.shape[0]):
        if (
            party[o]
            and np.isfinite(value[o])
            and value[o] >= floor
            and shortfall[o] <= least + TOLERANCE
        ):
            return o
    return NO_OFFER


@njit(cache=True)
def true_utilities(spread, annuity, fixed, loss, sensitivity, tension, not_party):
    """(O, S) each state's utility of each offer under its true values (utility; 0 where it is no party).

    U = fixed terms - spread x A(y) x L (1 + k T): ``spread`` (O, S) the exposure to being cheated
    weighted by distrust (0-1), ``annuity`` (O, S) years, ``fixed`` (O, S) utility, ``loss`` and
    ``sensitivity`` (S,), ``not_party`` (O, S) bool.
    """
    o_count, s_count = fixed.shape
    out = np.empty((o_count, s_count))
    for i in range(s_count):
        scale = loss[i] * (1.0 + sensitivity[i] * tension)
        for o in range(o_count):
            if not_party[o, i]:
                out[o, i] = 0.0
            else:
                out[o, i] = fixed[o, i] - spread[o, i] * annuity[o, i] * scale
    return out
