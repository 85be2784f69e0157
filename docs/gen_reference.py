"""Write the scenario reference page and the JSON Schema from the schema classes.

``docs/reference.md`` and ``docs/scenario.schema.json`` are generated from
:class:`sim.scenario.Scenario` (the pydantic classes' fields, types, defaults,
constraints and descriptions), so the documentation cannot drift from what the
loader accepts. Run it after changing ``sim/scenario.py``::

    python -m docs.gen_reference          # rewrite both files
    python -m docs.gen_reference --check  # exit 1 if either is out of date
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim import priors
from sim import scenario as schema
from sim.scenario import Scenario

DOCS = Path(__file__).resolve().parent
REFERENCE = DOCS / "reference.md"
SCHEMA = DOCS / "scenario.schema.json"

# Sections in the order a scenario file is usually written; nested classes follow their parent.
EVENT_CLASSES = [
    schema.Statement,
    schema.OfferEvent,
    schema.LeadershipChange,
    schema.Accusation,
    schema.Deployment,
    schema.WithdrawalNotice,
    schema.Suspension,
    schema.Gesture,
    schema.Ultimatum,
    schema.Branch,
]
PRIOR_CLASSES = [
    priors.Normal,
    priors.Uniform,
    priors.LogNormal,
    priors.Triangular,
    priors.Beta,
    priors.Choice,
]


# --------------------------------------------------------------------------- types and ranges
def _strip(annotation):
    """(bare type, constraints) of a possibly Annotated type."""
    constraints = []
    while typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        annotation = args[0]
        for meta in args[1:]:
            if isinstance(meta, FieldInfo):
                constraints.extend(meta.metadata)
            else:
                constraints.append(meta)
    return annotation, constraints


def type_name(annotation) -> str:
    """A readable name for a field's type, as a scenario author writes it in YAML."""
    annotation, _ = _strip(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is type(None):
        return "null"
    if annotation is bool:
        return "true/false"
    if annotation is int:
        return "integer"
    if annotation is float:
        return "number"
    if annotation is str:
        return "text"
    if annotation is dt.date:
        return "date"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{anchor(annotation)})"
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        if all(a in PRIOR_CLASSES for a in args):
            return "a [distribution](#priors)"
        if all(isinstance(a, type) and issubclass(a, BaseModel) for a in args):
            return "one of the event kinds"
        parts = [type_name(a) for a in args if a is not type(None)]
        return " or ".join(parts)
    if origin is list:
        inner = type_name(args[0])
        if inner == "one of the event kinds":
            return "list of [events](#events)"
        return f"list of {inner}"
    if origin is dict:
        return f"map of {type_name(args[0])} to {type_name(args[1])}"
    return str(annotation)


def _bounds(constraints) -> dict:
    out = {}
    for c in constraints:
        for key in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern"):
            value = getattr(c, key, None)
            if value is not None:
                out[key] = value
    return out


def _inner_constraints(annotation) -> list:
    """Constraints on the values of a type (through unions, lists and maps)."""
    annotation, constraints = _strip(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType, list, dict):
        for a in args[-1:] if origin is dict else args:
            found = _inner_constraints(a)
            if found:
                return constraints + found
    return constraints


def value_range(info: FieldInfo) -> str:
    """The allowed range of a field, from its constraints ('' when unconstrained)."""
    b = _bounds(list(info.metadata) + _inner_constraints(info.annotation))
    parts = []
    lo = ("≥ " + _num(b["ge"])) if "ge" in b else ("> " + _num(b["gt"])) if "gt" in b else None
    hi = ("≤ " + _num(b["le"])) if "le" in b else ("< " + _num(b["lt"])) if "lt" in b else None
    if "ge" in b and "le" in b:
        parts.append(f"{_num(b['ge'])} to {_num(b['le'])}")
    else:
        parts.extend(p for p in (lo, hi) if p)
    if "min_length" in b or "max_length" in b:
        lo_n, hi_n = b.get("min_length"), b.get("max_length")
        what = "characters" if _is_text(info.annotation) else "items"
        if lo_n is not None and hi_n is not None:
            parts.append(f"{lo_n} to {hi_n} {what}")
        elif lo_n is not None:
            parts.append(f"at least {lo_n} {what}")
        else:
            parts.append(f"at most {hi_n} {what}")
    if "pattern" in b:
        parts.append(f"matches `{b['pattern']}`")
    return "; ".join(parts)


def _is_text(annotation) -> bool:
    return _strip(annotation)[0] is str


def _num(x) -> str:
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return f"{x:,}".replace(",", " ") if isinstance(x, int) and abs(x) >= 10_000 else str(x)


def default_text(info: FieldInfo) -> str:
    """The default as a scenario author would write it, or 'required'."""
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value = info.default_factory()
    else:
        value = info.default
    if value is PydanticUndefined:
        return "**required**"
    if isinstance(value, BaseModel):
        return "see section"
    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{_num(value)}`" if abs(value) < 1e6 else f"`{value:g}`"
    if value == [] or value == {}:
        return f"`{json.dumps(value)}`"
    return f"`{json.dumps(value, default=str)}`"


# --------------------------------------------------------------------------- sections
def anchor(cls: type[BaseModel]) -> str:
    """The page anchor of a class's section (an event kind's anchor is its kind)."""
    if cls in EVENT_CLASSES:
        return typing.get_args(cls.model_fields["kind"].annotation)[0]
    return cls.__name__.lower()


def section_order() -> list[tuple[type[BaseModel], str]]:
    """Every class to document, with the YAML path where it appears."""
    out: list[tuple[type[BaseModel], str]] = []
    seen: set = set()

    def visit(cls, path):
        if cls in seen:
            return
        seen.add(cls)
        out.append((cls, path))
        for name, info in cls.model_fields.items():
            key = info.alias or name
            for sub in nested_classes_of_field(info):
                sub_path = f"{path}.{key}" if path else key
                if _is_list(info.annotation):
                    sub_path += "[]"
                visit(sub, sub_path)

    visit(Scenario, "")
    return out


def nested_classes_of_field(info: FieldInfo) -> list[type[BaseModel]]:
    found = []

    def walk(a):
        a, _ = _strip(a)
        if isinstance(a, type) and issubclass(a, BaseModel):
            if a not in found and a not in EVENT_CLASSES and a not in PRIOR_CLASSES:
                found.append(a)
            return
        for arg in typing.get_args(a):
            walk(arg)

    walk(info.annotation)
    return found


def _is_list(annotation) -> bool:
    a, _ = _strip(annotation)
    if typing.get_origin(a) in (typing.Union, types.UnionType):
        return any(_is_list(x) for x in typing.get_args(a))
    return typing.get_origin(a) is list


def _doc(cls: type[BaseModel]) -> str:
    return " ".join((cls.__doc__ or "").split())


def field_table(cls: type[BaseModel], skip: tuple[str, ...] = ()) -> list[str]:
    rows = ["| field | type | default | range | meaning |", "|---|---|---|---|---|"]
    for name, info in cls.model_fields.items():
        if name in skip:
            continue
        key = info.alias or name
        desc = info.description or _class_doc_of(info) or _field_fallback(cls, name)
        cells = [
            f"`{key}`",
            type_name(info.annotation),
            default_text(info),
            value_range(info),
            desc.replace("|", "\\|"),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _class_doc_of(info: FieldInfo) -> str:
    """The docstring of the schema class a field holds (or holds a list of)."""
    if name_list := nested_classes_of_field(info):
        return _doc(name_list[0])
    bare = _strip(info.annotation)[0]
    if typing.get_origin(bare) is list and type_name(bare) == "list of [events](#events)":
        return "The scripted timeline: dated events, each of one kind (see [Events](#events))."
    return ""


def _field_fallback(cls: type[BaseModel], name: str) -> str:
    """A description for the few fields that have none in the schema (StateChanges mirrors StateSpec)."""
    if cls is schema.StateChanges and name in schema.StateSpec.model_fields:
        return f"New value of the state's `{name}` (see [StateSpec](#statespec))."
    return ""


def render() -> str:
    """The whole reference page, as Markdown."""
    lines = [
        "# Scenario file reference",
        "",
        "<!-- Generated by docs/gen_reference.py from sim/scenario.py: do not edit by hand. -->",
        "",
        "Every field a scenario file may hold, with its type, default, allowed range and meaning.",
        "Units are given in each description: *utility* is the model's unit of value, relative to",
        "no deal; rates are *per year* whatever the step length; forces are counted in *warheads*",
        "(or whatever unit the scenario uses consistently).",
        "",
        "Unknown keys are errors at every level, so a misspelt field is reported, never ignored.",
        "A field marked **required** must be given (or inherited through `extends:`). Dates are",
        "written `YYYY-MM-DD`. The same rules, as a JSON Schema for editors:",
        "[scenario.schema.json](scenario.schema.json) (see [Writing a scenario](authoring.md#editor-support)).",
        "",
        "Besides the schema, the loader checks that names refer to things that exist (an event's",
        "actor is a state, an offer's options are on the agenda, a red line's option is on the",
        "agenda) and that dates are in order; those errors name the file, line and field too.",
        "",
        "## Contents",
        "",
    ]
    sections = section_order()
    for cls, path in sections:
        where = f" (`{path}`)" if path else " (the top level)"
        lines.append(f"- [{cls.__name__}](#{anchor(cls)}){where}")
    lines.append(
        "- [Events](#events) (`events[]`): "
        + ", ".join(f"[{anchor(c)}](#{anchor(c)})" for c in EVENT_CLASSES)
        + ", [StateChanges](#statechanges)"
    )
    lines.append("- [Priors](#priors): a number or a distribution")
    lines.append("")
    for cls, path in sections:
        lines += [f"## {cls.__name__}", ""]
        lines += [f"*Where:* `{path}`" if path else "*Where:* the top level of the file", ""]
        lines += [_doc(cls), ""]
        lines += field_table(cls)
        lines.append("")
        if cls is schema.StateSpec:
            names = ", ".join(f"`{n}`" for n in _strategy_names())
            lines += [f"Compliance strategies (`strategy`): {names}.", ""]
    lines += _events_section()
    lines += _priors_section()
    return "\n".join(lines).rstrip() + "\n"


def _priors_section() -> list[str]:
    lines = [
        "## Priors",
        "",
        "A field whose type says *or a distribution* takes either a number (a known, fixed value)",
        "or a distribution: a *private value*. Each run draws the true value from the run's",
        "generator; the state knows its own draw, the others know only the distribution (a common",
        "prior). A draw outside the field's range is clipped to it. Write it as a mapping with",
        "`dist`:",
        "",
        "```yaml",
        "secrecy_cost: {dist: lognormal, median: 1.0, sigma: 0.5}",
        "```",
        "",
    ]
    for cls in PRIOR_CLASSES:
        kind = typing.get_args(cls.model_fields["dist"].annotation)[0]
        lines += [f"### dist: {kind}", "", _doc(cls), ""]
        lines += field_table(cls, skip=("dist",))
        lines.append("")
    return lines


def _strategy_names() -> list[str]:
    from sim.strategies import STRATEGIES

    return list(STRATEGIES)


def _events_section() -> list[str]:
    common = schema.EventBase
    lines = [
        "## Events",
        "",
        "*Where:* `events[]`",
        "",
        "The scripted timeline. Each event is a mapping with a `kind`; the kind decides which",
        "other fields it takes. Every kind takes the common fields below, then its own.",
        f"Kinds: {', '.join(f'`{k}`' for k in schema.EVENT_KINDS)}.",
        "In a dated scenario give `date`; in a dateless one (`calendar.step: turn`) give `step`.",
        "",
        "### Common fields",
        "",
    ]
    lines += field_table(common)
    lines.append("")
    for cls in EVENT_CLASSES:
        kind = typing.get_args(cls.model_fields["kind"].annotation)[0]
        lines += [f"### {kind}", "", f"`kind: {kind}`: {_doc(cls)}", ""]
        own = [n for n in cls.model_fields if n not in common.model_fields and n != "kind"]
        if own:
            lines += field_table(cls, skip=tuple(n for n in cls.model_fields if n not in own))
        else:
            lines.append("No fields besides the common ones.")
        lines.append("")
    changes = schema.StateChanges
    lines += [
        "### StateChanges",
        "",
        "*Where:* `events[].changes` of a `leadership_change`",
        "",
        _doc(changes)
        + " Fields left out keep their value; `utility`, `bargaining` and `compliance`"
        " replace only the sub-fields they name.",
        "",
    ]
    lines += field_table(changes)
    lines.append("")
    option = schema.BranchOption
    lines += [
        "### BranchOption",
        "",
        "*Where:* `events[].branches[]` of a `branch`",
        "",
        _doc(option),
        "",
    ]
    lines += field_table(option)
    lines.append("")
    return lines


def schema_text() -> str:
    """The JSON Schema of a scenario file, exactly as ``acsim schema`` prints it (for editors)."""
    from sim.cli import scenario_schema

    return json.dumps(scenario_schema(), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only check that the files are up to date"
    )
    args = parser.parse_args(argv)
    wanted = {REFERENCE: render(), SCHEMA: schema_text()}
    stale = [
        p for p, text in wanted.items() if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for p in stale:
            print(
                f"{p.relative_to(DOCS.parent)} is out of date: run python -m docs.gen_reference",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for p, text in wanted.items():
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
