"""The arms-control negotiation model (Mesa).

States (Mesa agents, :mod:`sim.state`) live on a calendar. Each holds private
values drawn from the priors of its spec (:mod:`sim.private_values`); the others
know only the priors. Each step, in this order:

1. **Events** fire: scripted ones from the timeline (each with its chance; a
   branch draws one of several futures), then random ones at yearly rates
   (:mod:`sim.events`). Dates that fell due earlier in the step (an expiry, a
   withdrawal, a ratification vote, the deadline) are settled, so that a treaty
   that expired during the step cannot be extended in it (:mod:`sim.treaty`).
2. **Bargaining**: while talks are open, offers are made under uncertainty and
   answered (:mod:`sim.talks`); an accepted offer changes the treaty.
3. **Treaty dates** that fall due today.
4. **Compliance and arming**: each state chooses to comply or cheat
   (:mod:`sim.strategies`), its forces move (:mod:`sim.forces`), and the others
   observe it through the verification regime, whose detection and false-alarm
   chances are per year; an ongoing breach is one episode, detected once. Trust
   moves by Bayes' rule with the likelihoods the model's own policies imply
   (:mod:`sim.trust`).
5. **Tension** updates on what happened in the step (:mod:`sim.tension`).

Every decision adds a dated line to ``model.log`` with its reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from mesa import Agent, Model

from sim import trust as bayes
from sim.calendar import chance_within
from sim.compiled import CompiledScenario, compile_scenario
from sim.events import draw_random, fire
from sim.forces import limit_state
from sim.loading import resolve_scenario
from sim.log import DecisionLog
from sim.outcomes import classify
from sim.private_values import Realised
from sim.recorder import Recorder
from sim.scenario import Scenario
from sim.state import State
from sim.strategies import C, D, TypeBased
from sim.talks import Talks
from sim.tension import TensionInputs, in_crisis
from sim.tension import update as update_tension
from sim.treaty import Treaty
from sim.treaty import capital as _capital

PERFECT = (
    1.0,
    0.0,
)  # detection, false alarm (per year) when a scenario defines no verification level
ANNOUNCED_TRUST_MOVE = 0.05  # trust moves at least this large are written to the log


class ArmsControlModel(Model):
    """A negotiation over a treaty between two or more states.

    Args:
        scenario: a :class:`~sim.scenario.Scenario`, a compiled one (:func:`sim.compiled.compile_scenario`),
            a bundled scenario's name or a file path.
        rng: seed or numpy Generator; every random draw comes from ``self.rng``.
        seed: accepted for Mesa's older interface; same as ``rng``.
        overrides: {dotted.path: value} applied to the scenario before validation.
        **dotted: more overrides, e.g. ``**{"tension.initial": 0.5}`` (what ``mesa.batch_run`` passes).

    Attributes:
        scenario, compiled, calendar, space (the offers), states (State agents), treaty
        (:class:`~sim.treaty.Treaty`), talks (:class:`~sim.talks.Talks`), utility (the states'
        true utilities), utilities and values ((offers, states) now), targets, tension (0-1),
        branches_taken (branch id -> the future drawn), log, recorder, outcome (set when the
        run ends), running.
    """

    def __init__(
        self,
        scenario: Scenario | CompiledScenario | str = "classroom_basic",
        *,
        rng: Any = None,
        seed: Any = None,
        overrides: dict | None = None,
        **dotted: Any,
    ):
        changes = {**(overrides or {}), **dotted}
        if isinstance(scenario, CompiledScenario) and not changes:
            self.compiled = scenario
        else:
            base = scenario.scenario if isinstance(scenario, CompiledScenario) else scenario
            self.compiled = compile_scenario(resolve_scenario(base, changes))
        super().__init__(rng=rng if rng is not None else seed)
        c = self.compiled
        self.scenario, self.calendar, self.space = c.scenario, c.calendar, c.space
        self.log = DecisionLog()
        self.step_index = 0
        self.now, self.dt = (
            int(self.calendar.stamps[0]),
            0.0,
        )  # the time of the last step (stamp) and its length (years)
        self.states = [State(self, spec, i) for i, spec in enumerate(self.scenario.states)]
        self.state_by_name = {s.name: s for s in self.states}
        _release_agent_ids(self)  # every agent of the run is made above
        self.tension = self.scenario.tension.initial
        self.treaty = Treaty(self)
        self.use_current_preferences()
        self.talks = Talks(self)
        self.crisis_count = 0
        self.endings: list[
            tuple[str, int | None, int]
        ] = []  # (how, by whom, when) each time the treaty ended
        self.branches_taken: dict[str, str] = {}
        self._later_events: dict[int, list] = {}  # step -> events of the branches this run took
        self.outcome = None
        self.initial_total_forces = sum(s.forces for s in self.states)
        self.step_inputs = TensionInputs()
        self._known_breach: set[tuple[int, int]] = (
            set()
        )  # (observer, observed): a breach the observer has detected and that goes on
        self._step_chances: dict[tuple[float, float, float], tuple[float, float]] = {}
        # the regime that watches a state no treaty watches: the scenario's, the same all run
        self._unwatched = self._level_chances(self._fallback_level())
        # what an alarm tells of a state's type depends on these alone, the same all run
        self._choosing = self.scenario.compliance.enabled
        tm = self.scenario.trust_model
        self._stated_likelihoods = (
            (tm.p_cheat_security, tm.p_cheat_greedy) if tm.likelihoods == "stated" else None
        )
        pay = self.scenario.compliance.payoffs
        self._payoff_table = {
            (C, C): pay.R,
            (C, D): pay.S,
            (D, C): pay.T,
            (D, D): pay.P,
        }  # (own move, other's)
        self.utilities = self.utility.utilities(self.trust_matrix(), self.tension)
        self.values = self.utilities
        self.targets = np.full(len(self.states), np.nan)
        self.recorder = Recorder(self)
        self.note("", "start", self._opening_line())
        self.recorder.record(0)

    # ------------------------------------------------------------------ set-up
    def party_indices(self, names: list[str]) -> set[int]:
        """The indices of the named states."""
        return {self.state_by_name[name].index for name in names}

    def use_current_preferences(self) -> None:
        """Value the offers by the states' current private values (again after a leadership change)."""
        draws = tuple(s.draws for s in self.states)
        self.utility = Realised(
            list(draws), [s.row for s in self.states], self.compiled.exposure(draws)
        )

    def _opening_line(self) -> str:
        scn, t = self.scenario, self.treaty
        parts = [scn.title or scn.name]
        if t.in_force:
            parts.append(
                f"{t.name} is in force"
                + (f" until {self.calendar.label(t.expires)}" if t.expires else "")
            )
        if self.talks.open and self.talks.deadline is not None:
            parts.append(f"talks must conclude by {self.calendar.label(self.talks.deadline)}")
        return ". ".join(_capital(p) for p in parts) + "."

    # ------------------------------------------------------------------ Mesa-era names of the parts
    @property
    def talks_open(self) -> bool:
        return self.talks.open

    @property
    def deadline(self) -> int | None:
        return self.talks.deadline

    @property
    def pending_offers(self) -> list:
        return self.talks.pending

    def current_targets(self, values: np.ndarray) -> np.ndarray:
        """Each state's target now, given what each offer is worth to it (see :meth:`sim.talks.Talks.current_targets`)."""
        return self.talks.current_targets(values)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one step of the calendar (a day, week, month or turn)."""
        k = self.step_index = self.step_index + 1
        self.now, self.dt = self.calendar.stamp_at[k], self.calendar.years_of_step[k]
        self.step_inputs = TensionInputs(treaty_in_force=self.treaty.in_force)
        self._fire_events(k)
        self.treaty.dates_due(passed_only=True)
        self.talks.bargain()
        self.treaty.dates_due(passed_only=False)
        self._comply_and_arm()
        self._update_tension()
        self.recorder.record(k)
        if k >= self.calendar.n_steps:
            self._finish()

    def _fire_events(self, k: int) -> None:
        scheduled, later = self.compiled.events_by_step.get(k), self._later_events.pop(k, None)
        if scheduled or later:  # most steps have none
            for ev in [*(scheduled or ()), *(later or ())]:
                self._fire_now(ev)
        for spec in self.scenario.random_events:
            draw_random(self, spec, self.dt)

    def choose_branch(self, ev: Any) -> Any:
        """One future of a branch event, drawn by its chances from the run's generator (or the pinned one)."""
        if ev.pin is not None:
            return next(b for b in ev.branches if b.name == ev.pin)
        u, total = self.rng.random(), 0.0
        for b in ev.branches:
            total += b.chance
            if u < total:
                return b
        return ev.branches[-1]

    def follow_branch(self, ev: Any, chosen: Any) -> None:
        """Record the future taken and schedule its events (those due already fire now)."""
        self.branches_taken[ev.id or f"branch {self.calendar.label(self.now)}"] = chosen.name
        for later in chosen.events:
            step = self.calendar.step_of(self.calendar.stamp(later.date, later.step))
            if step > self.step_index:
                self._later_events.setdefault(step, []).append(later)
            else:
                self._fire_now(later)

    def _fire_now(self, ev: Any) -> None:
        """Fire a scripted event, with its chance (drawn only for an event that may not happen)."""
        if ev.chance >= 1.0 or self.rng.random() < ev.chance:
            fire(self, ev)

    def decide_for(self, state: int, decider: Callable[[str, int | None, Any], Any] | None) -> None:
        """Let a player make state ``state``'s bargaining moves in place of its rules (the dashboard's Play view).

        ``decider("propose", offer, offer)`` is called when the state proposes, with the offer its
        rules would make, and returns the offer index to make (None: no offer);
        ``decider("answer", offer, yes)`` when it answers, with its rules' answer, and returns True
        to accept. Scripted offers still come from the timeline. None hands the state back to its rules.
        """
        if decider is None:
            self.talks.deciders.pop(state, None)
        else:
            self.talks.deciders[state] = decider

    def trust_matrix(self) -> np.ndarray:
        """(states, states): row i is state i's trust in each state."""
        return np.array([s.trust for s in self.states])

    # ------------------------------------------------------------------ compliance, forces, observation
    def verification_on(self, j: int) -> tuple[float, float]:
        """(detection, false alarm) per year of the regime that watches state j now."""
        if not self.treaty.watched(j):
            return self._unwatched
        return self._level_chances(self.treaty.verification)

    def _level_chances(self, name: str | None) -> tuple[float, float]:
        """(detection, false alarm) per year of the named verification level (``PERFECT`` for none)."""
        level = None if name is None else self.space.levels.get(name)
        return PERFECT if level is None else (level.detection, level.false_alarm)

    def _fallback_level(self) -> str | None:
        levels = self.scenario.verification_levels
        return self.scenario.compliance.no_treaty_verification or (
            levels[0].name if levels else None
        )

    def _comply_and_arm(self) -> None:
        states, n = self.states, len(self.states)
        watch = [self.verification_on(j) for j in range(n)]
        moves = (
            [self._decide(s, watch[s.index][0]) for s in states]
            if self.scenario.compliance.enabled
            else [C] * n
        )
        self._move_forces(moves)
        self._observe(moves, watch)

    def _decide(self, s: State, detection: float) -> str:
        """The state's move this step; the log gets its reason whenever the move changes."""
        view, strategy = s.compliance_view(detection), s.strategy
        if s.moves and not strategy.classifier.get("stochastic", True):
            move = strategy.move(view)  # no sentence needed unless the move changes
            if move == s.moves[-1]:
                s.moves.append(move)
                return move
        move, reason = strategy.decide(view)
        if not s.moves or s.moves[-1] != move:
            self.note(s.name, "compliance", reason)
        s.moves.append(move)
        return move

    def _move_forces(self, moves: list[str]) -> None:
        states, dt = self.states, self.dt
        caps = self.treaty.caps_now()
        if (
            self.compiled.forces_static
            and D not in moves
            and all(s.forces <= c for s, c in zip(states, caps))
        ):
            self.step_inputs.growth_per_year = 0.0
            return  # nothing moves: no dynamics, no cheating, every state within its cap
        x = np.array([s.forces for s in states])
        if self.compiled.forces_static:
            proposed = x
        else:
            grievance = np.array([s.spec.grievance * (1.0 - s.min_trust()) for s in states])
            proposed = self.compiled.richardson.step(x, grievance, dt)
        new = []
        for s, p, cap, move in zip(states, proposed.tolist(), caps, moves):
            v = limit_state(
                p, s.forces, cap, move == C, s.spec.build_rate, s.spec.dismantle_rate, dt
            )
            if move == D and cap == math.inf:
                v += s.spec.build_rate * dt  # a cheater no cap binds builds in the open as well
            new.append(v)
        # Python floats (numpy's sums, the same numbers): tension and what it feeds stay plain numbers
        total_before, total_after = float(x.sum()), float(np.array(new).sum())
        if total_before > 0 and dt > 0:
            self.step_inputs.growth_per_year = (total_after - total_before) / total_before / dt
        for s, v in zip(states, new):
            s.forces = v

    def _observe(self, moves: list[str], watch: list[tuple[float, float]]) -> None:
        """Each state watches the others through the regime: a new breach is detected once, at the regime's yearly rate."""
        table, dt, known, draw = self._payoff_table, self.dt, self._known_breach, self.rng.random
        floor = self.scenario.trust_model.floor
        chances = [self._chances_within(d, f, dt) for d, f in watch]
        any_alarm = False
        for s in self.states:
            seen, i, trust, mine = C, s.index, s.trust, moves[s.index]
            for j, other in enumerate(self.states):
                if j == i:
                    continue
                theirs = moves[j]
                s.score += table[mine, theirs]
                key = (i, j)
                if theirs == D:
                    if key in known:
                        seen = D  # a breach it already knows of goes on: no new evidence
                        continue
                elif theirs == C:
                    known.discard(key)
                detection, false_alarm = chances[j]
                alarm = draw() < (detection if theirs == D else false_alarm)
                prior = float(trust[j])
                likelihoods = self._alarm_likelihoods(other, watch[j][0], detection, false_alarm)
                if likelihoods is not None:
                    if_security, if_greedy = likelihoods
                    if not alarm:
                        if_security, if_greedy = 1.0 - if_security, 1.0 - if_greedy
                    trust[j] = bayes.clamp(bayes.bayes(prior, if_security, if_greedy), floor)
                if alarm:
                    seen = D
                    any_alarm = True
                    if theirs == D:
                        known.add(key)
                    self._report_alarm(s, other, theirs == D, prior)
            s.seen.append(seen)
        self.step_inputs.all_complied = not any_alarm and moves.count(C) == len(moves)

    def _chances_within(
        self, detection: float, false_alarm: float, years: float
    ) -> tuple[float, float]:
        """The chances of detecting a breach and of a false alarm within a step of ``years`` (kept per run: steps repeat)."""
        key = (detection, false_alarm, years)
        found = self._step_chances.get(key)
        if found is None:
            found = self._step_chances[key] = (
                chance_within(detection, years),
                chance_within(false_alarm, years),
            )
        return found

    def _alarm_likelihoods(
        self, other: State, detection_per_year: float, detection: float, false_alarm: float
    ) -> tuple[float, float] | None:
        """P(alarm this step | other is a security seeker), P(alarm | greedy), or None when both types act alike.

        With ``trust_model.likelihoods: implied`` each type's chance of being in breach is the one
        the model's own policy gives (Kydd 2005): for the type-based policy, a greedy state cheats
        when cheating pays under this regime, a security seeker when its trust is below its
        threshold, each weighed over the prior of the other's private values. A policy that does
        not depend on type (tit for tat, ...) makes the report no evidence of type.
        """
        if not self._choosing:
            return None  # no one chooses: every state complies whatever its type
        stated = self._stated_likelihoods
        if stated is not None:
            q_security, q_greedy = stated
        elif isinstance(other.strategy, TypeBased):
            q_greedy = other.draws.greedy_cheat_chance(detection_per_year)
            q_security = other.draws.security_cheat_chance(other.min_trust())
        else:
            return None
        if q_security == q_greedy:
            return None
        return (
            q_security * detection + (1.0 - q_security) * false_alarm,
            q_greedy * detection + (1.0 - q_greedy) * false_alarm,
        )

    def _report_alarm(self, observer: State, other: State, real: bool, prior: float) -> None:
        """A reported breach: a violation of the treaty when it binds the other, else an open build."""
        after = observer.trust[other.index]
        move = (
            f"its trust in {other.name} {'falls' if after < prior else 'moves'} from {prior:.2f} to {after:.2f} (Bayes' rule)"
            if abs(after - prior) >= 0.005
            else f"its trust in {other.name} stays at {after:.2f}"
        )
        if not self.treaty.binds(other.index):
            what = "sees" if real else "wrongly believes it sees"
            self.note(
                observer.name,
                "observation",
                f"{what} {other.name} arm beyond its restraint: {move}.",
            )
            return
        self.step_inputs.violations += 1
        kind = "violation" if real else "false_alarm"
        what = "detects a violation by" if real else "gets a false alarm about"
        self.note(observer.name, kind, f"{what} {other.name}: {move}.")
        level = observer.trust[other.index]
        w, s_below = observer.spec.withdraw_below, observer.spec.suspend_below
        if w is not None and level < w and self.treaty.binds(observer.index):
            self.treaty.give_notice(
                observer,
                f"gives notice of withdrawal: its trust in {other.name} ({level:.2f}) is below {w:g} after a reported violation",
            )
        elif s_below is not None and level < s_below and self.treaty.binds(observer.index):
            self.treaty.suspend(
                observer,
                False,
                f"suspends {self.treaty.name}: its trust in {other.name} ({level:.2f}) is below {s_below:g} after a reported violation",
            )

    # ------------------------------------------------------------------ beliefs and tension
    def update_trust_by_ratio(
        self, observer: State, other: State, ratio: float, because: str, stamp: int | None = None
    ) -> None:
        """Bayes' rule on evidence with likelihood ratio P(e | security) / P(e | greedy)."""
        prior = observer.trust[other.index]
        post = bayes.clamp(bayes.with_ratio(prior, ratio), self.scenario.trust_model.floor)
        observer.trust[other.index] = post
        if abs(post - prior) >= ANNOUNCED_TRUST_MOVE:
            direction = "rises" if post > prior else "falls"
            self.note(
                observer.name,
                "trust",
                f"trust in {other.name} {direction} from {prior:.2f} to {post:.2f} on {because} (likelihood ratio {ratio:.2f}).",
                stamp=stamp,
            )

    def shock_tension(self, delta: float) -> None:
        self.step_inputs.shocks += delta

    def _update_tension(self) -> None:
        params = self.scenario.tension
        before = in_crisis(self.tension, params)
        self.tension = update_tension(self.tension, self.step_inputs, params, self.dt)
        if not before and in_crisis(self.tension, params):
            self.crisis_count += 1
            self.note(
                "",
                "crisis",
                f"Crisis: tension reaches {self.tension:.2f}, in the crisis band (from {params.crisis:g}).",
            )

    # ------------------------------------------------------------------ the end
    def _finish(self) -> None:
        self.running = False
        self.outcome = classify(self)
        self.note("", "outcome", f"Outcome: {self.outcome.label}. {self.outcome.reason}")

    def run(self) -> ArmsControlModel:
        """Step until the end of the calendar."""
        while self.running:
            self.step()
        return self

    def release(self) -> None:
        """Let the run be freed at once, when nothing more will be read from it; it is unusable after.

        Its parts refer back to the model (the states, talks, treaty and recorder, Mesa's
        agents and wrapped step), so a dropped run waits for the garbage collector, whose
        passes also walk every other run still waiting: 4 to 7% of an ensemble's CPU.
        Forgetting what the model holds breaks every such cycle, and reference counting frees
        the run and its parts. Ensembles and sweeps call it once they have a replicate's row
        and series.
        """
        self.__dict__.clear()

    # ------------------------------------------------------------------ the log
    def note(
        self,
        actor: str,
        kind: str,
        text: str | Callable[[], str],
        ev: Any = None,
        stamp: int | None = None,
    ) -> None:
        """Add a dated line to the log (dated by its event when it has one).

        ``text`` may be a function that writes the sentence when the log is read (see :mod:`sim.log`).
        """
        if ev is not None and (ev.date is not None or ev.step is not None):
            stamp = self.calendar.stamp(ev.date, ev.step)
        label = (
            self.calendar.label(stamp)
            if stamp is not None
            else self.calendar.labels[self.step_index]
        )
        self.log.add(self.step_index, label, actor, kind, text)

    @property
    def datacollector(self):
        """Mesa's data-collector interface over the recorded arrays (what ``mesa.batch_run`` reads)."""
        return self.recorder


def _release_agent_ids(model: Model) -> None:
    """Let a model be freed once nothing else refers to it.

    Mesa 3.3 numbers agents with a counter per model kept in a class attribute
    (``Agent._ids``), which holds on to every model that ever made an agent, so no
    run was ever freed: an ensemble's memory grew by every replicate, and the garbage
    collector walked them all again and again (mesa issue #3179, fixed in later
    releases, where the attribute is gone and this does nothing). Called once a
    model has made all its agents; a model that made more would number them from 1 again.
    """
    counters = getattr(Agent, "_ids", None)
    if isinstance(counters, dict):
        counters.pop(model, None)
