"""Run every generator of the documentation: ``python -m docs.gen_all``.

* :mod:`docs.gen_reference`: the scenario reference page and the JSON Schema;
* :mod:`docs.gen_scenarios`: one page per bundled scenario, with a run excerpt and outcome shares;
* :mod:`docs.gen_validation`, when it exists: the validation table measured on the current code;
* :mod:`docs.gen_research`: the sampled sweeps, scenario discovery and Sobol indices of the research page;
* :mod:`docs.gen_teaching`: the numbers of the teacher's guide's lessons;
* :mod:`docs.gen_limits`: the limits and the messages for refused input in the authoring guide;
* :mod:`docs.gen_forecast`: the backtest of the historical cases ("How well does the model forecast?").
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

GENERATORS = (
    "docs.gen_reference",
    "docs.gen_scenarios",
    "docs.gen_validation",
    "docs.gen_research",
    "docs.gen_teaching",
    "docs.gen_limits",
    "docs.gen_forecast",
)


def main() -> int:
    status = 0
    for name in GENERATORS:
        if importlib.util.find_spec(name) is None:
            print(f"skipping {name}: not present")
            continue
        module = importlib.import_module(name)
        print(f"running {name}")
        result = module.main([]) if _takes_argv(module.main) else module.main()
        status = status or int(result or 0)
    return status


def _takes_argv(fn) -> bool:
    import inspect

    try:
        return len(inspect.signature(fn).parameters) > 0
    except (TypeError, ValueError):
        return False


if __name__ == "__main__":
    sys.exit(main())
