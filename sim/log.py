"""The run's log: one dated line for every decision, with its reason in plain words.

The log is part of the product, not debugging output: a teacher reads it aloud.
Each entry has the step, the date it refers to, the acting state (or "" for
the world), a kind (offer, accept, reject, agreement, event, compliance,
withdrawal, treaty, crisis, outcome, ...) and a sentence.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

KINDS = (
    "start", "event", "statement", "offer", "accept", "reject", "no_offer", "agreement", "talks",
    "compliance", "violation", "false_alarm", "trust", "withdrawal", "suspension", "treaty", "crisis", "outcome",
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
        self.entries: list[Entry] = []

    def add(self, step: int, date: str, actor: str, kind: str, text: str) -> None:
        self.entries.append(Entry(step, date, actor, kind, text))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def of_kind(self, *kinds: str) -> list[Entry]:
        return [e for e in self.entries if e.kind in kinds]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.entries, columns=["step", "date", "actor", "kind", "text"])

    def to_text(self) -> str:
        return "\n".join(str(e) for e in self.entries)
