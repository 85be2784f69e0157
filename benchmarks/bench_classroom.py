"""The class-mode load test: 30 pairs of students play whole games at once, three classes in a row.

Serves the dashboard in a subprocess. The teacher's console (a websocket
client, ``benchmarks/ws_client.py``, like every page here) opens a class of New
START 2021; 60 students join with its code one after another, as a room
arrives, and are paired (30 games); the teacher starts the games. Each student
then plays their side to the end: when their page asks them to move, they
think for a moment (THINK_S) and take their advisers' advice. Every move is
timed to the moment each of the two students' pages shows the next question
(or the end): the mover's own update and the partner's. The target
(docs/classroom.md): every student's update within 2 s. Then the next class
opens on the same server: the server's memory after each class should stay
flat, and its CPU time per student is reported.

    .venv/bin/python -m benchmarks.bench_classroom [--pairs 30] [--classes 3]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bokeh.client.websocket import WebSocketClientConnectionWrapper
from tornado.websocket import websocket_connect

from benchmarks.ws_client import TOKEN, Page, walk

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 2.0
THINK_S = (0.5, 2.0)  # a student's time to decide (uniform, seconds)
KEY = "bench-console-key"
MOVE = re.compile(r"data-move='(\d+)' data-role='(\w+)' data-side='(\d+)'")
SEAT = re.compile(r"you play <strong>(\w+)</strong> in game (\d+)")
CODE = re.compile(r"class='join-code'[^>]*>([A-Z0-9]+)<")
OVER = "The game is over"
GAME_TIMEOUT_S = 600.0
SCENARIO = "new_start_2021"  # the console's default
SIDES = ["US", "RU"]  # its states, in order


class ClassPage(Page):
    """A page of class mode: notes when each move was first asked on it, its seat, the class's code."""

    def __init__(self, url: str, page_url: str | None = None):
        super().__init__(url)
        self.page_url = (
            page_url or self.url
        )  # where the page is fetched (the console's has its key in the query)
        self.arrived: dict[
            int, float
        ] = {}  # move number -> when this page first showed it asked (perf_counter)
        self.turns: dict[int, int] = {}  # move number -> the side asked
        self.over_at: float | None = None
        self.seat: tuple[str, int] | None = None
        self.code = ""
        self.changed = asyncio.Event()

    async def open(self) -> None:
        """As Page.open, with the page fetched from page_url and the websocket under url."""
        page_html = await asyncio.to_thread(
            lambda: urllib.request.urlopen(self.page_url, timeout=60).read().decode()
        )
        token = TOKEN.search(page_html)
        if token is None:
            raise RuntimeError(f"no session token in the page at {self.page_url}")
        conn = await websocket_connect(
            self.url.replace("http://", "ws://", 1) + "ws",
            subprotocols=["bokeh", token.group(1)],
            max_message_size=50 * 2**20,
        )
        self.socket = WebSocketClientConnectionWrapper(conn)
        if (await self._read()).msgtype != "ACK":
            raise RuntimeError("expected ACK")
        await self.protocol.create("PULL-DOC-REQ").send(self.socket)
        reply = await self._read()
        self.models = {o["id"]: o for o in walk(reply.content["doc"])}
        self.note(html.unescape(json.dumps(reply.content)))
        self.reader = asyncio.create_task(self._read_forever())
        await self._send_event("document_ready", {})

    async def _read_forever(self) -> None:
        while True:
            message = await self._read()
            if message.msgtype != "PATCH-DOC":
                continue
            self.note(html.unescape(json.dumps(message.content)))

    def note(self, text: str) -> None:
        now = time.perf_counter()
        for m in MOVE.finditer(text):
            self.arrived.setdefault(int(m.group(1)), now)
            self.turns[int(m.group(1))] = int(m.group(3))
        if OVER in text and self.over_at is None:
            self.over_at = now
        seat = SEAT.search(text)
        if seat:
            self.seat = (seat.group(1), int(seat.group(2)))
        code = CODE.search(text)
        if code:
            self.code = code.group(1)
        self.changed.set()

    async def wait(self, condition, timeout: float = GAME_TIMEOUT_S) -> None:
        end = time.perf_counter() + timeout
        while not condition():
            self.changed.clear()
            left = end - time.perf_counter()
            if left <= 0:
                raise TimeoutError("the page never showed what was expected")
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                pass

    async def type_into(self, title: str, text: str) -> None:
        model = self.find("TextInput", title=title)
        await self._send_patch(
            [{"kind": "ModelChanged", "model": {"id": model}, "attr": "value", "new": text}]
        )


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "ACSIM_TEACHER_KEY": KEY}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    end = time.time() + 60
    while time.time() < end:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/join", timeout=5)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the dashboard did not start")


def _server(pid: int) -> tuple[float, float]:
    """The server's CPU seconds so far (user + system) and its resident memory (MB)."""
    import psutil

    p = psutil.Process(pid)
    t = p.cpu_times()
    return t.user + t.system, p.memory_info().rss / 2**20


async def play(student: ClassPage, clicks: dict[int, float], side: int, rng: random.Random) -> None:
    """Take the advisers' advice whenever this student's side is asked, until the game is over."""
    advice = student.find("Button", label="Take my advisers' advice")
    last = -1
    while True:
        await student.wait(
            lambda last=last: (
                student.over_at is not None or _my_turn(student, side, last) is not None
            )
        )
        if student.over_at is not None:
            return
        number = _my_turn(student, side, last)
        await asyncio.sleep(rng.uniform(*THINK_S))
        clicks[number] = time.perf_counter()
        await student.click(advice)
        last = number


def _my_turn(page: ClassPage, side: int, after: int) -> int | None:
    asked = [n for n in page.arrived if n > after]
    if not asked:
        return None
    return max(asked) if page.turns.get(max(asked)) == side else None


async def one_class(base: str, teacher: ClassPage, pairs: int, pid: int, seed: int) -> dict:
    """Open a class, 2 x pairs students join and play to the end; latencies, CPU and memory."""
    old_code = teacher.code
    await teacher.click(teacher.find("Button", label="Open the class"))
    await teacher.wait(lambda: teacher.code and teacher.code != old_code, 60)
    students = []
    started = time.perf_counter()
    for i in range(2 * pairs):  # one at a time, as students arrive
        page = ClassPage(base + "join")
        await page.open()
        await page.type_into("Class code", teacher.code)
        await page.type_into("Your first name", f"S{i + 1}")
        await page.click(page.find("Button", label="Join"))
        await page.wait(lambda p=page: p.seat is not None, 60)
        students.append(page)
    joined_s = time.perf_counter() - started
    cpu0, _ = _server(pid)
    await teacher.click(teacher.find("Button", label="Start the games"))
    games: dict[int, dict[int, float]] = {}  # game -> move number -> when it was clicked
    sides = SIDES
    rng = random.Random(seed)
    tasks = []
    for page in students:
        clicks = games.setdefault(page.seat[1], {})
        tasks.append(play(page, clicks, sides.index(page.seat[0]), random.Random(rng.random())))
    started = time.perf_counter()
    await asyncio.gather(*tasks)
    play_s = time.perf_counter() - started
    cpu1, _ = _server(pid)
    latencies = []
    for page in students:
        clicks = games[page.seat[1]]
        for number, clicked in clicks.items():
            shown = page.arrived.get(number + 1, page.over_at)
            latencies.append(shown - clicked)
    for page in students:
        await page.close()
    await asyncio.sleep(2)
    _, rss = _server(pid)
    return {
        "joined_s": joined_s,
        "play_s": play_s,
        "latencies": latencies,
        "cpu_per_student_s": (cpu1 - cpu0) / len(students),
        "moves": sum(len(c) for c in games.values()),
        "rss_mb": rss,
    }


async def measure(port: int, pairs: int, classes: int, pid: int) -> dict:
    base = f"http://127.0.0.1:{port}/"
    teacher = ClassPage(base + "teacher", page_url=f"{base}teacher/?key={KEY}")
    await teacher.open()
    _, rss0 = _server(pid)
    out = {"pairs": pairs, "rss_start_mb": rss0, "classes": []}
    try:
        for k in range(classes):
            out["classes"].append(await one_class(base, teacher, pairs, pid, seed=k))
            print(class_line(k + 1, out["classes"][-1]), file=sys.stderr, flush=True)
    finally:
        await teacher.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--port", type=int, default=5198)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    proc = start_server(args.port)
    try:
        out = asyncio.run(measure(args.port, args.pairs, args.classes, proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    worst = max(max(c["latencies"]) for c in out["classes"])
    out["worst_s"], out["target_s"], out["ok"] = worst, TARGET_S, worst <= TARGET_S
    if args.json:
        print(
            json.dumps(
                {
                    **out,
                    "classes": [{**c, "latencies": sorted(c["latencies"])} for c in out["classes"]],
                }
            )
        )
    else:
        print(report(out))
    return 0 if out["ok"] else 1


def class_line(k: int, c: dict) -> str:
    """One class's measurements in a line."""
    lat = sorted(c["latencies"])
    p95 = lat[int(0.95 * (len(lat) - 1))]
    return (
        f"  class {k}: joined in {c['joined_s']:.1f} s; {c['moves']} moves in {c['play_s']:.0f} s; "
        f"update median {statistics.median(lat):.2f} s, p95 {p95:.2f} s, worst {lat[-1]:.2f} s "
        f"({len(lat)} updates); server CPU {c['cpu_per_student_s'] * 1e3:.0f} ms per student; "
        f"memory after {c['rss_mb']:.0f} MB"
    )


def report(out: dict) -> str:
    n = 2 * out["pairs"]
    lines = [
        f"{out['pairs']} pairs ({n} students, websocket clients) per class; server memory at start "
        f"{out['rss_start_mb']:.0f} MB"
    ]
    lines += [class_line(k, c) for k, c in enumerate(out["classes"], 1)]
    lines.append(
        f"Worst update {out['worst_s']:.2f} s (target {out['target_s']:g} s): "
        f"{'ok' if out['ok'] else 'TOO SLOW'}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
