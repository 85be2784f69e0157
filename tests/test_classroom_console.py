"""The teacher's console refuses what a teacher can type wrong, with a message."""

from __future__ import annotations

import pytest

from dashboard.classroom import teacher
from dashboard.classroom.room import ClassRegistry
from dashboard.classroom.teacher import TeacherConsole

SCENARIO = "new_start_2021"


@pytest.fixture
def console(monkeypatch) -> TeacherConsole:
    # one scenario in the console's list, rather than reading every bundled file
    monkeypatch.setattr(teacher, "scenario_titles", lambda: {"New START": SCENARIO})
    return TeacherConsole(ClassRegistry(), odds=None)


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ("seed", "**type a whole number for the seed**"),
        ("clock", "**type a whole number for the seconds per move**"),
    ],
)
def test_an_emptied_number_box_is_a_message_and_opens_no_class(console, box, message):
    getattr(console, box).value = None
    console._guarded(console._open)
    assert console.message.object == message
    assert console.registry.current is None
