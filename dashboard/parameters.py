"""The key parameters: the scenario fields a teacher changes most, shown as sliders."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sim
from dashboard.scenarios import schema_help
from sim.priors import central, is_prior

# The parameter of a prior that a slider moves: its centre, so that the uncertainty around it stays.
PRIOR_CENTRES = ("mean", "median", "mode")


@dataclass(frozen=True)
class KeyParameter:
    """One scenario field shown as a slider: its dotted path (an override), label, unit, help and range."""

    path: str
    label: str
    unit: str
    help: str
    start: float
    end: float
    step: float
    value: float


def key_parameters(scn: sim.Scenario) -> list[KeyParameter]:
    """The parameters a teacher changes most, read from the scenario with their current values.

    Each one's help is the scenario schema's description of its field (what ``acsim schema`` prints).
    """
    out: list[KeyParameter] = []
    names = scn.state_names
    for s in scn.states:
        rivals = [n for n in names if n != s.name]
        out.append(
            _parameter(
                f"states.{s.name}.bargaining.concession",
                s.bargaining.concession,
                f"{s.name} concession",
                "shape",
                "Below 1: holds out until the deadline (Boulware); above 1: gives early.",
                0.1,
                5.0,
                0.1,
            )
        )
        out.append(
            _parameter(
                f"states.{s.name}.utility.secrecy_cost",
                s.utility.secrecy_cost,
                f"{s.name} secrecy cost",
                "utility/yr",
                "Cost of fully intrusive verification to this state, per year.",
                0.0,
                5.0,
                0.1,
            )
        )
        out.append(
            _parameter(
                f"states.{s.name}.utility.lock_in",
                s.utility.lock_in,
                f"{s.name} lock-in",
                "utility/yr of term",
                "Leverage given up per year of the agreement's term.",
                0.0,
                2.0,
                0.05,
            )
        )
        for r in rivals[:2]:
            trust = s.trust.get(r, 0.5) if isinstance(s.trust, dict) else s.trust
            path = (
                f"states.{s.name}.trust.{r}"
                if isinstance(s.trust, dict)
                else f"states.{s.name}.trust"
            )
            out.append(
                KeyParameter(
                    path,
                    f"{s.name} trust in {r}",
                    "probability",
                    f"Initial probability that {s.name} gives {r} of being a security seeker.",
                    0.0,
                    1.0,
                    0.01,
                    float(trust),
                )
            )
            if not isinstance(s.trust, dict):
                break
    out.append(
        KeyParameter(
            "tension.initial",
            "initial tension",
            "0-1",
            "Tension at the start of the run.",
            0.0,
            1.0,
            0.01,
            scn.tension.initial,
        )
    )
    level = scn.treaty.verification
    for v in scn.verification_levels:
        if v.name == level:
            out.append(
                KeyParameter(
                    f"verification_levels.{v.name}.detection",
                    f"detection ({v.label or v.name})",
                    "probability",
                    "Chance that a step of cheating is detected under the treaty's verification.",
                    0.0,
                    1.0,
                    0.01,
                    v.detection,
                )
            )
    return [
        dataclasses.replace(
            p, help=schema_help(p.path.removesuffix(_centre_suffix(p.path))) or p.help
        )
        for p in out
    ]


def _slider(path: str, value) -> tuple[str, float]:
    """The override path a slider sets and its current value: a number as it is, a prior by its centre
    (its mean, median or mode, so that the uncertainty around it stays), else its mean, pinned."""
    if not is_prior(value):
        return path, float(value)
    for name in PRIOR_CENTRES:
        if name in type(value).model_fields:
            return f"{path}.{name}", float(getattr(value, name))
    return path, central(value)


def _parameter(
    path: str, value, label: str, unit: str, help_: str, start: float, end: float, step: float
) -> KeyParameter:
    """A slider for a field that may hold a prior (see :func:`_slider`)."""
    where, now = _slider(path, value)
    if where != path:
        label += f" ({where.rsplit('.', 1)[1]} of its prior)"
    return KeyParameter(where, label, unit, help_, start, end, step, now)


def _centre_suffix(path: str) -> str:
    """ ".mean" (or the like) when a slider's path names a prior's centre, else ""."""
    last = path.rsplit(".", 1)[-1]
    return f".{last}" if last in PRIOR_CENTRES else ""
