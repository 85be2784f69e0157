"""The JSON Schema of scenario files, shipped with the package so that ``acsim schema`` answers at once.

Building the schema from the pydantic classes of :mod:`sim.scenario` costs
about half a second of imports and schema generation; an editor or a script
asking for it should not wait for that. The schema is therefore generated once
into ``sim/scenario.schema.json`` (package data) by::

    python -m sim.schema

and ``tests/test_startup.py`` fails when the shipped file no longer matches
the classes (after a change to :mod:`sim.scenario` or :mod:`sim.priors`).
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_TITLE = "acsim scenario"
SHIPPED = "scenario.schema.json"  # package data of sim
INDENT = 2  # spaces, as editors and `python -m json.tool` print it
REGENERATE = "python -m sim.schema"


def build() -> dict[str, Any]:
    """The JSON Schema of a scenario file (draft 2020-12), built from the pydantic classes."""
    from sim.scenario import Scenario

    schema = Scenario.model_json_schema(by_alias=True)
    schema.pop("$id", None)
    description = schema.pop("description", "")
    return {
        "$schema": SCHEMA_URI,
        "title": SCHEMA_TITLE,
        "description": description,
        **{k: v for k, v in schema.items() if k != "title"},
    }


def as_text(schema: dict[str, Any]) -> str:
    """The schema as the file holds it: indented JSON ending with a newline."""
    return json.dumps(schema, indent=INDENT) + "\n"


def shipped_path() -> Path:
    """Where the generated schema lives inside the package."""
    return Path(str(resources.files("sim").joinpath(SHIPPED)))


def text() -> str:
    """The schema's text: the shipped file, or built from the classes if the file is missing."""
    try:
        return shipped_path().read_text(encoding="utf-8")
    except FileNotFoundError:  # an unusual install that dropped the package data
        return as_text(build())


def main() -> int:
    """Write the schema built from the classes into the package (``python -m sim.schema``)."""
    path = shipped_path()
    path.write_text(as_text(build()), encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
