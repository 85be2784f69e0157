"""Python's garbage collector during a class: while its games are played, what lives is left out of full passes.

A class of 60 pages is a great many Python objects (each page is a tree of Panel
and Bokeh models), and a full pass of the collector walks every one of them:
0.5 to 1.5 s on a two-core machine, during which the server answers no one.
The load test saw these pauses as its worst updates. So while a class's games
are played, the objects alive when they started are frozen
(:func:`gc.freeze`), and the collector's passes walk only what was made since:
tens of milliseconds.

A freeze is process-wide: it also holds back whatever else lives on the server
(the ordinary dashboard's sessions), which is why it is bounded to play
(:func:`follow`). The freeze starts when the teacher starts the games (or resumes
them), after a full collection, so that no garbage is frozen with the living.
It is lifted, with a full collection, once play has stopped (the class is paused
or ended, or its every game is over) for :data:`LIFT_AFTER_S`, so that the pages'
last redraws go out first; or at once when a new class opens. What was frozen and
becomes garbage during play (a page or a dashboard session open at the start that
closes meanwhile) waits until then; what is made during play (a late joiner's page)
is not frozen: the collector's passes walk it and collect it as usual.

With ``ACSIM_CLASS_MEMORY`` set to a file's path, the server traces its
allocations and appends to that file, whenever a freeze is lifted, its resident
memory, how many objects of each type it holds, and the lines of code whose
allocations grew most since the last note (a debugging aid, off by default: the
tracing slows the server down).
"""

from __future__ import annotations

import collections
import gc
import os
import threading
import time
import tracemalloc
from typing import Any

MEMORY_ENV = "ACSIM_CLASS_MEMORY"  # a file to append the server's memory to when a freeze is lifted
MEMORY_TYPES = 25  # the most numerous types written
MEMORY_LINES = 25  # the lines of code whose allocations grew most, written
TRACE_FRAMES = 8  # frames kept per traced allocation
# seconds between play stopping and the freeze being lifted: the collection that lifts it pauses
# the server, and the pages' last redraws (the pause, the end of the last game) go out first
LIFT_AFTER_S = 2.0

_lock = threading.Lock()
_frozen_for: int | None = None  # id() of the class whose play froze the collector, if any
_stopped_at: float | None = None  # when play was first seen stopped while frozen (time.monotonic)
_last_snapshot: tracemalloc.Snapshot | None = None


def playing(room: Any) -> bool:
    """Whether the class's games are being played (started, not paused or ended, a game not over)."""
    return (
        room is not None
        and room.started
        and not room.paused
        and not room.ended
        and any(not game.over for game in room.games.values())
    )


def follow(room: Any, now: float | None = None) -> None:
    """Freeze the collector when `room`'s play starts; lift it once play has stopped for
    LIFT_AFTER_S (`now`: time.monotonic()'s seconds). Cheap when nothing changed."""
    global _frozen_for, _stopped_at
    now = time.monotonic() if now is None else now
    with _lock:
        if playing(room):
            _stopped_at = None
            if _frozen_for == id(room):
                return
            if _frozen_for is not None:
                _release()
            gc.collect()
            gc.freeze()
            _frozen_for = id(room)
        elif _frozen_for is not None:
            if _stopped_at is None:
                _stopped_at = now
            if now - _stopped_at >= LIFT_AFTER_S:
                _release()


def release() -> None:
    """Lift any freeze and collect now (a new class opens, or the server is done with the last)."""
    with _lock:
        _release()


def frozen() -> bool:
    """Whether a class's play holds the collector frozen now."""
    return _frozen_for is not None


def _release() -> None:
    global _frozen_for, _stopped_at
    _frozen_for, _stopped_at = None, None
    gc.unfreeze()
    gc.collect()
    note_memory("freeze lifted")


def note_memory(label: str) -> None:
    """With MEMORY_ENV set, append the server's memory now to its file (see the module's docstring)."""
    global _last_snapshot
    path = os.environ.get(MEMORY_ENV)
    if not path:
        return
    counts = collections.Counter(
        f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects()
    )
    with open(path, "a") as out:
        out.write(
            f"== {time.strftime('%H:%M:%S')} {label}: resident {_resident_mb():.1f} MB, "
            f"{sum(counts.values())} objects\n"
        )
        for name, n in counts.most_common(MEMORY_TYPES):
            out.write(f"{n:9d} {name}\n")
        if tracemalloc.is_tracing():
            snapshot = tracemalloc.take_snapshot()
            if _last_snapshot is not None:
                out.write("-- allocations grown since the last note\n")
                for stat in snapshot.compare_to(_last_snapshot, "lineno")[:MEMORY_LINES]:
                    out.write(f"{stat}\n")
            _last_snapshot = snapshot


def _resident_mb() -> float:
    """This process's resident memory (MB; Linux's /proc, else 0)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


if os.environ.get(MEMORY_ENV) and not tracemalloc.is_tracing():
    tracemalloc.start(TRACE_FRAMES)
