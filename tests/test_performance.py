"""What keeps runs cheap: finished runs are freed, and the fast paths compute what the checked ones do."""

from __future__ import annotations

import gc
import math
import weakref

import numpy as np
import pytest

import sim
from sim.forces import limit_forces, limit_state
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


@pytest.mark.parametrize("complying", [True, False])
@pytest.mark.parametrize("cap", [math.inf, 300.0, 450.0, 1000.0])
def test_limit_state_is_limit_forces_for_one_state(cap, complying):
    """The model's per-state rule gives exactly what the checked, vectorised one gives."""
    for proposed in (-5.0, 250.0, 420.0, 480.0, 900.0):
        for current in (0.0, 320.0, 500.0):
            expected = limit_forces(
                np.array([proposed]),
                np.array([current]),
                np.array([cap]),
                np.array([complying]),
                60.0,
                200.0,
                1 / 12,
            )[0]
            assert limit_state(proposed, current, cap, complying, 60.0, 200.0, 1 / 12) == expected


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
