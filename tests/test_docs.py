"""The documentation: it builds, it is up to date with the code, and what it tells a reader is true."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import sim
from docs import gen_reference
from sim.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SALT_I = DOCS / "examples" / "salt_i.yaml"
MKDOCS = Path(sys.executable).with_name("mkdocs")


def _nav_pages(nav) -> list[str]:
    out = []
    for item in nav:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                out.extend(_nav_pages(value) if isinstance(value, list) else [value])
    return out


def _mkdocs_config() -> dict:
    # the config uses no YAML tags, so the safe loader reads it
    return YAML(typ="safe").load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the site builds
def test_site_builds_in_strict_mode(tmp_path):
    """A broken link, a missing anchor or a page left out of the navigation fails the build."""
    mkdocs = [str(MKDOCS)] if MKDOCS.exists() else [sys.executable, "-m", "mkdocs"]
    done = subprocess.run(
        mkdocs + ["build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "scenario.schema.json").exists()


# --------------------------------------------------------------------------- the tutorial's result
def test_salt_i_tutorial_file_validates_and_runs():
    scn = sim.load_scenario(SALT_I)
    assert scn.name == "salt_i"
    assert [s.forces for s in scn.states] == [1054, 1618]  # ICBM launchers, from the record
    r = sim.run(str(SALT_I), seed=1)
    # what the tutorial says this run does
    assert r.outcome.category == "new_terms"
    assert r.outcome.agreement_date == "1972-04-26"
    assert r.outcome.years == 5
    assert "freeze on ICBM launchers" in r.outcome.reason


def test_tutorial_page_shows_the_file_as_it_is():
    page = (DOCS / "authoring.md").read_text(encoding="utf-8")
    assert "```yaml\n" + SALT_I.read_text(encoding="utf-8") + "```" in page


def test_tutorial_error_messages_are_the_loaders():
    page = (DOCS / "authoring.md").read_text(encoding="utf-8")
    empty = "name: salt_i\ncalendar: {start: 1971-05-26, end: 1972-12-31, step: week}\n"
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario_text(empty, file="salt_i.yaml")
    assert f"error: salt_i.yaml: {info.value.field}: {info.value.message}" in page
    typo = SALT_I.read_text(encoding="utf-8").replace("    utility:\n", "    utilty:\n", 1)
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario_text(typo, file="salt_i.yaml")
    assert info.value.field == "states[0].utilty"
    assert info.value.message in page


# --------------------------------------------------------------------------- generated pages
def test_reference_page_is_up_to_date_with_the_schema():
    assert (DOCS / "reference.md").read_text(encoding="utf-8") == gen_reference.render(), (
        "docs/reference.md is out of date: run python -m docs.gen_reference"
    )


def test_reference_documents_every_field():
    page = (DOCS / "reference.md").read_text(encoding="utf-8")
    for cls, _path in gen_reference.section_order():
        assert f"## {cls.__name__}" in page
        for name, info in cls.model_fields.items():
            assert f"| `{info.alias or name}` |" in page, f"{cls.__name__}.{name} missing"
    for kind in sim.scenario.EVENT_KINDS:
        assert f"### {kind}" in page


def test_json_schema_is_what_acsim_schema_prints():
    assert (DOCS / "scenario.schema.json").read_text(
        encoding="utf-8"
    ) == gen_reference.schema_text()


def test_every_bundled_scenario_has_a_page_in_the_navigation():
    nav = _nav_pages(_mkdocs_config()["nav"])
    for name in sim.bundled_scenarios():
        page = DOCS / "scenarios" / f"{name}.md"
        assert page.exists(), (
            f"no docs page for scenario {name}: run python -m docs.gen_scenarios {name}"
        )
        assert f"scenarios/{name}.md" in nav
        text = page.read_text(encoding="utf-8")
        assert text.startswith(f"# {sim.load_scenario(name).title or name}\n")
        assert f"$ acsim run {name} --seed" in text


# --------------------------------------------------------------------------- the README
def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", text, flags=re.S)
    return [
        line[2:].split("#")[0].strip()
        for block in blocks
        for line in block.splitlines()
        if line.startswith("$ ")
    ]


def test_readme_opens_with_the_two_commands():
    commands = _readme_commands()
    assert commands[:2] == ["make dashboard", "make test"]
    assert (
        "http://localhost:5006" in (ROOT / "README.md").read_text(encoding="utf-8").split("\n\n")[1]
    )


def test_every_command_in_the_readme_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z][\w-]*):", makefile, flags=re.M))
    parser = build_parser()
    commands = _readme_commands()
    assert commands
    for command in commands:
        words = shlex.split(command)
        if words[0] == "make":
            assert words[1] in targets, command
        else:
            assert Path(words[0]).name == "acsim", command
            args = words[1:]
            parser.parse_args(args)  # an unknown subcommand or option exits here
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make docs" in text and "docs" in targets
    assert "mkdocs serve" in text


def test_readme_links_point_at_pages_that_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (ROOT / target).exists(), target


def test_pages_with_measured_figures_were_made_by_the_model_as_it_behaves_now():
    """A page that quotes measured figures carries the fingerprint of the model that measured them."""
    from docs.fingerprint import fingerprint, stamped

    pages = {p: stamped(p.read_text(encoding="utf-8")) for p in DOCS.rglob("*.md")}
    pages = {p: f for p, f in pages.items() if f is not None}
    assert DOCS / "validation.md" in pages
    now = fingerprint()
    stale = [str(p.relative_to(DOCS)) for p, f in pages.items() if f != now]
    assert not stale, f"stale pages {stale}: run python -m docs.gen_all"
