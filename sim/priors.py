"""Priors: a number in a state's preferences may be a distribution (Fearon 1995; Harsanyi 1967).

A plain number in a scenario is a known, fixed value. A distribution is a
*private value*: each run draws the true value from the run's generator; the
state knows its own draw, and the others know only the distribution (a common
prior). The forms a scenario may write::

    {dist: normal, mean: 1.0, sd: 0.4}
    {dist: uniform, low: 0.5, high: 2.0}
    {dist: lognormal, median: 1.0, sigma: 0.5}
    {dist: triangular, low: 0.0, mode: 0.2, high: 0.5}
    {dist: beta, a: 9, b: 1}
    {dist: choice, values: [0.0, 0.5], weights: [0.7, 0.3]}

Draws are clipped to the range of the field they stand for (a secrecy cost is
never negative, a discount factor stays inside (0, 1)); the reference page says
each field's range.

This module knows nothing of the model: it defines the distributions, draws
from them and says which range each field allows (:class:`Bounds`, kept in the
schema's field metadata).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:  # numpy is imported where arrays are made: validating a file needs none
    import numpy as np

# An open bound (gt/lt) is kept this far inside the range when a draw is clipped to it.
OPEN_BOUND_MARGIN = 1e-6


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def draw(
        self, rng: np.random.Generator, size: int
    ) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def expected(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError


class Normal(_Dist):
    """Normal distribution with a mean and a standard deviation (in the field's unit)."""

    dist: Literal["normal"]
    mean: float = Field(description="Mean (the field's unit).")
    sd: float = Field(
        ge=0, description="Standard deviation (the field's unit); 0 is a fixed value."
    )

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.normal(self.mean, self.sd, size)

    def expected(self) -> float:
        return self.mean


class Uniform(_Dist):
    """Every value between low and high equally likely."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)

    def expected(self) -> float:
        return (self.low + self.high) / 2


class LogNormal(_Dist):
    """A positive value whose logarithm is normal: half the draws lie below the median."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0, description="Median (the field's unit).")
    sigma: float = Field(ge=0, description="Standard deviation of the logarithm.")

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(math.log(self.median), self.sigma, size)

    def expected(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)


class Triangular(_Dist):
    """Between low and high, most likely at the mode."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"expected low <= mode <= high, got {self.low}, {self.mode}, {self.high}"
            )
        return self

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        if self.low == self.high:
            return np.full(size, self.low)
        return rng.triangular(self.low, self.mode, self.high, size)

    def expected(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Beta(_Dist):
    """A value between 0 and 1 (a probability, a discount factor): mean a / (a + b)."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.beta(self.a, self.b, size)

    def expected(self) -> float:
        return self.a / (self.a + self.b)


class Choice(_Dist):
    """One of a few values, with weights (equal when left out)."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1, max_length=100)
    weights: list[float] | None = Field(
        None, description="Relative weights, one per value (need not sum to 1)."
    )

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights needs one weight per value ({len(self.values)}), got {len(self.weights)}"
                )
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be at least 0 and not all 0")
        return self

    def _p(self) -> np.ndarray:
        import numpy as np

        w = (
            np.ones(len(self.values))
            if self.weights is None
            else np.asarray(self.weights, dtype=float)
        )
        return w / w.sum()

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        return rng.choice(np.asarray(self.values, dtype=float), size=size, p=self._p())

    def expected(self) -> float:
        import numpy as np

        return float(np.dot(self._p(), self.values))


Prior = Annotated[
    Normal | Uniform | LogNormal | Triangular | Beta | Choice, Field(discriminator="dist")
]
DISTRIBUTIONS = ("normal", "uniform", "lognormal", "triangular", "beta", "choice")


@dataclass(frozen=True)
class Bounds:
    """The range a field allows; a drawn value is clipped to it (open bounds by OPEN_BOUND_MARGIN)."""

    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False
    open_high: bool = False

    def clip(self, x: np.ndarray) -> np.ndarray:
        lo = self.low + (OPEN_BOUND_MARGIN if self.open_low else 0.0)
        hi = self.high - (OPEN_BOUND_MARGIN if self.open_high else 0.0)
        import numpy as np

        return np.clip(x, lo, hi)

    def __str__(self) -> str:
        lo = "(" if self.open_low else "["
        hi = ")" if self.open_high else "]"
        return f"{lo}{self.low:g}, {self.high:g}{hi}"


def is_prior(value: object) -> bool:
    """Whether a field's value is a distribution rather than a fixed number."""
    return isinstance(value, _Dist)


def draw(
    value: float | _Dist, rng: np.random.Generator, size: int, bounds: Bounds | None = None
) -> np.ndarray:
    """``size`` draws of a field's value: a fixed number repeated, or draws from its prior, clipped to ``bounds``."""
    import numpy as np

    if not isinstance(value, _Dist):
        return np.full(size, float(value))
    out = value.draw(rng, size).astype(float)
    return out if bounds is None else bounds.clip(out)


def central(value: float | _Dist) -> float:
    """A fixed number, or a prior's mean: what a reader would quote as the value."""
    return float(value.expected()) if isinstance(value, _Dist) else float(value)


def bounds_of(model_cls: type[BaseModel], field: str) -> Bounds:
    """The :class:`Bounds` kept in a schema field's metadata (unbounded when it has none)."""
    info = model_cls.model_fields[field]
    for item in info.metadata:
        if isinstance(item, Bounds):
            return item
    return Bounds()


def describe(value: float | _Dist) -> str:
    """A prior in words for the log and the docs: "normal(mean 1, sd 0.4)", or the number."""
    if not isinstance(value, _Dist):
        return f"{float(value):g}"
    data = value.model_dump(exclude_none=True)
    dist = data.pop("dist")
    inner = ", ".join(
        f"{k} {v:g}" if isinstance(v, (int, float)) else f"{k} {v}" for k, v in data.items()
    )
    return f"{dist}({inner})"
