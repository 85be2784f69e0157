"""Python's garbage collector during a class: what a class builds is left out of its full passes.

A class of 60 pages is a great many Python objects (each page is a tree of Panel
and Bokeh models), and a full pass of the collector walks every one of them:
0.5 to 1.5 s on a two-core machine, during which the server answers no one.
The load test saw these pauses as its worst updates. What a class builds to
last (each student's page as it opens, the games when they start) is frozen
as it is made (:func:`gc.freeze`), so that the collector's passes walk only
what was made since: tens of milliseconds. When the next class opens, the
freeze is lifted and the last class's pages, closed by then, are collected at
once, before anyone plays.
"""

from __future__ import annotations

import gc


def keep() -> None:
    """What exists now lasts until the class ends: leave it out of the collector's passes."""
    gc.freeze()


def release() -> None:
    """A new class: give the collector back everything frozen, and collect the last class's garbage now."""
    gc.unfreeze()
    gc.collect()
