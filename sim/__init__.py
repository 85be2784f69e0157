"""acsim: an agent-based simulation of arms-control negotiation.

The Python interface::

    import sim
    scn = sim.load_scenario("new_start_2021")
    result = sim.run(scn, seed=1)
    result.outcome, result.timeseries, result.log
"""

from sim.loading import ScenarioError, bundled_scenarios, load_scenario, load_scenario_text
from sim.model import ArmsControlModel
from sim.runner import RunResult, run
from sim.scenario import Scenario
from sim.ensemble import EnsembleResult, ensemble
from sim.sweep import sweep
from sim.backtest import BacktestResult, backtest

__all__ = [
    "ArmsControlModel", "RunResult", "Scenario", "ScenarioError",
    "bundled_scenarios", "load_scenario", "load_scenario_text", "run",
]
__all__ += ["EnsembleResult", "ensemble", "sweep"]
__all__ += ["BacktestResult", "backtest"]
__version__ = "0.1.0"
