"""A day of classes: sessions come and go on one dashboard server, whose memory must stay flat.

Each round opens a class of sessions (websocket clients, benchmarks/ws_client.py),
runs New START 2021 to its end in each, runs replicates in one of them, and
closes them all; then it waits until the server has dropped the closed
sessions (Bokeh drops a session 15 s after its page goes, checking every 17 s)
and reads the server's resident memory. The first round pays for what is
loaded once (the worker pool, caches); from then on the memory should stay
flat, however many classes have come and gone.

    .venv/bin/python -m benchmarks.bench_soak [--rounds 6] [--sessions 15]
"""

from __future__ import annotations

import argparse
import asyncio

from benchmarks.bench_dashboard import ODDS_DONE, start_server
from benchmarks.ws_client import Page

DROPPED_AFTER_S = 40.0  # long enough for the server to drop every closed session (see above)
GROWTH_LIMIT_MB = 20.0  # more growth than this from the second round to the last counts as a leak


async def one_class(url: str, sessions: int) -> None:
    """A class arrives, runs the scenario to its end (and replicates in one page), and leaves."""
    pages = [Page(url) for _ in range(sessions)]
    try:
        for p in pages:
            await p.open()
        for p in pages:
            run = p.find("Button", label="Run to end")
            await p.timed(lambda p=p, run=run: p.click(run), "Outcome:")
        first = pages[0]
        await first.timed(lambda: first.show_tab("Odds"), "Tension across replicates")
        button = first.find("Button", label="Run replicates")
        await first.timed(lambda: first.click(button), ODDS_DONE)
    finally:
        for p in pages:
            await p.close()


async def soak(url: str, server_pid: int, rounds: int, sessions: int) -> list[float]:
    """The server's resident memory (MB) after each round, once the round's sessions are dropped."""
    import psutil

    server, rss = psutil.Process(server_pid), []
    for r in range(rounds):
        await one_class(url, sessions)
        await asyncio.sleep(DROPPED_AFTER_S)
        rss.append(server.memory_info().rss / 2**20)
        print(
            f"  after class {r + 1} ({(r + 1) * sessions} sessions in all): {rss[-1]:.0f} MB",
            flush=True,
        )
    return rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--sessions", type=int, default=15)
    parser.add_argument("--port", type=int, default=5198)
    args = parser.parse_args(argv)
    proc = start_server(args.port)
    try:
        rss = asyncio.run(
            soak(f"http://127.0.0.1:{args.port}/", proc.pid, args.rounds, args.sessions)
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    settled = rss[min(1, len(rss) - 1)]  # after the first class has paid for what is loaded once
    growth = rss[-1] - settled
    ok = growth <= GROWTH_LIMIT_MB
    print(
        f"server memory from the second class to the last: {growth:+.0f} MB"
        f" (a leak if over {GROWTH_LIMIT_MB:g} MB): {'flat' if ok else 'GROWING'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
