"""The served dashboard driven over its websocket, as the load test drives it (benchmarks/ws_client.py).

No browser draws here: these tests check that the load test's client still
speaks to the server as a browser does, and that what one session does never
reaches another session's socket.
"""

from __future__ import annotations

import asyncio
import html
import json
import signal
import time

import pytest

from benchmarks.ws_client import Page
from dashboard.session import DEFAULT_SEED
from tests.browser.conftest import free_port, start_dashboard, stop, wait_until_served


async def _found(page: Page, name: str, timeout_s: float = 60.0, **attrs) -> str:
    """The id of a model once the server has sent it (a tab's contents arrive after the tab is shown)."""
    for _ in range(int(timeout_s * 10)):
        try:
            return page.find(name, **attrs)
        except LookupError:
            await asyncio.sleep(0.1)
    return page.find(name, **attrs)


async def _two_sessions(url: str) -> dict:
    a, b = Page(url), Page(url)
    await a.open()
    await b.open()
    try:
        heard_by_b = b.expect("Outcome:")
        for page in (
            a,
            b,
        ):  # the page opens on the briefing; the run's controls come with the Timeline tab
            await page.show_tab("Timeline")
        run_a = await _found(a, "Button", label="Run to end")
        await a.timed(lambda: a.click(run_a), "Outcome: extended 5 years", timeout=60)
        slider = a.find("Slider", title="RU secrecy cost")
        await a.timed(
            lambda: a.set_value(slider, a.models[slider]["attributes"]["end"]),
            "Outcome: lapsed",
            timeout=60,
        )
        await asyncio.sleep(1.0)
        heard_before_its_run = heard_by_b.done()
        run_b = await _found(
            b, "Button", label="Run to end"
        )  # a's parameter change must not have reached b's model
        await b.timed(lambda: b.click(run_b), "Outcome: extended 5 years", timeout=60)
        return {
            "b heard an outcome": heard_before_its_run,
            "a": a.models.keys(),
            "b": b.models.keys(),
        }
    finally:
        await a.close()
        await b.close()


def test_websocket_sessions_run_apart(served_url):
    out = asyncio.run(_two_sessions(served_url))
    assert not out["b heard an outcome"], "a run in one session reached another session's socket"
    assert set(out["a"]).isdisjoint(out["b"]), "two sessions share a Bokeh model"


async def _ensemble_and_a_run(url: str) -> list[str]:
    a, b = Page(url), Page(url)
    await a.open()
    await b.open()
    order: list[str] = []
    try:
        await a.show_tab("Odds")
        n = await _found(a, "Slider", title="Replicates")
        await a.set_value(n, a.models[n]["attributes"]["end"])  # 1,000 replicates: seconds of work
        started = a.expect("Running 1000 replicates")
        # the line shown when they are in, as the socket carries it (Markdown sent as escaped HTML, in JSON)
        finished = a.expect(
            json.dumps(
                html.escape(
                    f"1000 replicates</strong> of <strong>New START expiry, 2021 · seed {DEFAULT_SEED}"
                )
            )[1:-1]
        )
        finished.add_done_callback(lambda _: order.append("a's replicates"))
        run_a = await _found(a, "Button", label="Run replicates")
        await a.click(run_a)
        await asyncio.wait_for(started, 60)
        await b.show_tab(
            "Timeline"
        )  # the page opens on the briefing; the run's controls come with the Timeline tab
        run_b = await _found(b, "Button", label="Run to end")
        await b.timed(lambda: b.click(run_b), "Outcome: extended 5 years", timeout=60)
        order.append("b's run")
        await asyncio.wait_for(finished, 120)
        return order
    finally:
        await a.close()
        await b.close()


def test_replicates_in_one_session_do_not_hold_up_another(served_url):
    """Heavy work runs off the server's event loop: another session's run comes back while it goes on."""
    assert asyncio.run(_ensemble_and_a_run(served_url)) == ["b's run", "a's replicates"]


def _pool_processes(server_pid: int, timeout_s: float = 60.0) -> list[int]:
    """The server's worker-pool processes (its fork server and the workers), once they have started."""
    import psutil

    deadline = time.time() + timeout_s
    while time.time() < deadline:
        kids = [
            p
            for p in psutil.Process(server_pid).children(recursive=True)
            if "forkserver" in " ".join(p.cmdline())
        ]
        if len(kids) >= 2:  # the fork server and at least one worker
            return [p.pid for p in kids]
        time.sleep(0.2)
    raise AssertionError("the server started no worker pool")


def _gone(pids: list[int], timeout_s: float) -> list[int]:
    """Those of `pids` still running after up to timeout_s seconds."""
    import psutil

    deadline = time.time() + timeout_s
    alive = list(pids)
    while alive and time.time() < deadline:
        alive = [
            p
            for p in alive
            if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
        ]
        time.sleep(0.2)
    return alive


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_no_worker_process_outlives_the_server(how):
    port = free_port()
    proc = start_dashboard("127.0.0.1", port)
    try:
        wait_until_served(proc, f"http://127.0.0.1:{port}/")
        pool = _pool_processes(proc.pid)
        proc.send_signal(how)
        proc.wait(timeout=30)
        assert _gone(pool, timeout_s=20) == [], (
            "worker processes were left running after the server ended"
        )
    finally:
        stop(proc)
