"""The model's fast paths compute exactly what the plain ones would, and the speed tables in the docs are the recorded runs."""

from __future__ import annotations

import importlib
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import sim
from benchmarks import speed_record
from sim.bargaining import best_hope, choose_offer, target, targets
from sim.beliefs import ANSWERS_KEPT, Answers, chance_all_accept, expected_shortfall
from sim.compiled import CompiledScenario, compile_scenario
from sim.private_values import Draws

ensemble_module = importlib.import_module("sim.ensemble")
beliefs_module = importlib.import_module("sim.beliefs")
talks_module = importlib.import_module("sim.talks")


def _answers_through_a_run(scenario: str, seed: int, steps: int) -> list[tuple]:
    """Every particle answer a run's proposers worked with, and the chance and shortfall they saw."""
    fresh = CompiledScenario(sim.load_scenario(scenario))  # its own pools, tables and caches
    m = sim.ArmsControlModel(fresh, rng=seed)
    seen = []
    for _ in range(steps):
        m.step()
        if not m.talks.open:
            break
        t = m.talks
        t.refresh()
        for p in range(len(m.states)):
            others = [j for j in range(len(m.states)) if j != p]
            beliefs = [t.beliefs[p][j] for j in others]
            answers = [t.answers_of(j) for j in others]
            seen.append(
                (
                    [a.accept.copy() for a in answers],
                    [a.shortfall.copy() for a in answers],
                    chance_all_accept(beliefs, answers),
                    expected_shortfall(beliefs, answers),
                )
            )
    return seen


@pytest.mark.parametrize("scenario", ["new_start_2021", "jcpoa_2015"])
def test_particles_answer_alike_in_either_memory_layout(scenario, monkeypatch):
    """The particles' tables are kept offer by offer in memory; the answers, the chance of
    acceptance and the expected shortfall are the same, bit for bit, as from row-ordered tables."""
    fast = _answers_through_a_run(scenario, 3, 12)
    pool = CompiledScenario(sim.load_scenario(scenario)).draws(
        sim.load_scenario(scenario).states[0], 0
    )
    assert all(t.flags.f_contiguous for t in pool.tables(slice(0, 256)))

    tables, penalty = Draws.tables, Draws.penalty
    monkeypatch.setattr(
        Draws, "tables", lambda self, rows: tuple(map(np.ascontiguousarray, tables(self, rows)))
    )
    monkeypatch.setattr(
        Draws, "penalty", lambda self, rows, a: np.ascontiguousarray(penalty(self, rows, a))
    )
    assert not any(t.flags.f_contiguous for t in pool.tables(slice(0, 256)))
    plain = _answers_through_a_run(scenario, 3, 12)
    assert len(fast) == len(plain) > 0
    for a, b in zip(fast, plain):
        for x, y in zip(a[0] + a[1] + [a[2], a[3]], b[0] + b[1] + [b[2], b[3]]):
            assert np.array_equal(x, y)


def test_the_shortfall_is_worked_out_only_when_no_offer_is_expected_to_be_accepted():
    mine = np.array([5.0, 4.0, 3.0, 1.0])
    ok = np.ones(4, bool)
    asked = []

    def shortfall():
        asked.append(True)
        return np.array([3.0, 2.0, 0.5, 1.0])

    assert choose_offer(mine, 0.0, ok, np.array([0.2, 0.5, 0.9, 1.0]), shortfall) == 2
    assert asked == []
    assert choose_offer(mine, 0.0, ok, np.zeros(4), shortfall) == 2  # the smallest shortfall
    assert asked == [True]


def test_targets_of_many_draws_are_the_target_of_each():
    hopes = np.array([-np.inf, -1.0, 0.5, 0.5, 2.0, 4.0])
    reservations = np.array([0.0, 0.0, 0.5, 1.0, 0.0, 1.0])
    concessions = np.array([0.5, 2.0, 1.0, 0.3, 0.5, 2.0])
    for progress in (0.0, 0.25, 1.0):
        many = targets(hopes, reservations, progress, concessions)
        one = [target(*args, progress, c) for *args, c in zip(hopes, reservations, concessions)]
        assert many.tolist() == one
    assert targets(hopes, reservations, 0.25, concessions)[:4].tolist() == [0.0, 0.0, 0.5, 1.0]


def test_best_hope_is_the_best_offer_a_state_is_party_to():
    values = np.array([[1.0, 5.0, 2.0], [-np.inf, 0.5, 3.0]])
    assert best_hope(values, np.ones(3, bool)).tolist() == [5.0, 3.0]
    assert best_hope(values, np.array([True, False, True])).tolist() == [2.0, 3.0]
    assert best_hope(values, np.zeros(3, bool)).tolist() == [-np.inf, -np.inf]
    assert best_hope(np.asfortranarray(values), np.ones(3, bool)).tolist() == [5.0, 3.0]
    # offers down the rows, one state per column, each with its own offers
    own = np.array([[True, False, True], [True, True, False]])
    assert best_hope(values.T, own.T, axis=0).tolist() == [2.0, 0.5]


def test_a_worker_compiles_a_shipped_scenario_once(monkeypatch):
    """A pool's worker compiles the scenario at the first chunk that brings it, then reuses it."""
    scn = sim.load_scenario("classroom_basic")
    monkeypatch.setattr(ensemble_module, "_COMPILED", OrderedDict())  # nothing kept yet
    shipped = ensemble_module.ship(scn)
    assert ensemble_module.ship(scn).key == shipped.key  # keyed by content
    assert shipped.compiled() is compile_scenario(scn)  # the parent's own compiled form

    # a worker with nothing kept yet, receiving the shipped scenario by pickle, chunk after chunk
    monkeypatch.setattr(ensemble_module, "_COMPILED", OrderedDict())
    built = []
    real = ensemble_module.compile_scenario
    monkeypatch.setattr(ensemble_module, "compile_scenario", lambda s: built.append(s) or real(s))
    chunks = [pickle.loads(pickle.dumps(shipped)) for _ in range(3)]
    first = [c.compiled() for c in chunks]
    assert len(built) == 1 and first[0] is first[1] is first[2]
    rows, _, _ = ensemble_module._run_chunk(chunks[0], [(0, 11), (1, 12)], ("tension",))
    assert [r["category"] for r in rows] == [
        sim.run(scn, seed=s).outcome.category for s in (11, 12)
    ]


def test_the_docs_tables_of_speed_are_the_ones_the_recorded_runs_give():
    """docs/performance.md's tables of measured speed are written from docs/model_speed.json by the
    benchmarks (--record); this fails when either was edited by hand or is stale."""
    runs = speed_record.load()
    assert {r["benchmark"] for r in runs} == {"bench_model", "bench_versions"}, (
        "record a run: python -m benchmarks.bench_model --record (and bench_versions)"
    )
    page = speed_record.PAGE.read_text(encoding="utf-8")
    assert page == speed_record.with_tables(page, runs)
    for name in ("bench_model", "bench_versions"):
        assert speed_record.markers(name)[0] in page


@pytest.mark.parametrize("layout", ["F", "C"])
def test_answers_as_floats_weigh_up_as_the_table_of_booleans_does(layout):
    """A belief's answers are kept as 0/1 floats in row order; its weighted sum over them, the chance
    of acceptance, is the one numpy gives over the table of booleans, bit for bit, in either layout."""
    rng = np.random.default_rng(5)
    for _ in range(300):
        w = rng.random(256)
        w /= w.sum()
        accept = np.asarray(rng.random((256, 20)) < rng.random(), order=layout)
        as_floats = Answers.known(np.zeros(20), 0.0, np.ones(20, bool))
        as_floats._fill(np.where(accept, 1.0, -1.0), np.zeros(256), np.ones(20, bool))
        assert as_floats.accept.flags.c_contiguous and as_floats.accept.dtype == float
        assert np.array_equal(as_floats.accept, accept)
        assert np.array_equal(w @ as_floats.accept, w @ accept)


def test_runs_share_the_particles_answers_and_each_is_what_it_would_be_afresh(monkeypatch):
    """The particles' answers a pool keeps are found again by later runs (over 40 runs of
    new_start_2021 with ``ANSWERS_KEPT`` = 16, about 55% of those asked for, 44% when a pool
    kept the last 16 rather than the most used), and every one found is, bit for bit, what
    working it out afresh gives; a pool never keeps more than ``ANSWERS_KEPT``."""
    fresh = CompiledScenario(sim.load_scenario("new_start_2021"))
    kept = beliefs_module.answers_now
    asked, found = [], []

    def checked(draws, *args):
        before = {id(a) for a in draws.kept_answers.values()}
        got = kept(draws, *args)
        anew = beliefs_module.Answers(draws, *args)
        assert np.array_equal(got.accept, anew.accept) and np.array_equal(got._goal, anew._goal)
        asked.append(1)
        found.extend([1] if id(got) in before else [])
        return got

    monkeypatch.setattr(talks_module, "answers_now", checked)
    for seed in range(40):
        sim.ArmsControlModel(fresh, rng=seed).run()
    assert len(found) > 0.5 * len(asked) > 100
    pools = [fresh.draws(spec, i) for i, spec in enumerate(fresh.scenario.states)]
    assert all(0 < len(d.kept_answers) == len(d.answer_hits) <= ANSWERS_KEPT for d in pools)


def test_runs_in_threads_share_the_particles_answers_safely():
    """Class mode plays games in threads that share a compiled scenario: its pools' kept answers
    are read and replaced under a lock, and the runs come out as they do one after another."""
    import sys
    import threading

    scenario = sim.load_scenario("new_start_2021")

    def result(compiled, seed):
        m = sim.ArmsControlModel(compiled, rng=seed).run()
        return m.outcome.as_dict(), m.recorder.tension.tobytes(), m.recorder.trust.tobytes()

    seeds = range(160)
    alone = CompiledScenario(scenario)
    expected = {s: result(alone, s) for s in seeds}
    shared, got, errors = CompiledScenario(scenario), {}, []

    def play(mine):
        try:
            for s in mine:
                got[s] = result(shared, s)
        except Exception as exc:  # pragma: no cover - what the test is for
            errors.append(exc)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=play, args=(seeds[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert not errors and got == expected


def test_a_benchmark_run_is_added_whole_and_only_the_last_runs_are_kept(tmp_path):
    """Every recorded benchmark keeps its runs through speed_record.add_run: appended, oldest
    first, trimmed to the last `keep`, and the file replaced whole (no partial file left)."""
    path = tmp_path / "runs.json"
    assert speed_record.read_runs(path) == []
    for i in range(4):
        kept = speed_record.add_run(path, {"i": i}, keep=3)
    assert kept == speed_record.read_runs(path) == [{"i": 1}, {"i": 2}, {"i": 3}]
    assert speed_record.add_run(path, {"i": 4})[-2:] == [{"i": 3}, {"i": 4}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.json"]
