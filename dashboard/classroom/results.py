"""What the class board shows: every game's progress, the class's outcomes beside the model's odds, the debrief.

Plain data (lists of dicts, DataFrames and sentences) from a
:class:`~dashboard.classroom.room.Classroom`; the console draws them.
The model's odds come from :func:`sim.ensemble` over the same scenario, from
the same start (:func:`model_odds`).
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

import sim
from dashboard.classroom.game import STUDENT, Game
from dashboard.classroom.room import Classroom
from sim.ensemble import ensemble

ODDS_REPLICATES = 200  # replicates behind the model's odds on the board
ODDS_SEED = 0  # the ensemble's seed (replicate seeds come from it)


def model_odds(
    scenario: sim.Scenario, n: int = ODDS_REPLICATES, executor=None, workers: int = 1
) -> sim.EnsembleResult:
    """The model's outcomes over `n` replicates of the class's scenario (the computer playing every side)."""
    return ensemble(scenario, n=n, seed=ODDS_SEED, workers=workers, executor=executor, series=())


def game_status(room: Classroom, game: Game) -> str:
    """ "waiting to start", "playing", "paused" or "over", as the board says it."""
    if game.over:
        return "over"
    if not game.started:
        return "waiting to start"
    return "paused" if room.paused else "playing"


def board_rows(room: Classroom) -> list[dict]:
    """One row per game: players, status, the date reached, whose move, moves made, outcome."""
    rows = []
    for game in room.games.values():
        m = game.model
        players = "; ".join(
            f"{side}: {seat.name or 'computer'}" + (" (away)" if seat.away else "")
            for side, seat in zip(game.side_names, game.seats)
        )
        out = game.outcome
        rows.append(
            {
                "game": game.number,
                "players": players,
                "status": game_status(room, game),
                "date": m.calendar.labels[min(m.step_index, m.calendar.n_steps)],
                "progress": f"{m.step_index} of {m.calendar.n_steps}",
                "to move": game.waiting_for() if game.started else "",
                "moves": sum(1 for mv in game.moves if mv.source == STUDENT),
                "by the computer": sum(1 for mv in game.moves if mv.source != STUDENT),
                "outcome": out.label if out else "",
                "agreed on": (out.agreement_date or "") if out else "",
            }
        )
    return rows


def outcome_table(room: Classroom) -> pd.DataFrame:
    """The class's finished games by outcome beside the model's share of each (percent).

    Columns: outcome, games (count), class % (of finished games), model % (of the
    replicates; NaN until the odds are in). Every outcome seen in either appears.
    """
    finished = [g.outcome.label for g in room.games.values() if g.over]
    counts = Counter(finished)
    model = {}
    if room.odds is not None:
        shares = room.odds.shares(by="label")
        model = dict(zip(shares["label"], shares["share"] * 100))
    labels = list(dict.fromkeys([*sorted(counts, key=lambda k: -counts[k]), *model]))
    total = max(len(finished), 1)
    return pd.DataFrame(
        {
            "outcome": labels,
            "games": [counts.get(k, 0) for k in labels],
            "class %": [
                100 * counts.get(k, 0) / total if finished else float("nan") for k in labels
            ],
            "model %": [model.get(k, float("nan")) for k in labels],
        }
    )


def agreement_dates(room: Classroom) -> dict:
    """When agreements came: the class's dates, and the model's median and share of replicates with one.

    Returns {"class": [dates, in order], "model median": date or "", "model agreed %": percent or NaN}.
    """
    dates = sorted(
        (
            g.outcome.agreement_date
            for g in room.games.values()
            if g.over and g.outcome.agreement_date
        ),
        key=_date_order,
    )
    out = {"class": dates, "model median": "", "model agreed %": float("nan")}
    if room.odds is not None and room.odds.n:
        agreed = room.odds.runs["agreement_date"].dropna()
        out["model agreed %"] = 100 * len(agreed) / room.odds.n
        if len(agreed):
            out["model median"] = _median_date(list(agreed))
    return out


def _median_date(dates: list[str]) -> str:
    """The median of dates written YYYY-MM-DD (or "turn k"), by their order; the lower middle one for an even count."""
    ordered = sorted(dates, key=_date_order)
    return ordered[(len(ordered) - 1) // 2]


def _date_order(label: str):
    """A calendar label's place in time: dates by date, turns ("turn 12") by number."""
    if label.startswith("turn "):
        return (0, int(label.split()[1]), "")
    return (1, 0, label)


def computer_alone(room: Classroom) -> sim.RunResult:
    """The same start played by the computer on every side (the same seed as the class's games)."""
    return sim.run(room.scenario, seed=room.seed)


def debrief(room: Classroom) -> str:
    """The debrief, in Markdown: how many agreed, when, on which terms; against the model and history."""
    games = [g for g in room.games.values() if g.over]
    if not games:
        return "No game has finished yet."
    table = outcome_table(room)
    lines = [f"**{len(games)} game{'s' if len(games) != 1 else ''} finished.**", ""]
    for row in table.to_dict("records"):
        if row["games"]:
            model = "" if pd.isna(row["model %"]) else f"; the model: {row['model %']:.0f}%"
            lines.append(f"- {row['outcome']}: {row['games']} ({row['class %']:.0f}%{model})")
    dates = agreement_dates(room)
    if dates["class"]:
        lines.append(f"\nAgreements came on {', '.join(dates['class'])}.")
    if dates["model median"]:
        lines.append(
            f"In the model, {dates['model agreed %']:.0f}% of runs agreed, half of them by {dates['model median']}."
        )
    terms = Counter(g.model.treaty.agreement["text"] for g in games if g.model.treaty.agreement)
    if terms:
        lines.append(
            "\nOn which terms: " + "; ".join(f"{t} ({k})" for t, k in terms.most_common()) + "."
        )
    alone = computer_alone(room)
    lines.append(
        f"\nThe computer playing every side from the same start: **{alone.outcome.label}**"
        + (f" on {alone.outcome.agreement_date}." if alone.outcome.agreement_date else ".")
    )
    lines.extend(_history(room.scenario))
    return "\n".join(lines)


def _history(scenario: sim.Scenario) -> list[str]:
    """What really happened: the scenario's record when it has one, else its description."""
    record = getattr(scenario, "record", None)
    if record is not None:
        when = f" ({record.date})" if record.date else ""
        said = f" {' '.join(record.text.split())}" if record.text else ""
        return [f"\nWhat really happened: **{record.label or record.outcome}**{when}.{said}"]
    if scenario.description:
        return [f"\nWhat really happened: {' '.join(scenario.description.split())}"]
    return []
