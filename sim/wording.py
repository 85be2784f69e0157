"""Numbers in the log's sentences: as few digits as a reader needs, and enough to tell two apart.

A reason such as "worth 0.30, below its target 0.30" would read as nonsense; the log
writes both numbers with the first of a list of formats that shows them different.
"""

from __future__ import annotations

from collections.abc import Sequence


def apart(a: float, b: float, formats: Sequence[str]) -> tuple[str, str]:
    """`a` and `b` in the first of `formats` (e.g. ".2f", ".3f") that writes them differently.

    Equal numbers take the first format; numbers no format tells apart take the last.
    """
    for spec in formats:
        x, y = format(a, spec), format(b, spec)
        if x != y or a == b:
            break
    return x, y
