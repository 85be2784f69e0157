"""A fingerprint of what the model does, so that a test can tell when a generated page is stale.

The generators that quote measured figures (shares, intervals, dates) write the
fingerprint of the model that produced them into their page as an HTML comment
(``<!-- model behaviour: ... -->``); ``tests/test_docs.py`` recomputes it and
fails when the page was made by a model that behaves differently now. The
fingerprint hashes what a handful of short runs of every bundled and validation
scenario produce (outcome, log and every recorded time series, to
:data:`SERIES_DECIMALS` decimals), so it changes whenever the model's behaviour
does, including a change that only a chart would show, and not when a comment
or a docstring does. It takes a few seconds.

Usage: ``python -m docs.fingerprint`` prints it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

import sim
from sim.ensemble import series_names, series_values

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (0, 1, 2)
MARKER = "<!-- model behaviour: {} -->"
MARKER_RE = re.compile(r"<!-- model behaviour: ([0-9a-f]+) -->")
# Series are hashed rounded to this many decimals (warheads, 0-1 shares), so that a last-bit
# difference between platforms' maths libraries does not mark every page stale.
SERIES_DECIMALS = 6


def scenario_files() -> list[str]:
    """Every bundled scenario, and the validation scenarios of the tests."""
    names = list(sim.bundled_scenarios())
    names += sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "scenarios").glob("*.yaml"))
    return names


def fingerprint() -> str:
    """A short hash of what short runs of every scenario produce."""
    h = hashlib.sha256()
    for name in scenario_files():
        scn = sim.load_scenario(ROOT / name if name.endswith(".yaml") else name)
        for seed in SEEDS:
            r = sim.run(scn, seed=seed)
            h.update(f"{name}|{seed}|{r.outcome.as_dict()}|".encode())
            h.update(r.story().encode())
            for series in series_names(r.model):
                values = np.round(series_values(r.model, series), SERIES_DECIMALS) + 0.0  # no -0.0
                h.update(series.encode() + values.tobytes())
    return h.hexdigest()[:16]


def marker() -> str:
    """The comment a generated page carries."""
    return MARKER.format(fingerprint())


def stamped(page: str) -> str | None:
    """The fingerprint a page was generated with, or None."""
    found = MARKER_RE.search(page)
    return found.group(1) if found else None


if __name__ == "__main__":
    print(fingerprint())
