"""What each bad scenario fixture (tests/data/bad/*.yaml) promises about its error.

A fixture's header names the field (``# field: ...``) and parts of the message
(``# message: ...``) its error must show; ``# <- error`` marks the line it must point at.
"""

from __future__ import annotations

from pathlib import Path


def expectation(path: Path) -> tuple[str | None, list[str], int | None]:
    """(field, message parts, line) that a bad fixture's header and marker promise."""
    field, messages, line = None, [], None
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text.startswith("# field:"):
            field = text.split(":", 1)[1].strip() or None
        elif text.startswith("# message:"):
            messages.append(text.split(":", 1)[1].strip())
        elif text.rstrip().endswith("# <- error"):
            line = number
    return field, messages, line
