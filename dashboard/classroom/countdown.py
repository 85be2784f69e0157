"""The round's clock on a student's page, counted down by the student's own browser.

The server sends the seconds left once, when a move is asked (or the class is
paused or resumed); the page counts them down itself. A clock redrawn by the
server every second would cost it a message per student per second: in a
class of 60, more than all the moves together. The class's own clock
(:meth:`~dashboard.classroom.room.Classroom.tick`) still decides when time is
up; this only shows it.
"""

from __future__ import annotations

import math

import panel as pn
import param

TICK_MS = 250  # how often the page redraws the seconds left (ms)


class Countdown(pn.custom.JSComponent):
    """ "N s left for this move", counted down in the browser (nothing without a clock).

    Attributes:
        clock: (seconds left when it was set, or None for no clock; a count of the sets, so that
            the same seconds sent again restart the count). One parameter, not two: each
            parameter of a custom component costs the server a few milliseconds per change.
    """

    clock = param.Tuple(default=(None, 0), length=2)

    _esm = f"""
    export function render({{ model, el }}) {{
      const text = document.createElement("span");
      text.className = "countdown";
      let end = 0;
      function draw() {{
        if (model.clock[0] === null) {{ text.textContent = ""; return; }}
        const left = Math.max(0, Math.ceil((end - performance.now()) / 1000));
        text.textContent = `${{left}} s left for this move`;
      }}
      function restart() {{
        end = performance.now() + 1000 * (model.clock[0] || 0);
        draw();
      }}
      model.on("clock", restart);
      const timer = setInterval(draw, {TICK_MS});
      model.on("remove", () => clearInterval(timer));
      restart();
      return text;
    }}
    """

    def show(self, seconds: float | None) -> None:
        """Count down from `seconds` (None: hide the clock), in one message to the page."""
        self.clock = (seconds, self.clock[1] + 1)

    @property
    def text(self) -> str:
        """What the page shows as the count starts (for tests and scripts)."""
        seconds = self.clock[0]
        return "" if seconds is None else f"{math.ceil(seconds)} s left for this move"
