"""The catalogue of bundled scenarios: names and titles, read without loading the model.

``acsim list`` needs only each scenario's title. Reading it with PyYAML's C
parser, without validating the scenario, keeps the command instant (loading
and validating every bundled file takes about a second; the test suite
validates them all).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

MAX_EXTENDS = 8  # as in sim.loading: a chain of extends no deeper than this


def bundled_dir() -> Path:
    """Where the bundled scenarios are installed."""
    return Path(str(resources.files("scenarios")))


def bundled_names() -> list[str]:
    """Names of the bundled scenarios, sorted."""
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def title(name: str) -> str:
    """A bundled scenario's title (inherited through ``extends:`` when it has none of its own).

    Raises:
        ValueError: the file cannot be read as YAML, or has no title anywhere in its chain.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for _ in range(MAX_EXTENDS + 1):
        path = bundled_dir() / f"{name}.yaml"
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{path.name}: {' '.join(str(exc).split())}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{path.name}: not a mapping")
        if data.get("title"):
            return str(data["title"])
        if not isinstance(data.get("extends"), str):
            return name
        name = data["extends"]
    raise ValueError(f"extends: more than {MAX_EXTENDS} levels deep")
