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
    """ "N s left for this move", counted down in the browser from `seconds` (nothing when None).

    Attributes:
        seconds: seconds left when it was set (None: no clock to show).
        started: bumped at every set, so that the same number sent again restarts the count.
    """

    seconds = param.Number(default=None, allow_None=True, bounds=(0, None))
    started = param.Integer(default=0)

    _esm = f"""
    export function render({{ model, el }}) {{
      const text = document.createElement("span");
      text.className = "countdown";
      let end = 0;
      function draw() {{
        if (model.seconds === null) {{ text.textContent = ""; return; }}
        const left = Math.max(0, Math.ceil((end - performance.now()) / 1000));
        text.textContent = `${{left}} s left for this move`;
      }}
      function restart() {{
        end = performance.now() + 1000 * (model.seconds || 0);
        draw();
      }}
      model.on(["seconds", "started"], restart);
      const timer = setInterval(draw, {TICK_MS});
      model.on("remove", () => clearInterval(timer));
      restart();
      return text;
    }}
    """

    def show(self, seconds: float | None) -> None:
        """Count down from `seconds` (None: hide the clock), in one message to the page."""
        self.param.update(seconds=seconds, started=self.started + 1)

    @property
    def text(self) -> str:
        """What the page shows as the count starts (for tests and scripts)."""
        return "" if self.seconds is None else f"{math.ceil(self.seconds)} s left for this move"
