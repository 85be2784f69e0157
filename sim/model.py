"""The arms-control negotiation model (Mesa).

States (Mesa agents, :mod:`sim.state`) live on a calendar. Each step, in this order:

1. **Events** fire: scripted ones from the timeline, then random ones
   (:mod:`sim.events`). Dates that fell due earlier in the step (an expiry,
   a withdrawal, the deadline) are settled, so that a treaty that expired
   during the step cannot be extended in it.
2. **Bargaining**: while talks are open, offers are made and answered
   (:mod:`sim.bargaining`); an accepted offer changes the treaty.
3. **Treaty dates** that fall due today: ultimatums fall due, withdrawals take
   effect, an unextended treaty expires, talks close at a hard deadline or
   break off at an uncertain one.
4. **Compliance and arming**: each state chooses to comply or cheat
   (:mod:`sim.strategies`), its forces move (:mod:`sim.forces`), and it is
   observed through the verification regime's noisy signal; trust moves by
   Bayes' rule (:mod:`sim.trust`).
5. **Tension** updates on what happened in the step (:mod:`sim.tension`).

Every decision adds a dated line to ``model.log`` with its reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any, Callable

import numpy as np
from mesa import Agent, Model

from sim import trust as bayes
from sim.agenda import OfferSpace, UtilityModel
from sim.bargaining import backward_induction, choose_offer, concession_progress, respond, round_discounts, target
from sim.calendar import Calendar, add_months
from sim.events import draw_random, fire, fire_probability
from sim.forces import Richardson, limit_state
from sim.log import DecisionLog
from sim.outcomes import classify
from sim.recorder import Recorder
from sim.scenario import Scenario
from sim.state import State
from sim.strategies import C, D
from sim.tension import TensionInputs, band
from sim.tension import update as update_tension
from sim.treaty import TreatyState

PERFECT = (1.0, 0.0)  # detection, false alarm when a scenario defines no verification level
ANNOUNCED_TRUST_MOVE = 0.05  # trust moves at least this large are written to the log


class ArmsControlModel(Model):
    """A negotiation over a treaty between two or more states.

    Args:
        scenario: a :class:`~sim.scenario.Scenario`, a bundled scenario's name or a file path.
        rng: seed or numpy Generator; every random draw comes from ``self.rng``.
        seed: accepted for Mesa's older interface; same as ``rng``.
        overrides: {dotted.path: value} applied to the scenario before validation.
        **dotted: more overrides, e.g. ``**{"tension.initial": 0.5}`` (what ``mesa.batch_run`` passes).

    Attributes:
        scenario, calendar, space (the offers), utility (utility model), treaty,
        states (list of State agents), tension (0-1), log, recorder (time series),
        outcome (set when the run ends), running.
    """

    def __init__(self, scenario: Scenario | str = "classroom_basic", *, rng: Any = None, seed: Any = None,
                 overrides: dict | None = None, **dotted: Any):
        from sim.loading import resolve_scenario

        self.scenario = resolve_scenario(scenario, {**(overrides or {}), **dotted})
        super().__init__(rng=rng if rng is not None else seed)
        scn = self.scenario
        self.calendar = scn.derived("calendar", lambda: Calendar(scn.calendar))  # read-only, shared by every run
        self.log = DecisionLog()
        self.space = scn.derived("offer_space", lambda: OfferSpace(scn))
        self.step_index = 0
        self.now, self.dt = int(self.calendar.stamps[0]), 0.0  # the time of the last step (stamp) and its length (years)
        self.pending_offers: list[tuple[int, int, str, int]] = []
        self.deciders: dict[int, Callable] = {}  # state index -> a player's decisions (see decide_for)
        self.ultimatums: list[tuple[int, int, int, float]] = []
        self.states = [State(self, spec, i) for i, spec in enumerate(scn.states)]
        self.state_by_name = {s.name: s for s in self.states}
        _release_agent_ids(self)  # every agent of the run is made above
        self.use_current_preferences()
        self.treaty = self._initial_treaty()
        self.tension = scn.tension.initial
        self.crisis_count = 0
        self.endings: list[tuple[str, int | None, int]] = []  # (how, by whom, when) each time the treaty ended
        self.outcome = None
        self.initial_total_forces = sum(s.forces for s in self.states)
        self._setup_talks()
        self.richardson, self._forces_static = scn.derived("forces", self._setup_forces)
        self._events_by_step = scn.derived("events_by_step", self._schedule_events)
        self._step_inputs = TensionInputs()
        pay = scn.compliance.payoffs
        self._payoff_table = {(C, C): pay.R, (C, D): pay.S, (D, C): pay.T, (D, D): pay.P}  # (own move, other's)
        self.utilities = self.utility.utilities(self.trust_matrix(), self.tension)
        self.targets = np.full(len(self.states), np.nan)
        self.recorder = Recorder(self)
        self.note("", "start", self._opening_line())
        self.recorder.record(0)

    # ------------------------------------------------------------------ set-up
    def _initial_treaty(self) -> TreatyState:
        t, n = self.scenario.treaty, len(self.states)
        expires = None
        if t.expires is not None or t.expires_step is not None:
            expires = self.calendar.stamp(t.expires, t.expires_step)
        caps = np.array([t.caps.get(s.name, np.inf) for s in self.states], dtype=float)
        return TreatyState(name=t.name, in_force=t.in_force, expires=expires if t.in_force else None,
                           verification=t.verification, freeze=t.freeze, caps=caps,
                           parties=self._party_indices(t.parties) if t.parties else set(range(n)),
                           existed_at_start=t.in_force)

    def _party_indices(self, names: list[str]) -> set[int]:
        return {self.state_by_name[name].index for name in names}

    def _setup_talks(self) -> None:
        talks, cal = self.scenario.talks, self.calendar
        self.talks_open = talks.enabled and len(self.space) > 0
        opens = cal.stamps[0] if talks.opens is None else cal.stamp(talks.opens)
        deadline = None
        if talks.deadline is not None or talks.deadline_step is not None:
            deadline = cal.stamp(talks.deadline, talks.deadline_step)
        elif self.treaty.expires is not None:
            deadline = self.treaty.expires
        self.talks_opens, self.deadline = opens, deadline
        self._opens_years = cal.years_at(opens)
        self._horizon_years = cal.years_at(deadline) - self._opens_years if deadline is not None else np.inf
        first = talks.first_proposer or self.states[0].name
        self.proposer = self.state_by_name[first].index

    def _setup_forces(self) -> tuple[Richardson, bool]:
        """The arms dynamics of the scenario's states, and whether they are static (no reaction, fatigue or grievance)."""
        names = self.scenario.state_names
        reaction = np.array([[s.reaction.get(o, 0.0) if o != s.name else 0.0 for o in names] for s in self.scenario.states])
        fatigue = np.array([s.fatigue for s in self.scenario.states])
        static = not reaction.any() and not fatigue.any() and not any(s.grievance for s in self.scenario.states)
        return Richardson(reaction, fatigue), static

    def use_current_preferences(self) -> None:
        """Value the offers by the states' current specs (again after a leadership change).

        The tables are shared by every run whose states hold the same specs; the model
        keeps its own shallow copy, so refreshing it never touches another run's.
        """
        specs = tuple(s.spec for s in self.states)
        shared = self.scenario.derived_for("utility", specs, lambda: UtilityModel(self.space, list(specs)))
        self.utility = copy.copy(shared)

    def _schedule_events(self) -> dict[int, list]:
        out: dict[int, list] = {}
        for ev in self.scenario.events:
            k = self.calendar.step_of(self.calendar.stamp(ev.date, ev.step))
            out.setdefault(k, []).append(ev)
        return out

    def _opening_line(self) -> str:
        scn, t = self.scenario, self.treaty
        parts = [scn.title or scn.name]
        if t.in_force:
            parts.append(f"{t.name} is in force" + (f" until {self.calendar.label(t.expires)}" if t.expires else ""))
        if self.talks_open and self.deadline is not None:
            parts.append(f"talks must conclude by {self.calendar.label(self.deadline)}")
        return ". ".join(_capital(p) for p in parts) + "."

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one step of the calendar (a day, week, month or turn)."""
        k = self.step_index = self.step_index + 1
        self.now, self.dt = int(self.calendar.stamps[k]), float(self.calendar.step_years[k])
        self._step_inputs = TensionInputs(treaty_in_force=self.treaty.in_force)
        self._fire_events(k)
        self._treaty_dates(passed_only=True)
        self._bargain()
        self._treaty_dates(passed_only=False)
        self._comply_and_arm()
        self._update_tension()
        self.recorder.record(k)
        if k >= self.calendar.n_steps:
            self._finish()

    def _fire_events(self, k: int) -> None:
        for ev in self._events_by_step.get(k, ()):
            fire(self, ev)
        for spec in self.scenario.random_events:
            draw_random(self, spec, self.dt)

    # ------------------------------------------------------------------ bargaining
    def trust_matrix(self) -> np.ndarray:
        """(states, states): row i is state i's trust in each state."""
        return np.array([s.trust for s in self.states])

    def current_targets(self, utilities: np.ndarray) -> np.ndarray:
        """Each state's target utility now (see :mod:`sim.bargaining`)."""
        talks = self.scenario.talks
        elapsed = self.calendar.years_at(self.now) - self._opens_years
        progress = concession_progress(elapsed, self._horizon_years, talks.deadline_kind, talks.hazard_per_year)
        # each state's best hope: its best offer within its red lines (-inf when it has none)
        own = np.array([s.own_offers for s in self.states]).T
        u_max = np.where(own, utilities, -np.inf).max(axis=0, initial=-np.inf).tolist()
        out = np.empty(len(self.states))
        for s in self.states:
            b = s.spec.bargaining
            out[s.index] = target(u_max[s.index], b.reservation + b.hardening * self.tension, progress, b.concession)
        tactic = [s.index for s in self.states if s.spec.bargaining.tactic == "backward_induction"]
        if tactic:
            out[tactic] = self._induction_targets(utilities)[tactic]
        return out

    def _induction_targets(self, utilities: np.ndarray) -> np.ndarray:
        """Targets of the backward-induction tactic (see :func:`sim.bargaining.backward_induction`), refreshed each step."""
        talks, k = self.scenario.talks, self.step_index
        rounds = talks.rounds_per_step
        hazard = talks.hazard_per_year if talks.deadline_kind == "uncertain" else 0.0
        left = None
        if self.deadline is not None and talks.deadline_kind == "hard":
            left = int(np.count_nonzero(self.calendar.stamps[k:] <= self.deadline)) * rounds
        floors = np.array([s.spec.bargaining.reservation + s.spec.bargaining.hardening * self.tension for s in self.states])
        discounts = round_discounts(np.array([s.spec.utility.discount for s in self.states]), self.dt / rounds, hazard)
        allowed = np.stack([s.allowed for s in self.states], axis=1)
        return backward_induction(self.proposer, utilities, allowed, self.space.party, floors, discounts, left).targets

    def _bargain(self) -> None:
        scripted, self.pending_offers = self.pending_offers, []
        in_talks = self.talks_open and self.now >= self.talks_opens
        if not in_talks and not scripted:
            return
        self.utilities = self.utility.utilities(self.trust_matrix(), self.tension)
        self.targets = self.current_targets(self.utilities)
        for _ in range(max(self.scenario.talks.rounds_per_step, len(scripted))):
            if scripted:
                p, offer, text, stamp = scripted.pop(0)
                if self.treaty.agreement is not None:
                    self._moot_offer(p, offer, text, stamp)
                    continue
                why = (text.rstrip(".") + " " if text else "") + "(a scripted offer, as the record has it)"
            elif in_talks:
                p = self.proposer
                offer = choose_offer(p, self.utilities, self.targets, self.states[p].allowed, self.space.party)
                why, stamp = None, None
                if p in self.deciders:
                    offer, why = self.deciders[p]("propose", offer, offer), "the player's choice"
            else:
                break
            if self._propose(p, offer, why, stamp):
                return
            self.proposer = (p + 1) % len(self.states)

    def decide_for(self, state: int, decider: Callable[[str, int | None, Any], Any] | None) -> None:
        """Let a player make state ``state``'s bargaining moves in place of its rules (the dashboard's Play view).

        ``decider("propose", offer, offer)`` is called when the state proposes, with the offer its
        rules would make, and returns the offer index to make (None: no offer);
        ``decider("answer", offer, yes)`` when it answers, with its rules' answer, and returns True
        to accept. Scripted offers still come from the timeline. None hands the state back to its rules.
        """
        if decider is None:
            self.deciders.pop(state, None)
        else:
            self.deciders[state] = decider

    def _moot_offer(self, p: int, offer: int, text: str, stamp: int) -> None:
        """A scripted offer after this run's agreement is logged but not put to the others again."""
        desc = self.space.describe(offer, self.treaty.in_force)
        self.note(self.states[p].name, "statement", f"{text or 'offers ' + desc}: moot, as {self.treaty.name} was already agreed on {self.treaty.agreement['date']}.", stamp=stamp)

    def _propose(self, p: int, offer: int | None, why: str | None, stamp: int | None = None) -> bool:
        """One offer and its answers; True when it is agreed."""
        proposer, u, tg = self.states[p], self.utilities, self.targets
        if offer is None:
            self.note(proposer.name, "no_offer", f"makes no offer: nothing within its red lines reaches its target of {tg[p]:.2f}.")
            return False
        in_force, worth, goal = self.treaty.in_force, u[offer, p], tg[p]
        self.note(proposer.name, "offer", lambda: self._offer_sentence(offer, in_force, why, worth, goal), stamp=stamp)
        answers = [self._answer(j, offer, stamp) for j in np.flatnonzero(self.space.party[offer]) if j != p]
        self._concession_signal(proposer, offer, stamp)
        if all(answers):
            self._agree(offer, self.space.describe(offer, in_force), stamp)
            return True
        return False

    def _offer_sentence(self, offer: int, treaty_in_force: bool, why: str | None, worth: float, goal: float) -> str:
        """The log's sentence for an offer: what it is, and why (the proposer's worth and target, when no reason is given)."""
        if why is None:
            worth_text, goal_text = _pair(worth, goal)
            why = f"worth {worth_text} to it (its target now {goal_text}); of such offers, the one the others value most"
        return f"offers {self.space.describe(offer, treaty_in_force)}: {why}."

    def _answer(self, j: int, offer: int, stamp: int | None) -> bool:
        s, u, tg = self.states[j], self.utilities[offer, j], self.targets[j]
        yes = respond(j, offer, self.utilities, self.targets, s.allowed)
        if j in self.deciders:
            yes = bool(self.deciders[j]("answer", offer, yes))
            verb = "accepts" if yes else "rejects"
            worth, goal = _pair(u, tg)
            self.note(s.name, "accept" if yes else "reject", f"{verb} (the player's choice): worth {worth} to it; its target {goal}.", stamp=stamp)
            return yes
        if yes:
            self.note(s.name, "accept", _worth_sentence("accepts: worth {} to it, at least its target of {}.", u, tg), stamp=stamp)
        elif not s.allowed[offer]:
            self.note(s.name, "reject", f"rejects: it crosses its red line: {s.red_line_why[offer]}.", stamp=stamp)
        else:
            worse = " — worse than no deal" if u < s.spec.bargaining.reservation else ""
            self.note(s.name, "reject", _worth_sentence("rejects: worth {} to it, below its target of {}" + worse + ".", u, tg), stamp=stamp)
        return yes

    def _concession_signal(self, proposer: State, offer: int, stamp: int | None = None) -> None:
        """A proposer that asks less for itself than last time sends a costly signal."""
        p = proposer.index
        previous, proposer.last_offer = proposer.last_offer, offer
        if previous is None:
            return
        cost = float(self.utilities[previous, p] - self.utilities[offer, p])
        if cost <= 0:
            return
        ratio = bayes.costly_signal_ratio(cost, self.scenario.trust_model.concession_weight)
        for s in self.states:
            if s is not proposer:
                self.update_trust_by_ratio(s, proposer, ratio, f"{proposer.name}'s concession (it gives up {cost:.2f})", stamp)

    def _agree(self, offer: int, desc: str, stamp: int | None = None) -> None:
        o, t = self.space.offers[offer], self.treaty
        when = self.now if stamp is None else stamp
        base = t.expires if (t.in_force and t.expires is not None and t.expires >= when) else when
        same = t.in_force and o.verification == t.verification and o.freeze == t.freeze and set(o.parties) == {self.states[i].name for i in t.parties}
        t.expires = self._later(base, o.years)
        t.verification, t.freeze, t.in_force = o.verification, o.freeze, True
        t.parties = self._party_indices(o.parties)
        t.suspended.clear()
        t.ended = t.ended_by = t.ended_at = None  # a new agreement after an expiry or a withdrawal stands on its own
        self._apply_freeze(o.freeze, t.parties)
        before = None if self.deadline is None else int(self.deadline - when)
        t.agreement = dict(offer=offer, years=o.years, step=self.step_index, date=self.calendar.label(when),
                           before_deadline=before, same_terms=same, text=desc)
        self.talks_open = False
        self._step_inputs.agreement = True
        self.note("", "agreement", f"Agreement: {desc}. {_capital(t.name)} now runs to {self.calendar.label(t.expires)}.", stamp=stamp)

    def _later(self, stamp: int, years: int) -> int:
        if self.calendar.dateless:
            return stamp + int(round(years / self.scenario.calendar.turn_years))
        return add_months(dt.date.fromordinal(stamp), 12 * years).toordinal()

    def _apply_freeze(self, freeze: str | None, parties: set[int]) -> None:
        option = self.space.freezes.get(freeze)
        if option is None or option.cap_fraction is None:
            return
        for i in parties:
            self.treaty.caps[i] = min(self.treaty.caps[i], option.cap_fraction * self.states[i].forces)

    # ------------------------------------------------------------------ treaty dates
    def _treaty_dates(self, passed_only: bool) -> None:
        """Ultimatums, withdrawals, expiry and the deadline that fall due.

        Called twice a step: before bargaining for what fell due before today
        (``passed_only``: a treaty that expired during the step cannot be
        extended in it), and after bargaining for what falls due today.
        """
        t = self.treaty
        due = (lambda stamp: stamp < self.now) if passed_only else (lambda stamp: stamp <= self.now)
        for item in [u for u in self.ultimatums if due(u[0])]:
            self.ultimatums.remove(item)
            self._ultimatum_due(*item)
        for i, when in sorted(t.notices.items(), key=lambda kv: kv[1]):
            if t.in_force and due(when):
                self._end_treaty("withdrawn", when, i, f"{self.states[i].name}'s withdrawal takes effect: {t.name} is no longer in force.")
        if t.in_force and t.expires is not None and due(t.expires):
            self._end_treaty("expired", t.expires, None, f"{t.name} expires" + (" without agreement." if t.agreement is None else "."))
        hard = self.scenario.talks.deadline_kind == "hard"
        if self.talks_open and hard and self.deadline is not None and due(self.deadline):
            self.talks_open = False
            self.note("", "talks", "The deadline has come: talks close without agreement.", stamp=self.deadline)
        elif self.talks_open and not hard and not passed_only:
            if self.rng.random() < fire_probability(self.scenario.talks.hazard_per_year, self.dt):
                self.talks_open = False
                self.note("", "talks", "Talks break off: the uncertain deadline has come.")

    def _ultimatum_due(self, by: int, actor: int, target_: int, trust_below: float) -> None:
        a, b = self.states[actor], self.states[target_]
        level = a.trust[target_]
        if level < trust_below:
            self.give_notice(a, f"gives notice of withdrawal: its ultimatum has expired and its trust in {b.name} ({level:.2f}) is below {trust_below:g}")
        else:
            self.note(a.name, "event", f"lets its ultimatum lapse: its trust in {b.name} ({level:.2f}) is at least {trust_below:g}.")

    def _end_treaty(self, how: str, when: int, by: int | None, text: str) -> None:
        t = self.treaty
        t.in_force, t.ended, t.ended_by, t.ended_at = False, how, by, when
        t.notices.clear()  # served: a treaty agreed later starts with none
        self.endings.append((how, by, when))
        self.note("", "treaty", _capital(text), stamp=when)

    def give_notice(self, actor: State, text: str, ev: Any = None) -> None:
        """The actor gives notice of withdrawal; it takes effect after the treaty's notice period."""
        t = self.treaty
        if not t.in_force or actor.index in t.notices or actor.index not in t.parties:
            return
        stamp = self.calendar.stamp(ev.date, ev.step) if ev is not None else self.now
        months = self.scenario.treaty.withdrawal_notice_months
        if self.calendar.dateless:
            effective = stamp + int(round(months / 12 / self.scenario.calendar.turn_years))
        else:
            effective = add_months(dt.date.fromordinal(stamp), months).toordinal()
        t.notices[actor.index] = effective
        self._step_inputs.withdrawals += 1
        self.note(actor.name, "withdrawal", f"{text}; it takes effect on {self.calendar.label(effective)} ({months:g} months' notice).", ev)

    def suspend(self, actor: State, respects_caps: bool, text: str, ev: Any = None) -> None:
        """The actor suspends the treaty: no data exchanges or inspections of it."""
        t = self.treaty
        t.suspended.add(actor.index)
        if respects_caps:
            t.respects_caps.add(actor.index)
        self._step_inputs.withdrawals += 1
        caps = "it says it will keep to the caps" if respects_caps else "the caps no longer bind it"
        self.note(actor.name, "suspension", f"{text or 'suspends the treaty'}: no data or inspections from it; {caps}.", ev)

    # ------------------------------------------------------------------ compliance, forces, observation
    def verification_on(self, j: int) -> tuple[float, float]:
        """(detection, false alarm) of the regime that watches state j now."""
        t, levels = self.treaty, self.space.levels
        name = t.verification if (t.in_force and j in t.parties and j not in t.suspended) else self._fallback_level()
        level = levels.get(name)
        return PERFECT if level is None else (level.detection, level.false_alarm)

    def _fallback_level(self) -> str | None:
        levels = self.scenario.verification_levels
        return self.scenario.compliance.no_treaty_verification or (levels[0].name if levels else None)

    def _comply_and_arm(self) -> None:
        states, n = self.states, len(self.states)
        watch = [self.verification_on(j) for j in range(n)]
        moves = [self._decide(s, watch[s.index][0]) for s in states] if self.scenario.compliance.enabled else [C] * n
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
        caps = [self.treaty.cap_of(s.index) for s in states]
        if self._forces_static and D not in moves and all(s.forces <= c for s, c in zip(states, caps)):
            self._step_inputs.growth_per_year = 0.0
            return  # nothing moves: no dynamics, no cheating, every state within its cap
        x = np.array([s.forces for s in states])
        if self._forces_static:
            proposed = x
        else:
            grievance = np.array([s.spec.grievance * (1.0 - s.min_trust()) for s in states])
            proposed = self.richardson.step(x, grievance, dt)
        new = []
        for s, p, cap, move in zip(states, proposed.tolist(), caps, moves):
            v = limit_state(p, s.forces, cap, move == C, s.spec.build_rate, s.spec.dismantle_rate, dt)
            if move == D and cap == math.inf:
                v += s.spec.build_rate * dt  # a cheater no cap binds builds in the open as well
            new.append(v)
        total_before, total_after = x.sum(), np.array(new).sum()  # numpy's sums, as the growth always used
        if total_before > 0 and dt > 0:
            self._step_inputs.growth_per_year = (total_after - total_before) / total_before / dt
        for s, v in zip(states, new):
            s.forces = v

    def _observe(self, moves: list[str], watch: list[tuple[float, float]]) -> None:
        tm, table = self.scenario.trust_model, self._payoff_table
        any_alarm = False
        for s in self.states:
            seen = C
            for j, other in enumerate(self.states):
                if j == s.index:
                    continue
                d, f = watch[j]
                alarm = self.rng.random() < (d if moves[j] == D else f)
                seen = D if alarm else seen
                s.score += table[(moves[s.index], moves[j])]
                prior = float(s.trust[j])  # a Python float: the same arithmetic, without numpy scalar overhead
                s.trust[j] = bayes.clamp(bayes.after_signal(prior, alarm, d, f, tm.p_cheat_security, tm.p_cheat_greedy), tm.floor)
                if alarm:
                    any_alarm = True
                    self._report_alarm(s, other, moves[j] == D, prior)
            s.seen.append(seen)
        self._step_inputs.all_complied = not any_alarm and all(m == C for m in moves)

    def _report_alarm(self, observer: State, other: State, real: bool, prior: float) -> None:
        self._step_inputs.violations += 1
        kind = "violation" if real else "false_alarm"
        what = "detects a violation by" if real else "gets a false alarm about"
        self.note(observer.name, kind, f"{what} {other.name}: its trust in {other.name} falls from {prior:.2f} to {observer.trust[other.index]:.2f} (Bayes' rule).")
        w = observer.spec.withdraw_below
        if w is not None and observer.trust[other.index] < w and self.treaty.binds(observer.index):
            self.give_notice(observer, f"gives notice of withdrawal: its trust in {other.name} ({observer.trust[other.index]:.2f}) is below {w:g} after a reported violation")

    # ------------------------------------------------------------------ beliefs and tension
    def update_trust_by_ratio(self, observer: State, other: State, ratio: float, because: str, stamp: int | None = None) -> None:
        """Bayes' rule on evidence with likelihood ratio P(e | security) / P(e | greedy)."""
        prior = observer.trust[other.index]
        post = bayes.clamp(bayes.with_ratio(prior, ratio), self.scenario.trust_model.floor)
        observer.trust[other.index] = post
        if abs(post - prior) >= ANNOUNCED_TRUST_MOVE:
            direction = "rises" if post > prior else "falls"
            self.note(observer.name, "trust", f"trust in {other.name} {direction} from {prior:.2f} to {post:.2f} on {because} (likelihood ratio {ratio:.2f}).", stamp=stamp)

    def shock_tension(self, delta: float) -> None:
        self._step_inputs.shocks += delta

    def _update_tension(self) -> None:
        params = self.scenario.tension
        before = band(self.tension, params)
        self.tension = update_tension(self.tension, self._step_inputs, params, self.dt)
        after = band(self.tension, params)
        if after == "crisis" and before != "crisis":
            self.crisis_count += 1
            self.note("", "crisis", f"Crisis: tension reaches {self.tension:.2f}, in the crisis band (from {params.crisis:g}).")

    # ------------------------------------------------------------------ the end
    def _finish(self) -> None:
        self.running = False
        self.outcome = classify(self)
        self.note("", "outcome", f"Outcome: {self.outcome.label}. {self.outcome.reason}")

    def run(self) -> "ArmsControlModel":
        """Step until the end of the calendar."""
        while self.running:
            self.step()
        return self

    # ------------------------------------------------------------------ the log
    def note(self, actor: str, kind: str, text: str | Callable[[], str], ev: Any = None, stamp: int | None = None) -> None:
        """Add a dated line to the log (dated by its event when it has one).

        ``text`` may be a function that writes the sentence when the log is read (see :mod:`sim.log`).
        """
        if ev is not None and (ev.date is not None or ev.step is not None):
            stamp = self.calendar.stamp(ev.date, ev.step)
        label = self.calendar.label(stamp) if stamp is not None else self.calendar.labels[self.step_index]
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


def _capital(text: str) -> str:
    """A sentence that starts with a capital, whatever the treaty's name ("the INF Treaty expires")."""
    return text[:1].upper() + text[1:]


def _worth_sentence(template: str, worth: float, goal: float) -> Callable[[], str]:
    """A sentence about a worth and a target (utilities), written when the log is read: the template's two {}."""
    return lambda: template.format(*_pair(worth, goal))


def _pair(a: float, b: float) -> tuple[str, str]:
    """Two utilities to 2 decimals, or more when 2 would show different values as equal."""
    for digits in (2, 3, 4, 6):
        x, y = f"{a:.{digits}f}", f"{b:.{digits}f}"
        if x != y or a == b:
            break
    return x, y
