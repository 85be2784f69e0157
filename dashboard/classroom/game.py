"""One game of a class: students (and the computer) play the states of one scenario against each other.

A game is the model run with some states' bargaining moves made by students
(:meth:`sim.ArmsControlModel.decide_for`). The model asks for a move in the
middle of a step, and a student answers seconds or minutes later; so each game
runs its model in a thread of its own, which waits at the student's move and
goes on when it comes (the game's caller waits meanwhile, so the model is
never read while it runs). A move costs only the model's own work up to the
next question, and the run is the one ``sim.run`` makes with the same seed when
every move is the rules' own.

A side whose student is away (their page closed for longer than the class's
timeout) or who lets the round's clock run out gets the computer's move: the
one the state's own rules would make, logged as such. Nothing here knows about
Panel: the class and its games are tested without a server.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import sim

STUDENT, TIMEOUT, COMPUTER, ENDED = "student", "timeout", "computer", "ended"  # who made a move
MOVE_SOURCES = (STUDENT, TIMEOUT, COMPUTER, ENDED)
PROPOSE, ANSWER = "propose", "answer"
_STOP = object()  # sent to a game's thread to end it


class GameError(ValueError):
    """A move that cannot be made now (stale, malformed, not this side's turn): refused, the game goes on."""


class _Stop(Exception):
    """Raised inside a game's thread to end it (the game was reseated or dropped)."""


@dataclass(frozen=True)
class Question:
    """The move a game waits for: `side` (a state's index) must propose or answer.

    Attributes:
        number: the number the move will have (0 for the game's first move); a
            message that names another number is stale or replayed.
        side: index of the state that must move.
        role: "propose" or "answer".
        offer: the offer on the table (answer) or the one the state's rules would make (propose).
        default: the computer's move: the rules' offer (propose) or their answer (True: accept).
        step: the calendar step the question is asked in.
    """

    number: int
    side: int
    role: str
    offer: int | None
    default: Any
    step: int

    @property
    def offer_on_table(self) -> int:
        """The offer an answer is asked about (a question to answer always has one).

        Raises:
            GameError: the question has no offer on the table.
        """
        if self.offer is None:
            raise GameError(f"move {self.number} has no offer on the table to answer")
        return self.offer


@dataclass(frozen=True)
class Move:
    """One move made in a game (replayed each time the game runs again).

    Attributes:
        number: 0, 1, 2, ... in the order the model asked.
        side: the state's index; role: "propose" or "answer".
        decision: the offer index proposed (None: no offer) or the answer (True: accept).
        default: what the computer would have done.
        source: who moved: "student", "timeout" (the clock ran out), "computer" (the student was
            away) or "ended" (the teacher ended the class).
        player: the student's first name ("" for the computer).
        step: calendar step; seconds: from the question to the move (wall clock).
    """

    number: int
    side: int
    role: str
    offer: int | None
    decision: Any
    default: Any
    source: str
    player: str
    step: int
    seconds: float


@dataclass
class Seat:
    """A side of a game: the student who plays it ("" for the computer from the start)."""

    token: str = ""
    name: str = ""
    away: bool = False  # the student left: the computer moves for them until they return

    @property
    def human(self) -> bool:
        return bool(self.token)


SOURCE_WORDS = {
    TIMEOUT: "did not move in time: its advisers' move is made for it",
    COMPUTER: "is away: the computer makes its advisers' move",
    ENDED: "the class has ended: the computer makes its advisers' move",
}


@dataclass
class Game:
    """One negotiation between students (and the computer) from one scenario's start.

    Attributes:
        number: the game's number in its class (1, 2, ...).
        scenario: the scenario played; seed: the run's seed (the same draws as ``sim.run`` with it).
        seats: one per state, in the scenario's order.
        moves: every move made so far.
        model: the run as far as it has gone (its thread waits where it asks a question).
        question: what the game waits for (None while it is not started or when it is over).
        started: whether the teacher has started it; asked_at: the clock when the question was asked.
        version: goes up at every change, so that a page knows when to redraw.
    """

    number: int
    scenario: sim.Scenario
    seed: int
    seats: list[Seat]
    clock: Callable[[], float]
    moves: list[Move] = field(default_factory=list)
    model: sim.ArmsControlModel = field(init=False)  # built by __post_init__
    question: Question | None = None
    started: bool = False
    asked_at: float = 0.0
    version: int = 0
    refused: list[str] = field(default_factory=list)
    solo: bool = (
        False  # one student against the computer by the class's mode (no partner will join)
    )

    def __post_init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._run_model()

    def reseated(self) -> None:
        """The seats changed (a student joined or was moved): before the start, who plays which side is settled anew."""
        if not self.started:
            self.close()
            self.moves.clear()
            self._run_model()
        else:
            self.version += 1

    def close(self) -> None:
        """End the game's thread if it still waits for a move (the game is dropped or started anew)."""
        if self._thread is not None and self._thread.is_alive():
            self._to_model.put((_STOP, ""))
            self._thread.join()

    # ------------------------------------------------------------------ what it is
    @property
    def side_names(self) -> list[str]:
        return self.scenario.state_names

    @property
    def over(self) -> bool:
        return self.model.outcome is not None

    @property
    def outcome(self):
        """The model's :class:`~sim.outcomes.Outcome` once the game is over, else None."""
        return self.model.outcome

    def side_of(self, token: str) -> int | None:
        """The index of the side this student plays here, or None."""
        return next((i for i, s in enumerate(self.seats) if token and s.token == token), None)

    def waiting_for(self) -> str:
        """Whose move it is, in words ("" when no one's)."""
        q = self.question
        if q is None:
            return ""
        seat = self.seats[q.side]
        return f"{self.side_names[q.side]} ({seat.name})"

    # ------------------------------------------------------------------ moving
    def start(self) -> None:
        """Let the students move (before this, the game shows its opening)."""
        if not self.started:
            self.started = True
            self.asked_at = self.clock()
            self.version += 1

    def move(self, token: str, number: int, decision: Any) -> Move:
        """A student's move: `decision` answers question `number` for the side `token` plays.

        Raises:
            GameError: the game is not started or is over; it is not this student's turn;
                `number` is not the current question's (a replayed or stale message);
                the decision is not a move (not an offer of this scenario, not yes/no).
        """
        side = self.side_of(token)
        q = self.question
        if side is None:
            raise GameError("this student plays no side in this game")
        if not self.started:
            raise GameError("the game has not started yet")
        if q is None:
            raise GameError("the game is over" if self.over else "no move is asked for now")
        if number != q.number:
            raise GameError(
                f"move {number} is not the move asked for (move {q.number}): a stale or repeated message"
            )
        if q.side != side:
            raise GameError(
                f"it is {self.side_names[q.side]}'s move, not {self.side_names[side]}'s"
            )
        return self._record(self._checked(decision), STUDENT)

    def computer_moves(self, source: str) -> Move | None:
        """The computer's move for the side asked now (the clock ran out, or the class ended)."""
        if self.question is None:
            return None
        return self._record(self.question.default, source)

    def hand_to_computer(self, side: int, away: bool) -> None:
        """Mark a side's student away (the computer moves for them) or back."""
        seat = self.seats[side]
        if seat.away == away:
            return
        seat.away = away
        if away and self.question is not None and self.question.side == side and self.started:
            self._record(self.question.default, COMPUTER)
        else:
            self.version += 1

    def _checked(self, decision: Any) -> Any:
        q, n = self._asked(), len(self.model.space)
        if q.role == ANSWER:
            if not isinstance(decision, (bool, np.bool_)):
                raise GameError(f"an answer is yes or no (got {decision!r})")
            return bool(decision)
        if decision is None:
            return None
        if (
            isinstance(decision, (bool, np.bool_))
            or not isinstance(decision, (int, np.integer))
            or not 0 <= decision < n
        ):
            raise GameError(f"an offer is a number from 0 to {n - 1} (got {decision!r})")
        return int(decision)

    def _asked(self) -> Question:
        """The question waiting for an answer.

        Raises:
            GameError: no question is waiting (the game has not started, or has ended).
        """
        if self.question is None:
            raise GameError("no question is waiting: the game has not started or has ended")
        return self.question

    def _record(self, decision: Any, source: str) -> Move:
        q = self._asked()
        seat = self.seats[q.side]
        now = self.clock()
        move = Move(
            len(self.moves),
            q.side,
            q.role,
            q.offer,
            decision,
            q.default,
            source,
            seat.name if source == STUDENT else "",
            q.step,
            round(max(0.0, now - self.asked_at), 3),
        )
        self.moves.append(move)
        self.asked_at = now
        self._to_model.put((decision, source))
        self._wait_for_model()
        return move

    # ------------------------------------------------------------------ running
    def _run_model(self) -> None:
        """Start the scenario's run in the game's thread; return when it asks its first question or ends."""
        self.model = model = sim.ArmsControlModel(self.scenario, rng=self.seed)
        for i, seat in enumerate(self.seats):
            if seat.human:
                model.decide_for(i, self._decider(model, i))
        self._to_model: queue.SimpleQueue = (
            queue.SimpleQueue()
        )  # (decision, source) for the waiting decider
        self._to_game: queue.SimpleQueue = (
            queue.SimpleQueue()
        )  # a Question, None (the end) or an exception
        self._thread = threading.Thread(
            target=self._play, args=(model,), name=f"class-game-{self.number}", daemon=True
        )
        self._thread.start()
        self._wait_for_model()

    def _play(self, model: sim.ArmsControlModel) -> None:
        """In the game's thread: the run, to its end."""
        try:
            while model.running:
                model.step()
            self._to_game.put(None)
        except _Stop:
            pass
        except Exception as exc:  # handed to the caller, who reports it
            self._to_game.put(exc)

    def _wait_for_model(self) -> None:
        """Wait until the run asks the next question or ends (the model is read only while it waits)."""
        answer = self._to_game.get()
        if isinstance(answer, Exception):
            raise RuntimeError(f"game {self.number} stopped: {answer}") from answer
        self.question = answer
        self.version += 1

    def _decider(
        self, model: sim.ArmsControlModel, side: int
    ) -> Callable[[str, int | None, Any], Any]:
        def decide(role: str, offer: int | None, default: Any) -> Any:
            default = _plain(role, default)
            if (
                self.seats[side].away and self.started
            ):  # the computer plays for an absent student, at once
                self.moves.append(
                    Move(
                        len(self.moves),
                        side,
                        role,
                        offer,
                        default,
                        default,
                        COMPUTER,
                        "",
                        model.step_index,
                        0.0,
                    )
                )
                decision, source = default, COMPUTER
            else:
                self._to_game.put(
                    Question(len(self.moves), side, role, offer, default, model.step_index)
                )
                decision, source = self._to_model.get()
                if decision is _STOP:
                    raise _Stop()
            if source != STUDENT:
                model.note(self.side_names[side], "talks", f"{SOURCE_WORDS[source]}.")
            return decision

        return decide

    def finish_by_computer(self) -> None:
        """Play the game to its end, the computer making every move still to come (the class has ended)."""
        self.started = True
        while self.question is not None:
            self._record(self.question.default, ENDED)

    def refuse(self, why: str) -> None:
        """Note a refused message (shown to the teacher, exported with the game)."""
        self.refused.append(why)


def _plain(role: str, default: Any) -> Any:
    """The rules' move as a plain Python value (True/False for an answer, an int or None for an offer)."""
    if role == ANSWER:
        return bool(default)
    return None if default is None else int(default)
