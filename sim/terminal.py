"""Text and JSON for a terminal or a pipe: what a scenario wrote, made harmless to print.

A scenario's title, descriptions, event texts and state names are printed by
the command line. A control character in them (an ANSI escape written as
``"\\e[2J"`` in a double-quoted YAML string) could clear the screen, move the
cursor or forge a line such as ``Outcome: ...``; a bidirectional override could
reorder what the reader sees. :func:`printable` shows each such character as a
visible escape (``\\x1b``) instead. JSON output is strict JSON: a number that is
not finite becomes ``null``, never ``Infinity`` or ``NaN``.
"""

from __future__ import annotations

import json
import math
from typing import Any

# Bidirectional embeddings, overrides and isolates: they reorder text on screen.
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _unsafe(ch: str, keep_newlines: bool) -> bool:
    code = ord(ch)
    if ch == "\n":
        return not keep_newlines
    return code < 0x20 or 0x7F <= code < 0xA0 or ch in BIDI_CONTROLS


def printable(text: Any, keep_newlines: bool = False) -> str:
    """`text` with control characters shown as escapes; tabs (and newlines unless kept) as spaces."""
    text = str(text)
    out = []
    for ch in text:
        if ch in "\t\r" or (ch == "\n" and not keep_newlines):
            out.append(" ")
        elif _unsafe(ch, keep_newlines):
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)


def finite(value: Any) -> Any:
    """A copy of plain data (dicts, lists, numbers) with every non-finite float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def strict_json(data: Any, **kwargs: Any) -> str:
    """JSON that every parser reads: no Infinity or NaN (they become null)."""
    return json.dumps(finite(data), allow_nan=False, default=_plain, **kwargs)


def _plain(value: Any) -> Any:
    """numpy scalars to Python numbers (non-finite to None), anything else to its text."""
    if hasattr(value, "item"):
        item = value.item()
        return finite(item) if isinstance(item, (int, float)) else str(item)
    return str(value)
