"""Lesson 1 of the teacher's guide quotes only numbers measured on the current code.

The numbers live in a block of ``docs/teaching.md`` written by ``docs/gen_teaching.py``;
the prose around it quotes none of its own.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the generators live in docs/, at the project's root
from docs import gen_teaching  # noqa: E402


def _lesson_1(page: str) -> str:
    return page.split("## Lesson 1.", 1)[1].split("## Lesson 2.", 1)[0]


def test_lesson_1_numbers_are_current():
    assert gen_teaching.current_block() == gen_teaching.render(), \
        "docs/teaching.md's lesson 1 numbers are out of date: run python -m docs.gen_teaching"


def test_lesson_1_prose_quotes_no_share_of_its_own():
    page = gen_teaching.PAGE.read_text(encoding="utf-8")
    lesson = _lesson_1(page)
    assert gen_teaching.BEGIN in lesson and gen_teaching.END in lesson
    prose = lesson.replace(gen_teaching.current_block(page), "")
    assert not re.findall(r"\d+(?:\.\d+)?\s*%|\d+ (?:of|out of) \d+", prose)


def test_the_lesson_reads_the_election_chance_from_the_scenario():
    chances = gen_teaching.branch_chances()
    assert set(chances) == {"biden", "trump"} and abs(sum(chances.values()) - 1) < 1e-12
    assert f"Biden {chances['biden']:.0%}" in gen_teaching.current_block()


def test_splice_replaces_only_the_block():
    page = f"intro\n{gen_teaching.BEGIN}\nold\n{gen_teaching.END}\nrest\n"
    assert gen_teaching.splice(page, "NEW") == "intro\nNEW\nrest\n"
