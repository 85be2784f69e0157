"""Scenario input and output for the dashboard: the bundled scenarios (shared, read-only), their
titles and groups for the picker, YAML text in and out, and a user's mistakes in words."""

from __future__ import annotations

import functools
import io
import typing
from collections import OrderedDict
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML

import sim
from sim.compiled import CompiledScenario, compile_scenario
from sim.loading import resolve_scenario, scenario_path

DEFAULT_SCENARIO = "new_start_2021"


@functools.lru_cache(maxsize=256)
def bundled(name: str) -> sim.Scenario:
    """A bundled scenario (read-only, shared between sessions: the model never changes it)."""
    return sim.load_scenario(name)


SETTINGS_KEPT = (
    32  # scenarios with changed parameters kept compiled, for every session of the server
)
_SETTINGS: OrderedDict[tuple[int, str], tuple[sim.Scenario, CompiledScenario]] = OrderedDict()


def with_settings(scenario: sim.Scenario, overrides: dict[str, Any]) -> CompiledScenario:
    """The scenario with its changed parameters applied and compiled, shared by every session's runs.

    Applying overrides validates the whole scenario again and compiling it derives every state's
    pool of private values: tens of milliseconds that a reset, a rewind or a game's answer would
    otherwise pay again, and that a class moving the same slider would pay thirty times. The
    result depends only on the scenario object (never changed once validated) and the overrides,
    so the last :data:`SETTINGS_KEPT` are kept for all sessions.

    Raises:
        sim.ScenarioError: an override the scenario's schema rejects (nothing is kept).
    """
    key = (id(scenario), repr(sorted(overrides.items())))
    hit = _SETTINGS.get(key)
    if hit is not None and hit[0] is scenario:
        _SETTINGS.move_to_end(key)
        return hit[1]
    compiled = compile_scenario(resolve_scenario(scenario, dict(overrides)))
    _SETTINGS[key] = (scenario, compiled)  # the scenario is held, so no other takes its id
    while len(_SETTINGS) > SETTINGS_KEPT:
        _SETTINGS.popitem(last=False)
    return compiled


def scenario_yaml(scenario: sim.Scenario) -> str:
    """A scenario as a YAML file a user can load again (``acsim run FILE``)."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("extends", None)
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # ruamel annotates it None
    yaml.width = 100
    yaml.dump(data, out)
    return out.getvalue()


def located_errors(err: sim.ScenarioError) -> list[dict]:
    """Each problem of a ScenarioError as {line, field, message} (line None when unknown)."""
    return [{"line": e.line, "field": e.field or "", "message": e.message} for e in err.all()]


def describe_error(err: Exception) -> str:
    """A user's mistake in one readable line (a located ScenarioError keeps its line and field)."""
    if isinstance(err, sim.ScenarioError):
        parts = []
        for e in err.all():
            where = f"line {e.line}" if e.line else ""
            field = f"{e.field}" if e.field else ""
            loc = ", ".join(p for p in (where, field) if p)
            parts.append(f"{loc}: {e.message}" if loc else e.message)
        return "; ".join(parts)
    return f"{type(err).__name__}: {err}"


def bundled_text(name: str) -> str:
    """The YAML text of a bundled scenario (what the editor opens with)."""
    return scenario_path(name).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- titles, groups, edited copies
YOUR_SCENARIOS = "Your scenarios"  # the picker's group for files opened or edited in this session
OTHER_PERIOD = "Other"  # the picker's group for bundled scenarios that name no period
EDITED_NAME, EDITED_TITLE = "{}_edited", "{} (edited)"


def title_of(scn: sim.Scenario) -> str:
    """What a user calls a scenario: its title, or its name when it has none."""
    return scn.title or scn.name


def period_of(scn: sim.Scenario) -> str:
    """The scenario's period (e.g. "Cold War"), or "" (the field is optional and newer than some files)."""
    return str(getattr(scn, "period", "") or "")


def picker_groups(
    bundled_names: list[str], uploaded: dict[str, sim.Scenario]
) -> dict[str, dict[str, str]]:
    """The scenario picker's entries: {group: {title: name}}, bundled scenarios grouped by period, then the
    session's own files. Groups keep the order of their first scenario; titles are sorted within a group."""
    groups: dict[str, dict[str, str]] = {}
    for name in bundled_names:
        scn = bundled(name)
        groups.setdefault(period_of(scn) or OTHER_PERIOD, {})[title_of(scn)] = name
    if set(groups) == {OTHER_PERIOD}:  # no scenario names a period: one plain list
        groups = {"Scenarios": groups[OTHER_PERIOD]}
    elif OTHER_PERIOD in groups:
        groups[OTHER_PERIOD] = groups.pop(OTHER_PERIOD)
    out = {g: dict(sorted(entries.items())) for g, entries in groups.items()}
    if uploaded:
        out[YOUR_SCENARIOS] = {title_of(s): name for name, s in uploaded.items()}
    return out


def as_own_copy(scn: sim.Scenario, taken: list[str]) -> sim.Scenario:
    """An edited or opened scenario under its own name and title when its name is a bundled scenario's,
    so that it sits beside the bundled one in the picker instead of replacing it."""
    if scn.name not in taken:
        return scn
    return scn.model_copy(
        update={"name": EDITED_NAME.format(scn.name), "title": EDITED_TITLE.format(title_of(scn))}
    )


def schema_help(path: str) -> str:
    """The schema's description of a scenario field given by its dotted override path (e.g.
    ``states.RU.utility.secrecy_cost``), or "" when the schema has none."""
    model: Any = sim.Scenario
    description = ""
    parts = path.split(".")
    i = 0
    while i < len(parts):
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return description
        name = parts[i]
        if name not in fields:
            return ""
        field = fields[name]
        description = field.description or ""
        model = _inner_model(field.annotation)
        i += 1
        if name in ("states", "verification_levels", "freeze_options") and i < len(parts):
            i += 1  # the next part names a list item (a state or a level)
        if model is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
            return description
    return description


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as list[StateSpec] or Utility | None (else the annotation)."""
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        for inner in typing.get_args(arg):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None
