"""Class mode at a class's scale, without a server: which pages a move wakes and redraws, the clock
a page draws once per move, and the load test's table in the docs."""

from __future__ import annotations

import json

import pytest

import sim
from dashboard.classroom.room import DEFAULT_SEED, ClassRegistry, Classroom
from dashboard.classroom.student import StudentPage, clock_html
from tests.hand_clock import Clock

SCENARIO = "new_start_2021"


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(SCENARIO)


def two_games(scenario, clock, **options):
    """A class of four (Ann and Bob in game 1, Cat and Dan in game 2), started."""
    room = Classroom(scenario, seed=DEFAULT_SEED, clock=clock, **options)
    students = [room.join(room.code, name, f"page-{name}") for name in ("Ann", "Bob", "Cat", "Dan")]
    room.start()
    return room, students


def advise(room: Classroom, game_number: int, students) -> None:
    """The student asked in this game takes their advisers' advice."""
    q = room.games[game_number].question
    s = next(s for s in students if s.game == game_number and s.side == q.side)
    room.act(s.token, s.page, q.number, q.default)


def test_a_move_wakes_the_pages_of_its_own_game_only_and_a_pause_wakes_every_page(scenario):
    room, students = two_games(scenario, Clock())
    woken = []
    for s in students:
        room.listen(s.page, s.token, lambda name=s.name: woken.append(name))
    advise(room, 2, students)
    assert sorted(woken) == ["Cat", "Dan"]
    woken.clear()
    room.pause()
    assert sorted(woken) == ["Ann", "Bob", "Cat", "Dan"]
    woken.clear()
    room.forget("page-Ann")
    room.resume()
    assert sorted(woken) == ["Bob", "Cat", "Dan"]


def test_a_page_whose_wake_fails_is_forgotten_and_the_move_goes_on(scenario):
    room, students = two_games(scenario, Clock())
    ann, bob = students[:2]

    def gone() -> None:
        raise RuntimeError("the session has gone")

    room.listen(ann.page, ann.token, gone)
    before = len(room.games[1].moves)
    advise(room, 1, students)
    assert len(room.games[1].moves) == before + 1
    assert ann.page not in room._listeners


def test_a_page_redraws_when_its_own_game_moves_and_not_at_another_games_moves(scenario):
    """The bug the load test found: every page redrew at every move of the class (its key was the
    class's version), so a class of 60 cost each move 60 redraws instead of 2."""
    registry = ClassRegistry()
    room, students = two_games(scenario, Clock())
    registry.current = room
    pages = {s.name: StudentPage(registry, s.token) for s in students}
    draws = {name: 0 for name in pages}
    for name, page in pages.items():
        drawn = page._draw

        def counting(*args, name=name, drawn=drawn):
            draws[name] += 1
            drawn(*args)

        page._draw = counting
    for _ in range(3):
        advise(room, 2, students)
        for page in pages.values():
            page.refresh()
    assert draws == {"Ann": 0, "Bob": 0, "Cat": 3, "Dan": 3}
    advise(room, 1, students)
    for page in pages.values():
        page.refresh()
    assert draws == {"Ann": 1, "Bob": 1, "Cat": 3, "Dan": 3}
    room.pause()
    for page in pages.values():
        page.refresh()
    assert draws == {"Ann": 2, "Bob": 2, "Cat": 4, "Dan": 4}


def test_the_clock_is_a_bar_the_browser_empties_from_the_time_left(scenario):
    clock = Clock()
    room, students = two_games(scenario, clock, round_seconds=60)
    game = room.games[1]
    assert "animation:classroom-clock 60s linear 0.00s forwards" in clock_html(room, game)
    clock.now = 45.5  # 14.5 s left: the bar starts three quarters empty
    html = clock_html(room, game)
    assert "animation:classroom-clock 60s linear -45.50s forwards" in html
    assert "data-left='14'" in html and "60 seconds a move" in html
    room.pause()
    assert clock_html(room, game) == ""
    assert clock_html(Classroom(scenario, round_seconds=0), game) == ""


def test_the_docs_table_of_the_load_test_is_the_one_its_recorded_runs_give():
    """docs/classroom.md's table of load-test runs is written from docs/classroom_load.json by
    the benchmark (--record); this fails when either was edited by hand or is stale."""
    from benchmarks import bench_classroom as bench

    runs = json.loads(bench.RESULTS.read_text())
    assert runs, "no recorded run: python -m benchmarks.bench_classroom --record"
    page = bench.PAGE.read_text()
    assert bench.with_table(page, bench.runs_table(runs)) == page
    for run in runs:
        assert len(run["classes"]) == 3 and run["pairs"] == 30
