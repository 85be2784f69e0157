"""The Mesa model as a whole: reproducibility, Mesa's own tools, the log, installation."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sim
from sim.model import ArmsControlModel

ROOT = Path(__file__).resolve().parents[1]


def test_different_seeds_draw_different_random_events():
    logs = {tuple(sim.run("classroom_basic", seed=s).log.text) for s in range(6)}
    assert len(logs) > 1


def test_the_model_is_a_mesa_model_with_state_agents():
    m = ArmsControlModel("new_start_2021", rng=1)
    assert len(m.agents) == 2
    assert {a.name for a in m.agents} == {"US", "RU"}
    # all randomness from the model's generator: the same seed leaves it in the same state after set-up
    assert m.rng.random() == ArmsControlModel("new_start_2021", rng=1).rng.random()


def test_step_by_step_equals_run_to_the_end():
    m = ArmsControlModel("new_start_2021", rng=3)
    steps = 0
    while m.running:
        m.step()
        steps += 1
    assert steps == m.calendar.n_steps
    assert m.outcome == sim.run("new_start_2021", seed=3).outcome


def test_the_log_is_in_date_order_and_every_line_has_a_reason():
    log = sim.run("new_start_2021", seed=1).log
    assert log.date.tolist() == sorted(log.date.tolist())
    assert log.text.str.len().min() > 10
    assert log.iloc[-1].kind == "outcome"


def test_overrides_by_dotted_path_change_the_run():
    base = sim.run("new_start_2021", seed=1)
    changed = sim.run("new_start_2021", seed=1, overrides={"states.US.red_lines": []})
    assert not base.log.equals(changed.log)


def test_keyword_overrides_use_double_underscores():
    r = sim.run("classroom_basic", seed=1, tension__initial=0.9)
    assert r.timeseries.tension.iloc[0] == 0.9


def test_a_detected_violation_can_lead_to_withdrawal():
    r = sim.run(
        "classroom_basic",
        seed=2,
        overrides={
            "states.Red.type": "greedy",
            "states.Red.compliance.cheat_gain": 50.0,
            "states.Blue.withdraw_below": 0.3,
            "talks.enabled": False,
            "treaty.verification": "onsite",
            "verification_levels.2.detection": 0.999,  # a breach is found within weeks
        },
    )
    kinds = set(r.log.kind)
    assert "violation" in kinds and "withdrawal" in kinds
    assert r.outcome.category == "withdrawn"


def test_leadership_change_removes_red_lines():
    m = ArmsControlModel(
        sim.loading.resolve_scenario("new_start_2021", {"events.election.pin": "biden"}), rng=1
    )
    us = m.state_by_name["US"]
    while m.calendar.labels[m.step_index] < "2020-11-01":
        m.step()
    assert not us.allowed.all()  # the 2020 demands, whose sources predate the start
    m.run()
    assert us.allowed.all()


def test_mesa_batch_run_drives_the_model():
    # batch_run switches the process to 'spawn' on import: keep it out of the test process
    code = textwrap.dedent("""
        import mesa
        from sim.model import ArmsControlModel
        rows = mesa.batch_run(ArmsControlModel, parameters={"scenario": "new_start_2021", "rng": [1, 2],
                              "tension.initial": [0.2, 0.6]}, iterations=1, max_steps=100,
                              number_processes=1, display_progress=False)
        print(len(rows), sorted({r["outcome"] for r in rows}))
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    count, outcomes = out.stdout.split(" ", 1)
    assert int(count) == 4
    assert "extended" in outcomes


@pytest.mark.slow
def test_bundled_scenarios_are_found_after_a_plain_install(tmp_path):
    target = tmp_path / "site"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    code = "import sim, sys; names = sim.bundled_scenarios(); print(' '.join(names)); sim.run('new_start_2021', seed=1)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert "new_start_2021" in out.stdout.split()
    assert str(ROOT) not in out.stdout
