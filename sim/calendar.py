"""The run's calendar: the date of every step and its length in years.

Step k (k = 1..N) covers the interval from ``dates[k-1]`` to ``dates[k]`` and
happens at ``dates[k]``; index 0 is the start. Events dated within a step's
interval fire in that step. Times are compared as integer *stamps*: the
ordinal day for a dated scenario, the step number for a dateless one (turns).
Rates everywhere in the model are per year, and each step passes its own
length in years, so a weekly and a monthly calendar describe the same dynamics.
"""

from __future__ import annotations

import bisect
import calendar as _cal
import datetime as dt

from sim.scenario import Calendar as CalendarSpec

DAYS_PER_YEAR = 365.25


def add_months(day: dt.date, months: float) -> dt.date:
    """The date `months` calendar months later (fractions of a month in days of 30.44)."""
    whole = int(months)
    y, m = divmod(day.month - 1 + whole, 12)
    year, month = day.year + y, m + 1
    d = min(day.day, _cal.monthrange(year, month)[1])
    out = dt.date(year, month, d)
    return out + dt.timedelta(days=round((months - whole) * DAYS_PER_YEAR / 12))


def chance_within(per_year: float, years: float) -> float:
    """Chance that something with this chance in a year happens within ``years`` (0-1): 1 - (1 - p)^years.

    A yearly chance applied to a step of any length, so that a weekly and a monthly
    calendar give the same chance over a year.
    """
    if per_year >= 1.0:
        return 1.0 if years > 0 else 0.0
    return 1.0 - (1.0 - per_year) ** years


class Calendar:
    """Dates, stamps and step lengths of a run.

    Attributes:
        n_steps: number of steps N.
        stamps: (N+1,) integer time of each index (ordinal day, or step number).
        years: (N+1,) time since the start (years).
        step_years: (N+1,) length of the step ending at each index (years; 0 at index 0).
        labels: (N+1,) the date (YYYY-MM-DD) or "turn k" of each index.
        stamp_at, years_of_step: stamps and step_years as lists of Python numbers (what a step reads).
    """

    def __init__(self, spec: CalendarSpec):
        # numpy is imported here, where arrays are made: a scenario's checks use
        # add_months without it, so that validating a file needs no numpy
        import numpy as np

        self.spec = spec
        self.dateless = spec.step == "turn"
        self.dates: list[dt.date] | None
        if self.dateless:
            assert (
                spec.steps is not None
            )  # a dateless calendar has a number of turns (checked on load)
            self.dates = None
            self.n_steps = spec.steps
            self.stamps = np.arange(spec.steps + 1)
            self.years = self.stamps * spec.turn_years
            self.labels = [f"turn {k}" for k in self.stamps]
        else:
            self.dates = self._dates(spec)
            self.n_steps = len(self.dates) - 1
            self.stamps = np.array([d.toordinal() for d in self.dates])
            self.years = (self.stamps - self.stamps[0]) / DAYS_PER_YEAR
            self.labels = [d.isoformat() for d in self.dates]
        if self.dateless:
            self.step_years = np.full(len(self.stamps), spec.turn_years)
            self.step_years[0] = 0.0
        else:
            # from whole days, so that equal steps have exactly equal lengths
            self.step_years = np.diff(self.stamps, prepend=self.stamps[0]) / DAYS_PER_YEAR
        self.stamp_at: list[int] = self.stamps.tolist()
        self.years_of_step: list[float] = self.step_years.tolist()

    @staticmethod
    def _dates(spec: CalendarSpec) -> list[dt.date]:
        start, end = spec.start, spec.end
        assert start is not None and end is not None  # a dated calendar has both (checked on load)
        dates = [start]
        k = 0
        while dates[-1] < end:
            k += 1
            if spec.step == "month":
                dates.append(add_months(start, k))
            else:
                dates.append(start + dt.timedelta(days=k * (7 if spec.step == "week" else 1)))
        return dates

    def stamp(self, date: dt.date | None = None, step: int | None = None) -> int:
        """The stamp of a date (dated scenario) or of a step number (dateless)."""
        stamp = step if self.dateless else None if date is None else date.toordinal()
        if stamp is None:
            raise ValueError(
                f"a {'step number' if self.dateless else 'date'} is needed to place this"
            )
        return stamp

    def step_of(self, stamp: int) -> int:
        """The step in which something at this stamp happens (1..N; the start counts as step 1)."""
        k = bisect.bisect_left(self.stamps, stamp)  # the stamps are increasing
        return max(1, min(k, self.n_steps))

    def label(self, stamp: int) -> str:
        """A stamp as the log shows it: YYYY-MM-DD or 'turn k'."""
        return f"turn {stamp}" if self.dateless else dt.date.fromordinal(int(stamp)).isoformat()

    def later(self, stamp: int, months: float) -> int:
        """The stamp ``months`` calendar months after ``stamp`` (in whole turns for a dateless calendar)."""
        if self.dateless:
            return stamp + int(round(months / 12 / self.spec.turn_years))
        return add_months(dt.date.fromordinal(int(stamp)), months).toordinal()

    def years_at(self, stamp: int) -> float:
        """Time of a stamp since the start (years)."""
        if self.dateless:
            return stamp * self.spec.turn_years
        return (stamp - self.stamp_at[0]) / DAYS_PER_YEAR
