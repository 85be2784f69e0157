"""The talks of a run: when they are open, who proposes what, who accepts, and the deadline.

Each round one state proposes and the parties to its offer answer; the proposer
rotates (stacked alternating offers with more than two states). The pace is
``talks.offers_per_year`` offers a year whatever the step length, or
``rounds_per_step`` a step. A proposer does not know what the others will accept
(their preferences are private values): it makes the offer that maximises its
expected gain under its belief about them, and every refusal, being public,
moves every other state's belief about the refuser (:mod:`sim.beliefs`). A party
accepts when the offer is worth at least its current target
(:mod:`sim.bargaining`), counting the audience cost of any public red line the
offer crosses and the chance its domestic body ratifies. Scripted offers from the
timeline replace the proposer's choice at their date.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.bargaining import (
    TOLERANCE,
    backward_induction,
    best_hope,
    choose_offer,
    concession_progress,
    round_discounts,
    target,
)
from sim.beliefs import Answers, Belief, answers_now, chance_all_accept, expected_shortfall
from sim.events import fire_probability
from sim.wording import apart

if TYPE_CHECKING:
    from sim.model import ArmsControlModel

# Offers owed by the pace of bargaining count as due when within this of a whole offer (rounding of sums of step lengths).
CLOCK_TOLERANCE = 1e-9
UTILITY_FORMATS = (
    ".2f",
    ".3f",
    ".4f",
    ".6f",
)  # the log's utilities: 2 decimals, more to tell two apart


class Talks:
    """The negotiation of one run.

    Attributes:
        open: whether talks go on (they close at an agreement or the deadline).
        opens, deadline: stamps (deadline None: none).
        proposer: index of the state that proposes next.
        targets: (states,) each state's target now (utility; nan before talks).
        beliefs: beliefs[i][j], state i's belief about state j's private values.
        pending: scripted offers due this step: (proposer, offer, text, stamp).
        deciders: state index -> a player's decisions (see :meth:`ArmsControlModel.decide_for`).
    """

    def __init__(self, model: ArmsControlModel):
        self.model = model
        spec, cal, n = model.scenario.talks, model.calendar, len(model.states)
        self.spec = spec
        self.open = spec.enabled and len(model.space) > 0
        self.opens = int(cal.stamps[0]) if spec.opens is None else cal.stamp(spec.opens)
        self.deadline = None
        if spec.deadline is not None or spec.deadline_step is not None:
            self.deadline = cal.stamp(spec.deadline, spec.deadline_step)
        elif model.treaty.expires is not None:
            self.deadline = model.treaty.expires
        self._opens_years = cal.years_at(self.opens)
        self._horizon_years = (
            cal.years_at(self.deadline) - self._opens_years
            if self.deadline is not None
            else math.inf
        )
        self.proposer = model.state_by_name[spec.first_proposer or model.states[0].name].index
        self.targets = np.full(n, np.nan)
        self.beliefs = {
            i: {j: Belief(model.states[j].draws) for j in range(n) if j != i} for i in range(n)
        }
        self.pending: list[tuple[int, int, str, int]] = []
        self.deciders: dict[int, Callable] = {}
        self._clock = 0.0
        self._answers: dict[int, Answers] = {}
        self._spread: np.ndarray | None = None  # (S, S) set by refresh()
        # (offers, states) set by refresh(): the offers each state could make (a party, a finite value)
        self._may_offer = np.zeros((len(model.space), n), dtype=bool)
        self._progress = 0.0  # concession_progress at the last refresh
        self.last_chance = math.nan
        self._inducting = self._by_induction()
        self._others = [[j for j in range(n) if j != p] for p in range(n)]  # each proposer's others

    # ------------------------------------------------------------------ a step of bargaining
    def bargain(self) -> None:
        """This step's offers and answers (scripted ones first)."""
        m = self.model
        in_talks = self.open and m.now >= self.opens
        if not in_talks and not self.pending:
            return
        scripted, self.pending = self.pending, []
        self.refresh()
        rounds = self._rounds() if in_talks else 0
        offer: int | None
        stamp: int | None
        for k in range(max(rounds, len(scripted))):
            if scripted:
                p, offer, text, stamp = scripted.pop(0)
                if m.treaty.agreement is not None:
                    self._moot(p, offer, text, stamp)
                    continue
                why = (
                    text.rstrip(".") + " " if text else ""
                ) + "(a scripted offer, as the record has it)"
            elif in_talks and k < rounds:
                p, stamp = self.proposer, None
                offer, why = self.choose(p), None
                if p in self.deciders:
                    offer, why = self.deciders[p]("propose", offer, offer), "the player's choice"
            else:
                break
            if self.propose(p, offer, why, stamp):
                return
            self.proposer = (p + 1) % len(m.states)

    def _rounds(self) -> int:
        """Offers due this step: the pace per year times the step's length, carried over in whole offers."""
        if self.spec.offers_per_year is None:
            return self.spec.rounds_per_step
        self._clock += self.spec.offers_per_year * self.model.dt
        due = int(self._clock + CLOCK_TOLERANCE)
        self._clock -= due
        return due

    def refresh(self) -> None:
        """Each state's utilities, values and target now (what the model and the dashboard read)."""
        m = self.model
        trust = m.trust_matrix()
        self._spread = m.utility.spread(trust)
        m.utilities = m.utility.utilities(trust, m.tension, self._spread)
        self.active = [s.active_red_lines() for s in m.states]
        m.values = m.utility.values(m.utilities, self.active)
        self._progress = self.progress()
        self._may_offer = m.space.party & np.isfinite(m.values)
        self.targets = m.targets = self.current_targets(m.values, self._progress, self._may_offer)
        self._answers.clear()

    def progress(self) -> float:
        """How far the bargainers have moved toward their reservation values (0-1; see :func:`concession_progress`)."""
        elapsed = self.model.calendar.years_at(self.model.now) - self._opens_years
        return concession_progress(
            elapsed, self._horizon_years, self.spec.deadline_kind, self.spec.hazard_per_year
        )

    def current_targets(
        self, values: np.ndarray, progress: float | None = None, own: np.ndarray | None = None
    ) -> np.ndarray:
        """Each state's target utility now (see :mod:`sim.bargaining`).

        ``progress`` is :meth:`progress`, and ``own`` the offers each state is a party to and
        values finitely (offers, states), when the caller has them.
        """
        m = self.model
        if own is None:
            own = m.space.party & np.isfinite(values)
        u_max = best_hope(values, own, axis=0).tolist()
        progress = self.progress() if progress is None else progress
        floors = [s.reservation + s.hardening * m.tension for s in m.states]
        out = np.array(
            [target(u, f, progress, s.concession) for u, f, s in zip(u_max, floors, m.states)]
        )
        tactic = self._inducting
        if tactic:
            out[tactic] = self._induction_targets(values, np.array(floors))[tactic]
        return out

    def _induction_targets(self, values: np.ndarray, floors: np.ndarray) -> np.ndarray:
        """Targets of the backward-induction tactic (see :func:`sim.bargaining.backward_induction`), refreshed each step."""
        m, spec, k = self.model, self.spec, self.model.step_index
        rounds = (
            spec.rounds_per_step
            if spec.offers_per_year is None
            else spec.offers_per_year * max(m.dt, 1e-300)
        )
        hazard = spec.hazard_per_year if spec.deadline_kind == "uncertain" else 0.0
        left = None
        if self.deadline is not None and spec.deadline_kind == "hard":
            steps_left = int(np.count_nonzero(m.calendar.stamps[k:] <= self.deadline))
            left = max(int(round(steps_left * rounds)), 1)
        discounts = round_discounts(
            np.array([s.draws.values["utility.discount"][s.row] for s in m.states]),
            m.dt / max(rounds, 1e-300),
            hazard,
        )
        allowed = np.isfinite(values)
        return backward_induction(
            self.proposer,
            np.where(allowed, values, 0.0),
            allowed,
            m.space.party,
            floors,
            discounts,
            left,
        ).targets

    # ------------------------------------------------------------------ offers and answers
    def answers_of(self, j: int) -> Answers:
        """How each draw of state j's prior would answer every offer now (cached for the step)."""
        if j not in self._answers:
            m = self.model
            s = m.states[j]
            if s.draws.size == 1:  # its values are known: its answers are its true ones
                self._answers[j] = Answers.known(
                    m.values[:, j], self.targets[j], m.space.party[:, j]
                )
            else:
                rows = self.beliefs[(j + 1) % len(m.states)][
                    j
                ].rows  # every belief about j uses the same draws
                assert self._spread is not None  # refresh() ran this step
                self._answers[j] = answers_now(
                    s.draws,
                    rows,
                    m.tension,
                    self._spread[:, j],
                    self.active[j],
                    self._progress,
                    m.space.party[:, j],
                )
        return self._answers[j]

    def choose(self, p: int) -> int | None:
        """The offer state p's rules make: the best gamble on what the others accept (:func:`sim.bargaining.choose_offer`)."""
        m = self.model
        others = self._others[p]
        beliefs, answers = (
            [self.beliefs[p][j] for j in others],
            [self.answers_of(j) for j in others],
        )
        chance = chance_all_accept(beliefs, answers)
        ok = self._may_offer[:, p]  # a party to the offer, and not behind its own wall
        offer = choose_offer(
            m.values[:, p],
            self.targets[p],
            ok,
            chance,
            lambda: expected_shortfall(beliefs, answers),
        )
        self.last_chance = math.nan if offer is None else float(chance[offer])
        return offer

    def propose(self, p: int, offer: int | None, why: str | None, stamp: int | None = None) -> bool:
        """One offer and its answers; True when it is agreed."""
        m = self.model
        proposer = m.states[p]
        goal = self.targets[p]
        if offer is None:
            m.note(
                proposer.name,
                "no_offer",
                f"makes no offer: nothing within its red lines reaches its target of {goal:.2f}.",
            )
            return False
        in_force, worth, chance = (
            m.treaty.in_force,
            m.values[offer, p],
            self.last_chance if why is None else math.nan,
        )
        m.note(
            proposer.name,
            "offer",
            lambda: self._offer_sentence(offer, in_force, why, worth, goal, chance),
            stamp=stamp,
        )
        others = [j for j in m.compiled.parties_of[offer] if j != p]
        answers = [self.answer(j, offer, stamp) for j in others]
        proposer.last_offer = offer
        if all(answers):
            m.treaty.agree(offer, m.space.describe(offer, in_force), stamp)
            return True
        for j, yes in zip(others, answers):
            if not yes:
                self._learn_from_refusal(j, offer)
        return False

    def _learn_from_refusal(self, j: int, offer: int) -> None:
        """A refusal is public: every other state's belief about j moves by Bayes' rule."""
        answers = self.answers_of(j)
        would, likelihood = answers.accept[:, offer], answers.refusal_likelihood(offer)
        for i, beliefs in self.beliefs.items():
            if i != j:
                beliefs[j].update_on_refusal(would, likelihood)

    def _offer_sentence(
        self,
        offer: int,
        treaty_in_force: bool,
        why: str | None,
        worth: float,
        goal: float,
        chance: float,
    ) -> str:
        """The log's sentence for an offer: what it is, and why."""
        if why is None:
            worth_text, goal_text = _pair(worth, goal)
            why = f"worth {worth_text} to it (its target now {goal_text})"
            if not math.isnan(chance):
                why += f"; it judges the chance the others accept at {chance:.0%}"
        return f"offers {self.model.space.describe(offer, treaty_in_force)}: {why}."

    def answer(self, j: int, offer: int, stamp: int | None) -> bool:
        """State j's answer: yes when the offer is worth at least its target, counting red lines and ratification."""
        m = self.model
        s = m.states[j]
        value, goal = float(m.values[offer, j]), float(self.targets[j])
        yes = value >= goal - TOLERANCE
        crossed = s.crossed_red_line(offer, self.active[j])
        if j in self.deciders:
            yes = bool(self.deciders[j]("answer", offer, yes))
            verb = "accepts" if yes else "rejects"
            worth, g = _pair(value, goal)
            m.note(
                s.name,
                "accept" if yes else "reject",
                f"{verb} (the player's choice): worth {worth} to it; its target {g}.",
                stamp=stamp,
            )
            return yes
        if yes:
            extra = (
                f", although it crosses its red line ({crossed[0]}) at an audience cost of {crossed[1]:.2f}"
                if crossed
                else ""
            )
            m.note(
                s.name,
                "accept",
                _worth_sentence(
                    "accepts: worth {} to it, at least its target of {}" + extra + ".", value, goal
                ),
                stamp=stamp,
            )
        elif crossed and math.isinf(crossed[1]):
            m.note(
                s.name, "reject", f"rejects: it crosses its red line: {crossed[0]}.", stamp=stamp
            )
        else:
            because = (
                f" after the audience cost of crossing its red line ({crossed[0]}: {crossed[1]:.2f})"
                if crossed
                else ""
            )
            worse = " — worse than no deal" if value < 0 else ""
            m.note(
                s.name,
                "reject",
                _worth_sentence(
                    "rejects: worth {} to it" + because + ", below its target of {}" + worse + ".",
                    value,
                    goal,
                ),
                stamp=stamp,
            )
        return yes

    def _moot(self, p: int, offer: int, text: str, stamp: int) -> None:
        """A scripted offer after this run's agreement is logged but not put to the others again."""
        m = self.model
        desc = m.space.describe(offer, m.treaty.in_force)
        assert m.treaty.agreement is not None  # called only once this run has agreed
        m.note(
            m.states[p].name,
            "statement",
            f"{text or 'offers ' + desc}: moot, as {m.treaty.name} was already agreed on {m.treaty.agreement['date']}.",
            stamp=stamp,
        )

    def forget(self, j: int) -> None:
        """State j has new preferences (a leadership change): every belief about it starts again from its new prior."""
        for i, beliefs in self.beliefs.items():
            if i != j:
                beliefs[j].reset(self.model.states[j].draws)
        self._inducting = self._by_induction()  # its tactic may have changed too

    def _by_induction(self) -> list[int]:
        """The states whose tactic is backward induction (their specs say so)."""
        return [
            s.index for s in self.model.states if s.spec.bargaining.tactic == "backward_induction"
        ]

    # ------------------------------------------------------------------ the deadline
    def deadline_due(self, due: Callable[[int], bool], passed_only: bool) -> None:
        """Talks close at a hard deadline, or break off at an uncertain one."""
        m = self.model
        hard = self.spec.deadline_kind == "hard"
        if self.open and hard and self.deadline is not None and due(self.deadline):
            self.open = False
            m.note(
                "",
                "talks",
                "The deadline has come: talks close without agreement.",
                stamp=self.deadline,
            )
        elif self.open and not hard and not passed_only:
            if m.rng.random() < fire_probability(self.spec.hazard_per_year, m.dt):
                self.open = False
                m.note("", "talks", "Talks break off: the uncertain deadline has come.")


def _worth_sentence(template: str, worth: float, goal: float) -> Callable[[], str]:
    """A sentence about a worth and a target (utilities), written when the log is read: the template's two {}."""
    return lambda: template.format(*_pair(worth, goal))


def _pair(a: float, b: float) -> tuple[str, str]:
    """Two utilities to 2 decimals, or more when 2 would show different values as equal (never "-0.00")."""
    x, y = apart(a, b, UTILITY_FORMATS)
    return _no_negative_zero(x), _no_negative_zero(y)


def _no_negative_zero(text: str) -> str:
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text
