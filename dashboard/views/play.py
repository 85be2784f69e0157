"""Play: a student takes one side against the computer.

The run goes on by the model's rules until the student's state bargains;
then the student sees the offer on the table, what it is worth to their side
against no deal, and whether it crosses one of their red lines, and accepts
or rejects it, or picks an offer to propose from a table of every offer's
worth. The computer plays the other side by the model's own rules (see
:meth:`sim.ArmsControlModel.decide_for`). At the end: a score (what the deal
is worth to the student's side; no deal scores 0) and a debrief, the
outcome beside history (the scenario's ``record``, when it has one) and
beside the model's own odds from the same start.
"""

from __future__ import annotations

import time
from typing import Any

import panel as pn

from dashboard.ensembles import Batch, Ensembles
from dashboard.layout import side_by_side
from dashboard.scenarios import describe_error
from dashboard.session import Session
from dashboard.view_data import log_rows, offer_table, terms_table
from dashboard.views.briefing import side_position
from dashboard.views.common import View, esc, guarded_click, number, set_text_size
from dashboard.views.glossary import with_glossary
from dashboard.views.timeline import log_html

DOUBLE_CLICK_S = (
    0.4  # a second answer this soon after the last one is the same click twice (seconds)
)
DEBRIEF_REPLICATES = 100  # the model's runs from the same start, for the debrief's odds
# In the browser, a click on Accept or Reject disables both at once, so the second click of a double click
# finds them disabled; the server enables them again with the next question.
DISABLE_ANSWERS_JS = "source.disabled = true; other.disabled = true;"


def worth_phrase(worth: float) -> str:
    """What an offer is worth to the player, against no deal (which is worth 0)."""
    verdict = (
        "better than no deal"
        if worth > 0
        else "no better than no deal"
        if worth == 0
        else "WORSE than no deal"
    )
    return f"worth **{number(worth)}** to you ({verdict}, which is worth 0)"


def event_date(session: Session, q) -> str | None:
    """The date of the scripted offer being answered, when the question is about one (the step's
    date can be days later: two offers in one week share a step)."""
    m = session.model
    for ev in m.scenario.events:
        if ev.kind != "offer":
            continue
        try:
            k = m.calendar.step_of(m.calendar.stamp(ev.date, ev.step))
            if k == q.step and m.space.find(ev.offer) == q.offer:
                return m.calendar.label(m.calendar.stamp(ev.date, ev.step))
        except Exception:  # an offer the agenda cannot place: the step's date will do
            continue
    return None


def question_text(session: Session) -> str:
    """What the player is asked now, in words (Markdown)."""
    m, q = session.model, session.question
    if not session.player:
        return "Choose a side and press **Take this side**."
    if q is None:
        if m.outcome is not None:
            return f"### The run is over: {m.outcome.label}\n\n{m.outcome.reason}"
        return "The computer is playing…"
    me = m.state_by_name[session.player]
    if q.role == "answer":
        assert q.offer is not None  # a question to answer is about an offer
        date = event_date(session, q) or m.calendar.labels[min(q.step, m.calendar.n_steps)]
        worth = float(session.utilities()[q.offer, me.index])
        red = (
            ""
            if me.allowed[q.offer]
            else f"\n\n⚠ **It crosses your red line**: {esc(me.red_line_why[q.offer])}."
        )
        return (
            f"### {date}: {_proposer_of(session)} offers {m.space.describe(q.offer, m.treaty.in_force)}\n\n"
            f"To you, **{session.player}**, it is {worth_phrase(worth)}.{red}\n\n"
            f"Do you accept? Accepting ends the talks with this deal. Your advisers' rule would "
            f"{'accept' if q.default else 'reject'} it."
        )
    date = m.calendar.labels[min(q.step, m.calendar.n_steps)]
    suggestion = (
        ""
        if q.default is None
        else f" Your advisers suggest offer {q.default}: {m.space.describe(q.default, m.treaty.in_force)}."
    )
    return (
        f"### {date}: your turn to propose, {session.player}\n\nPick an offer (the table below gives what each "
        f"is worth to each side; no deal is worth 0).{suggestion}"
    )


def _proposer_of(session: Session) -> str:
    return ", ".join(s.name for s in session.model.states if s.name != session.player)


def offers_html(session: Session) -> str:
    """Every offer with its worth to each side and a warning for red lines (the proposing player's menu)."""
    table = offer_table(session, session.player)
    worth = [c for c in table.columns if c.startswith("worth to")]
    head = "".join(f"<th>{esc(c)}</th>" for c in ["#", "terms", *worth, ""])
    rows = []
    for r in table.to_dict("records"):
        mine = r[f"worth to {session.player}"]
        warn = (
            "⚠ crosses your red line"
            if not r["within your red lines"]
            else ("worse than no deal" if mine < 0 else "")
        )
        cells = "".join(f"<td style='text-align:right'>{number(r[c])}</td>" for c in worth)
        style = " style='color:#777'" if warn else ""
        rows.append(
            f"<tr{style}><td>{r['offer']}</td><td>{esc(r['terms'])}</td>{cells}<td>{warn}</td></tr>"
        )
    return f"<table class='offer-menu' style='border-collapse:collapse;width:100%'><tr>{head}</tr>{''.join(rows)}</table>"


def record_text(scn) -> str:
    """What history recorded, from the scenario's ``record`` block ("" when it has none)."""
    record = getattr(scn, "record", None)
    if not record:
        return ""
    data = (
        record.model_dump()
        if hasattr(record, "model_dump")
        else dict(record)
        if isinstance(record, dict)
        else {"text": str(record)}
    )
    parts = []
    for key in ("label", "outcome", "category"):
        if data.get(key):
            parts.append(f"**{esc(str(data[key]).replace('_', ' '))}**")
            break
    if data.get("date"):
        parts.append(f"on {esc(data['date'])}")
    for key in ("text", "summary", "description"):
        if data.get(key):
            parts.append(f"— {esc(data[key])}")
            break
    return " ".join(parts)


class PlayView(View):
    """The player's side, the question with what its answer is worth, the offers, the score and the log."""

    def __init__(self, session: Session, clock=time.monotonic):
        super().__init__(session)
        self.clock = clock
        self.answered_at = -1e9
        self.debrief_odds = Ensembles()
        self.side = pn.widgets.Select(
            label="Your side",
            options=session.scenario.state_names,
            width=160,
            css_classes=["play-side"],
        )
        self.take = pn.widgets.Button(label="Take this side", color="primary", width=140)
        self.leave = pn.widgets.Button(label="Stop playing", width=130)
        self.brief = pn.pane.Markdown(
            "", sizing_mode="stretch_width", css_classes=["play-briefing"]
        )
        self.question = pn.pane.Markdown(
            "", sizing_mode="stretch_width", css_classes=["play-question"]
        )
        self.accept = pn.widgets.Button(label="Accept", color="success", width=120)
        self.reject = pn.widgets.Button(label="Reject", color="danger", width=120)
        self.accept.js_on_click(args={"other": self.reject}, code=DISABLE_ANSWERS_JS)
        self.reject.js_on_click(args={"other": self.accept}, code=DISABLE_ANSWERS_JS)
        self.offer = pn.widgets.Select(
            label="Your offer", options={}, sizing_mode="stretch_width", css_classes=["play-offer"]
        )
        self.warning = pn.pane.Alert(
            "",
            alert_type="warning",
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["offer-warning"],
        )
        self.propose = pn.widgets.Button(label="Propose", color="primary", width=120)
        self.no_offer = pn.widgets.Button(label="Make no offer", width=130)
        self.propose.js_on_click(args={"other": self.no_offer}, code=DISABLE_ANSWERS_JS)
        self.no_offer.js_on_click(args={"other": self.propose}, code=DISABLE_ANSWERS_JS)
        self.terms = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["play-terms"])
        self.score = pn.pane.Markdown(
            "", sizing_mode="stretch_width", css_classes=["play-score"], visible=False
        )
        self.log = pn.pane.HTML(
            "",
            height=480,
            sizing_mode="stretch_width",
            styles={"overflow-y": "auto", "border": "1px solid #ddd", "padding": "6px"},
            css_classes=["play-log"],
        )
        self.take.on_click(self._take)
        self.leave.on_click(guarded_click(session, self._leave))
        self.accept.on_click(lambda _: self.click_answer(True))
        self.reject.on_click(lambda _: self.click_answer(False))
        self.propose.on_click(lambda _: self.click_answer(self.offer.value))
        self.no_offer.on_click(lambda _: self.click_answer(None))
        self.offer.param.watch(lambda *_: self._warn(), "value")
        self.answer_row = pn.FlexBox(self.accept, self.reject, sizing_mode="stretch_width")
        self.propose_row = pn.Column(
            self.offer,
            self.warning,
            pn.FlexBox(self.propose, self.no_offer, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
        game = pn.Column(
            pn.FlexBox(self.side, self.take, self.leave, sizing_mode="stretch_width"),
            self.brief,
            self.question,
            self.answer_row,
            self.propose_row,
            self.score,
            "#### What it is worth",
            self.terms,
            sizing_mode="stretch_width",
        )
        self.panel = side_by_side(
            game,
            pn.Column("### The game's log (newest first)", self.log, sizing_mode="stretch_width"),
            basis=("520px", "320px"),
        )
        session.param.watch(self.refresh, ["version", "large_text", "player"])
        session.param.watch(
            lambda *_: setattr(self.side, "options", session.scenario.state_names), "scenario_name"
        )
        self.update()

    # -- the player's answers
    def click_answer(self, decision: Any) -> None:
        """A button's click: :meth:`answer`, whose verdict the page shows itself."""
        self.answer(decision)

    def answer(self, decision: Any) -> bool:
        """The player's answer from a button: one answer per question, however often it is clicked."""
        now = self.clock()
        if now - self.answered_at < DOUBLE_CLICK_S or self.session.question is None:
            return False
        self.answered_at = now
        return self.session.guarded(self.session.decide, decision)

    def _take(self, _event: Any = None) -> None:
        self.session.guarded(self.session.play_side, self.side.value)

    def _leave(self) -> None:
        self.session.stop_playing_side()
        self.session.reset()

    def _warn(self) -> None:
        """A warning under the chosen offer when it crosses a red line or is worse than no deal."""
        s = self.session
        k = self.offer.value
        if not s.player or s.question is None or s.question.role != "propose" or k is None:
            self.warning.visible = False
            return
        me = s.model.state_by_name[s.player]
        worth = float(s.utilities()[k, me.index])
        lines = []
        if not me.allowed[k]:
            lines.append(f"⚠ This offer crosses your red line: {esc(me.red_line_why[k])}.")
        if worth < 0:
            lines.append(f"It is worth {number(worth)} to you: worse than no deal (0).")
        self.warning.object = " ".join(lines)
        self.warning.visible = bool(lines)

    # -- the end of a game
    def _debrief(self) -> None:
        """The score, history's outcome, and the model's odds of the same outcome from the same start."""
        s = self.session
        score = s.score()
        if score is None:
            self.score.visible = False
            return
        if score["worth"] is None:
            points = "**Your score: 0**: no deal (no deal is worth 0 to every side)."
        else:
            points = f"**Your score: {number(score['worth'])}**: what the deal was worth to {esc(s.player)} when you decided, against no deal (0)."
            if score["crossed"]:
                points += (
                    " It crosses one of your red lines: at home, that would be hard to defend."
                )
        lines = [f"### Debrief: {esc(score['outcome'])}", points]
        history = record_text(s.scenario)
        if history:
            lines.append(f"**What really happened:** {history}")
        e = self.debrief_odds
        if e.key != s.settings_key() and e.running is None:
            self._run_odds()  # without a server it is done at once, and has drawn the debrief already
            if e.key == s.settings_key():
                return
        if e.result is not None and e.key == s.settings_key():
            shares = e.result.shares().set_index("category")["share"]
            mine = float(shares.get(score["category"], 0.0))
            top = shares.idxmax()
            lines.append(
                f"**The model from the same start** ({e.result.n} runs with both sides on its own rules): "
                f"{score['outcome']} in {mine:.0%} of runs; most often {top.replace('_', ' ')} ({shares[top]:.0%})."
            )
        else:
            lines.append("*The model's odds from the same start are being computed…*")
        self.score.object = "\n\n".join(lines)
        self.score.visible = True

    def _run_odds(self) -> None:
        s = self.session
        batch = Batch(
            [(s.scenario, DEBRIEF_REPLICATES, s.seed, dict(s.overrides), ("tension",))],
            s.settings_key(),
            s.settings_label(),
        )
        self.debrief_odds.start(
            batch,
            lambda *_: self._debrief(),
            lambda exc: setattr(s, "error", describe_error(exc)),
            lambda *_: None,
        )

    def update(self) -> None:
        s = self.session
        q = s.question
        self.question.object = with_glossary(question_text(s))
        asking = q is not None and bool(s.player)
        self.answer_row.visible = asking and q.role == "answer"
        self.propose_row.visible = asking and q.role == "propose"
        for button in (
            self.accept,
            self.reject,
            self.propose,
            self.no_offer,
        ):  # enabled again for the new question
            button.disabled = True
            button.disabled = not asking
        self.leave.visible = bool(s.player)
        self.take.visible = not s.player
        if s.player:
            me = s.scenario.state(s.player)
            self.brief.object = with_glossary(
                f"**Your side: {esc(me.label or me.name)}.** {esc(side_position(s.scenario, me))}"
            )
        else:
            self.brief.object = ""
        if asking and q.role == "propose":
            table = offer_table(s, s.player)
            options = {}
            for row in table.to_dict("records"):
                red = " ⚠ red line" if not row["within your red lines"] else ""
                options[
                    f"{row['offer']}: {row['terms']} (you {number(row[f'worth to {s.player}'])}){red}"
                ] = int(row["offer"])
            self.offer.options = options
            if q.default is not None:
                self.offer.value = int(q.default)
            self._warn()
            self.terms.object = offers_html(s)
        elif asking:
            table = terms_table(s, q.offer)[[s.player]]
            self.terms.object = table.to_html(border=0, float_format=number)
        else:
            self.terms.object = ""
        self._debrief()
        # the Timeline tab has the log of an ordinary run; this one follows the game only
        self.log.object = (
            log_html(log_rows(s.model)) if s.player else "<i>The game's log appears here.</i>"
        )
        set_text_size(
            [], [self.question, self.terms, self.log, self.brief, self.score], s.large_text
        )
