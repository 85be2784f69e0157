"""Briefing: the scenario as a lesson, to read aloud before the run (in the spirit of NetLogo's Info tab):
what it is, each side's position, what to notice and what to try.

What really happened (a scenario's ``record``) is not shown here: the Play
view's debrief shows it after the run, so that it does not give the game away.
"""

from __future__ import annotations

from typing import Any

import panel as pn

import sim
from dashboard.scenarios import period_of, title_of
from dashboard.session import Session
from dashboard.views.common import View, esc
from dashboard.views.glossary import with_glossary


def side_position(scn: sim.Scenario, state: Any) -> str:
    """A side's position: its briefing from the scenario when it has one, otherwise what the file says
    of it (forces, trust in the others, red lines and why)."""
    briefings = getattr(scn, "briefings", None) or {}
    if briefings.get(state.name):
        return str(briefings[state.name]).strip()
    parts = [f"Forces at the start: {state.forces:,.0f} warheads."]
    trust = (
        state.trust
        if isinstance(state.trust, dict)
        else {o: state.trust for o in scn.state_names if o != state.name}
    )
    if trust:
        parts.append(
            "Trust at the start (chance the other is a security seeker): "
            + ", ".join(f"{other} {p:.0%}" for other, p in trust.items())
            + "."
        )
    reasons = [rl.reason for rl in state.red_lines if rl.reason]
    if reasons:
        parts.append("Red lines: " + "; ".join(r.rstrip(".") for r in reasons) + ".")
    elif not state.red_lines:
        parts.append("No red lines: any offer can be weighed on its worth.")
    return " ".join(parts)


def briefing_markdown(scn: sim.Scenario) -> str:
    """The briefing of a scenario as Markdown."""
    lines = [f"## {esc(title_of(scn))}"]
    if period_of(scn):
        lines.append(f"*{esc(period_of(scn))}*")
    lines += [
        "### What is it",
        esc(scn.description.strip()) or "*The scenario has no description.*",
        "### The sides",
    ]
    for state in scn.states:
        name = f"{state.label} ({state.name})" if state.label else state.name
        lines.append(f"- **{esc(name)}**: {esc(side_position(scn, state))}")
    if scn.notice.strip():
        lines += ["### Things to notice", scn.notice.strip()]
    if scn.try_.strip():
        lines += ["### Things to try", scn.try_.strip()]
    return "\n\n".join(lines)


class BriefingView(View):
    """The briefing of the session's scenario, redrawn when the scenario changes."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.text = pn.pane.Markdown(
            "", sizing_mode="stretch_width", css_classes=["briefing"], styles={"max-width": "60em"}
        )
        self.panel = pn.Column(self.text, sizing_mode="stretch_width")
        session.param.watch(self.refresh, "scenario_name")
        self.update()

    def update(self) -> None:
        self.text.object = with_glossary(briefing_markdown(self.session.scenario))
