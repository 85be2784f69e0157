"""acsim: an agent-based simulation of arms-control negotiation.

The Python interface::

    import sim
    scn = sim.load_scenario("new_start_2021")
    result = sim.run(scn, seed=1)
    result.outcome, result.timeseries, result.log

Names are imported when first used (``import sim`` alone loads neither Mesa
nor pandas), so that the command line answers at once.
``sim.ensemble`` and ``sim.sweep`` are modules that can be called as the
functions of the same name: ``sim.ensemble("new_start_2021", n=500)`` and
``sim.ensemble.replicate_seed(0, 3)`` both work; so does ``sim.backtest``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy names below resolve to, for the type checker
    from sim.backtest import BacktestResult
    from sim.discovery import discover
    from sim.ensemble import EnsembleResult
    from sim.loading import ScenarioError, bundled_scenarios, load_scenario, load_scenario_text
    from sim.model import ArmsControlModel
    from sim.runner import RunResult, run
    from sim.sampling import sensitivity
    from sim.scenario import Scenario

__version__ = "0.1.0"

# public name -> (module, attribute; None for the module itself)
_LAZY = {
    "ScenarioError": ("sim.loading", "ScenarioError"),
    "bundled_scenarios": ("sim.loading", "bundled_scenarios"),
    "load_scenario": ("sim.loading", "load_scenario"),
    "load_scenario_text": ("sim.loading", "load_scenario_text"),
    "ArmsControlModel": ("sim.model", "ArmsControlModel"),
    "RunResult": ("sim.runner", "RunResult"),
    "run": ("sim.runner", "run"),
    "Scenario": ("sim.scenario", "Scenario"),
    "EnsembleResult": ("sim.ensemble", "EnsembleResult"),
    "ensemble": ("sim.ensemble", None),
    "sweep": ("sim.sweep", None),
    "sensitivity": ("sim.sampling", "sensitivity"),
    "discover": ("sim.discovery", "discover"),
    "BacktestResult": ("sim.backtest", "BacktestResult"),
    "backtest": ("sim.backtest", None),
}

__all__ = [
    "ArmsControlModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "bundled_scenarios",
    "load_scenario",
    "load_scenario_text",
    "run",
    "EnsembleResult",
    "ensemble",
    "sweep",
    "sensitivity",
    "discover",
    "BacktestResult",
    "backtest",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'sim' has no attribute '{name}'")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
