"""What a student joining a class under way costs the server: the CPU time of each part of a join.

Serves the class pages in this process (the server's loop on the main thread,
the students on another), opens a class of New START 2021 with a few games
under way, and has JOINERS students arrive one after another: each opens
``/join`` (the server builds the page), pulls the page's document over the
websocket, types the code and a name and clicks Join (the server seats them,
starts their game against the computer and draws it). Everything the server's
loop does meanwhile holds up every other student's update, so the figures are
the server thread's CPU time (``time.thread_time``), per part and per join:

- the page's build (Panel's ``initialize_document``: the app and its Bokeh models),
- the document sent over the websocket (``Document.to_json``),
- the Join click (``StudentPage._join``),
- and the server thread's whole time per join (HTTP and websocket included).

    .venv/bin/python -m benchmarks.bench_class_join [--joiners 10] [--port 5199] [--profile]

To compare two versions side by side, run it from each checkout in turn
(``PYTHONPATH=<checkout>``); the figures move with the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import functools
import pstats
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

PROFILE_LINES = 40  # lines of the profile printed with --profile
STUDENTS_PLAYING = 8  # students already seated when the joiners arrive
SCENARIO = "new_start_2021"


def timed(owner: Any, name: str, label: str, spent: dict[str, list[float]]) -> None:
    """Wrap owner.name so that each call's CPU time on its thread is appended to spent[label]."""
    original: Callable = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label].append(time.thread_time() - start)

    setattr(owner, name, wrapper)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--joiners", type=int, default=10)
    parser.add_argument("--port", type=int, default=5199)
    parser.add_argument("--profile", action="store_true", help="print the server thread's profile")
    args = parser.parse_args(argv)

    import panel as pn
    import panel.io.application
    from bokeh.document import Document
    from tornado.ioloop import IOLoop

    from benchmarks.bench_classroom import ClassPage
    from dashboard.classroom import serving, student
    from dashboard.classroom.room import CLASSES, DEFAULT_SEED, Classroom
    from sim.runner import cached_scenario

    spent: dict[str, list[float]] = collections.defaultdict(list)
    timed(panel.io.application.Application, "initialize_document", "page build", spent)
    timed(Document, "to_json", "document sent", spent)
    timed(student.StudentPage, "_join", "Join click", spent)
    room = CLASSES.current = Classroom(cached_scenario(SCENARIO), seed=DEFAULT_SEED)
    for i in range(STUDENTS_PLAYING):
        room.join(room.code, f"S{i + 1}", f"page-{i + 1}")
    room.start()
    pn.serve(
        serving.apps(f"http://127.0.0.1:{args.port}/join"),
        port=args.port,
        address="127.0.0.1",
        start=False,
        show=False,
    )
    loop = IOLoop.current()
    walls: list[float] = []

    async def arrive() -> None:
        base = f"http://127.0.0.1:{args.port}/"
        warm = ClassPage(base + "join")  # the first page imports and caches: not counted
        await warm.open()
        await warm.close()
        spent.clear()
        for i in range(args.joiners):
            start = time.perf_counter()
            page = ClassPage(base + "join")
            await page.open()
            await page.type_into("Class code", room.code)
            await page.type_into("Your first name", f"L{i + 1}")
            await page.click(page.find("Button", label="Join"))
            await page.wait(lambda page=page: page.seat is not None, 60)
            walls.append(time.perf_counter() - start)
            await page.close()

    server_cpu: list[float] = []

    def done() -> None:
        server_cpu.append(time.thread_time())
        loop.stop()

    def students() -> None:
        asyncio.run(arrive())
        loop.add_callback(done)

    profile = cProfile.Profile()
    loop.add_callback(lambda: server_cpu.append(time.thread_time()))
    loop.add_callback(threading.Thread(target=students, name="students").start)
    if args.profile:
        profile.enable()
    loop.start()
    profile.disable()
    print(f"{args.joiners} students join a class under way, one after another")
    for label, values in spent.items():
        print(
            f"  {label}: median {statistics.median(values):.3f} s, worst {max(values):.3f} s "
            f"of the server's CPU ({len(values)} calls)"
        )
    print(
        f"  the server thread in all: {(server_cpu[1] - server_cpu[0]) / args.joiners:.3f} s CPU "
        f"per join (the first, warm-up page, included); a join took {statistics.median(walls):.2f} s "
        "(median, wall clock)"
    )
    if args.profile:
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(PROFILE_LINES)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
