"""The student's page (``/join``): join with the code and a first name, then play one side.

The page shows the student's side only: its briefing (its own values and red
lines, never the other side's), the offer on the table or the offers to choose
from, each with what it is worth to this side, and the game's shared log, with
the other side's reasons left out. Moves go to the class
(:meth:`~dashboard.classroom.room.Classroom.act`), which refuses a stale or
repeated one. The page's address carries the student's token, so a reload
returns to the same seat. The class wakes the page when its own game changes
(:meth:`~dashboard.classroom.room.Classroom.listen`), and the page redraws only
then; a slow poll (:data:`POLL_MS`) tells the class the page is still there
and runs the class's clock. The page shows the clock as a bar that the
browser empties by itself (:func:`clock_html`): a clock redrawn by the server
every second would cost it a message per student per second, in a class of
60 more than all the moves together.
"""

from __future__ import annotations

import html
import secrets
from typing import Any

import panel as pn

from dashboard.classroom import collector
from dashboard.classroom.drawing import batched, html_box, set_changed
from dashboard.classroom.game import ANSWER, PROPOSE, Game, Question
from dashboard.classroom.room import CLASSES, ClassError, ClassRegistry, Classroom, Student

POLL_MS = 5000  # how often a page tells the class it is there and runs the class's clock (ms)
PRIVATE_KINDS = (
    "offer",
    "accept",
    "reject",
    "no_offer",
)  # the other side's reasons (its worth, its target) are cut
HIDDEN_KINDS = (
    "trust",
    "compliance",
)  # the other side's beliefs, and whether it chose to cheat (and why), are its own
LOG_LINES = 60  # newest lines of the shared log shown
TITLE = "<h2>acsim class: negotiate it yourselves</h2>"
LOG_TITLE = "<h3>The negotiation so far (newest first)</h3>"
TEXT_SIZE = "18px"


def bold(text: object) -> str:
    """`text` in bold, as HTML (escaped)."""
    return f"<strong>{html.escape(str(text))}</strong>"


def shared_log(game: Game, side: int) -> list[tuple[str, str, str]]:
    """The game's log as `side`'s student may read it, newest first: (date, actor, text).

    The other sides' offers and answers are shown without their reasons (which
    name their private worth and targets), and their trust and compliance lines
    (whether they chose to cheat, from their private values) not at all.
    """
    me = game.side_names[side]
    out = []
    for e in game.model.log.entries:
        if e.actor and e.actor != me:
            if e.kind in HIDDEN_KINDS:
                continue
            if e.kind in PRIVATE_KINDS:
                out.append((e.date, e.actor, e.text.split(":", 1)[0].rstrip(".") + "."))
                continue
        out.append((e.date, e.actor, e.text))
    return out[::-1]


def briefing_html(game: Game, side: int) -> str:
    """`side`'s private briefing: who they are, what they value, their red lines (HTML)."""
    state = game.model.states[side]
    spec = state.spec
    label = getattr(spec, "label", "") or spec.name
    rows = []
    for part in ("utility", "bargaining"):
        values = getattr(spec, part, None)
        if values is None:
            continue
        for name, info in type(values).model_fields.items():
            value = getattr(values, name)
            draws = getattr(getattr(state, "draws", None), "values", {})
            if f"{part}.{name}" in draws and not isinstance(value, (int, float)):
                value = state.value(
                    f"{part}.{name}"
                )  # a prior: the side's own value, drawn for this game
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                help_text = html.escape(info.description or "")
                rows.append(
                    f"<tr><td title='{help_text}'>{html.escape(name.replace('_', ' '))}</td><td>{value:g}</td>"
                    f"<td class='help'>{help_text}</td></tr>"
                )
    lines = [
        str(r.reason) for r in getattr(spec, "red_lines", []) or [] if getattr(r, "reason", "")
    ]
    red = "".join(f"<li>{html.escape(line)}</li>" for line in lines) or "<li>none</li>"
    told = (getattr(game.scenario, "briefings", None) or {}).get(spec.name, "")
    told_html = f"<p class='told'>{html.escape(' '.join(told.split()))}</p>" if told else ""
    return (
        f"<h3>Your side: {html.escape(label)} ({html.escape(spec.name)})</h3>{told_html}"
        f"<p>Private: only you see this. Your red lines:</p><ul class='red-lines'>{red}</ul>"
        f"<details><summary>What your side values</summary><table class='values'>{''.join(rows)}</table></details>"
    )


def offer_choices(game: Game, side: int) -> dict[str, int]:
    """The offers `side` may propose, best for it first, each with its worth to it and a red-line warning."""
    m = game.model
    allowed = m.states[side].allowed
    order = sorted(range(len(m.space)), key=lambda k: -float(m.utilities[k, side]))
    in_force = m.treaty.in_force
    return {
        f"{m.space.describe(k, in_force)} (worth {float(m.utilities[k, side]):+.2f} to you)"
        + ("" if allowed[k] else " [crosses your red line]"): k
        for k in order
    }


def worth_html(game: Game, side: int, offer: int) -> str:
    """What the offer on the table is worth to `side`, term by term (utility against no deal)."""
    m = game.model
    trust = m.trust_matrix()[side].copy()
    terms = m.utility.terms(offer, side, trust, m.tension)
    rows = "".join(
        f"<tr><td>{html.escape(name.replace('_', ' '))}</td><td>{round(value, 2) + 0.0:+.2f}</td></tr>"
        for name, value in terms.items()
    )
    total = sum(terms.values())
    red = (
        ""
        if m.states[side].allowed[offer]
        else "<p class='warning'><b>It crosses one of your red lines.</b></p>"
    )
    verdict = "better than no deal" if total > 0 else "no better than no deal"
    return (
        f"<table class='worth'>{rows}<tr><th>total</th><th>{total:+.2f}</th></tr></table>"
        f"<p>For you, this deal is <b>{verdict}</b>.</p>{red}"
    )


def clock_seconds(room: Classroom, game: Game) -> float | None:
    """The seconds left for the move asked now (None without a clock, when paused or over)."""
    left = room.seconds_left(game)
    return None if left is None or game.over or room.paused else left


CLOCK_COLOUR, CLOCK_TRACK = "#0072B2", "#e6e6e6"
CLOCK_KEYFRAMES = (
    "<style>@keyframes classroom-clock { from { width: 100%; } to { width: 0%; } }</style>"
)


def clock_html(room: Classroom, game: Game) -> str:
    """The round's clock: a bar the browser empties over the seconds left (CSS animation), drawn
    once per move; started part-way (a negative delay) when part of the time has gone."""
    left = clock_seconds(room, game)
    if left is None:
        return ""
    total = room.round_seconds
    bar = (
        f"<div class='clock-bar' style='height:100%;background:{CLOCK_COLOUR};"
        f"animation:classroom-clock {total:g}s linear {left - total:.2f}s forwards'></div>"
    )
    return (
        f"{CLOCK_KEYFRAMES}<div class='clock' data-left='{left:.0f}' title='time left for this move' "
        f"style='height:10px;background:{CLOCK_TRACK};border-radius:5px;overflow:hidden;margin:8px 0'>{bar}</div>"
        f"<p class='clock-text'>{total:g} seconds a move: the bar shows the time left.</p>"
    )


def question_html(room: Classroom, game: Game, side: int) -> str:
    """What the student is asked now, with a marker a script can read (move number and role), and the clock."""
    return _asked(room, game, side) + clock_html(room, game)


def _asked(room: Classroom, game: Game, side: int) -> str:
    m, q = game.model, game.question
    date = m.calendar.labels[min(m.step_index, m.calendar.n_steps)]
    if game.over:
        outcome = game.outcome
        return f"<h3>The game is over: {html.escape(outcome.label)}</h3><p>{html.escape(outcome.reason)}</p>"
    if not game.started:
        return "<h3>Waiting for the teacher to start the games…</h3>"
    if room.paused:
        return "<h3>The teacher has paused the class.</h3>"
    if q is None:
        return f"<h3>{date}: the computer is playing…</h3>"
    marker = f"<span class='move' data-move='{q.number}' data-role='{q.role}' data-side='{q.side}'></span>"
    if q.side != side:
        return f"<h3>{date}: waiting for {html.escape(game.waiting_for())}</h3>{marker}"
    me = game.side_names[side]
    if q.role == ANSWER:
        others = ", ".join(n for i, n in enumerate(game.side_names) if i != side)
        advice = "accept" if q.default else "reject"
        return (
            f"<h3>{date}: {others} offers {html.escape(m.space.describe(q.offer_on_table, m.treaty.in_force))}</h3>"
            f"<p>Do you, <b>{me}</b>, accept? Your advisers would {advice} it.</p>{marker}"
        )
    advice = (
        "make no offer"
        if q.default is None
        else html.escape(m.space.describe(q.default, m.treaty.in_force))
    )
    return (
        f"<h3>{date}: your turn to propose, {me}</h3><p>Pick an offer. Your advisers suggest: {advice}.</p>"
        f"{marker}"
    )


class StudentPage:
    """One student's page: the join form, then their game."""

    def __init__(self, registry: ClassRegistry = CLASSES, token: str = ""):
        self.registry, self.token, self.page = registry, token, secrets.token_hex(8)
        self.shown: tuple = ()
        # the page's document, to schedule its redraws on (None in tests)
        self.doc = pn.state.curdoc
        self.waking = False  # a redraw is scheduled and has not run yet
        self.sent: int | None = None  # the number of the last move this page sent
        self.number: int | None = None
        self.code = pn.widgets.TextInput(
            label="Class code", placeholder="the code on the board", width=220
        )
        self.name = pn.widgets.TextInput(label="Your first name", width=220)
        self.join = pn.widgets.Button(label="Join", color="primary", width=120)
        self.message = html_box("classroom-message", sizing_mode="stretch_width")
        self.seat = html_box("classroom-seat", sizing_mode="stretch_width")
        self.briefing = html_box("classroom-briefing", sizing_mode="stretch_width")
        self.question = html_box("classroom-question", sizing_mode="stretch_width")
        self.accept = pn.widgets.Button(label="Accept", color="success", width=140)
        self.reject = pn.widgets.Button(label="Reject", color="danger", width=140)
        self.offer = pn.widgets.Select(label="Your offer", options={}, sizing_mode="stretch_width")
        self.propose = pn.widgets.Button(label="Propose", color="primary", width=140)
        self.no_offer = pn.widgets.Button(label="Make no offer", width=140)
        self.advice = pn.widgets.Button(label="Take my advisers' advice", width=220)
        self.worth = html_box("classroom-worth", sizing_mode="stretch_width")
        self.log = html_box(
            "classroom-log",
            height=420,
            sizing_mode="stretch_width",
            styles={"overflow-y": "auto", "border": "1px solid #ddd", "padding": "6px"},
        )
        self.join.on_click(lambda *_: self._join())
        self.accept.on_click(lambda *_: self._act(True))
        self.reject.on_click(lambda *_: self._act(False))
        self.propose.on_click(lambda *_: self._act(self.offer.value))
        self.no_offer.on_click(lambda *_: self._act(None))
        self.advice.on_click(lambda *_: self._act(self._default()))
        self.join_form = pn.Row(self.code, self.name, self.join)
        # one set of controls for both kinds of move (see _show_turn), built with the game: built
        # at a student's first move instead, the 60 pages of a class built theirs all at once
        # when the games started, and held up the first moves by a second
        self.controls = pn.Column(
            self.offer,
            pn.Row(self.accept, self.reject, self.propose, self.no_offer, self.advice),
            sizing_mode="stretch_width",
        )
        self.game_column = pn.Column(
            self.question, self.controls, self.worth, self.briefing, sizing_mode="stretch_width"
        )
        self.game_box = pn.Row(
            self.game_column,
            pn.Column(
                html_box("classroom-log-title", value=LOG_TITLE),
                self.log,
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )
        for w in (
            self.seat,
            self.briefing,
            self.question,
            self.worth,
            self.log,
            self.message,
        ):
            w.styles = {**w.styles, "font-size": TEXT_SIZE}
        # the join form and the game are placed on the page when first shown (see _place): a
        # student who joins never draws the game before, and one who returns never the form
        self.panel = pn.Column(
            html_box("classroom-title", value=TITLE),
            self.message,
            self.seat,
            sizing_mode="stretch_width",
            css_classes=["classroom-student"],
        )
        if token:
            self._claim()
        self.refresh(force=True)

    # ------------------------------------------------------------------ actions
    @property
    def room(self) -> Classroom | None:
        return self.registry.current

    def _join(self) -> None:
        room = self.room
        try:
            if room is None:
                raise ClassError("no class is open yet: wait for the teacher")
            student = room.join(self.code.value, self.name.value, self.page)
        except ClassError as exc:
            set_changed(self.message, value=bold(exc))
            return
        self.token = student.token
        set_changed(self.message, value="")
        if pn.state.location is not None:
            # Panel annotates each keyword's value as a Mapping; it takes any query value.
            pn.state.location.update_query(token=student.token)  # type: ignore[arg-type]
        room.listen(self.page, self.token, self._wake)
        self.refresh(force=True)

    def _claim(self) -> None:
        room = self.room
        try:
            if room is None:
                raise ClassError("no class is open: join again when the teacher opens one")
            room.claim(self.token, self.page)
            room.listen(self.page, self.token, self._wake)
        except ClassError as exc:
            self.token = ""
            set_changed(self.message, value=bold(exc))

    def _default(self) -> Any:
        game = self._game()
        return game.question.default if game is not None and game.question is not None else None

    def _act(self, decision: Any) -> None:
        room, game = self.room, self._game()
        if self.number is not None and self.number == self.sent:
            return  # a second click on the same question (a double click): already sent
        if room is None or game is None or self.number is None:
            set_changed(self.message, value=bold("There is no move to make now."))
            return
        self.sent = self.number
        try:
            room.act(self.token, self.page, self.number, decision)
            set_changed(self.message, value="")
        except ClassError as exc:
            set_changed(self.message, value=bold(f"Not sent: {exc}."))
        self.refresh(force=True)

    # ------------------------------------------------------------------ drawing
    def _game(self) -> Game | None:
        room = self.room
        return room.game_of(self.token) if room is not None and self.token else None

    def _wake(self) -> None:
        """The class says this page's game changed: redraw on the page's own turn of the server's loop."""
        doc = self.doc
        if self.waking or doc is None or doc.session_context is None:
            return
        self.waking = True
        doc.add_next_tick_callback(self._woken)

    def _woken(self) -> None:
        self.waking = False
        self.refresh()

    def forget(self) -> None:
        """The page was closed: the class stops waking it."""
        room = self.room
        if room is not None:
            room.forget(self.page)

    def poll(self) -> None:
        """Called every POLL_MS: keep the seat, run the class's clock, redraw if the game changed."""
        room = self.room
        if room is None or not self.token:
            return
        room.seen(self.token, self.page)
        room.tick()
        # every game over: the collector's freeze is lifted (see dashboard/classroom/collector.py)
        collector.follow(room)
        self.refresh()

    def refresh(self, force: bool = False) -> None:
        """Redraw when this page's game or the class's phase changed (or when forced).

        Other games' moves leave the page alone: a redraw costs the server about
        as much as a move, so a page that redrew at every move of the class
        would make a class of 60 cost 30 times a class of 2.
        """
        room, game = self.room, self._game()
        student = room.student(self.token) if room is not None else None
        key = (
            id(room),
            game.number if game else None,
            game.version if game else 0,
            (room.started, room.paused, room.ended) if room else (),
            student.side if student else None,
            room.holds(self.token, self.page) if room else False,
        )
        if key == self.shown and not force:
            return
        self.shown = key
        with batched(self.doc):
            self._draw(room, game)

    def _draw(self, room: Classroom | None, game: Game | None) -> None:
        if room is None or game is None:
            self._show_turn(joined=False, holds=False, asked=None)
            set_changed(
                self.seat,
                value=""
                if not self.token or room is None
                else bold("This class has no seat for you; join again."),
            )
            return
        student = room.student(self.token)
        holds = room.holds(self.token, self.page)
        q = game.question
        side = student.side if student else None
        mine = (
            holds
            and q is not None
            and q.side == side
            and game.started
            and not room.paused
            and not room.ended
        )
        asked = q if mine else None
        self._show_turn(joined=True, holds=holds, asked=asked)
        if not holds or student is None:
            set_changed(
                self.seat,
                value=bold("This seat is now open in another window.")
                + " Use that window, or reload this page.",
            )
            return
        self._draw_seat(room, game, student, asked)

    def _show_turn(self, joined: bool, holds: bool, asked: Question | None) -> None:
        """Show the join form, the game, and the answer or offer controls when `asked` is this page's move."""
        self.number = asked.number if asked is not None else None
        self._place(self.join_form, 1, visible=not joined)
        self._place(self.game_box, len(self.panel), visible=holds)
        answer = asked is not None and asked.role == ANSWER
        propose = asked is not None and asked.role == PROPOSE
        for widget, shown in (
            (self.accept, answer),
            (self.reject, answer),
            (self.offer, propose),
            (self.propose, propose),
            (self.no_offer, propose),
        ):
            set_changed(widget, visible=shown)
        set_changed(self.controls, visible=asked is not None)

    def _place(self, part: pn.viewable.Viewable, index: int, visible: bool) -> None:
        """Show or hide a part of the page (at `index` of the page).

        A part is put on the page, and built for the browser, only when first shown:
        each Panel component costs the server a few milliseconds to build, and a
        student's page, built whole, held up every other student's update by a
        tenth of a second or more when it opened. So a student who joins gets the
        form first and the game when seated; a returning student never gets the form.
        """
        if part in self.panel.objects:
            set_changed(part, visible=visible)
        elif visible:
            part.visible = True
            self.panel.insert(index, part)

    def _draw_seat(
        self, room: Classroom, game: Game, student: Student, asked: Question | None
    ) -> None:
        """Draw the page of a student whose page holds the seat; `asked` is the student's move, if any."""
        _, side = student.seat
        partners = [
            f"{game.seats[i].name or 'the computer'} ({n})"
            for i, n in enumerate(game.side_names)
            if i != side
        ]
        set_changed(
            self.seat,
            value=f"{bold(student.name)}, you play {bold(game.side_names[side])} in game {game.number}, "
            f"against {html.escape(', '.join(partners))}. Class code {room.code}.",
        )
        set_changed(self.briefing, value=briefing_html(game, side))
        set_changed(self.question, value=question_html(room, game, side))
        if asked is not None and asked.role == PROPOSE:
            set_changed(self.offer, options=offer_choices(game, side))
            if asked.default is not None:
                set_changed(self.offer, value=int(asked.default))
            set_changed(
                self.worth,
                value="<i>Each offer in the list shows its worth to you (against no deal: above 0 is better).</i>",
            )
        elif asked is not None:
            set_changed(self.worth, value=worth_html(game, side, asked.offer_on_table))
        else:
            set_changed(self.worth, value="")
        lines = shared_log(game, side)[:LOG_LINES]
        set_changed(
            self.log,
            value="".join(
                f"<div><b>{html.escape(d)}</b> {html.escape(a + ': ' if a else '')}{html.escape(t)}</div>"
                for d, a, t in lines
            ),
        )


def student_app() -> pn.viewable.Viewable:
    """The ``/join`` page for one browser session (its token, if any, from the address)."""
    token = (pn.state.session_args.get("token") or [b""])[0].decode(errors="replace")
    page = StudentPage(CLASSES, token)
    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        pn.state.add_periodic_callback(page.poll, period=POLL_MS)
        pn.state.on_session_destroyed(lambda _context: page.forget())
    return page.panel
