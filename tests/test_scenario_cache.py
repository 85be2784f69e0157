"""The per-process scenario cache: sim.run("name") in a loop reads the YAML once; a changed file is read again."""

import os
import shutil
from pathlib import Path

import pytest

import sim
import sim.loading
from sim.runner import cached_scenario, clear_cache

BUNDLED = Path(sim.loading.bundled_dir())


@pytest.fixture
def reads(monkeypatch):
    """Counts the YAML files parsed."""
    clear_cache()
    count = []
    real = sim.loading.read_yaml

    def counting(path):
        count.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(sim.loading, "read_yaml", counting)
    yield count
    clear_cache()


def test_run_by_name_in_a_loop_reads_the_file_once(reads):
    outcomes = [sim.run("new_start_2021_no_transition", seed=s).outcome for s in range(3)]
    assert reads == [
        "new_start_2021_no_transition.yaml",
        "new_start_2021.yaml",
    ]  # the file and the one it extends
    loaded = sim.load_scenario("new_start_2021_no_transition")
    assert outcomes == [sim.run(loaded, seed=s).outcome for s in range(3)]
    assert cached_scenario("new_start_2021_no_transition") is cached_scenario(
        "new_start_2021_no_transition"
    )


def test_overrides_are_part_of_the_key(reads):
    a = cached_scenario("classroom_basic", {"tension.initial": 0.5})
    b = cached_scenario("classroom_basic", {"tension.initial": 0.5})
    c = cached_scenario("classroom_basic", {"tension.initial": 0.2})
    assert a is b and a is not c and (a.tension.initial, c.tension.initial) == (0.5, 0.2)
    assert cached_scenario("classroom_basic").tension.initial == 0.3
    assert reads == ["classroom_basic.yaml"]
    assert (
        sim.run("classroom_basic", seed=4, tension__initial=0.5).outcome
        == sim.run(sim.load_scenario("classroom_basic", {"tension.initial": 0.5}), seed=4).outcome
    )


def test_a_changed_file_or_a_changed_parent_is_read_again(tmp_path, reads):
    shutil.copy(BUNDLED / "classroom_basic.yaml", tmp_path / "base.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nname: child\n")
    first = cached_scenario(child)
    assert cached_scenario(child) is first and reads == ["child.yaml", "base.yaml"]
    base = tmp_path / "base.yaml"
    base.write_text(base.read_text().replace('title: "Classroom', 'title: "Changed classroom'))
    os.utime(base, ns=(first_ns := base.stat().st_mtime_ns + 10**9, first_ns))
    second = cached_scenario(child)
    assert second is not first and second.title.startswith("Changed classroom")


def test_a_bad_name_still_gets_a_clear_error(reads):
    with pytest.raises(sim.ScenarioError, match="no bundled scenario named 'no_such'"):
        sim.run("no_such")
    with pytest.raises(sim.ScenarioError, match="tension.initial"):
        sim.run("classroom_basic", overrides={"tension.initial": 3})
