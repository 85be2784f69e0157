"""What the views draw, computed from a session's model: time series, events, the log, offers and their terms."""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Any

import numpy as np
import pandas as pd

import sim
from dashboard.session import Session
from sim.agenda import TERM_NAMES, nash_point, pareto_frontier
from sim.tension import BANDS

TERM_LABELS = {
    "predictability": "predictability (discounted years of it)",
    "cheating_risk": "expected loss from being cheated",
    "secrecy": "secrecy cost of verification",
    "freeze_gain": "gain of freezing the rival",
    "freeze_cost": "cost of a freeze on own plans",
    "lock_in": "lock-in (leverage given up)",
    "parties": "value of who is a party",
    "share": "share of the surplus",
}


def x_values(model: sim.ArmsControlModel) -> np.ndarray:
    """Horizontal axis of time plots: dates (datetime64) or step numbers for a dateless calendar."""
    return calendar_x(model.calendar)


_CALENDAR_X: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


def calendar_x(cal) -> np.ndarray:
    """x_values of a sim.calendar.Calendar (read-only; worked out once per calendar, which a
    compiled scenario shares between its runs: parsing the dates costs more than a step)."""
    xs = _CALENDAR_X.get(cal)
    if xs is None:
        if cal.dateless:
            xs = np.array(cal.stamps, dtype=float)
        else:
            xs = pd.to_datetime(cal.labels).to_numpy()
        xs.flags.writeable = False
        _CALENDAR_X[cal] = xs
    return xs


def stamp_x(model: sim.ArmsControlModel, stamp: int):
    """A calendar stamp (ordinal day, or step) on the time axis."""
    if model.calendar.dateless:
        return float(stamp)
    return pd.Timestamp(dt.date.fromordinal(int(stamp))).to_datetime64()


_AXIS_X: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


def axis_x(model: sim.ArmsControlModel) -> np.ndarray:
    """The time plots' horizontal values as plain numbers: milliseconds since 1970 (what Bokeh's
    datetime axis reads) or step numbers for a dateless calendar. Plain numbers, unlike dates,
    go to the page inside a step's message rather than as a binary attachment of their own."""
    cal = model.calendar
    xs = _AXIS_X.get(cal)
    if xs is None:
        xs = calendar_x(cal)
        if not cal.dateless:
            xs = xs.astype("datetime64[ms]").astype(np.int64).astype(float)
        xs = np.array(xs, dtype=float)
        xs.flags.writeable = False
        _AXIS_X[cal] = xs
    return xs


def timeline_rows(model: sim.ArmsControlModel) -> int:
    """How many rows the time plots have: the start and each step taken."""
    return model.recorder.last + 1


def timeline_data(model: sim.ArmsControlModel, start: int = 0) -> dict[str, Any]:
    """Columns of the time plots from row `start` (0: the start of the run) to the current step:
    x, tension, and per state forces_S, cap_S, trust_A_B. A step adds one row and changes none
    before it, so a chart that has the first `start` rows needs only these."""
    rec, rows = model.recorder, slice(start, timeline_rows(model))
    out: dict[str, Any] = {
        "x": axis_x(model)[rows],
        "tension": rec.tension[rows].astype(float),
        "date": list(model.calendar.labels[rows]),
    }
    for s in model.states:
        out[f"forces_{s.name}"] = rec.forces[rows, s.index].astype(float)
        caps = rec.caps[rows, s.index].astype(float)
        out[f"cap_{s.name}"] = np.where(np.isinf(caps), np.nan, caps)
        for o in model.states:
            if o is not s:
                out[f"trust_{s.name}_{o.name}"] = rec.trust[rows, s.index, o.index].astype(float)
    return out


def tension_bands(model: sim.ArmsControlModel) -> list[tuple[str, float, float]]:
    """The named tension bands (name, bottom, top) of the scenario."""
    t = model.scenario.tension
    edges = [0.0, t.strained, t.confrontation, t.crisis, 1.0]
    return [(name, edges[i], edges[i + 1]) for i, name in enumerate(BANDS)]


def event_marks(model: sim.ArmsControlModel) -> dict[str, list]:
    """The scenario's scripted events: x, date (as the log writes it), label (actor: text), kind."""
    xs, dates, labels, kinds = [], [], [], []
    for ev in model.scenario.events:
        stamp = model.calendar.stamp(ev.date, ev.step)
        xs.append(stamp_x(model, stamp))
        dates.append(model.calendar.label(stamp))
        labels.append(f"{ev.actor}: {ev.text or ev.kind}")
        kinds.append(ev.kind)
    return {"x": xs, "date": dates, "label": labels, "kind": kinds}


def log_rows(model: sim.ArmsControlModel) -> list[dict]:
    """The log, one dict per entry (date, actor, kind, text), in order."""
    return [
        {"date": e.date, "actor": e.actor, "kind": e.kind, "text": e.text}
        for e in model.log.entries
    ]


def bargaining_data(session: Session) -> dict[str, Any]:
    """Every offer's utility to the two chosen states, the Pareto frontier, the Nash point and the targets."""
    m = session.model
    names = m.scenario.state_names
    # while a new scenario is opening, the chosen states may still be the old scenario's
    i = names.index(session.x_state) if session.x_state in names else 0
    j = names.index(session.y_state) if session.y_state in names else 1
    u = session.utilities()
    tg = session.targets(u)
    allowed = np.all([s.allowed for s in m.states], axis=0)
    n = len(m.space)
    offers = {
        "index": list(range(n)),
        "x": u[:, i],
        "y": u[:, j],
        "label": [m.space.describe(k, m.treaty.in_force) for k in range(n)],
        "made": [k in session.offers_made for k in range(n)],
        "allowed": allowed.tolist(),
        "better_for_all": np.all(u >= reservations(m)[None, :], axis=1).tolist(),
    }
    front = pareto_frontier(u[:, [i, j]])
    front = front[np.argsort(u[front, i])]
    nash = nash_point(u, reservations(m), candidates=allowed)
    return {
        "offers": offers,
        "frontier": {"x": u[front, i], "y": u[front, j]},
        "nash": nash,
        "target_x": float(tg[i]),
        "target_y": float(tg[j]),
        "x_state": names[i],
        "y_state": names[j],
    }


def reservations(model: sim.ArmsControlModel) -> np.ndarray:
    """Each state's reservation: the least it accepts, against no deal (utility)."""
    return np.array(
        [s.reservation for s in model.states], dtype=float
    )  # each state's own (drawn) value


def terms_table(session: Session, k: int) -> pd.DataFrame:
    """The named utility terms of offer k to each state (rows: terms and total; columns: states)."""
    m = session.model
    trust = m.trust_matrix()
    cols = {}
    for s in m.states:
        t = m.utility.terms(k, s.index, trust[s.index].copy(), m.tension)
        cols[s.name] = [t[name] for name in TERM_NAMES] + [sum(t.values())]
    return pd.DataFrame(
        cols,
        index=[TERM_LABELS.get(n, n.replace("_", " ")) for n in TERM_NAMES]
        + ["total (utility vs no deal)"],
    )


def offer_table(session: Session, state: str) -> pd.DataFrame:
    """Every offer with its utility to `state` and to the others, best for `state` first (the Play view's menu)."""
    m = session.model
    u = session.utilities()
    s = m.state_by_name[state]
    df = pd.DataFrame(
        {
            "offer": list(range(len(m.space))),
            "terms": [m.space.describe(k, m.treaty.in_force) for k in range(len(m.space))],
            f"worth to {state}": np.round(u[:, s.index], 2),
        }
    )
    for o in m.states:
        if o is not s:
            df[f"worth to {o.name}"] = np.round(u[:, o.index], 2)
    df["within your red lines"] = s.allowed
    return df.sort_values(f"worth to {state}", ascending=False, kind="stable").reset_index(
        drop=True
    )


def ensemble_series(model: sim.ArmsControlModel) -> tuple[str, ...]:
    """Series the Odds view asks the ensemble to keep: tension, and each state's forces and trust."""
    out = ["tension"]
    for s in model.states:
        out.append(f"forces_{s.name}")
        out += [f"trust_{s.name}_{o.name}" for o in model.states if o is not s]
    return tuple(out)
