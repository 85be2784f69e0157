"""What a class leaves behind when it is over, and when the collector is frozen for its play.

The load test saw the server's memory grow by 5 to 7 MB with every class: each
class loaded its own copy of the scenario, and the model keeps the compiled form
of every scenario object it has run. These tests play whole classes through the
console, without a server, and check that a class that is over leaves nothing
alive, and that the collector's freeze lasts only while games are played.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from dashboard.classroom import collector, teacher
from dashboard.classroom.room import ClassRegistry, Classroom
from dashboard.classroom.student import StudentPage
from dashboard.classroom.teacher import TeacherConsole
from sim import compiled

SCENARIO = "new_start_2021"


@pytest.fixture
def console(monkeypatch):
    # one scenario in the console's list, rather than reading every bundled file
    monkeypatch.setattr(teacher, "scenario_titles", lambda: {"New START": SCENARIO})
    monkeypatch.setattr(collector, "LIFT_AFTER_S", 0.0)  # see the test of the delay below
    console = TeacherConsole(ClassRegistry(), odds=None)
    yield console
    collector.release()


def open_class(console: TeacherConsole, names: tuple[str, ...] = ("Ann", "Bob")) -> Classroom:
    console._guarded(console._open)
    room = console.registry.current
    for name in names:
        room.join(room.code, name, f"page-{name}")
    return room


def play_to_the_end(room: Classroom) -> None:
    """Every student takes their advisers' advice until every game is over."""
    while not all(g.over for g in room.games.values()):
        for game in room.games.values():
            q = game.question
            if q is not None:
                s = next(s for s in room.students.values() if s.seat == (game.number, q.side))
                room.act(s.token, s.page, q.number, q.default)


def refs_to(room: Classroom) -> list[weakref.ref]:
    """Weak references to the class, its games and their models."""
    games = list(room.games.values())
    return [weakref.ref(o) for o in [room, *games, *(g.model for g in games)]]


def join_by_pages(console: TeacherConsole, names: tuple[str, ...]) -> list[StudentPage]:
    """Students join from their pages (pages without a server: their sessions are not served)."""
    pages = []
    for name in names:
        page = StudentPage(console.registry)
        page.code.value, page.name.value = console.registry.current.code, name
        page._join()
        pages.append(page)
    return pages


def test_a_class_that_is_over_leaves_nothing_behind_when_the_next_opens(console):
    kept_before = len(compiled._CACHE)
    first = open_class(console, names=())
    pages = join_by_pages(console, ("Ann", "Bob"))
    console._guarded(console._start)
    play_to_the_end(first)
    console.poll()
    for page in pages:
        page.forget()  # what the page does when its session closes
    refs = refs_to(first) + [weakref.ref(p) for p in pages]
    assert len(refs) == 5  # the class, its one game, the game's model, the two pages
    del first, pages, page
    for _ in range(2):
        room = open_class(console)
        console._guarded(console._start)
        play_to_the_end(room)
        console.poll()
    del room
    gc.collect()
    assert [r() for r in refs] == [None] * 5
    # three classes of one scenario: one compiled scenario kept (it was one per class)
    assert len(compiled._CACHE) <= kept_before + 1


def test_the_collector_is_frozen_only_while_games_are_played(console):
    assert not collector.frozen() and gc.get_freeze_count() == 0
    room = open_class(console)

    class Litter:  # garbage made before the games start: a cycle that a freeze would keep
        pass

    litter = Litter()
    litter.self = litter
    gone = weakref.ref(litter)
    del litter
    console._guarded(console._start)
    assert collector.frozen() and gc.get_freeze_count() > 0
    assert gone() is None  # collected, not frozen, when play started
    console._guarded(lambda: console.room.pause())
    assert not collector.frozen() and gc.get_freeze_count() == 0
    console._guarded(lambda: console.room.resume())
    assert collector.frozen()
    play_to_the_end(room)
    console.poll()  # every game over: play has stopped
    assert not collector.frozen() and gc.get_freeze_count() == 0


def test_ending_the_class_or_opening_the_next_lifts_the_freeze(console):
    open_class(console)
    console._guarded(console._start)
    assert collector.frozen()
    console._guarded(lambda: console.room.end())
    assert not collector.frozen() and gc.get_freeze_count() == 0
    open_class(console)
    console._guarded(console._start)
    assert collector.frozen()
    open_class(console)  # a new class while the last was still being played
    assert not collector.frozen() and gc.get_freeze_count() == 0


def test_the_freeze_is_lifted_once_play_has_stopped_for_a_moment(console, monkeypatch):
    """The collection that lifts the freeze pauses the server: the pages' last redraws go first."""
    monkeypatch.setattr(collector, "LIFT_AFTER_S", 2.0)
    room = open_class(console)
    console._guarded(console._start)
    room.pause()
    collector.follow(room, now=100.0)
    collector.follow(room, now=101.9)
    assert collector.frozen()
    collector.follow(room, now=102.0)
    assert not collector.frozen() and gc.get_freeze_count() == 0
