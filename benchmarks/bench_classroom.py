"""The class-mode load test: 30 pairs of students play whole games at once, three classes in a row.

Serves the dashboard in a subprocess. The teacher's console (a websocket
client, ``benchmarks/ws_client.py``, like every page here) opens a class of New
START 2021; 60 students join with its code, a few at a time as a room arrives,
and are paired (30 games); the teacher starts the games. Each student then
plays their side to the end: when their page asks them to move, they think
for a moment (THINK_S: far shorter than a real student, so that 30 games make
about 20 moves a second) and take their advisers' advice. Every move is timed
to the moment each of the two students' pages shows the next question (or the
end): the mover's own update and the partner's. The target
(docs/classroom.md): every student's update within 2 s.

When a class is over its pages close, and once the server has dropped their
sessions the next class opens on the same server. Reported per class: each
student's update latencies (median, 95th percentile, worst), the games that
reached their end, the server's CPU time per student (psutil; its worker
processes, which compute the board's odds, apart), its memory once the class
has gone, and the machine's load average (the machine may be shared). The
students' side runs at a lower priority than the server (CLIENT_NICENESS): in a
room each student has a laptop of their own, and here their CPU time would be
taken from the server's two cores; a student's own delays still count in
their latencies.

    .venv/bin/python -m benchmarks.bench_classroom [--pairs 30] [--classes 3] [--record]

``--record`` adds the run to docs/classroom_load.json and rewrites the table of
runs in docs/classroom.md from that file.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import html
import json
import math
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

from benchmarks.speed_record import add_run, between
from benchmarks.ws_client import TOKEN, Page, model_changed, walk

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 2.0
THINK_S = (0.5, 2.0)  # a student's time to decide (uniform, seconds)
JOIN_AT_ONCE = 4  # students joining at the same moment
CLIENT_NICENESS = (
    10  # the students' side yields the CPU to the server (in a room, each has a laptop)
)
DROPPED_AFTER_S = (
    40.0  # Bokeh drops a closed page's session 15 s after it goes, checking every 17 s
)
GROWTH_LIMIT_MB = 20.0  # memory growth from the first class to the last that counts as a leak
KEY = "bench-console-key"
NEW_MODEL = re.compile(r'"type"\s*:\s*"object"')  # a message that brings new models
MOVE = re.compile(r"data-move='(\d+)' data-role='(\w+)' data-side='(\d+)'")
SEAT = re.compile(r"you play <strong>(\w+)</strong> in game (\d+)")
CODE = re.compile(r"class='join-code'[^>]*>([A-Z0-9]+)<")
OVER = "The game is over"
GAME_TIMEOUT_S = 600.0
SCENARIO = "new_start_2021"  # the console's default
SIDES = ["US", "RU"]  # its states, in order
RESULTS = ROOT / "docs" / "classroom_load.json"  # every recorded run
PAGE = ROOT / "docs" / "classroom.md"
TABLE_BEGIN = (
    "<!-- bench_classroom: begin (written by python -m benchmarks.bench_classroom --record) -->"
)
TABLE_END = "<!-- bench_classroom: end -->"


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
        """Note every text the server sends, read as it comes (each fragment of a message is JSON
        text; parsing it and writing it back out, as the protocol's reader would, cost this process
        more CPU than the server spent on the class, on the same machine)."""
        while True:
            fragment = await self._connected().read_message()
            if fragment is None:
                raise ConnectionError("the server closed the websocket")
            if isinstance(fragment, str):
                if NEW_MODEL.search(fragment):
                    self.learn(fragment)
                self.note(html.unescape(fragment) if "&" in fragment else fragment)

    def learn(self, fragment: str) -> None:
        """Add the models a change brings (a page builds its game, or its controls, when first
        shown), so that find() sees them; only such fragments are parsed."""
        try:
            content = json.loads(fragment)
        except ValueError:
            return
        self.models.update({o["id"]: o for o in walk(content)})

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

    @property
    def placed(self) -> tuple[str, int]:
        """The (side, game number) the page shows its student playing.

        Raises:
            RuntimeError: the page has shown no seat yet.
        """
        if self.seat is None:
            raise RuntimeError(f"the page at {self.page_url} has shown no seat yet")
        return self.seat

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
        await self._send_patch([model_changed(model, "value", text)])


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


def _server(pid: int) -> tuple[float, float, float]:
    """The server's CPU seconds so far (user + system), its workers' (alive now), and its resident memory (MB)."""
    import psutil

    p = psutil.Process(pid)
    t = p.cpu_times()
    workers = 0.0
    for child in p.children(recursive=True):
        try:
            c = child.cpu_times()
            workers += c.user + c.system
        except psutil.NoSuchProcess:
            pass
    return t.user + t.system, workers, p.memory_info().rss / 2**20


async def play(student: ClassPage, clicks: dict[int, float], side: int, rng: random.Random) -> None:
    """Take the advisers' advice whenever this student's side is asked, until the game is over
    (or GAME_TIMEOUT_S passes without it: the game is then counted as not ended)."""
    last = -1
    while True:
        try:
            await student.wait(
                lambda last=last: (
                    student.over_at is not None or _my_turn(student, side, last) is not None
                )
            )
        except TimeoutError:
            return
        if student.over_at is not None:
            return
        number = _my_turn(student, side, last)
        if number is None:  # not reached: the wait ended on this student's turn
            continue
        await asyncio.sleep(rng.uniform(*THINK_S))
        clicks[number] = time.perf_counter()
        # the page shows its move controls from the first move it is asked for
        await student.click(student.find("Button", label="Take my advisers' advice"))
        last = number


def _my_turn(page: ClassPage, side: int, after: int) -> int | None:
    asked = [n for n in page.arrived if n > after]
    if not asked:
        return None
    return max(asked) if page.turns.get(max(asked)) == side else None


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank: the smallest value with q% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(latencies: list[float]) -> dict:
    """Count, median, 95th percentile and worst of a list of latencies (seconds)."""
    return {
        "updates": len(latencies),
        "median_s": statistics.median(latencies),
        "p95_s": percentile(latencies, 95),
        "max_s": max(latencies),
    }


async def join(base: str, code: str, name: str, gate: asyncio.Semaphore) -> ClassPage:
    """A student opens the join page, types the code and a first name, and waits for their seat."""
    async with gate:
        page = ClassPage(base + "join")
        await page.open()
        await page.type_into("Class code", code)
        await page.type_into("Your first name", name)
        await page.click(page.find("Button", label="Join"))
        await page.wait(lambda: page.seat is not None, 120)
        return page


async def one_class(
    base: str, teacher: ClassPage, pairs: int, pid: int, seed: int, settle_s: float
) -> dict:
    """Open a class, 2 x pairs students join and play to the end, the pages close; what it cost."""
    old_code = teacher.code
    await teacher.click(teacher.find("Button", label="Open the class"))
    await teacher.wait(lambda: teacher.code and teacher.code != old_code, 60)
    started = time.perf_counter()
    gate = asyncio.Semaphore(JOIN_AT_ONCE)
    students = await asyncio.gather(
        *(join(base, teacher.code, f"S{i + 1}", gate) for i in range(2 * pairs))
    )
    joined_s = time.perf_counter() - started
    cpu0, workers0, _ = _server(pid)
    client0 = time.process_time()
    await teacher.click(teacher.find("Button", label="Start the games"))
    games: dict[int, dict[int, float]] = {}  # game -> move number -> when it was clicked
    rng = random.Random(seed)
    tasks = []
    for page in students:
        clicks = games.setdefault(page.placed[1], {})
        tasks.append(play(page, clicks, SIDES.index(page.placed[0]), random.Random(rng.random())))
    started = time.perf_counter()
    await asyncio.gather(*tasks)
    play_s = time.perf_counter() - started
    cpu1, workers1, _ = _server(pid)
    client_s = time.process_time() - client0
    load = os.getloadavg()
    per_student, every = [], []
    for page in students:
        clicks = games[page.placed[1]]
        mine = []
        for number, clicked in clicks.items():
            shown = page.arrived.get(number + 1, page.over_at)
            if shown is not None:
                mine.append(shown - clicked)
        every += mine
        per_student.append({"game": page.placed[1], "side": page.placed[0], **summary(mine)})
    ended = {page.placed[1] for page in students if page.over_at is not None}
    ended -= {page.placed[1] for page in students if page.over_at is None}
    for page in students:
        await page.close()
    await asyncio.sleep(settle_s)  # until the server has dropped the closed pages' sessions
    _, _, rss = _server(pid)
    return {
        "students": len(students),
        "joined_s": joined_s,
        "play_s": play_s,
        "moves": sum(len(c) for c in games.values()),
        "games": len(games),
        "games_ended": len(ended),
        **summary(every),
        "within_target": sum(1 for s in per_student if s["max_s"] <= TARGET_S),
        "per_student": per_student,
        "cpu_s_per_student": (cpu1 - cpu0) / len(students),
        "workers_cpu_s": max(0.0, workers1 - workers0),
        "clients_cpu_s": client_s,
        "rss_mb": rss,
        "load_avg": list(load),
    }


async def measure(port: int, pairs: int, classes: int, pid: int, settle_s: float) -> dict:
    base = f"http://127.0.0.1:{port}/"
    teacher = ClassPage(base + "teacher", page_url=f"{base}teacher/?key={KEY}")
    await teacher.open()
    _, _, rss0 = _server(pid)
    results: list[dict] = []
    out = {
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "pairs": pairs,
        "think_s": list(THINK_S),
        "cpus": os.cpu_count(),
        "load_avg_start": list(os.getloadavg()),
        "rss_start_mb": rss0,
        "classes": results,
    }
    try:
        for k in range(classes):
            results.append(await one_class(base, teacher, pairs, pid, k, settle_s))
            print(class_line(k + 1, results[-1]), file=sys.stderr, flush=True)
    finally:
        await teacher.close()
    return out


def _commit() -> str:
    """The code measured: the checkout's commit (with "+" when it has uncommitted changes)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "dashboard", "sim")
    return git("rev-parse", "--short", "HEAD") + ("+" if dirty else "")


def verdict(out: dict) -> dict:
    """The run's verdict: worst update against the target, every game ended, memory flat."""
    classes = out["classes"]
    worst = max(c["max_s"] for c in classes)
    growth = classes[-1]["rss_mb"] - classes[0]["rss_mb"]
    ended = all(c["games_ended"] == c["games"] for c in classes)
    flat = growth <= GROWTH_LIMIT_MB
    return {
        "worst_s": worst,
        "target_s": TARGET_S,
        "growth_mb": growth,
        "growth_limit_mb": GROWTH_LIMIT_MB,
        "all_ended": ended,
        "flat": flat,
        "ok": worst <= TARGET_S and ended and flat,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--port", type=int, default=5198)
    parser.add_argument(
        "--settle", type=float, default=DROPPED_AFTER_S, help="seconds to wait after a class"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--record", action="store_true", help=f"add the run to {RESULTS.name} and the docs' table"
    )
    args = parser.parse_args(argv)
    proc = start_server(args.port)
    os.nice(CLIENT_NICENESS)  # after the server started, which keeps the ordinary priority
    try:
        out = asyncio.run(measure(args.port, args.pairs, args.classes, proc.pid, args.settle))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out.update(verdict(out))
    print(json.dumps(out, indent=1) if args.json else report(out))
    if args.record:
        record(out)
    return 0 if out["ok"] else 1


def class_line(k: int, c: dict) -> str:
    """One class's measurements in a line."""
    slowest = max(c["per_student"], key=lambda s: s["p95_s"])
    return (
        f"  class {k}: {c['students']} joined in {c['joined_s']:.0f} s; {c['moves']} moves in {c['play_s']:.0f} s; "
        f"{c['games_ended']} of {c['games']} games ended; update median {c['median_s']:.2f} s, "
        f"p95 {c['p95_s']:.2f} s, worst {c['max_s']:.2f} s ({c['updates']} updates; the slowest student's p95 "
        f"{slowest['p95_s']:.2f} s; {c['within_target']} of {c['students']} students always within {TARGET_S:g} s); "
        f"server CPU {c['cpu_s_per_student']:.2f} s per student (the clients' {c['clients_cpu_s']:.0f} s in all); "
        f"memory after {c['rss_mb']:.0f} MB; "
        f"load average {c['load_avg'][0]:.1f}"
    )


def report(out: dict) -> str:
    n = 2 * out["pairs"]
    lines = [
        f"{out['pairs']} pairs ({n} students, websocket clients) per class; server memory at start "
        f"{out['rss_start_mb']:.0f} MB; load average at start {out['load_avg_start'][0]:.1f} "
        f"on {out['cpus']} cores"
    ]
    lines += [class_line(k, c) for k, c in enumerate(out["classes"], 1)]
    lines.append(
        f"Worst update {out['worst_s']:.2f} s (target {out['target_s']:g} s); memory from the first class "
        f"to the last {out['growth_mb']:+.0f} MB ({'flat' if out['flat'] else 'GROWING'}); "
        f"{'every game ended' if out['all_ended'] else 'SOME GAMES DID NOT END'}: "
        f"{'ok' if out['ok'] else 'NOT MET'}"
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------- the docs' table
def record(out: dict) -> None:
    """Add the run (without each student's row) to RESULTS and rewrite the table in PAGE."""
    classes = [{k: v for k, v in c.items() if k != "per_student"} for c in out["classes"]]
    runs = add_run(RESULTS, {**out, "classes": classes})
    PAGE.write_text(with_table(PAGE.read_text(), runs_table(runs)))


def runs_table(runs: list[dict]) -> str:
    """The docs' table: one row per class of every recorded run (Markdown)."""
    lines = [
        "| run | code | class | load average | students | games ended | updates | median | 95th percentile | worst "
        "| students always within 2 s | server CPU per student | server memory after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for k, c in enumerate(run["classes"], 1):
            lines.append(
                f"| {run['when']} | {run.get('commit', '')} | {k} | {c['load_avg'][0]:.1f} | {c['students']} "
                f"| {c['games_ended']} of {c['games']} | {c['updates']} | {c['median_s']:.2f} s "
                f"| {c['p95_s']:.2f} s | {c['max_s']:.2f} s | {c['within_target']} of {c['students']} "
                f"| {c['cpu_s_per_student']:.2f} s | {c['rss_mb']:.0f} MB |"
            )
    return "\n".join(lines + ["", latest(runs[-1])] if runs else lines)


def latest(run: dict) -> str:
    """The latest run in a sentence: the target, the games, the memory."""
    classes = run["classes"]
    updates = sum(c["updates"] for c in classes)
    worst = max(c["max_s"] for c in classes)
    memory = ", ".join(f"{c['rss_mb']:.0f}" for c in classes)
    growth = classes[-1]["rss_mb"] - classes[0]["rss_mb"]
    met = (
        f"every one of its {updates} updates reached its page within {TARGET_S:g} s (the worst in "
        f"{worst:.2f} s)"
        if worst <= TARGET_S
        else f"its worst update took {worst:.2f} s, over the {TARGET_S:g} s target"
    )
    ended = sum(c["games_ended"] for c in classes)
    games = sum(c["games"] for c in classes)
    return (
        f"In the latest run ({run['when']}), {met}; {ended} of its {games} games reached their end; "
        f"the server's memory after each class was {memory} MB ({growth:+.0f} MB from the first "
        f"class to the last)."
    )


def with_table(page: str, table: str) -> str:
    """The page with the text between TABLE_BEGIN and TABLE_END replaced by `table`."""
    return between(page, TABLE_BEGIN, TABLE_END, table)


if __name__ == "__main__":
    raise SystemExit(main())
