"""Tension: the escalation variable, in [0, 1], with named bands.

Each step of dt years::

    T' = clip( b + (T - b) exp(-lambda dt)                   decay toward the baseline b
               + g_arms * max(growth, 0) * dt                arms growth (yearly relative growth of total forces)
               + g_viol * detected violations
               + g_wd   * withdrawal notices and suspensions
               + sum of event shocks
               - g_agr  * [agreement reached]
               - r_treaty * dt * [treaty in force]
               - r_recip  * dt * [every state seen complying],  0, 1)

High tension feeds back: it inflates the loss each state fears from being
cheated (see :mod:`sim.agenda`) and raises reservation values (bargaining
hardens, see :mod:`sim.bargaining`). Entering the crisis band logs a crisis.
Bands: calm < strained < confrontation < crisis, edges set by the scenario.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.scenario import TensionModel

BANDS = ("calm", "strained", "confrontation", "crisis")


def in_crisis(tension: float, params: TensionModel) -> bool:
    """Whether a tension level is in the crisis band (the top one)."""
    return tension >= params.crisis


def band(tension: float, params: TensionModel) -> str:
    """The named band of a tension level."""
    if in_crisis(tension, params):
        return "crisis"
    if tension >= params.confrontation:
        return "confrontation"
    if tension >= params.strained:
        return "strained"
    return "calm"


@dataclass
class TensionInputs:
    """What happened in a step that moves tension."""

    growth_per_year: float = 0.0  # relative growth of total forces (fraction per year)
    violations: int = 0
    withdrawals: int = 0
    shocks: float = 0.0  # sum of event-given changes
    agreement: bool = False
    treaty_in_force: bool = False
    all_complied: bool = False


def update(tension: float, inputs: TensionInputs, params: TensionModel, years: float) -> float:
    """Tension after a step of `years` years (see the module docstring for the equation)."""
    t = params.baseline + (tension - params.baseline) * math.exp(-params.decay_per_year * years)
    t += params.arms_growth * max(inputs.growth_per_year, 0.0) * years
    t += (
        params.violation * inputs.violations
        + params.withdrawal * inputs.withdrawals
        + inputs.shocks
    )
    if inputs.agreement:
        t -= params.agreement
    if inputs.treaty_in_force:
        t -= params.treaty_relief_per_year * years
    if inputs.all_complied:
        t -= params.reciprocity_per_year * years
    return min(max(t, 0.0), 1.0)
