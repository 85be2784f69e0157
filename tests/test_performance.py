"""What keeps runs cheap: finished runs are freed, and the fast paths compute what the checked ones do."""

from __future__ import annotations

import gc
import weakref

import pytest

import sim
from sim.model import ArmsControlModel


def test_a_finished_run_is_freed():
    """Nothing outside a run keeps it alive (Mesa 3.3's agent-id counter used to keep every model)."""
    scn = sim.load_scenario("new_start_2021")
    model = ArmsControlModel(scn, rng=1).run()
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_an_ensemble_leaves_no_runs_behind():
    scn = sim.load_scenario("classroom_basic")
    sim.ensemble(scn, n=5, seed=0)
    gc.collect()
    before = sum(isinstance(o, ArmsControlModel) for o in gc.get_objects())
    sim.ensemble(scn, n=40, seed=1)
    gc.collect()
    assert sum(isinstance(o, ArmsControlModel) for o in gc.get_objects()) == before


@pytest.mark.parametrize("name", ["new_start_2021", "classroom_basic", "trilateral"])
def test_sentences_written_late_read_as_if_written_at_once(name):
    """Offers and answers are worded when the log is read: read after every step (as the dashboard
    does) or only at the end, the log says the same."""
    scn = sim.load_scenario(name)
    for seed in range(4):
        watched = ArmsControlModel(scn, rng=seed)
        seen = []
        while watched.running:
            watched.step()
            seen = [str(e) for e in watched.log.entries]
        unread = ArmsControlModel(scn, rng=seed).run()
        assert seen == unread.log.to_text().split("\n")
        assert all(isinstance(e.text, str) and e.text for e in unread.log)
