"""The key parameters: the scenario fields a teacher changes most, shown as sliders."""

from __future__ import annotations

from dataclasses import dataclass
import dataclasses

import sim
from dashboard.scenarios import schema_help


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
        out.append(KeyParameter(f"states.{s.name}.bargaining.concession", f"{s.name} concession", "shape",
                                "Below 1: holds out until the deadline (Boulware); above 1: gives early.",
                                0.1, 5.0, 0.1, s.bargaining.concession))
        out.append(KeyParameter(f"states.{s.name}.utility.secrecy_cost", f"{s.name} secrecy cost", "utility/yr",
                                "Cost of fully intrusive verification to this state, per year.", 0.0, 5.0, 0.1,
                                s.utility.secrecy_cost))
        out.append(KeyParameter(f"states.{s.name}.utility.lock_in", f"{s.name} lock-in", "utility/yr of term",
                                "Leverage given up per year of the agreement's term.", 0.0, 2.0, 0.05, s.utility.lock_in))
        for r in rivals[:2]:
            trust = s.trust.get(r, 0.5) if isinstance(s.trust, dict) else s.trust
            path = f"states.{s.name}.trust.{r}" if isinstance(s.trust, dict) else f"states.{s.name}.trust"
            out.append(KeyParameter(path, f"{s.name} trust in {r}", "probability",
                                    f"Initial probability that {s.name} gives {r} of being a security seeker.",
                                    0.0, 1.0, 0.01, float(trust)))
            if not isinstance(s.trust, dict):
                break
    out.append(KeyParameter("tension.initial", "initial tension", "0-1", "Tension at the start of the run.",
                            0.0, 1.0, 0.01, scn.tension.initial))
    level = scn.treaty.verification
    for v in scn.verification_levels:
        if v.name == level:
            out.append(KeyParameter(f"verification_levels.{v.name}.detection", f"detection ({v.label or v.name})",
                                    "probability", "Chance that a step of cheating is detected under the treaty's verification.",
                                    0.0, 1.0, 0.01, v.detection))
    return [dataclasses.replace(p, help=schema_help(p.path) or p.help) for p in out]
