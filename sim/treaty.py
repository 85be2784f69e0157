"""The treaty as it stands during a run: in force or not, its terms, caps, notices and suspensions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class TreatyState:
    """The treaty's current terms.

    Attributes:
        name: as the log names it.
        in_force: whether it binds anyone now.
        expires: stamp of its expiry (None: no expiry).
        verification, freeze: names of the level and scope in force.
        caps: (states,) cap on each state's forces (warheads; inf where none).
        parties: indices of the states it binds.
        suspended: indices of states that suspended it (no data, no inspections).
        respects_caps: indices of suspending states that say they keep to the caps.
        notices: state index -> stamp at which its withdrawal takes effect.
        ended: None, "expired" or "withdrawn".
        agreement: the agreed offer's index, stamp and step, once there is one.
    """

    name: str
    in_force: bool
    expires: int | None
    verification: str | None
    freeze: str | None
    caps: np.ndarray
    parties: set[int]
    suspended: set[int] = field(default_factory=set)
    respects_caps: set[int] = field(default_factory=set)
    notices: dict[int, int] = field(default_factory=dict)
    ended: str | None = None
    ended_by: int | None = None
    ended_at: int | None = None
    existed_at_start: bool = False
    agreement: dict | None = None

    def binds(self, i: int) -> bool:
        """Whether state i is held to the caps now."""
        if not self.in_force or i not in self.parties:
            return False
        return i not in self.suspended or i in self.respects_caps

    def cap_of(self, i: int) -> float:
        """The cap that binds state i now (warheads; inf where none binds)."""
        return float(self.caps[i]) if self.binds(i) else math.inf

    def cap_vector(self, n: int) -> np.ndarray:
        """Caps that bind each state now (inf where none binds)."""
        return np.array([self.cap_of(i) for i in range(n)])
