"""The class's results for grading and discussion: CSV tables and each game's log.

- :func:`games_csv`: one row per game (players, outcome, agreement, moves made by
  students and by the computer);
- :func:`moves_csv`: one row per move (who, when, what was on the table, what
  they did, what the computer would have done, how long they took);
- :func:`logs_zip`: a zip with each game's log as a text file.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from dashboard.classroom.game import ANSWER, STUDENT, Game
from dashboard.classroom.results import game_status
from dashboard.classroom.room import Classroom

GAME_COLUMNS = (
    "game",
    "scenario",
    "seed",
    "status",
    "outcome",
    "category",
    "agreement_date",
    "terms",
    "student_moves",
    "computer_moves",
    "refused_messages",
)
MOVE_COLUMNS = (
    "game",
    "move",
    "date",
    "side",
    "player",
    "role",
    "on_the_table",
    "decision",
    "advisers_move",
    "followed_advice",
    "made_by",
    "seconds",
)


def games_frame(room: Classroom) -> pd.DataFrame:
    """One row per game: the columns of :data:`GAME_COLUMNS`, plus one column per side naming its player."""
    rows = []
    for game in room.games.values():
        out, agreement = game.outcome, game.model.treaty.agreement
        row = {
            "game": game.number,
            "scenario": room.scenario.name,
            "seed": game.seed,
            "status": game_status(room, game),
            "outcome": out.label if out else "",
            "category": out.category if out else "",
            "agreement_date": (out.agreement_date or "") if out else "",
            "terms": agreement["text"] if agreement and out else "",
            "student_moves": sum(m.source == STUDENT for m in game.moves),
            "computer_moves": sum(m.source != STUDENT for m in game.moves),
            "refused_messages": len(game.refused),
        }
        for side, seat in zip(game.side_names, game.seats):
            row[f"player_{side}"] = seat.name or "computer"
        rows.append(row)
    sides = [f"player_{s}" for s in room.scenario.state_names]
    return pd.DataFrame(rows, columns=[*GAME_COLUMNS, *sides])


def moves_frame(room: Classroom) -> pd.DataFrame:
    """One row per move of every game: the columns of :data:`MOVE_COLUMNS` (seconds: from the question to the move)."""
    rows = []
    for game in room.games.values():
        m = game.model
        for mv in game.moves:
            rows.append(
                {
                    "game": game.number,
                    "move": mv.number + 1,
                    "date": m.calendar.labels[min(mv.step, m.calendar.n_steps)],
                    "side": game.side_names[mv.side],
                    "player": mv.player or _seat_name(game, mv.side),
                    "role": mv.role,
                    "on_the_table": _offer_words(game, mv.offer) if mv.role == ANSWER else "",
                    "decision": _decision_words(game, mv.role, mv.decision),
                    "advisers_move": _decision_words(game, mv.role, mv.default),
                    "followed_advice": mv.decision == mv.default,
                    "made_by": mv.source,
                    "seconds": mv.seconds,
                }
            )
    return pd.DataFrame(rows, columns=list(MOVE_COLUMNS))


def _seat_name(game: Game, side: int) -> str:
    return game.seats[side].name or "computer"


def _offer_words(game: Game, offer: int | None) -> str:
    if offer is None:
        return "no offer"
    return game.model.space.describe(offer, game.model.scenario.treaty.in_force)


def _decision_words(game: Game, role: str, decision) -> str:
    if role == ANSWER:
        return "accept" if decision else "reject"
    return "propose " + _offer_words(game, decision) if decision is not None else "no offer"


def games_csv(room: Classroom) -> str:
    return games_frame(room).to_csv(index=False)


def moves_csv(room: Classroom) -> str:
    return moves_frame(room).to_csv(index=False)


def game_log(game: Game) -> str:
    """A game's whole log (every side's reasons: for the teacher), with its players and any refused messages."""
    players = ", ".join(
        f"{side}: {seat.name or 'computer'}" for side, seat in zip(game.side_names, game.seats)
    )
    head = [
        f"Game {game.number}: {game.scenario.title or game.scenario.name} (seed {game.seed}); {players}"
    ]
    if game.outcome:
        head.append(f"Outcome: {game.outcome.label}. {game.outcome.reason}")
    tail = [f"Refused: {why}" for why in game.refused]
    return "\n".join([*head, "", game.model.log.to_text(), *([""] + tail if tail else [])]) + "\n"


def logs_zip(room: Classroom) -> bytes:
    """A zip of every game's log (game_01.txt, game_02.txt, ...)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for game in room.games.values():
            z.writestr(f"game_{game.number:02d}.txt", game_log(game))
    return buf.getvalue()
