"""Play: a student takes one side against the computer.

The run goes on by the model's rules until the student's state bargains;
then the student sees the offer on the table and what it is worth to them,
term by term, and accepts or rejects it, or picks an offer to propose. The
computer plays the other side by the model's own rules (see
:meth:`sim.ArmsControlModel.decide_for`).
"""

from __future__ import annotations

import panel as pn

from dashboard.state import Session, log_rows, offer_table, terms_table
from dashboard.views.common import Redraw, ShownOnly, set_text_size
from dashboard.views.timeline import log_html


def question_text(session: Session) -> str:
    """What the player is asked now, in words (Markdown)."""
    m, q = session.model, session.question
    if not session.player:
        return "Choose a side and press **Take this side**."
    if q is None:
        if m.outcome is not None:
            return f"### The run is over: {m.outcome.label}\n\n{m.outcome.reason}"
        return "The computer is playing…"
    date = m.calendar.labels[min(q.step, m.calendar.n_steps)]
    if q.role == "answer":
        proposer = _proposer_of(session, q)
        return (f"### {date}: {proposer} offers {m.space.describe(q.offer, m.treaty.in_force)}\n\n"
                f"Do you, **{session.player}**, accept? Your advisers' rule would "
                f"{'accept' if q.default else 'reject'} it.")
    suggestion = "" if q.default is None else f" Your advisers suggest: {m.space.describe(q.default, m.treaty.in_force)}."
    return f"### {date}: your turn to propose, {session.player}\n\nPick an offer from the list.{suggestion}"


def _proposer_of(session: Session, q) -> str:
    names = [s.name for s in session.model.states if s.name != session.player]
    return ", ".join(names)


class PlayView(ShownOnly):
    """The player's questions, their utility terms, and the log."""

    def __init__(self, session: Session):
        self.session = session
        self.side = pn.widgets.Select(label="Your side", options=session.scenario.state_names, width=200)
        self.take = pn.widgets.Button(label="Take this side", color="primary", width=160)
        self.leave = pn.widgets.Button(label="Stop playing", width=140)
        self.question = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["play-question"])
        self.accept = pn.widgets.Button(label="Accept", color="success", width=140)
        self.reject = pn.widgets.Button(label="Reject", color="danger", width=140)
        self.offer = pn.widgets.Select(label="Your offer", options={}, sizing_mode="stretch_width")
        self.propose = pn.widgets.Button(label="Propose", color="primary", width=140)
        self.no_offer = pn.widgets.Button(label="Make no offer", width=140)
        self.terms = pn.pane.HTML("", sizing_mode="stretch_width")
        self.log = pn.pane.HTML("", height=520, sizing_mode="stretch_width",
                                styles={"overflow-y": "auto", "border": "1px solid #ddd", "padding": "6px"},
                                css_classes=["play-log"])
        self.take.on_click(lambda *_: session.guarded(session.play_side, self.side.value))
        self.leave.on_click(lambda *_: session.guarded(self._leave))
        self.accept.on_click(lambda *_: session.guarded(session.decide, True))
        self.reject.on_click(lambda *_: session.guarded(session.decide, False))
        self.propose.on_click(lambda *_: session.guarded(session.decide, self.offer.value))
        self.no_offer.on_click(lambda *_: session.guarded(session.decide, None))
        self.answer_row = pn.Row(self.accept, self.reject)
        self.propose_row = pn.Column(self.offer, pn.Row(self.propose, self.no_offer), sizing_mode="stretch_width")
        self.panel = pn.Row(
            pn.Column(pn.Row(self.side, self.take, self.leave), self.question, self.answer_row, self.propose_row,
                      "#### What it is worth to you", self.terms, sizing_mode="stretch_width"),
            pn.Column("### Log (newest first)", self.log, width=560), sizing_mode="stretch_width")
        self.redraw = Redraw(self.update)
        session.param.watch(self.refresh, ["version", "large_text", "player"])
        session.param.watch(lambda *_: setattr(self.side, "options", session.scenario.state_names), "scenario_name")
        self.update()

    def _leave(self) -> None:
        self.session.stop_playing_side()
        self.session.reset()

    def update(self) -> None:
        s = self.session
        q = s.question
        self.question.object = question_text(s)
        self.answer_row.visible = q is not None and q.role == "answer"
        self.propose_row.visible = q is not None and q.role == "propose"
        self.leave.visible = bool(s.player)
        if q is not None and s.player:
            if q.role == "propose":
                table = offer_table(s, s.player)
                worth = [c for c in table.columns if c.startswith("worth to")]
                options = {}
                for row in table.to_dict("records"):
                    values = ", ".join(f"{c[len('worth to '):]} {row[c]:.2f}" for c in worth)
                    red = "" if row["within your red lines"] else "  [crosses your red line]"
                    options[f"{row['offer']}: {row['terms']} (worth: {values}){red}"] = int(row["offer"])
                self.offer.options = options
                if q.default is not None:
                    self.offer.value = int(q.default)
                self.terms.object = "<i>Each offer's worth to each side is in the list; a higher number is better for that side.</i>"
            else:
                table = terms_table(s, q.offer)[[s.player]].round(2)
                self.terms.object = table.to_html(border=0)
        else:
            self.terms.object = ""
        # the Timeline tab has the log of an ordinary run; this one follows the game only
        self.log.object = log_html(log_rows(s.model)) if s.player else "<i>The game's log appears here.</i>"
        set_text_size([], [self.question, self.terms, self.log], s.large_text)
