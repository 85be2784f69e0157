"""The run's log: one dated line for every decision, with its reason in plain words.

The log is part of the product, not debugging output: a teacher reads it aloud.
Each entry has the step, the date it refers to, the acting state (or "" for
the world), a kind (offer, accept, reject, agreement, event, compliance,
withdrawal, treaty, crisis, outcome, ...) and a sentence.

A sentence may be handed to the log as a function that writes it; it is written
the first time the log is read. Most runs of an ensemble are never read, and
wording every offer and answer (numbers to as many decimals as tell them apart,
the offer in words) was a tenth of a run's time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pandas as pd

KINDS = (
    "start",
    "event",
    "statement",
    "offer",
    "accept",
    "reject",
    "no_offer",
    "agreement",
    "talks",
    "compliance",
    "violation",
    "false_alarm",
    "observation",
    "trust",
    "withdrawal",
    "suspension",
    "treaty",
    "crisis",
    "outcome",
)


class Entry(NamedTuple):
    """One line of the log (a named tuple: a run writes dozens, and a tuple is the cheapest to make)."""

    step: int
    date: str
    actor: str
    kind: str
    text: str

    def __str__(self) -> str:
        who = f"{self.actor}: " if self.actor else ""
        return f"{self.date}  {who}{self.text}"


class DecisionLog:
    """An append-only list of entries."""

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._written = 0  # entries before this one have their sentence written

    def add(
        self, step: int, date: str, actor: str, kind: str, text: str | Callable[[], str]
    ) -> None:
        """Add an entry; ``text`` is the sentence, or a function that writes it when the log is read.

        Such a function must only use values fixed when it is added (not state the run goes on changing).
        """
        # a function stays in the tuple until `entries` writes it (no cast: this is the hot path)
        self._entries.append(Entry(step, date, actor, kind, text))  # type: ignore[arg-type]

    @property
    def entries(self) -> list[Entry]:
        """Every entry so far, in date order (within a step, by the date each line refers to), each with its sentence written.

        A step covers days or weeks: a treaty that expired on its first day and a random
        event of the step (dated at its end) are told in the order they happened.
        """
        entries = self._entries
        for k in range(self._written, len(entries)):
            text: str | Callable[[], str] = entries[k].text
            if not isinstance(text, str):
                entries[k] = entries[k]._replace(text=text())
        self._written = len(entries)
        return sorted(entries, key=_when)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self):
        return iter(self.entries)

    def of_kind(self, *kinds: str) -> list[Entry]:
        return [e for e in self.entries if e.kind in kinds]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.entries, columns=["step", "date", "actor", "kind", "text"])

    def to_text(self) -> str:
        return "\n".join(str(e) for e in self.entries)


def _when(entry: Entry) -> tuple:
    """Sort key of a line: its step, then the date it refers to ("YYYY-MM-DD", or "turn k" in a dateless run)."""
    date = entry.date
    if date.startswith("turn "):
        return (entry.step, int(date[5:]), "")
    return (entry.step, 0, date)
