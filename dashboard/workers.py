"""The server's worker processes: one pool, shared by every session's ensembles.

Replicates run here rather than in the server's own process, where they would
hold Python's lock against every other session's updates. The workers come
from a fork server started once with ``sim`` loaded, never forked from the
server itself: the server runs threads, and a process forked from a threaded
one can hang on a lock some other thread held.

The workers end with the server, however it ends: a clean stop shuts the
pool down, and each worker also watches the server and leaves when it is
gone (a server killed outright would otherwise leave them waiting forever).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

WATCH_EVERY_S = 2.0  # how often a worker checks that its server is still there (seconds)

_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def worker_pool() -> ProcessPoolExecutor:
    """The pool (started on first use, with as many workers as this process may use cores).

    A pool whose worker died (killed, out of memory) refuses all work; a new one replaces it.
    """
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or getattr(_POOL, "_broken", False):
            # Imported here, not at the top: every worker imports this module for its initializer,
            # and with sim.ensemble imported at the top the Compare tab's second result no longer
            # shows in a served page (tests/browser/test_dashboard_browser.py::test_compare_two_variants).
            from sim.ensemble import default_workers

            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["sim"])
            _POOL = ProcessPoolExecutor(
                max_workers=default_workers(),
                mp_context=ctx,
                initializer=_leave_with,
                initargs=(os.getpid(),),
            )
        return _POOL


def warm_worker_pool() -> None:
    """Start the workers now (about a second), so the first ensemble does not wait for them."""
    from sim.ensemble import default_workers  # inside, as in worker_pool

    pool = worker_pool()
    for f in [pool.submit(abs, 0) for _ in range(default_workers())]:
        f.result()


def _leave_with(server_pid: int) -> None:
    """In a worker: exit as soon as the server process `server_pid` is gone."""

    def watch() -> None:
        while _alive(server_pid):
            time.sleep(WATCH_EVERY_S)
        os._exit(0)

    threading.Thread(target=watch, name="leave-with-server", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
