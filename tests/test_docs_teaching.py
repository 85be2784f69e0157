"""The teacher's guide's lessons quote only numbers measured on the current code.

The numbers live in one block per lesson of ``docs/teaching.md``, written by
``docs/gen_teaching.py``; the prose around them quotes none of its own.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(
    0, str(Path(__file__).resolve().parents[1])
)  # the generators live in docs/, at the project's root
from docs import gen_teaching  # noqa: E402


def _lesson(page: str, lesson: int) -> str:
    text = page.split(f"## Lesson {lesson}.", 1)[1]
    return text.split("\n## ", 1)[0]


@pytest.mark.parametrize("lesson", gen_teaching.LESSONS)
def test_lesson_numbers_are_current(lesson):
    assert gen_teaching.stated_fingerprint_line(lesson) == gen_teaching.fingerprint_line(lesson), (
        f"docs/teaching.md's lesson {lesson} numbers are out of date: run python -m docs.gen_teaching"
    )


def test_a_row_measured_again_in_full_is_the_one_in_the_page():
    row = gen_teaching.render_lesson_2_row(gen_teaching.INF_2019)
    assert row in gen_teaching.current_block(2)


@pytest.mark.parametrize("lesson", gen_teaching.LESSONS)
def test_lesson_prose_quotes_no_share_of_its_own(lesson):
    page = gen_teaching.PAGE.read_text(encoding="utf-8")
    text = _lesson(page, lesson)
    block = gen_teaching.current_block(lesson, page)
    assert block in text
    prose = text.replace(block, "")
    assert not re.findall(r"\d+(?:\.\d+)?\s*%|\d+ (?:of|out of) \d+", prose)


def test_lesson_1_reads_the_election_chance_from_the_scenario():
    chances = gen_teaching.branch_chances()
    assert set(chances) == {"biden", "trump"} and abs(sum(chances.values()) - 1) < 1e-12
    assert f"Biden {chances['biden']:.0%}" in gen_teaching.current_block(1)


def test_splice_replaces_only_one_block():
    b, e = gen_teaching.begin(2), gen_teaching.end(2)
    page = f"intro\n{gen_teaching.begin(1)}\nkeep\n{gen_teaching.end(1)}\n{b}\nold\n{e}\nrest\n"
    assert (
        gen_teaching.splice(page, 2, "NEW")
        == f"intro\n{gen_teaching.begin(1)}\nkeep\n{gen_teaching.end(1)}\nNEW\nrest\n"
    )
