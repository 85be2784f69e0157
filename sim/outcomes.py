"""Outcome classification: what a run ended in, in one word and one sentence.

In order of precedence:

* ``withdrawn``: a party's withdrawal took effect and ended the treaty;
* ``extended``: the treaty in force at the start was extended on the same terms
  (label "extended N years");
* ``new_terms``: an agreement changed the terms (verification, freeze,
  parties) or created a treaty where there was none;
* ``signed_not_ratified``: an agreement was signed, and a party's domestic
  body refused to ratify it (SALT II);
* ``lapsed``: the treaty expired without agreement;
* ``party_withdrew``: a party left a treaty that stands among the others
  (a multilateral treaty with ``survives_exit``);
* ``suspended``: a party suspended the treaty and it was still suspended at the end;
* ``arms_race``: no treaty at the end and total forces grew by more than
  ``outcomes.arms_race_growth``;
* ``crisis``: no treaty at the end and tension reached the crisis band;
* ``in_force``: the treaty still stands, unchanged;
* ``no_agreement``: there was no treaty and none was agreed.

Whether a crisis occurred and whether forces raced are also reported as flags
whatever the category, with the futures the run took at branch events and the
state of ratification.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sim.scenario import CATEGORIES

if TYPE_CHECKING:
    from sim.model import ArmsControlModel

__all__ = ["CATEGORIES", "Outcome", "classify"]  # CATEGORIES is defined with the schema


@dataclass(frozen=True)
class Outcome:
    """How a run ended.

    Attributes:
        category: one of CATEGORIES.
        label: e.g. "extended 5 years".
        reason: one sentence.
        years: term agreed (years), if any.
        agreement_step, agreement_date: when it was agreed, if it was.
        before_deadline: days (steps, when dateless) from agreement to the talks' deadline.
        crisis: whether tension reached the crisis band at any time.
        arms_race: whether total forces grew beyond the arms-race threshold.
        branches: the futures this run took at branch events ("election=biden"; "" when none).
        ratification: None (no vote needed), "pending", "ratified" or "refused".
    """

    category: str
    label: str
    reason: str
    years: int | None = None
    agreement_step: int | None = None
    agreement_date: str | None = None
    before_deadline: int | None = None
    crisis: bool = False
    arms_race: bool = False
    branches: str = ""
    ratification: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def classify(model: ArmsControlModel) -> Outcome:
    """The outcome of a finished (or stopped) run."""
    t, scn = model.treaty, model.scenario
    start_forces, end_forces = model.initial_total_forces, sum(s.forces for s in model.states)
    race = (
        start_forces > 0
        and (end_forces - start_forces) / start_forces > scn.outcomes.arms_race_growth
    )
    flags: dict[str, Any] = dict(
        crisis=model.crisis_count > 0,
        arms_race=bool(race and not t.in_force),
        branches=", ".join(f"{k}={v}" for k, v in model.branches_taken.items()),
        ratification=t.ratification,
    )
    agreement = t.agreement
    when: dict[str, Any] = {}
    if agreement:
        when = dict(
            years=agreement["years"],
            agreement_step=agreement["step"],
            agreement_date=agreement["date"],
            before_deadline=agreement["before_deadline"],
        )
    pending = " Ratification is still pending." if t.ratification == "pending" else ""
    if t.ended == "withdrawn":
        assert t.ended_by is not None and t.ended_at is not None  # set with `ended`
        who = model.states[t.ended_by].name
        return Outcome(
            "withdrawn",
            "withdrawn",
            f"{who}'s withdrawal took effect on {model.calendar.label(t.ended_at)}.",
            **when,
            **flags,
        )
    if agreement:
        same = t.existed_at_start and agreement["same_terms"]
        if same:
            return Outcome(
                "extended",
                f"extended {agreement['years']} years",
                f"{scn.treaty.name} was extended by {agreement['years']} years on {agreement['date']}, on the same terms.{pending}",
                **when,
                **flags,
            )
        before = "".join(
            f" It followed {_ending(model, how, by, at)}." for how, by, at in model.endings
        )
        return Outcome(
            "new_terms",
            "new terms",
            f"Agreement on {agreement['date']}: {agreement['text']}.{before}{pending}",
            **when,
            **flags,
        )
    if t.refused is not None:
        r = t.refused
        return Outcome(
            "signed_not_ratified",
            "signed, not ratified",
            f"An agreement signed on {r['date']} ({r['text']}) was not ratified.",
            years=r["years"],
            agreement_step=r["step"],
            agreement_date=r["date"],
            before_deadline=r["before_deadline"],
            **flags,
        )
    if t.ended == "expired":
        assert t.ended_at is not None  # set with `ended`
        return Outcome(
            "lapsed",
            "lapsed",
            f"{scn.treaty.name} expired on {model.calendar.label(t.ended_at)} without agreement.",
            **flags,
        )
    if t.in_force and t.exits:
        who = ", ".join(model.states[i].name for i in t.exits)
        return Outcome(
            "party_withdrew",
            "a party withdrew",
            f"{who} left {scn.treaty.name}, which stands among the other parties.",
            **flags,
        )
    if t.in_force and t.suspended:
        who = ", ".join(model.states[i].name for i in sorted(t.suspended))
        return Outcome(
            "suspended",
            "suspended",
            f"{who} suspended {scn.treaty.name}, still suspended at the end.",
            **flags,
        )
    if not t.in_force and flags["arms_race"]:
        return Outcome(
            "arms_race",
            "arms race",
            f"No treaty, and total forces grew from {start_forces:.0f} to {end_forces:.0f}.",
            **flags,
        )
    if not t.in_force and flags["crisis"]:
        return Outcome(
            "crisis", "crisis", "No treaty, and tension reached the crisis band.", **flags
        )
    if t.in_force:
        return Outcome(
            "in_force", "in force", f"{scn.treaty.name} still stands, unchanged.", **flags
        )
    return Outcome(
        "no_agreement", "no agreement", "There was no treaty and none was agreed.", **flags
    )


def _ending(model: ArmsControlModel, how: str, by: int | None, at: int) -> str:
    """An earlier end of the treaty, in words: "Blue's withdrawal on turn 6"."""
    when = model.calendar.label(at)
    if how == "withdrawn" and by is not None:
        return f"{model.states[by].name}'s withdrawal on {when}"
    return f"the treaty's expiry on {when}"
