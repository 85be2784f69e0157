"""Class mode without a server: joining, seats, moves, the clock, pages, privacy, the board and the export."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

import sim
from dashboard.classroom import export, results, serving
from dashboard.classroom.game import ANSWER, PROPOSE
from dashboard.classroom.room import (
    AWAY_AFTER_S,
    DEFAULT_SEED,
    ROUND_SECONDS,
    ClassError,
    Classroom,
)
from dashboard.classroom.student import briefing_html, shared_log
from tests.hand_clock import Clock

SCENARIO = "new_start_2021"
SEED = DEFAULT_SEED
EXPECTED = "extended 5 years"  # sim.run("new_start_2021", seed=DEFAULT_SEED): agreed on 2021-01-26
AGREED_ON = "2021-01-26"
MOVES_TO_END = 42  # both sides' proposals and answers from September 2020 to the agreement


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(SCENARIO)


@pytest.fixture
def clock():
    return Clock()


def new_class(scenario, clock, **options) -> Classroom:
    return Classroom(scenario, seed=SEED, clock=clock, **options)


def pair(room: Classroom):
    """Ann (US) and Bob (RU) in game 1, each on their own page; the games started."""
    ann = room.join(room.code, "Ann", "page-ann")
    bob = room.join(room.code, "Bob", "page-bob")
    room.start()
    return ann, bob


def play_advice(room: Classroom, game, students, limit: int = 1000) -> int:
    """Both students take their advisers' advice every move, to the end; the number of moves."""
    n = 0
    while game.question is not None and n < limit:
        q = game.question
        s = students[q.side]
        room.act(s.token, s.page, q.number, q.default)
        n += 1
    return n


# ---------------------------------------------------------------------- joining and seats
def test_students_are_paired_in_order_of_arrival_and_an_odd_one_plays_the_computer(scenario, clock):
    room = new_class(scenario, clock)
    ann, bob, cat = (room.join(room.code, n, f"p{n}") for n in ("Ann", "Bob", "Cat"))
    assert [(s.game, s.side) for s in (ann, bob, cat)] == [(1, 0), (1, 1), (2, 0)]
    room.start()
    assert [seat.name for seat in room.games[2].seats] == ["Cat", ""]
    assert room.games[2].waiting_for() == "US (Cat)"
    late = room.join(
        room.code, "Dan", "pDan"
    )  # after the start: a game against the computer at once
    assert (late.game, late.side) == (3, 1) and room.games[3].started


def test_everyone_plays_the_computer_on_alternate_sides(scenario, clock):
    room = new_class(scenario, clock, mode="computer")
    seats = [(s.game, s.side) for s in (room.join(room.code, n, n) for n in ("A", "B", "C"))]
    assert seats == [(1, 0), (2, 1), (3, 0)]


def test_a_mix_puts_every_other_student_against_the_computer(scenario, clock):
    room = new_class(scenario, clock, mode="mix")
    seats = [(s.game, s.side) for s in (room.join(room.code, n, n) for n in ("A", "B", "C", "D"))]
    assert seats == [(1, 0), (2, 0), (3, 0), (2, 1)]
    assert room.games[1].solo and room.games[3].solo and not room.games[2].solo


@pytest.mark.parametrize(
    "code, name, message",
    [
        ("WRONG", "Ann", "not this class's code"),
        (None, "   ", "type your first name"),
        (None, "x" * 31, "at most 30 characters"),
    ],
)
def test_a_bad_join_is_refused_with_a_message(scenario, clock, code, name, message):
    room = new_class(scenario, clock)
    with pytest.raises(ClassError, match=message):
        room.join(code or room.code, name)
    assert room.students == {}


def test_the_code_is_read_whatever_its_case(scenario, clock):
    room = new_class(scenario, clock)
    assert room.join(room.code.lower(), " Ann  Lee ").name == "Ann Lee"


def test_the_teacher_swaps_students_and_cannot_hand_a_computer_seat_of_a_game_under_way(
    scenario, clock
):
    room = new_class(scenario, clock)
    ann, bob, cat = (room.join(room.code, n, n) for n in ("Ann", "Bob", "Cat"))
    room.reassign(cat.token, 1, 1)  # Cat takes Bob's seat; Bob takes Cat's
    assert [s.name for s in room.games[1].seats] == ["Ann", "Cat"]
    assert [s.name for s in room.games[2].seats] == ["Bob", ""]
    room.start()
    with pytest.raises(ClassError, match="is the computer's in a game under way"):
        room.reassign(ann.token, 2, 1)


# ---------------------------------------------------------------------- playing
def test_two_students_taking_their_advisers_advice_play_exactly_the_models_run(scenario, clock):
    room = new_class(scenario, clock)
    ann, bob = pair(room)
    game = room.games[1]
    assert play_advice(room, game, [ann, bob]) == MOVES_TO_END
    alone = sim.run(SCENARIO, seed=SEED)
    assert (game.outcome.label, game.outcome.agreement_date) == (
        alone.outcome.label,
        alone.outcome.agreement_date,
    )
    assert (game.outcome.label, game.outcome.agreement_date) == (EXPECTED, AGREED_ON)
    choices = [e.text for e in game.model.log.entries if "(the player's choice)" in e.text]
    answers = [m for m in game.moves if m.role == ANSWER]
    model = sim.ArmsControlModel(
        SCENARIO, seed=SEED
    )  # the same run without students: its answers, one per offer
    while model.running:
        model.step()
    model_answers = sum(e.kind in ("accept", "reject") for e in model.log.entries)
    assert len(choices) == len(answers) == model_answers  # every answer says a student made it


def test_a_student_who_rejects_everything_changes_the_outcome(scenario, clock):
    room = new_class(scenario, clock)
    ann, bob = pair(room)
    game = room.games[1]
    while game.question is not None:
        q = game.question
        s = (ann, bob)[q.side]
        room.act(s.token, s.page, q.number, False if q.role == ANSWER else q.default)
    assert game.outcome.label == "lapsed"


def test_a_repeated_stale_or_malformed_move_is_refused_logged_and_changes_nothing(scenario, clock):
    room = new_class(scenario, clock)
    ann, bob = pair(room)
    game = room.games[1]
    room.act(ann.token, ann.page, 0, game.question.default)  # US proposes
    assert (game.question.number, game.question.role) == (1, ANSWER)
    cases = [
        (
            ann,
            0,
            19,
            "move 0 is not the move asked for",
        ),  # the proposal again (a double click, a replayed message)
        (ann, 1, True, "it is RU's move, not US's"),  # the other side's question
        (bob, 1, "yes", "an answer is yes or no"),  # malformed
        (bob, 1, 7, "an answer is yes or no"),
    ]
    for student, number, decision, message in cases:
        with pytest.raises(ClassError, match=message):
            room.act(student.token, student.page, number, decision)
    assert (
        len(game.moves) == 1
        and len(room.incidents) == len(cases)
        and len(game.refused) == len(cases)
    )
    assert (
        room.incidents[0]
        == "refused from Ann (game 1): move 0 is not the move asked for (move 1): a stale or repeated message"
    )
    room.act(bob.token, bob.page, 1, False)  # the game goes on
    assert game.question.role == PROPOSE and game.question.side == 1
    with pytest.raises(ClassError, match="an offer is a number from 0 to 19"):
        room.act(bob.token, bob.page, 2, 20)


def test_a_reloaded_page_takes_the_seat_and_the_old_page_cannot_act(scenario, clock):
    room = new_class(scenario, clock)
    ann, bob = pair(room)
    game = room.games[1]
    room.claim(ann.token, "page-ann-reloaded")
    with pytest.raises(ClassError, match="opened in another window"):
        room.act(ann.token, "page-ann", 0, game.question.default)
    room.act(ann.token, "page-ann-reloaded", 0, game.question.default)
    assert len(game.moves) == 1
    with pytest.raises(ClassError, match="not from the current class"):
        room.claim("a-token-from-another-class", "page-x")


def test_the_clock_makes_the_advisers_move_and_the_log_says_so(scenario, clock):
    room = new_class(scenario, clock, round_seconds=60)
    ann, bob = pair(room)
    game = room.games[1]
    advice = game.question.default
    clock.now = 59
    room.seen(ann.token, ann.page)
    assert not room.tick() and room.seconds_left(game) == 1
    clock.now = 61
    room.seen(ann.token, ann.page)
    room.seen(bob.token, bob.page)
    assert room.tick()
    move = game.moves[0]
    assert (move.source, move.decision, move.seconds) == ("timeout", advice, 61.0)
    said = [e for e in game.model.log.entries if e.kind == "talks"]
    assert [(e.actor, e.text) for e in said] == [
        ("US", "did not move in time: its advisers' move is made for it.")
    ]


def test_pausing_stops_moves_and_the_clock(scenario, clock):
    room = new_class(scenario, clock, round_seconds=60)
    ann, bob = pair(room)
    game = room.games[1]
    clock.now = 50
    room.pause()
    with pytest.raises(ClassError, match="the class is paused"):
        room.act(ann.token, ann.page, 0, game.question.default)
    clock.now = 500
    room.resume()
    for s in (ann, bob):
        room.seen(s.token, s.page)
    assert room.seconds_left(game) == 10 and not room.tick() and game.moves == []


def test_a_student_away_too_long_is_played_by_the_computer_until_they_return(scenario, clock):
    room = new_class(scenario, clock, away_after_s=60)
    ann, bob = pair(room)
    game = room.games[1]
    room.act(ann.token, ann.page, 0, game.question.default)
    clock.now = 61
    room.seen(ann.token, ann.page)  # Ann's page is alive; Bob's is gone
    room.tick()
    assert game.seats[1].away
    # Bob's moves are made at once until Ann's side is asked again
    assert game.question.side == 0 and [m.source for m in game.moves[1:3]] == [
        "computer",
        "computer",
    ]
    room.claim(bob.token, "page-bob-2")  # Bob is back
    assert not game.seats[1].away


def test_ending_the_class_plays_every_game_to_its_end(scenario, clock):
    room = new_class(scenario, clock)
    pair(room)
    room.join(room.code, "Cat", "p3")
    room.end()
    assert all(g.over for g in room.games.values())
    assert room.games[1].outcome.label == EXPECTED
    assert {m.source for m in room.games[1].moves} == {"ended"}
    with pytest.raises(ClassError, match="this class has ended"):
        room.join(room.code, "Dan")


# ---------------------------------------------------------------------- what each student sees
def test_a_student_sees_their_own_briefing_and_not_the_other_sides_reasons(scenario, clock):
    room = new_class(scenario, clock)
    ann, bob = pair(room)
    game = room.games[1]
    for _ in range(4):
        q = game.question
        s = (ann, bob)[q.side]
        room.act(s.token, s.page, q.number, q.default)
    us_red_line = scenario.states[0].red_lines[0].reason  # US's own red line, private to US
    assert us_red_line in briefing_html(game, 0) and us_red_line not in briefing_html(game, 1)
    # a value given as a prior shows the side's own draw for this game
    assert f"<td>{game.model.states[0].value('utility.secrecy_cost'):g}</td>" in briefing_html(
        game, 0
    )
    seen_by_ru = " ".join(text for _, _, text in shared_log(game, 1))
    seen_by_us = " ".join(text for _, _, text in shared_log(game, 0))
    assert "worth" in seen_by_us  # US's own reasons
    us_lines = [text for _, actor, text in shared_log(game, 1) if actor == "US"]
    assert us_lines and all("worth" not in t and "target" not in t for t in us_lines)
    assert "trust in RU" not in seen_by_ru


# ---------------------------------------------------------------------- the board and the export
def test_the_board_shows_each_game_and_the_class_beside_the_model(scenario, clock):
    room = new_class(scenario, clock)
    ann, bob = pair(room)
    room.join(room.code, "Cat", "p3")
    play_advice(room, room.games[1], [ann, bob])
    room.odds = results.model_odds(scenario, n=20)
    rows = results.board_rows(room)
    assert [(r["game"], r["status"], r["outcome"], r["agreed on"], r["moves"]) for r in rows] == [
        (1, "over", EXPECTED, AGREED_ON, MOVES_TO_END),
        (2, "playing", "", "", 0),
    ]
    assert rows[1]["players"] == "US: Cat; RU: computer" and rows[1]["to move"] == "US (Cat)"
    table = results.outcome_table(room).set_index("outcome")
    model = room.odds.shares(by="label").set_index("label")["share"] * 100
    assert table.loc[EXPECTED, "games"] == 1 and table.loc[EXPECTED, "class %"] == 100
    assert table.loc[EXPECTED, "model %"] == pytest.approx(model[EXPECTED])
    assert results.agreement_dates(room)["class"] == [AGREED_ON]
    text = results.debrief(room)
    assert f"- {EXPECTED}: 1 (100%; the model: {model[EXPECTED]:.0f}%)" in text
    assert "What really happened" in text


def test_the_export_has_a_row_per_game_and_per_move_and_each_games_log(scenario, clock):
    room = new_class(scenario, clock)
    ann, bob = pair(room)
    room.join(room.code, "Cat", "p3")
    play_advice(room, room.games[1], [ann, bob])
    games = pd.read_csv(io.StringIO(export.games_csv(room)))
    assert list(games["game"]) == [1, 2] and list(games["player_RU"]) == ["Bob", "computer"]
    assert list(games["outcome"].fillna("")) == [EXPECTED, ""]
    assert list(games["student_moves"]) == [MOVES_TO_END, 0]
    moves = pd.read_csv(io.StringIO(export.moves_csv(room)))
    assert (
        len(moves) == MOVES_TO_END
        and set(moves["made_by"]) == {"student"}
        and moves["followed_advice"].all()
    )
    first = moves.iloc[0]
    assert (first["date"], first["side"], first["player"], first["role"]) == (
        "2020-09-08",
        "US",
        "Ann",
        "propose",
    )
    with zipfile.ZipFile(io.BytesIO(export.logs_zip(room))) as z:
        assert z.namelist() == ["game_01.txt", "game_02.txt"]
        log = z.read("game_01.txt").decode()
    assert log.startswith(f"Game 1: New START expiry, 2021 (seed {SEED}); US: Ann, RU: Bob")
    assert f"Outcome: {EXPECTED}." in log


# ---------------------------------------------------------------------- the console's key
def test_only_the_teacher_path_needs_the_key(monkeypatch):
    monkeypatch.setenv(serving.KEY_ENV, "sesame")
    serving.console_key.cache_clear()
    try:
        assert serving.key_ok({"key": [b"sesame"]})
        assert not serving.key_ok({"key": [b"sesam"]}) and not serving.key_ok({})
        assert serving.authorize(None, "/join") and serving.authorize(None, "/")
        assert not serving.authorize(None, "/teacher")  # no session, so no key
        assert serving.addresses("http://10.0.0.5:5006/") == (
            "http://10.0.0.5:5006/teacher?key=sesame",
            "http://10.0.0.5:5006/join",
        )
    finally:
        serving.console_key.cache_clear()


# ---------------------------------------------------------------------- the docs page
def test_the_docs_page_quotes_what_two_advised_students_play(scenario, clock):
    """docs/classroom.md's worked example (moves, outcome, date) is what the code gives; this fails when it is stale."""
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "classroom.md").read_text()
    room = new_class(scenario, clock)
    ann, bob = pair(room)
    moves = play_advice(room, room.games[1], [ann, bob])
    outcome = room.games[1].outcome
    assert outcome.label == "extended 5 years"
    assert (
        f"With seed {SEED} that is {moves} moves\nand a five-year extension agreed on {outcome.agreement_date}"
        in page
    )
    assert f"{results.ODDS_REPLICATES} runs of the scenario" in page
    assert f"after {AWAY_AFTER_S:.0f} seconds without their page" in page
    assert f"{ROUND_SECONDS} seconds per move and seed {DEFAULT_SEED}" in page.replace("\n", " ")
    for image in (
        "classroom_console_join",
        "classroom_student_answer",
        "classroom_student_propose",
        "classroom_board",
        "classroom_debrief",
    ):
        assert (
            f"images/{image}.png" in page
            and (Path(__file__).resolve().parents[1] / "docs" / "images" / f"{image}.png").exists()
        )


def test_a_three_state_scenario_seats_groups_of_three(clock):
    room = Classroom(sim.load_scenario("trilateral"), seed=SEED, clock=clock)
    students = [room.join(room.code, n, n) for n in ("A", "B", "C", "D")]
    assert [(s.game, s.side) for s in students] == [(1, 0), (1, 1), (1, 2), (2, 0)]
    room.start()
    assert [seat.name for seat in room.games[2].seats] == ["D", "", ""]
