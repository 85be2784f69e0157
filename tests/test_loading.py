"""Loading scenarios through the Python API: bundled files, ``extends:``, overrides, and bad input.

Each file in ``tests/data/bad/`` is a scenario with one kind of mistake. Its
header says what the loader must report::

    # field: states[0].utility.discount     (blank: the error names no field)
    # message: less than                    (one or more substrings of the message)

and the line the error must point at carries the comment ``# <- error``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from badfiles import expectation

import sim
from sim.loading import (
    MAX_BYTES,
    ScenarioError,
    bundled_scenarios,
    load_raw,
    load_scenario,
    load_scenario_text,
    parse_value,
)

BAD = Path(__file__).parent / "data" / "bad"
BAD_FILES = sorted(BAD.glob("*.yaml"))
HACK_OUTPUT = "acsim-hacked.txt"  # what python_tag.yaml's shell command would create
HANG_GUARD_S = (
    60  # a hostile file that hung the loader would fail here instead of stalling the suite
)


def load_error(path: Path | str, **kwargs) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **kwargs)
    return info.value


# ---------------------------------------------------------------------------- bundled scenarios
@pytest.mark.parametrize("name", bundled_scenarios())
def test_every_bundled_scenario_validates(name):
    scn = load_scenario(name)
    assert scn.name == name  # the name field matches the file
    assert scn.title, "a bundled scenario needs a title for the dashboard"
    assert len(scn.states) >= 2


def test_the_four_core_scenarios_are_bundled():
    assert {
        "classroom_basic",
        "new_start_2021",
        "new_start_2021_no_transition",
        "prisoners_dilemma",
    } <= set(bundled_scenarios())


def test_a_bundled_scenario_loads_by_path_as_by_name():
    path = sim.loading.bundled_dir() / "new_start_2021.yaml"
    assert load_scenario(path) == load_scenario("new_start_2021")


# ---------------------------------------------------------------------------- extends
def test_no_transition_inherits_everything_but_pins_the_re_election_branch():
    base, counterfactual = (
        load_scenario("new_start_2021"),
        load_scenario("new_start_2021_no_transition"),
    )
    election = {e.id: e for e in base.events}["election"]
    pinned = {e.id: e for e in counterfactual.events}["election"]
    assert (election.pin, pinned.pin) == (None, "trump")
    assert pinned.branches == election.branches  # the branches themselves are inherited
    assert len(counterfactual.events) == len(base.events)
    # inherited unchanged
    assert counterfactual.states == base.states
    assert counterfactual.calendar == base.calendar
    assert counterfactual.treaty == base.treaty
    assert counterfactual.verification_levels == base.verification_levels
    # overridden
    assert counterfactual.name == "new_start_2021_no_transition"
    assert counterfactual.title != base.title


def test_extends_merges_by_name_and_id(tmp_path):
    (tmp_path / "child.yaml").write_text(
        "name: child\n"
        "extends: new_start_2021\n"
        "states:\n"
        "  - name: RU\n"
        "    utility: {secrecy_cost: 0.5}\n"  # one field of one state
        "events:\n"
        "  - {id: election, date: 2020-11-04}\n"  # move the inherited event by a day
        "treaty: {caps: {US: 1000, RU: 1000}}\n",
        encoding="utf-8",
    )
    base, child = load_scenario("new_start_2021"), load_scenario(tmp_path / "child.yaml")
    ru, base_ru = child.state("RU"), base.state("RU")
    assert ru.utility.secrecy_cost == 0.5
    assert (
        ru.utility.predictability == base_ru.utility.predictability
    )  # the rest of the mapping is kept
    assert ru.red_lines == base_ru.red_lines
    assert child.state("US") == base.state("US")
    election = next(e for e in child.events if e.id == "election")
    assert election.date == dt.date(2020, 11, 4)
    assert election.branches == next(e for e in base.events if e.id == "election").branches
    assert child.treaty.caps == {"US": 1000, "RU": 1000}
    assert child.treaty.expires == base.treaty.expires


def test_extends_finds_a_sibling_file_from_any_working_directory(tmp_path, monkeypatch):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "parent.yaml").write_text(
        (sim.loading.bundled_dir() / "classroom_basic.yaml")
        .read_text(encoding="utf-8")
        .replace("name: classroom_basic", "name: parent"),
        encoding="utf-8",
    )
    (folder / "child.yaml").write_text(
        "name: child\nextends: parent.yaml\ntension: {initial: 0.4}\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    scn = load_scenario("cases/child.yaml")
    assert scn.tension.initial == 0.4
    assert scn.state_names == ["Blue", "Red"]


def test_removing_an_event_that_is_not_inherited_is_an_error(tmp_path):
    path = tmp_path / "child.yaml"
    path.write_text(
        "name: child\nextends: new_start_2021\nevents:\n  - {id: no_such_event, remove: true}\n",
        encoding="utf-8",
    )
    err = load_error(path)
    assert err.file == str(path) and err.line == 4
    assert "no_such_event" in err.message


# ---------------------------------------------------------------------------- overrides
def test_set_overrides_a_named_state():
    scn = load_scenario("new_start_2021", overrides={"states.US.utility.discount": 0.8})
    assert scn.state("US").utility.discount == 0.8
    assert scn.state("RU").utility.discount == 0.9  # the other state is untouched


def test_set_by_index_and_by_list_value():
    scn = load_scenario(
        "new_start_2021",
        overrides={
            "states.1.red_lines": parse_value("[]"),
            "talks.deadline_kind": "uncertain",
            "talks.hazard_per_year": 2,
        },
    )
    assert scn.state("RU").red_lines == []
    assert scn.state("US").red_lines  # still there
    assert scn.talks.deadline_kind == "uncertain" and scn.talks.hazard_per_year == 2


def test_set_changes_the_run():
    """Seed 1 draws the re-election branch and lapses; pinned to the new administration, it is extended."""
    assert sim.run("new_start_2021", seed=1).outcome.category == "lapsed"
    assert (
        sim.run(
            "new_start_2021", seed=1, overrides={"events.election.pin": "biden"}
        ).outcome.category
        == "extended"
    )


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.5", 0.5),
        ("3", 3),
        ("true", True),
        ("onsite", "onsite"),
        ("[1, 2]", [1, 2]),
        ("[]", []),
        ("2021-01-20", dt.date(2021, 1, 20)),
        ("{US: 0.3}", {"US": 0.3}),
        ("null", None),
        ("a: b: c", "a: b: c"),
    ],
)
def test_parse_value_reads_yaml_scalars(text, value):
    assert parse_value(text) == value


def test_a_bad_override_value_names_the_set_option():
    err = load_error("new_start_2021", overrides={"states.US.utility.discount": 1.5})
    assert err.file == "--set states.US.utility.discount"
    assert err.field == "states[0].utility.discount"
    assert "less than 1" in err.message and "(got 1.5)" in err.message


def test_an_override_naming_an_unknown_item_lists_the_names():
    err = load_error("new_start_2021", overrides={"states.USA.utility.discount": 0.5})
    assert err.file == "--set states.USA.utility.discount"
    assert err.message == "no item named 'USA'; expected an index or one of US, RU"


def test_an_override_of_an_unknown_field_is_an_error():
    err = load_error("new_start_2021", overrides={"talks.dedline": "2021-01-01"})
    assert err.field == "talks.dedline"
    assert "unknown key" in err.message and "deadline" in err.message


def test_an_override_below_a_value_is_an_error():
    err = load_error("new_start_2021", overrides={"states.US.forces.total": 5})
    assert err.message == "'states.US.forces' is a value (1373), not a section: it has no 'total'"
    err = load_error("new_start_2021", overrides={"states.US.forces.total.x": 5})
    assert err.message == "'states.US.forces' is a value (1373), not a section: it has no 'total'"


# ---------------------------------------------------------------------------- bad files
@pytest.mark.timeout(HANG_GUARD_S)
@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_each_bad_file_gets_a_located_error(path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # python_tag.yaml would write here if it ran
    field, messages, line = expectation(path)
    assert messages, f"{path.name} has no '# message:' header"
    err = load_error(path)
    # the file itself, or for a cycle the file whose extends: closes it
    cycle = path.stem.startswith("extends_cycle")
    assert err.file == (
        str(BAD / f"extends_cycle_{'b' if path.stem.endswith('a') else 'a'}.yaml")
        if cycle
        else str(path)
    ), str(err)
    if line is not None:
        assert err.line == expectation(Path(err.file))[2], str(err)
    assert err.field == field, str(err)
    for part in messages:
        assert part in err.message, str(err)
    assert not (tmp_path / HACK_OUTPUT).exists()


def test_the_fixtures_cover_every_mistake_the_docs_promise():
    names = {p.stem for p in BAD_FILES}
    assert {
        "malformed_yaml",
        "wrong_type",
        "unknown_key",
        "out_of_range",
        "end_before_start",
        "events_out_of_order",
        "unknown_state_in_event",
        "offer_not_on_agenda",
        "python_tag",
        "alias_bomb",
        "too_deep",
        "extends_cycle_a",
        "only_comments",
    } <= names


def test_every_problem_in_a_file_is_reported_with_its_line():
    err = load_error(BAD / "many_problems.yaml")
    found = [(e.line, e.field) for e in err.all()]
    assert found == [
        (8, "states[0].forces"),
        (9, "states[0].utility.discount"),
        (12, "states[1].colour"),
    ]
    assert "(and 2 more problems)" in str(err)


def test_a_python_tag_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (BAD / "python_tag.yaml").read_text(encoding="utf-8")
    for load in (lambda: load_scenario(BAD / "python_tag.yaml"), lambda: load_scenario_text(text)):
        with pytest.raises(ScenarioError, match="is not allowed"):
            load()
    # and the same command under other tags an unsafe loader would honour
    for tag in ("!!python/object/new:os.system", "!!python/name:os.system", "!!python/module:os"):
        with pytest.raises(ScenarioError, match="is not allowed"):
            load_scenario_text(f'name: {tag} ["echo hacked > {HACK_OUTPUT}"]\n')
    assert not (tmp_path / HACK_OUTPUT).exists()


def test_a_custom_tag_is_refused_with_its_line():
    with pytest.raises(ScenarioError) as info:
        load_scenario_text("name: x\ncalendar: !include other.yaml\n")
    assert info.value.line == 2 and "'!include' is not allowed" in info.value.message


def test_a_50_megabyte_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:  # sparse: 50 MB on paper, instant to make
        f.seek(50_000_000 - 1)
        f.write(b"\n")
    reads = []
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: reads.append(self) or "")
    err = load_error(path)
    assert reads == []
    assert err.file == str(path)
    assert (
        err.message == f"the file is 50.0 MB; scenario files are limited to {MAX_BYTES / 1e6:g} MB"
    )


def test_text_over_the_limit_is_refused():
    with pytest.raises(ScenarioError, match="limited"):
        load_scenario_text("name: x\n" + "#" * MAX_BYTES)


@pytest.mark.timeout(HANG_GUARD_S)
def test_an_alias_bomb_under_the_alias_limit_is_still_refused():
    err = load_error(BAD / "alias_bomb_few_aliases.yaml")
    assert "values once aliases" in err.message


def test_a_missing_file():
    err = load_error("no/such/scenario.yaml")
    assert err.file == "no/such/scenario.yaml"
    assert err.message == "cannot read the file: No such file or directory"


def test_an_unknown_bundled_name_lists_the_names():
    err = load_error("new_start_2022")
    assert err.message.startswith("no bundled scenario named 'new_start_2022'; expected one of ")
    assert "new_start_2021" in err.message


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    err = load_error(path)
    assert (err.file, err.line) == (str(path), 1)
    assert err.message.startswith("the file is empty")


def test_a_file_that_is_not_text(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"name: x\n\xff\xfe")
    assert load_error(path).message == "not UTF-8 text (byte 8)"


def test_a_directory_is_not_a_scenario(tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    err = load_error(folder)
    assert (
        err.file == str(folder)
        and err.message == "is a directory; expected a scenario file (.yaml)"
    )


def test_a_list_at_the_top_level():
    with pytest.raises(ScenarioError, match="found a list"):
        load_scenario_text("- name: x\n")


def test_the_editor_text_gets_the_same_located_errors():
    text = (BAD / "out_of_range.yaml").read_text(encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, file="<editor>")
    assert (info.value.file, info.value.line, info.value.field) == (
        "<editor>",
        11,
        "states[0].utility.discount",
    )


def test_raw_data_keeps_lines_through_extends():
    data = load_raw("new_start_2021_no_transition")
    assert data.where["title"][0].endswith("new_start_2021_no_transition.yaml")
    assert data.where["calendar"][0].endswith("new_start_2021.yaml")
