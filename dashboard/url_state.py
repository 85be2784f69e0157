"""The page's state in its address: scenario, seed, changed parameters, projector mode and tab.

``http://host:5006/?scenario=inf_1987&seed=4&changed={"tension.initial":0.6}&large=true&tab=Odds``
opens that scenario with those settings on that tab, so a reload or a shared
link shows the same run (runs are deterministic by seed). A scenario opened
from a file or edited in the page lives only in its session: a link to it
opens the bundled scenario instead, and says so.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import panel as pn
import param

import sim
from dashboard.session import Session


class Address(param.Parameterized):
    """The part of a session that the address carries (query parameters of the same names)."""

    scenario = param.String(default="", doc="The scenario's name.")
    seed = param.Integer(default=None, allow_None=True, doc="The run's seed.")
    changed = param.String(
        default="", doc="The changed parameters: a JSON object {dotted.path: value}."
    )
    large = param.Boolean(default=False, doc="Projector mode.")
    tab = param.String(default="", doc="The tab shown.")


def read(session: Session, tab: str) -> dict[str, Any]:
    """The address's values for a session showing `tab`."""
    bundled = session.scenario_name in sim.bundled_scenarios()
    return {
        "scenario": session.scenario_name if bundled else "",
        "seed": session.seed,
        "changed": json.dumps(session.overrides, separators=(",", ":"))
        if session.overrides and bundled
        else "",
        "large": session.large_text,
        "tab": tab,
    }


def apply(address: Address, session: Session, page: Any) -> None:
    """Open what an address names, in order: scenario, changed parameters, seed, projector mode, tab.

    Anything the address gets wrong (an unknown scenario, a field the scenario does not have) is
    said in the page; what it gets right still applies.
    """
    problems = []
    if address.scenario and address.scenario != session.scenario_name:
        if address.scenario in session.param.scenario_name.objects:
            session.scenario_name = address.scenario
        else:
            problems.append(f"the link names no bundled scenario {address.scenario!r}")
    if address.changed:
        try:
            changed = json.loads(address.changed)
            if not isinstance(changed, dict):
                raise ValueError
        except ValueError:
            problems.append("the link's changed parameters are not a JSON object")
        else:
            for path, value in changed.items():
                if session.overrides.get(path) != value and not session.guarded(
                    session.set_override, path, value
                ):
                    problems.append(f"the link's change {path} = {value}: {session.error}")
    if address.seed is not None and address.seed != session.seed:
        session.guarded(session.set_seed, address.seed)
    session.large_text = address.large
    if address.tab:
        page.open_tab(address.tab)
    if problems:
        session.error = "; ".join(problems)


def sync(page: Any) -> None:
    """Open what a served page's address names, then keep the address in step with the session
    (no-op outside a server)."""
    doc = pn.state.curdoc
    location = pn.state.location
    if doc is None or doc.session_context is None or location is None:
        return
    session = page.session
    address = Address()
    given = {k: v for k, v in location.query_params.items() if k in address.param}
    for name, value in given.items():
        if name in ("changed", "scenario", "tab") and not isinstance(
            value, str
        ):  # Panel reads JSON in a query
            value = json.dumps(value) if name == "changed" else str(value)
        try:
            address.param.update(
                {name: address.param[name].deserialize(value) if isinstance(value, str) else value}
            )
        except Exception:  # a value of the wrong kind: left as it was
            session.error = f"the link's {name}={value} could not be read"
    apply(address, session, page)

    def to_address(*_: Any) -> None:
        values = {k: v for k, v in read(session, page.active_tab).items()}
        query = {
            k: ("true" if v else "false") if isinstance(v, bool) else str(v)
            for k, v in values.items()
            if v not in ("", None)
        }
        dropped = [k for k, v in values.items() if v in ("", None)]
        current = {k: v for k, v in location.query_params.items() if k not in dropped}
        location.search = "?" + urlencode({**current, **query})

    session.param.watch(to_address, ["scenario_name", "seed", "overrides", "large_text"])
    page.tabs.param.watch(to_address, "active")
    to_address()
