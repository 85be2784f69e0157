"""The treaty's lifecycle during a run: its terms, agreements, ratification, notices, suspensions, exits and expiry.

* **Agreement.** An accepted offer sets the treaty's term (from the old expiry
  when it extends a treaty in force, else from today), verification and freeze;
  a freeze with ``cap_fraction`` caps each party at that fraction of its forces, one
  with ``cap`` at an absolute, equal ceiling.
* **Ratification** (Putnam 1988). When a party's domestic body must ratify, the
  agreement is signed and applied while the vote is pending; the vote comes
  ``delay_months`` later. The body ratifies when the agreement's utility to the
  state at signature is at least its threshold, drawn at the vote from its prior
  (nobody knew it in advance). A refusal voids the agreement: the treaty returns
  to what it was before the signature, and the run ends "signed, not ratified"
  unless a later agreement is made.
* **Withdrawal.** A party's notice takes effect after the treaty's notice
  period. A treaty that ``survives_exit`` loses that party and stands among the
  others while at least two remain; otherwise it ends.
* **Suspension.** A suspending party stops data exchanges and inspections; the
  caps stop binding it unless it says it keeps to them.
* **Expiry.** An unextended treaty expires at its date.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import priors
from sim.agenda import Offer

if TYPE_CHECKING:
    from sim.model import ArmsControlModel
    from sim.state import State

RATIFIED, REFUSED, PENDING = "ratified", "refused", "pending"


class Treaty:
    """The treaty as it stands during a run.

    Attributes:
        name: as the log names it.
        in_force: whether it binds anyone now.
        expires: stamp of its expiry (None: no expiry).
        verification, freeze: names of the level and scope in force.
        caps: (states,) cap on each state's forces (inf where none).
        parties: indices of the states it binds.
        suspended: indices of states that suspended it; respects_caps: those that say they keep to the caps.
        notices: state index -> stamp at which its withdrawal takes effect.
        exits: indices of parties that left a treaty that stood without them.
        ended, ended_by, ended_at: how, by whom and when it last ended (None while it stands).
        agreement: the agreed offer, its date and terms, once there is one.
        votes: state index -> (stamp of its body's vote, the agreement's utility to it at signature).
        ratification: None, "pending", "ratified" or "refused".
    """

    def __init__(self, model: ArmsControlModel):
        self.model = model
        t, n = model.scenario.treaty, len(model.states)
        self.name = t.name
        self.in_force = t.in_force
        self.expires = (
            model.calendar.stamp(t.expires, t.expires_step)
            if t.in_force and (t.expires or t.expires_step)
            else None
        )
        self.verification, self.freeze = t.verification, t.freeze
        self.caps = np.array([t.caps.get(s.name, np.inf) for s in model.states], dtype=float)
        self.parties = model.party_indices(t.parties) if t.parties else set(range(n))
        self.existed_at_start = t.in_force
        self.suspended: set[int] = set()
        self.respects_caps: set[int] = set()
        self.notices: dict[int, int] = {}
        self.exits: list[int] = []
        self.ended: str | None = None
        self.ended_by: int | None = None
        self.ended_at: int | None = None
        self.agreement: dict | None = None
        self.votes: dict[int, tuple[int, float]] = {}
        self.ratification: str | None = None
        self.refused: dict | None = None  # a signed agreement a domestic body refused to ratify
        self.ultimatums: list[
            tuple[int, int, int, float]
        ] = []  # (due stamp, actor, target, trust below which it withdraws)
        self._before_signature: dict | None = None

    # ------------------------------------------------------------------ who is bound
    def binds(self, i: int) -> bool:
        """Whether state i is held to the caps now."""
        if not self.in_force or i not in self.parties:
            return False
        return i not in self.suspended or i in self.respects_caps

    def caps_now(self) -> list[float]:
        """The cap that binds each state now, as Python floats (forces; inf where none binds)."""
        if not self.in_force:
            return [math.inf] * len(self.caps)
        return [c if self.binds(i) else math.inf for i, c in enumerate(self.caps.tolist())]

    def watched(self, j: int) -> bool:
        """Whether the treaty's verification regime watches state j now (a party that has not suspended it)."""
        return self.in_force and j in self.parties and j not in self.suspended

    # ------------------------------------------------------------------ agreement and ratification
    def agree(self, offer: int, desc: str, stamp: int | None = None) -> None:
        """Put an accepted offer into effect (pending ratification where a party's body must vote)."""
        m = self.model
        o: Offer = m.space.offers[offer]
        when = m.now if stamp is None else stamp
        self._before_signature = self._snapshot()
        base = (
            self.expires
            if (self.in_force and self.expires is not None and self.expires >= when)
            else when
        )
        same = (
            self.in_force
            and o.verification == self.verification
            and o.freeze == self.freeze
            and set(o.parties) == {m.states[i].name for i in self.parties}
        )
        self.expires = m.calendar.later(base, 12 * o.years)
        self.verification, self.freeze, self.in_force = o.verification, o.freeze, True
        self.parties = m.party_indices(list(o.parties))
        self.suspended.clear()
        self.ended = self.ended_by = self.ended_at = (
            None  # a new agreement after an expiry or a withdrawal stands on its own
        )
        self._apply_freeze(o.freeze)
        before = None if m.talks.deadline is None else int(m.talks.deadline - when)
        self.agreement = dict(
            offer=offer,
            years=o.years,
            step=m.step_index,
            date=m.calendar.label(when),
            before_deadline=before,
            same_terms=same,
            text=desc,
        )
        m.talks.open = False
        m.step_inputs.agreement = True
        m.note(
            "",
            "agreement",
            f"Agreement: {desc}. {capital(self.name)} now runs to {m.calendar.label(self.expires)}.",
            stamp=stamp,
        )
        self._call_votes(offer, when)

    def _call_votes(self, offer: int, when: int) -> None:
        m = self.model
        self.votes.clear()
        named = []
        for i in sorted(self.parties):
            r = m.states[i].spec.ratification
            if r is not None:
                due = m.calendar.later(when, r.delay_months)
                self.votes[i] = (due, float(m.utilities[offer, i]))
                named.append(f"{r.body} votes by {m.calendar.label(due)}")
        if self.votes:
            self.ratification = PENDING
            bodies = "; ".join(named)
            m.note("", "treaty", f"Signed, pending ratification: {bodies}.", stamp=when)
        else:
            self.ratification = None

    def _vote(self, i: int, worth: float) -> None:
        """State i's domestic body votes on the signed agreement."""
        m = self.model
        s = m.states[i]
        r = s.spec.ratification
        assert r is not None  # only a state with a ratifying body has a vote
        threshold = float(priors.draw(r.threshold, m.rng, 1)[0])
        del self.votes[i]
        if worth >= threshold:
            m.note(
                s.name,
                "treaty",
                f"{r.body} ratifies the agreement: worth {worth:.2f} to {s.name}, at least what it demanded ({threshold:.2f}).",
            )
            if not self.votes:
                self.ratification = RATIFIED
            return
        m.note(
            s.name,
            "treaty",
            f"{r.body} refuses to ratify: worth {worth:.2f} to {s.name}, below what it demanded ({threshold:.2f}). The agreement is void.",
        )
        self.votes.clear()
        self.ratification = REFUSED
        assert self._before_signature is not None  # kept at signature, before any vote
        self._restore(self._before_signature)
        m.step_inputs.withdrawals += 1

    def _apply_freeze(self, freeze: str | None) -> None:
        option = None if freeze is None else self.model.space.freezes.get(freeze)
        if option is None:
            return
        for i in self.parties:
            if option.cap is not None:
                self.caps[i] = option.cap
            elif option.cap_fraction is not None:
                self.caps[i] = min(self.caps[i], option.cap_fraction * self.model.states[i].forces)

    def _snapshot(self) -> dict:
        keep = (
            "in_force",
            "expires",
            "verification",
            "freeze",
            "parties",
            "suspended",
            "respects_caps",
            "ended",
            "ended_by",
            "ended_at",
            "agreement",
        )
        out = {k: getattr(self, k) for k in keep}
        out.update(
            caps=self.caps.copy(),
            parties=set(self.parties),
            suspended=set(self.suspended),
            respects_caps=set(self.respects_caps),
        )
        return out

    def _restore(self, snap: dict) -> None:
        agreement = self.agreement
        for k, v in snap.items():
            setattr(self, k, v)
        self.refused = agreement  # the signed agreement its body refused

    # ------------------------------------------------------------------ dates
    def dates_due(self, passed_only: bool) -> None:
        """Ultimatums, votes, withdrawals, expiry and the deadline that fall due.

        Called twice a step: before bargaining for what fell due before today
        (``passed_only``: a treaty that expired during the step cannot be
        extended in it), and after bargaining for what falls due today.
        """
        m = self.model
        now = m.now
        due = (lambda stamp: stamp < now) if passed_only else (lambda stamp: stamp <= now)
        if not (self.ultimatums or self.votes or self.notices or self.in_force):
            m.talks.deadline_due(due, passed_only)  # no treaty date can fall due
            return
        if self.ultimatums or self.votes or self.notices:
            self._parties_dates_due(due)
        if self.in_force and self.expires is not None and due(self.expires):
            self._end(
                "expired",
                self.expires,
                None,
                f"{self.name} expires" + (" without agreement." if self.agreement is None else "."),
            )
        m.talks.deadline_due(due, passed_only)

    def _parties_dates_due(self, due: Callable[[int], bool]) -> None:
        """The ultimatums, ratification votes and withdrawals that fall due, in that order."""
        for item in [u for u in self.ultimatums if due(u[0])]:
            self.ultimatums.remove(item)
            self._ultimatum_due(*item)
        for i, (when, worth) in sorted(self.votes.items(), key=lambda kv: kv[1][0]):
            if i in self.votes and due(when):
                self._vote(i, worth)
        for i, when in sorted(self.notices.items(), key=lambda kv: kv[1]):
            if self.in_force and i in self.notices and due(when):
                self._withdrawal_takes_effect(i, when)

    def _withdrawal_takes_effect(self, i: int, when: int) -> None:
        m = self.model
        name = m.states[i].name
        del self.notices[i]
        rest = self.parties - {i}
        if m.scenario.treaty.survives_exit and len(rest) >= 2:
            self.parties = rest
            self.exits.append(i)
            self.caps[i] = np.inf
            others = ", ".join(m.states[k].name for k in sorted(rest))
            m.note(
                "",
                "treaty",
                f"{name}'s withdrawal takes effect: {self.name} stands among {others}.",
                stamp=when,
            )
            return
        self._end(
            "withdrawn",
            when,
            i,
            f"{name}'s withdrawal takes effect: {self.name} is no longer in force.",
        )

    def _ultimatum_due(self, by: int, actor: int, target_: int, trust_below: float) -> None:
        m = self.model
        a, b = m.states[actor], m.states[target_]
        level = a.trust[target_]
        if level < trust_below:
            self.give_notice(
                a,
                f"gives notice of withdrawal: its ultimatum has expired and its trust in {b.name} ({level:.2f}) is below {trust_below:g}",
            )
        else:
            m.note(
                a.name,
                "event",
                f"lets its ultimatum lapse: its trust in {b.name} ({level:.2f}) is at least {trust_below:g}.",
            )

    def _end(self, how: str, when: int, by: int | None, text: str) -> None:
        self.in_force, self.ended, self.ended_by, self.ended_at = False, how, by, when
        self.notices.clear()  # served: a treaty agreed later starts with none
        self.votes.clear()
        self.model.endings.append((how, by, when))
        self.model.note("", "treaty", capital(text), stamp=when)

    # ------------------------------------------------------------------ moves of the parties
    def give_notice(self, actor: State, text: str, ev: Any = None) -> None:
        """The actor gives notice of withdrawal; it takes effect after the treaty's notice period."""
        m = self.model
        if not self.in_force or actor.index in self.notices or actor.index not in self.parties:
            return
        stamp = m.calendar.stamp(ev.date, ev.step) if ev is not None else m.now
        months = m.scenario.treaty.withdrawal_notice_months
        effective = m.calendar.later(stamp, months)
        self.notices[actor.index] = effective
        m.step_inputs.withdrawals += 1
        m.note(
            actor.name,
            "withdrawal",
            f"{text}; it takes effect on {m.calendar.label(effective)} ({months:g} months' notice).",
            ev,
        )

    def suspend(self, actor: State, respects_caps: bool, text: str, ev: Any = None) -> None:
        """The actor suspends the treaty: no data exchanges or inspections of it."""
        m = self.model
        if not self.in_force or actor.index not in self.parties or actor.index in self.suspended:
            return
        self.suspended.add(actor.index)
        if respects_caps:
            self.respects_caps.add(actor.index)
        m.step_inputs.withdrawals += 1
        caps = "it says it will keep to the caps" if respects_caps else "the caps no longer bind it"
        m.note(
            actor.name,
            "suspension",
            f"{text or 'suspends the treaty'}: no data or inspections from it; {caps}.",
            ev,
        )


def capital(text: str) -> str:
    """A sentence that starts with a capital, whatever the treaty's name ("the INF Treaty expires")."""
    return text[:1].upper() + text[1:]
