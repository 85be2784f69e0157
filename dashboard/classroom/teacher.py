"""The teacher's console (``/teacher?key=...``): open a class, show how to join, watch and steer it.

Set-up: a scenario, a mode (:data:`~dashboard.classroom.room.MODES`), the
round's clock and the seed every game plays with; then "Open the class" shows
the join code, the join address and its QR code, large enough for a
projector. The board shows every game live, the class's outcomes beside the
model's odds from the same start (an ensemble run on the server's worker
pool), pause / resume / end, the debrief, and the export.
"""

from __future__ import annotations

import functools
import html
import io
import threading
from collections.abc import Callable
from typing import Any

import panel as pn
import segno

import sim
from dashboard.classroom import collector, export, results
from dashboard.classroom.drawing import batched, html_box, set_changed
from dashboard.classroom.room import (
    CLASSES,
    DEFAULT_SEED,
    MODES,
    ROUND_SECONDS,
    ClassError,
    ClassRegistry,
    Classroom,
)
from dashboard.workers import worker_pool
from sim.ensemble import default_workers
from sim.runner import cached_scenario

DEFAULT_SCENARIO = "new_start_2021"
POLL_MS = 1000  # how often the board redraws when the class changed (ms)
QR_SCALE = (
    8  # pixels per QR module: about 300 px for a join address, readable from the back of a room
)
CODE_FONT = "64px"
BOARD_FONT = "18px"  # the board, read from the back of a room


@functools.lru_cache(maxsize=8)
def join_qr_svg(url: str) -> str:
    """The join address as a QR code (SVG markup)."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(
        buf, kind="svg", scale=QR_SCALE, border=2, xmldecl=False, svgns=True
    )
    return buf.getvalue().decode()


@functools.cache
def scenario_titles() -> dict[str, str]:
    """{title: name} of the bundled scenarios that have states to play (two or more)."""
    out: dict[str, str] = {}
    for name in sim.bundled_scenarios():
        scn = sim.load_scenario(name)
        if len(scn.state_names) >= 2:
            out[f"{scn.title or name} ({name})"] = name
    return out


def compute_odds(room: Classroom) -> None:
    """The model's odds from the class's start, on the server's worker pool; stored on the class when in."""
    result = results.model_odds(room.scenario, executor=worker_pool(), workers=default_workers())
    with room.lock:
        room.odds = result
        room.version += 1


def table_html(rows: list[dict], css: str) -> str:
    if not rows:
        return "<i>No games yet.</i>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r.values()) + "</tr>"
        for r in rows
    )
    return f"<table class='{css}'><tr>{head}</tr>{body}</table>"


def outcomes_html(room: Classroom) -> str:
    """The class's outcomes beside the model's, with bars, and the agreement dates."""
    table = results.outcome_table(room)
    if table.empty:
        return "<i>Outcomes appear here as games finish; the model's odds are being computed.</i>"
    rows = []
    for r in table.to_dict("records"):

        def bar(v: float, colour: str) -> str:
            if v != v:  # NaN
                return "–"
            return f"<div style='background:{colour};width:{2 * v:.0f}px;height:14px;display:inline-block'></div> {v:.0f}%"

        rows.append(
            f"<tr><td>{html.escape(r['outcome'])}</td><td>{r['games']}</td>"
            f"<td>{bar(r['class %'], '#0072B2')}</td><td>{bar(r['model %'], '#E69F00')}</td></tr>"
        )
    dates = results.agreement_dates(room)
    model_n = room.odds.n if room.odds is not None else 0
    note = (
        f"<p>Agreement dates in class: {html.escape(', '.join(dates['class']) or 'none yet')}. "
        + (
            f"The model ({model_n} runs): {dates['model agreed %']:.0f}% agree, half of them by "
            f"{html.escape(dates['model median'])}.</p>"
            if dates["model median"]
            else "The model's odds: computing…</p>"
        )
    )
    return (
        "<table class='classroom-outcomes'><tr><th>outcome</th><th>games</th><th>class</th>"
        f"<th>model</th></tr>{''.join(rows)}</table>{note}"
    )


class TeacherConsole:
    """The console for one teacher's page."""

    def __init__(
        self,
        registry: ClassRegistry = CLASSES,
        join_url: str = "",
        odds: Callable[[Classroom], None] = compute_odds,
    ):
        self.registry, self.join_url, self.odds = registry, join_url, odds
        self.shown: tuple = ()
        self.doc = pn.state.curdoc  # the page's document (None in tests)
        self.outcomes_shown: tuple = ()
        titles = dict(scenario_titles())
        self.scenario = pn.widgets.Select(
            label="Scenario",
            options=titles,
            value=DEFAULT_SCENARIO if DEFAULT_SCENARIO in titles.values() else None,
            width=320,
        )
        self.mode = pn.widgets.RadioBoxGroup(
            options={v: k for k, v in MODES.items()}, value="students"
        )
        self.clock = pn.widgets.IntInput(
            label="Seconds per move (0: no clock)",
            value=ROUND_SECONDS,
            start=0,
            end=3600,
            width=220,
        )
        self.seed = pn.widgets.IntInput(
            label="Seed (every game the same)",
            value=DEFAULT_SEED,
            start=0,
            end=2**31 - 1,
            width=220,
        )
        self.open = pn.widgets.Button(label="Open the class", color="primary", width=180)
        self.start = pn.widgets.Button(label="Start the games", color="success", width=180)
        self.pause = pn.widgets.Button(label="Pause all", width=120)
        self.resume = pn.widgets.Button(label="Resume all", width=120)
        self.end = pn.widgets.Button(label="End the class", color="danger", width=150)
        self.message = pn.pane.Markdown("", css_classes=["classroom-message"])
        self.join_card = pn.pane.HTML(
            "", css_classes=["classroom-join"], sizing_mode="stretch_width"
        )
        self.students = pn.pane.HTML(
            "", css_classes=["classroom-students"], sizing_mode="stretch_width"
        )
        self.who = pn.widgets.Select(label="Move student", options={}, width=220)
        self.where = pn.widgets.Select(label="to seat", options={}, width=280)
        self.move = pn.widgets.Button(label="Move", width=100)
        self.board = html_box(
            "classroom-board", sizing_mode="stretch_width"
        )  # redrawn every second
        self.outcomes = pn.pane.HTML(
            "", css_classes=["classroom-outcomes-pane"], sizing_mode="stretch_width"
        )
        self.debrief = pn.pane.Markdown(
            "", css_classes=["classroom-debrief"], sizing_mode="stretch_width"
        )
        self.show_debrief = pn.widgets.Button(label="Show the debrief", color="primary", width=180)
        self.incidents = pn.pane.HTML(
            "", css_classes=["classroom-incidents"], sizing_mode="stretch_width"
        )
        self.downloads = pn.Row(
            pn.widgets.FileDownload(
                callback=self._file(export.games_csv),
                filename="class_games.csv",
                label="Games (CSV)",
            ),
            pn.widgets.FileDownload(
                callback=self._file(export.moves_csv),
                filename="class_moves.csv",
                label="Moves (CSV)",
            ),
            pn.widgets.FileDownload(
                callback=self._file(export.logs_zip),
                filename="class_logs.zip",
                label="Each game's log (zip)",
            ),
        )
        self.open.on_click(lambda *_: self._guarded(self._open))
        self.start.on_click(lambda *_: self._guarded(self._start))
        self.pause.on_click(lambda *_: self._guarded(lambda: self.room.pause()))
        self.resume.on_click(lambda *_: self._guarded(lambda: self.room.resume()))
        self.end.on_click(lambda *_: self._guarded(lambda: self.room.end()))
        self.move.on_click(lambda *_: self._guarded(self._reassign))
        self.show_debrief.on_click(lambda *_: self._guarded(self._debrief))
        self.setup = pn.Column(
            "### A new class",
            self.scenario,
            "Mode",
            self.mode,
            pn.Row(self.clock, self.seed),
            self.open,
        )
        self.status = pn.pane.Markdown("", css_classes=["classroom-phase"])
        for pane in (self.board, self.outcomes, self.debrief, self.students):
            pane.styles = {"font-size": BOARD_FONT}
        self.tabs = pn.Tabs(
            (
                "Class",
                pn.Column(
                    pn.Row(self.setup, self.join_card, sizing_mode="stretch_width"),
                    "### Students",
                    self.students,
                    pn.Row(self.who, self.where, self.move),
                    sizing_mode="stretch_width",
                ),
            ),
            (
                "Board",
                pn.Column(
                    "### Every game",
                    self.board,
                    "### Outcomes: the class beside the model",
                    self.outcomes,
                    sizing_mode="stretch_width",
                ),
            ),
            ("Debrief", pn.Column(self.show_debrief, self.debrief, sizing_mode="stretch_width")),
            (
                "Export",
                pn.Column(
                    self.downloads,
                    "### Refused messages",
                    self.incidents,
                    sizing_mode="stretch_width",
                ),
            ),
            dynamic=False,
            sizing_mode="stretch_width",
        )
        self.controls = pn.Row(self.start, self.pause, self.resume, self.end, self.status)
        self.panel = pn.Column(
            "## acsim: the teacher's console",
            self.message,
            self.controls,
            self.tabs,
            sizing_mode="stretch_width",
            css_classes=["classroom-console"],
        )
        self.refresh(force=True)

    @property
    def room(self) -> Classroom:
        if self.registry.current is None:
            raise ClassError("open a class first")
        return self.registry.current

    def _guarded(self, action: Callable[[], Any]) -> None:
        try:
            action()
            self.message.object = ""
        except ClassError as exc:
            self.message.object = f"**{exc}**"
        collector.follow(self.registry.current)  # started, paused, resumed or ended: see collector
        self.refresh(force=True)

    def _file(self, make: Callable[[Classroom], Any]) -> Callable[[], io.BytesIO]:
        def callback() -> io.BytesIO:
            room = self.registry.current
            data = make(room) if room is not None else ""
            return io.BytesIO(data if isinstance(data, bytes) else data.encode())

        return callback

    def _open(self) -> None:
        if not self.scenario.value:
            raise ClassError("pick a scenario")
        collector.release()
        room = self.registry.open(
            # the process's one copy of the scenario: the model compiles a scenario once per object
            # and keeps the compiled form, so a copy per class would leave 5 MB behind each class
            cached_scenario(self.scenario.value),
            mode=self.mode.value,
            seed=_whole_number(self.seed, "seed"),
            round_seconds=_whole_number(self.clock, "seconds per move"),
        )
        self.debrief.object = ""
        if self.odds is not None:
            threading.Thread(target=self.odds, args=(room,), name="class-odds", daemon=True).start()

    def _start(self) -> None:
        self.room.start()

    def _reassign(self) -> None:
        if not self.who.value or not self.where.value:
            raise ClassError("pick a student and a seat")
        game, side = self.where.value
        self.room.reassign(self.who.value, game, side)

    def _debrief(self) -> None:
        self.debrief.object = "### Debrief\n\n" + results.debrief(self.room)

    def poll(self) -> None:
        room = self.registry.current
        if room is not None:
            room.tick()
        collector.follow(room)  # the last game over: the collector's freeze is lifted
        self.refresh()

    def refresh(self, force: bool = False) -> None:
        """Redraw when the class changed (or when forced)."""
        room = self.registry.current
        key = (id(room), room.version if room else -1, room.paused if room else False)
        if key == self.shown and not force:
            return
        self.shown = key
        with batched(self.doc):
            self._draw(room)

    def _draw(self, room: Classroom | None) -> None:
        if room is None:
            for w in (self.start, self.pause, self.resume, self.end, self.show_debrief, self.move):
                set_changed(w, disabled=True)
            set_changed(self.join_card, object="<i>Open a class to show its join code here.</i>")
            return
        set_changed(self.start, disabled=room.started or room.ended)
        set_changed(self.pause, disabled=room.paused or room.ended)
        set_changed(self.resume, disabled=not room.paused or room.ended)
        set_changed(self.end, disabled=room.ended)
        set_changed(self.move, disabled=room.ended)
        set_changed(self.show_debrief, disabled=False)
        phase = (
            "ended"
            if room.ended
            else "paused"
            if room.paused
            else "playing"
            if room.started
            else "joining"
        )
        set_changed(
            self.status,
            object=f"Class {room.code}: **{phase}**, {len(room.students)} students, {len(room.games)} games.",
        )
        url = self.join_url or "/join"
        join_card = (
            f"<div style='display:flex;gap:24px;align-items:center'><div>"
            f"<div>Join at <b class='join-url'>{html.escape(url)}</b> with the code</div>"
            f"<div class='join-code' style='font-size:{CODE_FONT};font-weight:bold;letter-spacing:8px'>{room.code}</div>"
            f"<div>{html.escape(room.scenario.title or room.scenario.name)}: {html.escape(MODES[room.mode])}; "
            f"{len(room.students)} joined; {phase}.</div></div>"
            f"<div class='join-qr'>{join_qr_svg(url)}</div></div>"
        )
        students = table_html(
            [
                {
                    "student": s.name,
                    "game": s.game,
                    "side": room.games[s.game].side_names[s.seat[1]]
                    if s.game in room.games
                    else "",
                }
                for s in room.students.values()
            ],
            "students",
        )
        where = {
            f"game {g.number}, {side} ({seat.name or 'computer'})": (g.number, i)
            for g in room.games.values()
            for i, (side, seat) in enumerate(zip(g.side_names, g.seats))
        }
        incidents = (
            "".join(f"<div>{html.escape(i)}</div>" for i in room.incidents[-20:][::-1])
            or "<i>None.</i>"
        )
        set_changed(self.join_card, object=join_card)
        set_changed(self.students, object=students)
        set_changed(self.who, options={s.name: s.token for s in room.students.values()})
        set_changed(self.where, options=where)
        set_changed(self.board, value=table_html(results.board_rows(room), "board"))
        finished = (id(room), sum(g.over for g in room.games.values()), id(room.odds))
        if (
            finished != self.outcomes_shown
        ):  # the table is pandas work: only when a game ends or the odds come in
            self.outcomes_shown = finished
            set_changed(self.outcomes, object=outcomes_html(room))
        set_changed(self.incidents, object=incidents)


def _whole_number(box: pn.widgets.IntInput, what: str) -> int:
    """The number typed in `box`.

    Raises:
        ClassError: the box is empty (`what` names it in the message).
    """
    if box.value is None:
        raise ClassError(f"type a whole number for the {what}")
    return int(box.value)


def teacher_app(join_url: str = "") -> pn.viewable.Viewable:
    """The ``/teacher`` page for one browser session (the key was checked before the session was made)."""
    console = TeacherConsole(CLASSES, join_url)
    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        pn.state.add_periodic_callback(console.poll, period=POLL_MS)
    return console.panel
