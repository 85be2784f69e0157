"""Provenance: which code and which libraries produced a result.

:func:`versions` is what a sweep's ``manifest.json`` records under
``versions``: acsim's version, the hash of its model code (every ``sim/*.py``
file, so an edit that was never committed still counts), the git commit and
whether the checkout had uncommitted changes (when run from a checkout),
Python, numpy, pandas, pyarrow, Mesa and SALib, and the platform.

:func:`model_version` is the part that decides whether two results came from
the same model: acsim's version and the hash of its code. A sweep refuses to
resume into an output started by another model version unless told
(``--allow-version-change``), so that a table never mixes two models silently.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
LIBRARIES = {
    "numpy": "numpy",
    "pandas": "pandas",
    "pyarrow": "pyarrow",
    "mesa": "Mesa",
    "salib": "SALib",
}
GIT_TIMEOUT_S = 5  # a git that hangs (a network file system) must not hold up a sweep
HASH_CHARS = 16  # of the model code's sha256, enough to tell versions apart


@lru_cache(maxsize=1)
def code_hash() -> str:
    """sha256 (first HASH_CHARS hex digits) over the names and contents of the package's modules."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:HASH_CHARS]


def git_state() -> tuple[str | None, bool | None]:
    """(commit, has uncommitted changes) of the checkout the package runs from; (None, None) when installed."""
    root = PACKAGE_DIR.parent
    if not (root / ".git").exists():
        return None, None
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", "sim"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit or None, bool(status.strip())


def library_version(distribution: str) -> str | None:
    """An installed distribution's version, without importing it."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str | bool | None]:
    """Everything a manifest records about the code that ran (see the module docstring)."""
    from sim import __version__

    commit, dirty = git_state()
    out: dict[str, str | bool | None] = {
        "acsim": __version__,
        "model_hash": code_hash(),
        "git_commit": commit,
        "git_dirty": dirty,
        "python": platform.python_version(),
    }
    out.update({key: library_version(dist) for key, dist in LIBRARIES.items()})
    out["platform"] = platform.platform()
    return out


def model_version(recorded: dict | None) -> str:
    """The model version of a versions() record, as text: 'acsim 0.1.0, code 1a2b...' ('unknown' without one)."""
    if not recorded or not recorded.get("acsim"):
        return "unknown (recorded before versions were)"
    return f"acsim {recorded['acsim']}, code {recorded.get('model_hash')}"
