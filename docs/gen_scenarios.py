"""Write one documentation page per bundled scenario: ``python -m docs.gen_scenarios``.

Each page follows the Info tab of NetLogo's models library (what it is, how it
works, how to use it, things to notice, things to try, extending it, related
scenarios, sources). The text comes from the scenario file itself
(``description``, ``notice``, ``try``, ``sources``); the structure (states,
agenda, treaty, timeline) is read from the loaded scenario; the run excerpt and
the outcome shares are measured on the current code when the page is written, and
the page carries the model's behaviour fingerprint, so that a test fails when they are stale.
A historical case also gets its players' briefings and what really happened
(its ``record:`` block), with a link to its score on the forecast page.

It also writes the "Scenarios" section of ``mkdocs.yml``'s navigation: every
bundled scenario, grouped by its ``period`` (in :data:`PERIOD_ORDER`, then any
other period alphabetically, then those without one under
:data:`NO_PERIOD`), each group in order of its start date.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import sim
from docs.fingerprint import marker
from sim.ensemble import default_workers, ensemble
from sim.scenario import Scenario

DOCS = Path(__file__).resolve().parent
PAGES = DOCS / "scenarios"
EXCERPT_SEED = 1
ENSEMBLE_N = 200
ENSEMBLE_SEED = 0
EXCERPT_LINES = 14
TERMINAL_COLUMNS = "80"
MKDOCS = DOCS.parent / "mkdocs.yml"
NAV_SECTION = "Scenarios"  # the navigation entry whose children this script writes
NAV_INDENT = "  "  # mkdocs.yml indents each level by two spaces and writes list items at the key's indent + 2
PERIOD_ORDER = (
    "Cold War (1945-1991)",
    "After the Cold War (1991-2008)",
    "The 2010s and 2020s",
    "Classroom",
)
NO_PERIOD = "Other scenarios"

# Scenarios that are best read together, with why.
RELATED = {
    "new_start_2021": [
        ("new_start_2021_no_transition", "the same without the change of US administration"),
        ("new_start_2026", "the same treaty's suspension and expiry"),
        ("trilateral", "what a demand to bring in China does"),
    ],
    "new_start_2021_no_transition": [("new_start_2021", "what history did")],
    "new_start_2026": [("new_start_2021", "the extension five years earlier")],
    "inf_1987": [("inf_2019", "the same treaty's end, thirty years later")],
    "inf_2019": [("inf_1987", "how the treaty was made, with inspections")],
    "classroom_basic": [("prisoners_dilemma", "the compliance game alone")],
    "prisoners_dilemma": [("classroom_basic", "the game inside a negotiation")],
    "trilateral": [("new_start_2021", "the bilateral treaty it starts from")],
}


def page_name(name: str) -> str:
    return f"scenarios/{name}.md"


def _bullets(text: str) -> str:
    """Free text from a scenario file as Markdown (its '- ' items stay a list)."""
    out, current = [], []
    for line in text.strip().splitlines() + [""]:
        s = line.strip()
        if (not s or s.startswith("- ")) and current:
            out.append(" ".join(current))
            current = []
        if s:
            current.append(s)
    return "\n".join(out)


def how_it_works(scn: Scenario) -> list[str]:
    cal, t = scn.calendar, scn.treaty
    span = (
        f"{cal.steps} turns of {cal.turn_years:g} years"
        if scn.dateless
        else f"{cal.start} to {cal.end}, one step a {cal.step}"
    )
    lines = [f"- **Calendar:** {span}."]
    states = "; ".join(
        f"{s.label or s.name} (`{s.name}`): forces {s.forces:g}, true type `{s.type}`, strategy `{s.strategy_choice().name}`"
        for s in scn.states
    )
    lines.append(f"- **States:** {states}. The true type is hidden from the other states.")
    if t.in_force:
        expiry = t.expires or (f"step {t.expires_step}" if t.expires_step else "no expiry")
        caps = ", ".join(f"{k} {v:g}" for k, v in t.caps.items()) or "none"
        lines.append(
            f"- **Treaty at the start:** {t.name}, in force until {expiry}; verification `{t.verification}`; caps {caps}."
        )
    else:
        lines.append("- **Treaty at the start:** none in force.")
    space = sim.ArmsControlModel(scn, rng=0).space
    issues = []
    for issue, options in space.options.items():
        if len(options) > 1:
            issues.append(
                f"{issue} ({', '.join(str(o if not isinstance(o, tuple) else '+'.join(o)) for o in options)})"
            )
    if scn.talks.enabled and len(space):
        lines.append(
            f"- **Agenda:** {len(space)} possible offers"
            + (f"; issues: {'; '.join(issues)}" if issues else "")
            + "."
        )
        deadline = scn.talks.deadline or scn.talks.deadline_step or "the treaty's expiry"
        lines.append(
            f"- **Talks:** deadline {deadline} ({scn.talks.deadline_kind}); first proposer {scn.talks.first_proposer or scn.states[0].name}."
        )
    else:
        lines.append("- **Talks:** none; the run is about compliance and forces.")
    red = [(s.name, rl) for s in scn.states for rl in s.red_lines]
    if red:
        lines.append(
            "- **Red lines:** " + "; ".join(f"{n}: {rl.reason or rl.issue}" for n, rl in red) + "."
        )
    if scn.random_events:
        lines.append(
            "- **Random events:** "
            + "; ".join(
                f"{r.label or r.kind} ({r.rate_per_year:g} a year)" for r in scn.random_events
            )
            + "."
        )
    out = lines + [""]
    if scn.events:
        out += [
            "Scripted events:",
            "",
            "| when | actor | kind | what | source |",
            "|---|---|---|---|---|",
        ]
        for ev in scn.events:
            when = ev.date if ev.date is not None else f"step {ev.step}"
            text = (ev.text or "").replace("|", "\\|")
            out.append(f"| {when} | {ev.actor} | `{ev.kind}` | {text} | {ev.source} |")
        out.append("")
    return out


def run_excerpt(name: str) -> tuple[str, str]:
    """The first lines and the outcome line of ``acsim run NAME --seed 1``, as a terminal of 80 columns shows them."""
    from sim.cli import main

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = TERMINAL_COLUMNS
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            main(["run", name, "--seed", str(EXCERPT_SEED)])
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    lines = buf.getvalue().rstrip("\n").splitlines()
    body = lines[:EXCERPT_LINES]
    tail_start = max(i for i, line in enumerate(lines) if line.startswith("Outcome:"))
    excerpt = "\n".join(
        body + (["..."] if tail_start > EXCERPT_LINES else []) + [""] + lines[tail_start:]
    )
    return excerpt, " ".join(lines[tail_start:])


def shares_table(name: str) -> list[str]:
    result = ensemble(
        name, n=ENSEMBLE_N, seed=ENSEMBLE_SEED, workers=default_workers()
    )  # same shares whatever the workers
    rows = ["| outcome | runs | share | 95% interval |", "|---|---|---|---|"]
    for r in result.shares(by="label").itertuples():
        rows.append(f"| {r.label} | {r.count} | {r.share:.0%} | {r.lo:.0%} to {r.hi:.0%} |")
    return rows


def render(name: str, behaviour: str) -> str:
    """The page of scenario `name`; `behaviour` is the model's fingerprint marker (:mod:`docs.fingerprint`)."""
    scn = sim.load_scenario(name)
    excerpt, _ = run_excerpt(name)
    period = f" Period: {scn.period}." if scn.period else ""
    lines = [
        f"# {scn.title or name}",
        "",
        f"<!-- Generated by docs/gen_scenarios.py from scenarios/{name}.yaml: do not edit by hand. -->",
        behaviour,
        "",
        f"Bundled scenario `{name}`, in the file `scenarios/{name}.yaml`.{period}",
        "",
        "## What it is",
        "",
        _bullets(scn.description) or "(no description)",
        "",
        "## How it works",
        "",
    ]
    lines += how_it_works(scn)
    lines += [
        "The mechanics of each step are on [the model](../model.md) page.",
        "",
        "## How to use it",
        "",
        "In the dashboard, pick it from the scenario list and press Play. On the command line:",
        "",
        "```console",
        f"$ acsim show {name}",
        f"$ acsim run {name} --seed {EXCERPT_SEED}",
        "```",
        "",
        excerpt_block(excerpt),
        "",
        f"Over {ENSEMBLE_N} replicates (`acsim ensemble {name} -n {ENSEMBLE_N} --seed {ENSEMBLE_SEED}`), measured when this page was written:",
        "",
    ]
    lines += shares_table(name)
    lines += [
        "",
        "## Things to notice",
        "",
        _bullets(scn.notice) or "(none listed)",
        "",
        "## Things to try",
        "",
        _bullets(scn.try_) or "(none listed)",
        "",
    ]
    lines += history_sections(scn)
    lines += ["## Extending it", ""]
    lines += [
        "Start a file of your own from this one and change what you need (see [Writing a scenario](../authoring.md#a-variant-with-extends)):",
        "",
        "```yaml",
        f"name: my_{name}",
        f"extends: {name}",
        'title: "My variant"',
        "```",
        "",
    ]
    if scn.extends:
        lines += [f"This scenario itself extends [`{scn.extends}`]({scn.extends}.md).", ""]
    related = RELATED.get(name, [])
    if related:
        lines += ["## Related scenarios", ""]
        lines += [
            f"- [{other}]({other}.md): {why}."
            for other, why in related
            if other in sim.bundled_scenarios()
        ]
        lines.append("")
    lines += ["## Sources", ""]
    lines += [f"- {s}" for s in scn.sources] or ["(none listed)"]
    return "\n".join(lines).rstrip() + "\n"


def history_sections(scn: Scenario) -> list[str]:
    """The players' briefings and, for a historical case, what happened (read it after the run)."""
    out = []
    if scn.briefings:
        out += ["## Briefings", "", "What each side's player is told.", ""]
        labels = {s.name: s.label or s.name for s in scn.states}
        for state, text in scn.briefings.items():
            out += [f"**{labels.get(state, state)}** (`{state}`): {' '.join(text.split())}", ""]
    rec = scn.record
    if rec is not None:
        when = f" ({rec.date})" if rec.date else ""
        out += [
            "## What happened",
            "",
            f'!!! note "Read this after the run: {rec.label or rec.outcome}{when}"',
            f"    {' '.join(rec.text.split()) or rec.label}",
            "",
            f"    Outcome category `{rec.outcome}`"
            + (f"; the status quo would have been `{rec.status_quo}`" if rec.status_quo else "")
            + ".",
            "    Sources: " + ("; ".join(rec.sources) or "(none listed)") + ".",
            "",
            "How well the model forecast this case, from its start date, is on "
            "[How well does the model forecast?](../forecast.md).",
            "",
        ]
    return out


def excerpt_block(text: str) -> str:
    return "```text\n" + text + "\n```"


# ---------------------------------------------------------------------------- the navigation
def periods() -> dict[str, list[str]]:
    """{period: [scenario names]} of every bundled scenario, periods and scenarios in the navigation's order."""
    groups: dict[str, list[tuple]] = {}
    for name in sim.bundled_scenarios():
        scn = sim.load_scenario(name)
        start = scn.calendar.start.isoformat() if scn.calendar.start else ""
        groups.setdefault(scn.period or NO_PERIOD, []).append((start, name))
    order = [p for p in PERIOD_ORDER if p in groups]
    order += sorted(p for p in groups if p not in PERIOD_ORDER and p != NO_PERIOD)
    order += [NO_PERIOD] if NO_PERIOD in groups else []
    return {p: [name for _start, name in sorted(groups[p])] for p in order}


def nav_lines(groups: dict[str, list[str]]) -> list[str]:
    """The navigation's Scenarios section as mkdocs.yml lines (at the top level of ``nav:``)."""
    item, sub, leaf = NAV_INDENT, NAV_INDENT * 3, NAV_INDENT * 5
    out = [f"{item}- {NAV_SECTION}:"]
    for period, names in groups.items():
        out.append(f"{sub}- {json_string(period)}:")
        out += [f"{leaf}- {page_name(name)}" for name in names]
    return out


def json_string(text: str) -> str:
    """A YAML double-quoted scalar (JSON's quoting is valid YAML)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def nav_section(text: str) -> tuple[int, int]:
    """The [first, end) line numbers of the Scenarios section in mkdocs.yml's text."""
    lines = text.splitlines()
    head = f"{NAV_INDENT}- {NAV_SECTION}:"
    if head not in lines:
        raise ValueError(f"{MKDOCS.name}: no '{head.strip()}' entry in nav")
    first = lines.index(head)
    end = first + 1
    while end < len(lines) and lines[end].startswith(NAV_INDENT * 2) and lines[end].strip():
        end += 1
    return first, end


def with_nav(text: str, groups: dict[str, list[str]]) -> str:
    """mkdocs.yml's text with its Scenarios section replaced by the one for these groups."""
    lines = text.splitlines()
    first, end = nav_section(text)
    return "\n".join(lines[:first] + nav_lines(groups) + lines[end:]) + "\n"


def main(argv: list[str] | None = None) -> int:
    names = (argv or None) or sim.bundled_scenarios()
    PAGES.mkdir(exist_ok=True)
    behaviour = marker()
    for name in names:
        (PAGES / f"{name}.md").write_text(render(name, behaviour), encoding="utf-8")
        print(f"wrote docs/{page_name(name)}")
    config = MKDOCS.read_text(encoding="utf-8")
    updated = with_nav(config, periods())
    if updated != config:
        MKDOCS.write_text(updated, encoding="utf-8")
        print(f"wrote the {NAV_SECTION} section of {MKDOCS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
