"""Events: scripted ones from the scenario's timeline and random ones at yearly rates.

Scripted events carry a date (or step), an actor and a kind. Their effects:

* ``statement``: logged only. Cheap talk moves nothing.
* ``offer``: the actor makes this offer in this step's bargaining.
* ``leadership_change``: the actor's preferences, strategy or red lines change.
* ``accusation``: evidence against the target of a stated strength: every
  other state updates its trust in the target by Bayes' rule with the event's
  likelihood ratio; tension moves.
* ``deployment``: the actor's forces change; tension moves.
* ``withdrawal_notice``: the actor gives notice; withdrawal takes effect after
  the treaty's notice period.
* ``suspension``: the actor stops data exchanges and inspections; caps stop
  binding it unless it says it respects them.
* ``gesture``: a costly unilateral signal: trust in the actor rises by the
  likelihood ratio 1 + w x cost; forces and tension may change.
* ``ultimatum``: at its deadline the actor gives notice of withdrawal if its
  trust in the target is still below the stated level.
* ``branch``: one of several futures is drawn by its chance (or the pinned one
  is taken), and that future's own events are scheduled at their dates: history
  as a likely branch, not a script.

Every scripted event may carry a ``chance``: it happens in a run with that
probability, drawn from the run's generator.

Random events (incident, alleged_violation, gesture) fire in a step of dt
years with probability 1 - exp(-rate x dt), drawn from the model's generator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from sim.scenario import RandomEvent
from sim.trust import costly_signal_ratio


class World(Protocol):
    """What an event may read and change: the part of the model events depend on."""

    scenario: Any
    calendar: Any
    space: Any
    states: list
    state_by_name: dict
    rng: Any
    talks: Any  # its pending offers, and the beliefs to reset after a leadership change
    treaty: Any  # notices, suspensions, ultimatums

    def note(
        self,
        actor: str,
        kind: str,
        text: str | Callable[[], str],
        ev: Any = None,
        stamp: int | None = None,
    ) -> None: ...
    def shock_tension(self, delta: float) -> None: ...
    def update_trust_by_ratio(
        self, observer: Any, other: Any, ratio: float, because: str, stamp: int | None = None
    ) -> None: ...
    def use_current_preferences(self) -> None: ...
    def choose_branch(self, ev: Any) -> Any: ...
    def follow_branch(self, ev: Any, chosen: Any) -> None: ...


def fire(model: World, ev) -> None:
    """Apply one scripted event and log it."""
    HANDLERS[ev.kind](model, ev, model.state_by_name[ev.actor])


def _say(ev, default: str) -> str:
    return ev.text or default


def _statement(model, ev, actor) -> None:
    model.note(
        actor.name,
        "statement",
        f"{_say(ev, 'makes a statement')} (a statement: cheap talk, it changes no one's trust)",
        ev,
    )


def _offer(model, ev, actor) -> None:
    k = model.space.find(ev.offer)
    model.talks.pending.append((actor.index, k, ev.text, model.calendar.stamp(ev.date, ev.step)))


def _leadership_change(model, ev, actor) -> None:
    changed = actor.apply_changes(ev.changes)
    model.use_current_preferences()
    model.talks.forget(actor.index)
    model.note(
        actor.name,
        "event",
        f"{_say(ev, 'A new leadership takes office')}. New positions: {'; '.join(changed)}"
        " (the others know only their range: its private values are drawn anew).",
        ev,
    )


def _accusation(model, ev, actor) -> None:
    target = model.state_by_name[ev.target]
    model.note(
        actor.name,
        "event",
        f"{_say(ev, f'accuses {target.name} of cheating')} (evidence with likelihood ratio {ev.likelihood_ratio:g})",
        ev,
    )
    for s in model.states:
        if s is not target:
            model.update_trust_by_ratio(
                s, target, ev.likelihood_ratio, f"the accusation against {target.name}"
            )
    model.shock_tension(ev.tension)


def _deployment(model, ev, actor) -> None:
    actor.forces = max(actor.forces + ev.forces, 0.0)
    model.note(
        actor.name,
        "event",
        f"{_say(ev, 'deploys forces')} (forces {ev.forces:+g}, now {actor.forces:.0f})",
        ev,
    )
    model.shock_tension(ev.tension)


def _withdrawal_notice(model, ev, actor) -> None:
    model.treaty.give_notice(actor, ev.text or "gives notice of withdrawal", ev)


def _suspension(model, ev, actor) -> None:
    model.treaty.suspend(actor, ev.respects_caps, ev.text, ev)


def _gesture(model, ev, actor) -> None:
    actor.forces = max(actor.forces + ev.forces, 0.0)
    model.note(
        actor.name,
        "event",
        f"{_say(ev, 'makes a unilateral gesture')} (a costly signal: cost {ev.cost:g})",
        ev,
    )
    ratio = costly_signal_ratio(ev.cost, model.scenario.trust_model.concession_weight)
    for s in model.states:
        if s is not actor:
            model.update_trust_by_ratio(s, actor, ratio, f"{actor.name}'s costly gesture")
    model.shock_tension(ev.tension)


def _ultimatum(model, ev, actor) -> None:
    target = model.state_by_name[ev.target]
    by = model.calendar.stamp(ev.by, ev.by_step)
    model.note(
        actor.name,
        "event",
        f"{_say(ev, f'gives {target.name} an ultimatum')}: return to compliance by {model.calendar.label(by)} or face withdrawal",
        ev,
    )
    model.treaty.ultimatums.append((by, actor.index, target.index, ev.trust_below))


def _branch(model, ev, actor) -> None:
    chosen = model.choose_branch(ev)
    how = "as pinned" if ev.pin is not None else f"it had a {chosen.chance:.0%} chance"
    model.note(
        actor.name,
        "event",
        f"{_say(ev, 'A turning point')}: {chosen.text or chosen.name} ({how}).",
        ev,
    )
    model.follow_branch(ev, chosen)


HANDLERS = {
    "statement": _statement,
    "offer": _offer,
    "leadership_change": _leadership_change,
    "accusation": _accusation,
    "deployment": _deployment,
    "withdrawal_notice": _withdrawal_notice,
    "suspension": _suspension,
    "gesture": _gesture,
    "ultimatum": _ultimatum,
    "branch": _branch,
}


def fire_probability(rate_per_year: float, years: float) -> float:
    """Chance that an event with this yearly rate happens in a step of `years` (Poisson)."""
    return 1.0 - math.exp(-rate_per_year * years)


def draw_random(model: World, spec: RandomEvent, years: float) -> None:
    """Maybe fire one random event in this step; every draw comes from the model's generator."""
    if model.rng.random() >= fire_probability(spec.rate_per_year, years):
        return
    if spec.actor == "any":
        actor = model.states[int(model.rng.integers(len(model.states)))]
    else:
        actor = model.state_by_name[spec.actor]
    label = spec.label or spec.kind.replace("_", " ")
    model.note(
        actor.name, "event", f"{label} (random event, {spec.rate_per_year:g} a year on average)"
    )
    if spec.kind == "gesture":
        ratio = costly_signal_ratio(spec.cost, model.scenario.trust_model.concession_weight)
    else:
        ratio = spec.likelihood_ratio
    if ratio != 1.0:
        for s in model.states:
            if s is not actor:
                model.update_trust_by_ratio(
                    s,
                    actor,
                    ratio,
                    label if label.startswith(("a ", "an ", "the ")) else f"the {label}",
                )
    model.shock_tension(spec.tension)
