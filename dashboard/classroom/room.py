"""The class: a join code, its students, their games, and the teacher's controls.

One class at a time per server (see :data:`CLASSES`). Students join with the
code and a first name and get a token (kept in their page's address, so that a
reload returns them to their seat). Sides are assigned as they arrive, by the
class's mode: students play each other (pairs for two-state scenarios, groups
of three for three), everyone plays the computer, or a mix (every other
student plays the computer). A student left without a partner when the
teacher starts the games plays the computer; one who joins later plays the
computer at once. The teacher can move a student to another seat (swapping
with whoever sits there).

Pages ask to be told when their game changes (:meth:`Classroom.listen`): a
move wakes the pages of its own game only, so a class of 60 costs no more per
move than a class of 2. Every action names the student's token and the page
that holds the seat (the newest page a token opened); a page that lost its
seat, a move for a question already answered, a malformed move: each is
refused, noted in :attr:`Classroom.incidents`, and changes nothing. Nothing
here knows about Panel.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sim
from dashboard.classroom.game import TIMEOUT, Game, GameError, Move, Seat

MODES = {
    "students": "Students play each other",
    "computer": "Everyone plays the computer",
    "mix": "A mix: every other student plays the computer",
}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a projector
CODE_LENGTH = 5
TOKEN_BYTES = 12  # a student's token: 96 random bits, in the page's address
NAME_MAX = 30  # characters of a first name
ROUND_SECONDS = 90  # the teacher's clock: seconds a student has for a move (0: no clock)
AWAY_AFTER_S = 60.0  # seconds without a page before the computer takes a student's side
TICK_EVERY_S = 0.25  # the clock is applied at most this often, however many pages ask (seconds)
INCIDENTS_KEPT = 500  # refused messages remembered (the oldest are dropped)
DEFAULT_SEED = 2  # as the dashboard's: New START 2021 on a run that takes history's branch


class ClassError(ValueError):
    """A request the class refuses (wrong code, unknown student, paused, ...): a message for the user."""


@dataclass
class Student:
    """A student of the class (nothing is kept beyond the class)."""

    token: str
    name: str
    game: int | None = None  # game number
    side: int | None = None
    page: str = ""  # the page that holds the seat (the newest one opened with the token)
    last_seen: float = 0.0

    @property
    def seat(self) -> tuple[int, int]:
        """The student's (game number, side); a student of a class is seated from joining on.

        Raises:
            ClassError: the student has no seat (never the case once :meth:`Classroom.join` returns).
        """
        if self.game is None or self.side is None:
            raise ClassError(f"{self.name} has no seat yet")
        return self.game, self.side


@dataclass
class Classroom:
    """A class: its scenario, mode, students and games.

    Attributes:
        scenario: the scenario every game plays; seed: the seed of every game (the same draws for all).
        mode: a key of :data:`MODES`; round_seconds: the clock per move (0: none);
        away_after_s: seconds without a page before the computer takes a side.
        code: the join code; students: by token; games: by number, in order.
        started, paused, ended: the class's phase; odds: the model's ensemble from the same start (when computed).
        incidents: refused messages, newest last; version: goes up at every change.
    """

    scenario: sim.Scenario
    mode: str = "students"
    seed: int = DEFAULT_SEED
    round_seconds: float = ROUND_SECONDS
    away_after_s: float = AWAY_AFTER_S
    clock: Callable[[], float] = time.monotonic
    code: str = field(
        default_factory=lambda: "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    )
    students: dict[str, Student] = field(default_factory=dict)
    games: dict[int, Game] = field(default_factory=dict)
    started: bool = False
    paused: bool = False
    ended: bool = False
    odds: Any = None
    incidents: list[str] = field(default_factory=list)
    version: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ClassError(f"unknown mode {self.mode!r}; expected one of {', '.join(MODES)}")
        if self.round_seconds < 0:
            raise ClassError(
                f"the round's clock must be 0 (none) or more seconds (got {self.round_seconds})"
            )
        self.lock = threading.RLock()
        self._paused_at = 0.0
        self._arrivals = 0
        self._ticked = -TICK_EVERY_S
        self._listeners: dict[str, tuple[str, Callable[[], None]]] = {}  # page -> (token, wake)

    @property
    def group_size(self) -> int:
        """Students in a game of students: one per state."""
        return len(self.scenario.state_names)

    # ------------------------------------------------------------------ joining
    def join(self, code: str | None, name: str | None, page: str = "") -> Student:
        """A student joins with the class's code and a first name; returns them with their seat.

        Raises:
            ClassError: a wrong code, an empty or overlong name, or a class that has ended.
        """
        with self.lock:
            if (code or "").strip().upper() != self.code:
                raise ClassError("that is not this class's code: check the code on the board")
            name = " ".join((name or "").split())
            if not name:
                raise ClassError("type your first name")
            if len(name) > NAME_MAX:
                raise ClassError(f"a first name of at most {NAME_MAX} characters, please")
            if self.ended:
                raise ClassError("this class has ended")
            student = Student(
                secrets.token_urlsafe(TOKEN_BYTES), name, page=page, last_seen=self.clock()
            )
            self.students[student.token] = student
            self._seat(student)
            self._changed(self.games[student.seat[0]])
            return student

    def _seat(self, student: Student) -> None:
        """Give a new student a seat, by the mode (see the module's docstring)."""
        self._arrivals += 1
        solo = (
            self.mode == "computer"
            or (self.mode == "mix" and self._arrivals % 2 == 1)
            or self.started
        )
        if not solo:
            for game in self.games.values():
                empty = [i for i, s in enumerate(game.seats) if not s.human]
                if not game.started and not game.solo and empty:
                    self._sit(student, game, empty[0])
                    return
        game = self._new_game(solo)
        side = (self._arrivals - 1) % self.group_size if solo else 0
        self._sit(student, game, side)
        if self.started:
            game.start()

    def _new_game(self, solo: bool) -> Game:
        number = max(self.games, default=0) + 1
        game = Game(
            number,
            self.scenario,
            self.seed,
            [Seat() for _ in self.scenario.state_names],
            self.clock,
        )
        game.solo = solo
        self.games[number] = game
        return game

    def _sit(self, student: Student, game: Game, side: int) -> None:
        game.seats[side] = Seat(student.token, student.name)
        student.game, student.side = game.number, side
        game.reseated()

    def student(self, token: str) -> Student | None:
        return self.students.get(token or "")

    def game_of(self, token: str) -> Game | None:
        s = self.student(token)
        return self.games.get(s.game) if s is not None and s.game is not None else None

    # ------------------------------------------------------------------ pages
    def claim(self, token: str, page: str) -> Student:
        """The page `page` now holds the student's seat (a reload or a new window takes it over).

        Raises:
            ClassError: the token is not a student of this class.
        """
        with self.lock:
            student = self.student(token)
            if student is None:
                raise ClassError(
                    "this link is not from the current class: join again with the code"
                )
            student.page = page
            self.seen(token, page)
            return student

    def holds(self, token: str, page: str) -> bool:
        """Whether `page` is the page that holds the student's seat."""
        student = self.student(token)
        return student is not None and bool(page) and student.page == page

    def seen(self, token: str, page: str) -> None:
        """The student's page is alive (called by it every few seconds); a student who was away is back."""
        with self.lock:
            student = self.student(token)
            if student is None or student.page != page:
                return
            student.last_seen = self.clock()
            game = self.game_of(token)
            if game is not None and game.seats[student.seat[1]].away and not self.ended:
                game.hand_to_computer(student.seat[1], away=False)
                self._changed(game)

    # ------------------------------------------------------------------ the teacher
    def reassign(self, token: str, game_number: int, side: int) -> None:
        """Move a student to a seat; whoever sat there takes the student's old seat.

        Raises:
            ClassError: an unknown student, game or side; or a seat the computer plays in a
                started game (its moves so far were the computer's, so it stays the computer's).
        """
        with self.lock:
            student = self.student(token)
            if student is None:
                raise ClassError("no such student in this class")
            target = self.games.get(game_number)
            if target is None or not 0 <= side < self.group_size:
                raise ClassError(f"no game {game_number} with a side number {side}")
            source_number, old_side = student.seat
            source = self.games[source_number]
            if (target.number, side) == (source.number, old_side):
                return
            occupant = target.seats[side]
            if (source.started or target.started) and not occupant.human:
                raise ClassError(
                    f"game {target.number}'s {target.side_names[side]} is the computer's in a game under way: "
                    "swap the student with another student, or move them before the games start"
                )
            other = self.students.get(occupant.token)
            source.seats[old_side] = Seat()
            self._sit(student, target, side)
            if other is not None:
                self._sit(other, source, old_side)
            else:
                source.reseated()
            self._drop_empty_games()
            self._changed(source, target)

    def _drop_empty_games(self) -> None:
        for number in [
            n for n, g in self.games.items() if not g.started and not any(s.human for s in g.seats)
        ]:
            self.games.pop(number).close()

    def start(self) -> None:
        """Start every game (a student without a partner plays the computer)."""
        with self.lock:
            if self.ended:
                raise ClassError("this class has ended")
            self.started = True
            for game in self.games.values():
                game.start()
            self._changed()

    def pause(self) -> None:
        """Pause every game: no moves, and the clock stops."""
        with self.lock:
            if not self.paused and not self.ended:
                self.paused, self._paused_at = True, self.clock()
                self._changed()

    def resume(self) -> None:
        """Resume every game; each clock goes on from where it stopped."""
        with self.lock:
            if self.paused:
                pause = self.clock() - self._paused_at
                for game in self.games.values():
                    game.asked_at += pause
                self.paused = False
                self._changed()

    def end(self) -> None:
        """End the class: the computer plays every unfinished game to its end."""
        with self.lock:
            if self.ended:
                return
            self.ended, self.paused = True, False
            for game in self.games.values():
                game.finish_by_computer()
            self._changed()

    # ------------------------------------------------------------------ playing
    def act(self, token: str, page: str, number: int, decision: Any) -> Move:
        """A student's move from their page (see :meth:`Game.move`).

        Raises:
            ClassError: refused (noted in ``incidents``): not the page that holds the seat, a paused
                or ended class, or anything :meth:`Game.move` refuses.
        """
        with self.lock:
            student = self.student(token)
            try:
                if student is None:
                    raise ClassError("unknown student")
                if not self.holds(token, page):
                    raise ClassError("this seat was opened in another window; use that one")
                if self.paused:
                    raise ClassError("the class is paused")
                if self.ended:
                    raise ClassError("the class has ended")
                game = self.games[student.seat[0]]
                move = game.move(token, number, decision)
            except (ClassError, GameError) as exc:
                self.refuse(student, str(exc))
                raise ClassError(str(exc)) from None
            student.last_seen = self.clock()
            self._changed(game)
            return move

    def refuse(self, student: Student | None, why: str) -> None:
        """Note a refused message (who, which game, why); the game goes on."""
        who = f"{student.name} (game {student.game})" if student is not None else "an unknown page"
        self.incidents.append(f"refused from {who}: {why}")
        del self.incidents[:-INCIDENTS_KEPT]
        if student is not None and student.game in self.games:
            self.games[student.game].refuse(why)
        self.version += 1

    def tick(self) -> bool:
        """Apply the clock: a move not made in time, a student away too long. True when anything changed."""
        with self.lock:
            now, changed = self.clock(), {}
            if not self.started or self.paused or self.ended or now - self._ticked < TICK_EVERY_S:
                return False
            self._ticked = now
            for student in self.students.values():
                number, side = student.seat
                game = self.games.get(number)
                if (
                    game is not None
                    and not game.seats[side].away
                    and now - student.last_seen > self.away_after_s
                ):
                    game.hand_to_computer(side, away=True)
                    changed[game.number] = game
            if self.round_seconds:
                for game in self.games.values():
                    q = game.question
                    if (
                        q is not None
                        and game.started
                        and game.seats[q.side].human
                        and now - game.asked_at > self.round_seconds
                    ):
                        game.computer_moves(TIMEOUT)
                        changed[game.number] = game
            if changed:
                self._changed(*changed.values())
            return bool(changed)

    def seconds_left(self, game: Game) -> float | None:
        """Seconds left on the clock for the game's current move (None: no clock or no move asked)."""
        if not self.round_seconds or game.question is None or not game.started:
            return None
        now = self._paused_at if self.paused else self.clock()
        return max(0.0, self.round_seconds - (now - game.asked_at))

    # ------------------------------------------------------------------ telling pages
    def listen(self, page: str, token: str, wake: Callable[[], None]) -> None:
        """Call `wake` (with the class's lock held: it should only schedule a redraw) whenever the
        game of the student `token` changes, or the whole class does; `page` names the listener."""
        with self.lock:
            self._listeners[page] = (token, wake)

    def forget(self, page: str) -> None:
        """Stop telling `page` (it was closed)."""
        with self.lock:
            self._listeners.pop(page, None)

    def _changed(self, *games: Game) -> None:
        """Something changed: in these games only (their students' pages are woken), or, with no
        game named, in the whole class (every page is woken)."""
        self.version += 1
        numbers = {g.number for g in games}
        for page, (token, wake) in list(self._listeners.items()):
            student = self.students.get(token)
            if games and (student is None or student.game not in numbers):
                continue
            try:
                wake()
            except Exception:  # a page whose session has gone: it is told no more
                self._listeners.pop(page, None)


class ClassRegistry:
    """The server's one class (a new class replaces the last, which is forgotten)."""

    def __init__(self) -> None:
        self.current: Classroom | None = None
        self.lock = threading.Lock()

    def open(self, scenario: sim.Scenario, **options: Any) -> Classroom:
        """Open a new class (the previous one ends and is forgotten)."""
        with self.lock:
            if self.current is not None:
                self.current.end()
            self.current = Classroom(scenario, **options)
            return self.current


CLASSES = ClassRegistry()
