"""Class mode in real browsers: a teacher and students, each in a browser context of their own.

The teacher opens a class; two students join with its code and negotiate New
START 2021 against each other to its end (one reloads mid-game and goes on);
the board shows the game beside the model's odds; a third student plays the
computer; a student cannot open the console. The screenshots of
docs/classroom.md are taken here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    free_port,
    require_browser,
    screenshot,
    stop,
    wait_until_served,
)

pytestmark = pytest.mark.browser

KEY = "test-console-key"
RELOAD_AT_MOVE = 10
PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1280, "height": 800}
MOVE_TIMEOUT_S = 30.0


def advised_game():
    """What two students who take their advisers' advice play, computed without a browser:
    (outcome, date agreed, number of moves, the US's first red line). It is the model's own run
    with the class's default seed (test_classroom checks that)."""
    import sim
    from dashboard.classroom.room import DEFAULT_SEED, Classroom

    scenario = sim.load_scenario("new_start_2021")
    room = Classroom(scenario, seed=DEFAULT_SEED, clock=lambda: 0.0)
    students = [room.join(room.code, name, f"page-{name}") for name in ("Ann", "Bob")]
    room.start()
    game, moves = room.games[1], 0
    while game.question is not None:
        q = game.question
        room.act(students[q.side].token, students[q.side].page, q.number, q.default)
        moves += 1
    return (
        game.outcome.label,
        game.outcome.agreement_date,
        moves,
        scenario.states[0].red_lines[0].reason,
    )


@pytest.fixture(scope="module")
def class_server():
    """The dashboard served with a known console key; yields its base URL."""
    require_browser()
    port = free_port()
    env = {**os.environ, "ACSIM_TEACHER_KEY": KEY}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/"
    wait_until_served(proc, base + "join")
    yield base
    stop(proc)


@pytest.fixture(scope="module")
def chromium(class_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def new_page(chromium, url: str, viewport: dict):
    context = chromium.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    return page


def join(chromium, base: str, code: str, name: str):
    page = new_page(chromium, base + "join", LAPTOP)
    page.get_by_label("Class code").fill(code)
    page.get_by_label("Your first name").fill(name)
    page.get_by_role("button", name="Join").click()
    page.locator(".classroom-seat").get_by_text("you play").wait_for()
    return page


def open_tab(page, name: str) -> None:
    page.locator(".bk-tab", has_text=re.compile(f"^{name}$")).click()


def marker(page) -> tuple[int, int, str] | None:
    """(move number, side to move, role) shown on a student's page, or None when no move is asked."""
    # read in one go, without waiting: the question can be redrawn (or the game end) at any moment
    found = page.locator(".classroom-question .move").evaluate_all(
        "els => els.map(e => [e.dataset.move, e.dataset.side, e.dataset.role])"
    )
    if not found:
        return None
    move, side, role = found[0]
    return int(move), int(side), role


def wait_for_move(page, after: int) -> tuple[int, int, str] | None:
    """Wait until the page asks a move numbered above `after`, or the game is over (None)."""
    end = time.monotonic() + MOVE_TIMEOUT_S
    while time.monotonic() < end:
        if page.locator(".classroom-question").get_by_text("The game is over").count():
            return None
        seen = marker(page)
        if seen is not None and seen[0] > after:
            return seen
        time.sleep(0.1)
    raise AssertionError(
        f"no move after {after} within {MOVE_TIMEOUT_S} s; the page shows "
        f"{page.locator('.classroom-question').inner_text()!r}"
    )


def test_a_class_of_two_negotiates_new_start_and_the_board_shows_it_beside_the_model(
    chromium, class_server
):
    from dashboard.classroom.results import ODDS_REPLICATES

    expected, agreed_on, n_moves, us_red_line = advised_game()
    base = class_server
    teacher = new_page(chromium, f"{base}teacher?key={KEY}", PROJECTOR)
    teacher.get_by_role("button", name="Open the class").click()
    code_box = teacher.locator(".join-code")
    code_box.wait_for()
    code = code_box.inner_text().strip()
    assert len(code) == 5
    expect(teacher.locator(".join-qr svg")).to_have_count(1)
    expect(teacher.locator(".join-url")).to_have_text(f"{base}join")
    screenshot(
        teacher,
        "classroom_console_join.png",
        ignore=(code_box, teacher.locator(".join-qr")),
    )

    first = new_page(chromium, base + "join", LAPTOP)
    first.get_by_label("Class code").fill("WRONG")
    first.get_by_label("Your first name").fill("Ann")
    first.get_by_role("button", name="Join").click()
    expect(first.locator(".classroom-message")).to_contain_text("not this class's code")
    first.get_by_label("Class code").fill(code)
    first.get_by_role("button", name="Join").click()
    first.locator(".classroom-seat").get_by_text("you play").wait_for()
    ann = first
    bob = join(chromium, base, code, "Bob")
    expect(ann.locator(".classroom-seat")).to_contain_text("you play US in game 1")
    expect(bob.locator(".classroom-seat")).to_contain_text(
        "you play RU in game 1, against Ann (US)"
    )
    expect(ann.locator(".classroom-briefing")).to_contain_text(us_red_line)
    expect(bob.locator(".classroom-briefing")).not_to_contain_text(us_red_line)
    teacher.get_by_role("button", name="Start the games").click()

    pages = {0: ann, 1: bob}
    last, shot = -1, False
    while True:
        turn = wait_for_move(ann, last)
        if turn is None:
            break
        number, side, role = turn
        page = pages[side]
        if number == RELOAD_AT_MOVE:  # Bob reloads mid-game and finds his game where it was
            bob.reload()
            bob.locator(".classroom-seat").get_by_text("you play RU").wait_for()
        seen = wait_for_move(page, last)
        assert seen == turn, f"the pages disagree: {seen} and {turn}"
        if role == "answer" and not shot:
            expect(page.locator(".classroom-worth")).to_contain_text("For you, this deal is")
            screenshot(page, "classroom_student_answer.png")
            shot = True
        page.get_by_role("button", name="Take my advisers' advice").click()
        last = number
    for page in (ann, bob):
        expect(page.locator(".classroom-question")).to_contain_text(
            f"The game is over: {expected}", timeout=30_000
        )
    assert (
        last == n_moves - 1
    )  # every move of the advised game (numbered from 0): the reload lost none
    expect(bob.locator(".classroom-log")).to_contain_text(f"Outcome: {expected}")

    open_tab(teacher, "Board")
    board = teacher.locator(".classroom-board")
    expect(board).to_contain_text(expected, timeout=30_000)
    expect(board).to_contain_text(agreed_on)
    outcomes = teacher.locator(".classroom-outcomes-pane")
    expect(outcomes).to_contain_text(f"The model ({ODDS_REPLICATES} runs)", timeout=120_000)
    expect(outcomes).to_contain_text(f"Agreement dates in class: {agreed_on}")

    cat = join(
        chromium, base, code, "Cat"
    )  # a third student, after the start: the computer plays her partner
    expect(cat.locator(".classroom-seat")).to_contain_text("against the computer (RU)")
    expect(cat.locator(".classroom-question")).to_contain_text(
        "your turn to propose, US", timeout=30_000
    )
    screenshot(cat, "classroom_student_propose.png")
    expect(board).to_contain_text("US: Cat; RU: computer", timeout=30_000)
    screenshot(teacher, "classroom_board.png")
    open_tab(teacher, "Debrief")
    teacher.get_by_role("button", name="Show the debrief").click()
    expect(teacher.locator(".classroom-debrief")).to_contain_text(
        f"{expected}: 1 (100%; the model:"
    )
    screenshot(teacher, "classroom_debrief.png")
    for p in (teacher, ann, bob, cat):
        p.context.close()


def test_a_student_cannot_open_the_console_without_its_key(chromium, class_server):
    page = new_page(chromium, class_server + "join", LAPTOP)
    for query in ("", "?key=guess", f"?key={KEY}x"):
        response = page.goto(class_server + "teacher" + query)
        assert response.status == 403
        expect(page.locator("body")).not_to_contain_text("teacher's console")
    page.context.close()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(class_server + "teacher", timeout=10)
    assert refused.value.code == 403
