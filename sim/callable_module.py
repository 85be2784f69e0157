"""Modules that can be called as their function of the same name (``sim.ensemble``, ``sim.sweep``).

``sim.ensemble`` is both a module (``sim.ensemble.replicate_seed``) and the
function that runs an ensemble (``sim.ensemble("new_start_2021", n=500)``).
A package attribute can only be one of them, so the module is given a
``__call__`` that forwards to its function.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class CallableModule(types.ModuleType):
    """A module whose call runs its function of the same name."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, self.__name__.rsplit(".", 1)[-1])(*args, **kwargs)


def make_callable(module_name: str) -> None:
    """Let the module `module_name` (already imported) be called as its function of the same name."""
    sys.modules[module_name].__class__ = CallableModule
