"""Replicates for the Odds and Compare views: run off the event loop, and each result kept with what it
is a result of (scenario, seed, changed parameters), so that a page never shows it under other settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from dashboard.views.common import in_server, off_loop
from dashboard.workers import worker_pool
from sim.ensemble import default_workers, ensemble

POOL_FROM = 200  # replicates from which a process pool pays for itself outside a server


def run_ensemble(
    scenario,
    n: int,
    seed: int,
    overrides: dict,
    series: tuple[str, ...],
    progress=None,
    pooled: bool | None = None,
):
    """sim.ensemble.ensemble with the dashboard's choices of workers and recorded series.

    pooled: run in the server's worker pool. A served page always does: replicates run
    in this process would hold Python's lock against every other session's updates.
    Default: from POOL_FROM replicates up.
    """
    if pooled is None:
        pooled = n >= POOL_FROM

    def attempt():
        return ensemble(
            scenario,
            n=n,
            seed=seed,
            workers=default_workers() if pooled else 1,
            executor=worker_pool() if pooled else None,
            overrides=dict(overrides) or None,
            progress=progress,
            series=series,
        )

    try:
        return attempt()
    except (
        BrokenProcessPool
    ):  # a worker died meanwhile (killed, out of memory): once more, on a new pool
        return attempt()


def shares_text(result) -> str:
    """Outcome shares as Markdown lines: 'extended 5 years: 93% (95% interval 87% to 96%)'."""
    runs = result.runs
    lines = []
    for row in result.shares().itertuples(index=False):
        labels = runs.loc[runs["category"] == row.category, "label"].value_counts()
        label = labels.index[0] if len(labels) == 1 else row.category.replace("_", " ")
        lines.append(
            f"- **{label}**: {row.share:.0%} (95% interval {row.lo:.0%} to {row.hi:.0%}; {row.count} of {result.n})"
        )
    return "\n".join(lines)


@dataclass
class Batch:
    """One request for replicates: what to run, and what its result is of (its label and settings key)."""

    runs: list[tuple]  # (scenario, n, seed, overrides, series) for each ensemble of the batch
    key: Any  # the session's settings_key() when it was asked for
    label: str  # the session's settings_label() when it was asked for
    started: float = field(default_factory=time.perf_counter)


class Ensembles:
    """The replicates of one view of one session: at most one batch at a time, and the last result.

    ``start`` runs a batch in a thread (in the server's worker pool when served) and calls back
    on the session's event loop; ``result``, ``key`` and ``label`` describe what is shown.
    ``forget`` drops the result and makes a batch still running be ignored when it comes back.
    """

    def __init__(self) -> None:
        self.running: Batch | None = None
        self.result: Any = None
        self.key: Any = None
        self.label = ""
        self.seconds = 0.0

    def start(
        self,
        batch: Batch,
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        on_progress: Callable[[int, int], None],
    ) -> bool:
        """Run the batch unless one is running; False when one is."""
        if self.running is not None:
            return False
        self.running = batch
        pooled, k = in_server(), len(batch.runs)

        def work(progress):
            out = []
            for i, (scenario, n, seed, overrides, series) in enumerate(batch.runs):

                def step(d, t, i=i):
                    return progress(i * t + d, k * t)

                out.append(run_ensemble(scenario, n, seed, overrides, series, step, pooled))
            return out

        def done(results) -> None:
            if (
                self.running is not batch
            ):  # forgotten meanwhile: the page moved on to other settings
                return
            self.running = None
            self.result = results if k > 1 else results[0]
            self.key, self.label = batch.key, batch.label
            self.seconds = time.perf_counter() - batch.started
            on_done(self.result)

        def failed(exc: Exception) -> None:
            if self.running is batch:
                self.running = None
                on_error(exc)

        off_loop(work, done, failed, on_progress)
        return True

    def forget(self) -> None:
        """Drop the result and ignore the batch still running, if any."""
        self.running = None
        self.result, self.key, self.label = None, None, ""
