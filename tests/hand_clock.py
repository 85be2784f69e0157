"""A clock a test moves by hand, for class mode's timers and timeouts."""

from __future__ import annotations


class Clock:
    """A clock the test moves by hand (seconds): set ``now``, and every timer reads it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
