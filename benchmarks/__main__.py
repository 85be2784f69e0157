"""Run every benchmark module (bench_*.py) in turn and print its table.

Usage: ``python -m benchmarks [name ...]`` (names without the ``bench_`` prefix).
Machines are shared and noisy: each benchmark compares things side by side in
one process and reports ratios, never a pass/fail on seconds.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [f"bench_{a}" if not a.startswith("bench_") else a for a in argv]
    for name in wanted or names:
        if name not in names:
            print(f"no benchmark named {name}; expected one of {', '.join(names)}", file=sys.stderr)
            return 2
        print(f"\n## {name}\n", flush=True)
        sys.argv = [name]  # each benchmark runs with its own defaults
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
