"""Cross-field checks of a scenario: names that must exist, dates that must be in order, work that must be bounded.

The schema (:mod:`sim.scenario`) checks each field on its own; this module checks
what one field says about another (an event's actor must be a state, an offer's
options must be on the agenda, events must come in date order, a deadline must
lie within the run), that every number the model uses is finite, and that the
run's size (its calendar, its offer space) is within :mod:`sim.limits`. Each
problem is returned as ``(path, message)`` so the loader can point at the line
that holds it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from sim import limits
from sim.issues import issue_options
from sim.strategies import make_strategy

if TYPE_CHECKING:
    from sim.scenario import Scenario

Path = tuple[Any, ...]
Problem = tuple[Path, str]


def format_path(path: Path) -> str:
    """``("states", 0, "utility")`` -> ``states[0].utility``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _names(items) -> str:
    return ", ".join(str(i) for i in items) or "(none)"


def check_scenario(scn: Scenario) -> list[Problem]:
    """All cross-field problems of a scenario, in file order (empty when it is valid)."""
    problems: list[Problem] = list(check_finite(scn))
    size = _check_size(scn)
    if size:  # the other checks build the offer space: not for one too large to build
        return problems + size
    for check in (
        _check_calendar_fields,
        _check_treaty,
        _check_agenda,
        _check_states,
        _check_talks,
        _check_events,
        _check_random_events,
    ):
        problems.extend(check(scn))
    return problems


# Fields that may be infinite on purpose: an infinite audience cost is a hard wall.
INFINITE_ALLOWED = frozenset({"audience_cost"})


def check_finite(value: Any, path: Path = ()) -> list[Problem]:
    """Every number that is infinite or not a number (.inf, .nan, 1e400), with its path.

    Covers numbers anywhere: fields, maps by state, lists, and a prior's parameters
    (``{dist: normal, mean: 1, sd: .inf}``). Fields named in INFINITE_ALLOWED are exempt.
    """
    if isinstance(value, BaseModel):
        out: list[Problem] = []
        for name, info in type(value).model_fields.items():
            key = info.alias or name
            if key not in INFINITE_ALLOWED:
                out.extend(check_finite(getattr(value, name), path + (key,)))
        return out
    if isinstance(value, dict):
        return [
            p
            for k, v in value.items()
            if k not in INFINITE_ALLOWED
            for p in check_finite(v, path + (k,))
        ]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in check_finite(v, path + (i,))]
    if isinstance(value, float) and not math.isfinite(value):
        return [(path, f"expected a finite number (got {value})")]
    return []


def calendar_steps(scn: Scenario) -> int:
    """The number of steps of the run's calendar, counted without building it."""
    from sim.calendar import add_months

    cal = scn.calendar
    if scn.dateless:
        assert cal.steps is not None  # a dateless calendar has a number of turns (checked on load)
        return int(cal.steps)
    start, end = cal.start, cal.end
    assert start is not None and end is not None  # a dated calendar has both (checked on load)
    days = (end - start).days
    if cal.step == "day":
        return days
    if cal.step == "week":
        return -(-days // 7)
    months = (end.year - start.year) * 12 + end.month - start.month
    return months + (add_months(start, months) < end) if months > 0 else 1


def offer_count(scn: Scenario) -> int:
    """The size of the offer space: the product of each agenda issue's number of options."""
    return math.prod(len(options) for options in issue_options(scn).values())


def _check_size(scn: Scenario) -> list[Problem]:
    """The run's work within sim.limits: states, events, calendar steps, offers, offers x steps."""
    out: list[Problem] = []
    for path, items, limit in (
        (("states",), scn.states, limits.STATES),
        (("events",), scn.events, limits.EVENTS),
        (("random_events",), scn.random_events, limits.RANDOM_EVENTS),
    ):
        if len(items) > limit.value:
            out.append((path, limit.exceeded(len(items), "the scenario has")))
    if not scn.dateless and (scn.calendar.start is None or scn.calendar.end is None):
        return out
    steps, offers = calendar_steps(scn), offer_count(scn)
    if steps > limits.STEPS.value:
        out.append(
            (
                ("calendar", "steps" if scn.dateless else "end"),
                limits.STEPS.exceeded(steps, "the calendar has"),
            )
        )
    if offers > limits.OFFERS.value:
        out.append(
            (
                ("agenda",),
                limits.OFFERS.exceeded(offers, "the agenda has")
                + "; list fewer options on some issue",
            )
        )
    elif steps * offers > limits.OFFER_STEPS.value and steps <= limits.STEPS.value:
        out.append(
            (
                ("agenda",),
                limits.OFFER_STEPS.exceeded(
                    steps * offers, f"{offers:,} offers valued at each of {steps:,} steps make"
                ),
            )
        )
    return out


def _check_calendar_fields(scn: Scenario) -> list[Problem]:
    out: list[Problem] = []
    if scn.dateless:
        for path, value in (
            (("treaty", "expires"), scn.treaty.expires),
            (("talks", "deadline"), scn.talks.deadline),
            (("talks", "opens"), scn.talks.opens),
        ):
            if value is not None:
                out.append(
                    (
                        path,
                        "a dateless scenario (step: turn) counts in steps: use the *_step field instead of a date",
                    )
                )
    return out


def _check_treaty(scn: Scenario) -> list[Problem]:
    out: list[Problem] = []
    t, states = scn.treaty, set(scn.state_names)
    levels = [v.name for v in scn.verification_levels]
    freezes = [f.name for f in scn.freeze_options]
    for k, name in enumerate(t.parties):
        if name not in states:
            out.append(
                (
                    ("treaty", "parties", k),
                    f"unknown state '{name}'; expected one of {_names(scn.state_names)}",
                )
            )
    for name in t.caps:
        if name not in states:
            out.append(
                (
                    ("treaty", "caps", name),
                    f"unknown state '{name}'; expected one of {_names(scn.state_names)}",
                )
            )
    if t.verification is not None and t.verification not in levels:
        out.append(
            (
                ("treaty", "verification"),
                f"unknown verification level '{t.verification}'; expected one of {_names(levels)}",
            )
        )
    if t.freeze is not None and t.freeze not in freezes:
        out.append(
            (
                ("treaty", "freeze"),
                f"unknown freeze option '{t.freeze}'; expected one of {_names(freezes)}",
            )
        )
    if t.in_force and t.expires and scn.calendar.start and t.expires < scn.calendar.start:
        out.append(
            (
                ("treaty", "expires"),
                f"the treaty expires ({t.expires}) before the run starts ({scn.calendar.start}); set in_force: false or a later date",
            )
        )
    if (
        scn.compliance.no_treaty_verification is not None
        and scn.compliance.no_treaty_verification not in levels
    ):
        out.append(
            (
                ("compliance", "no_treaty_verification"),
                f"unknown verification level '{scn.compliance.no_treaty_verification}'; expected one of {_names(levels)}",
            )
        )
    return out


def _check_agenda(scn: Scenario) -> list[Problem]:
    out: list[Problem] = []
    levels = [v.name for v in scn.verification_levels]
    freezes = [f.name for f in scn.freeze_options]
    for i, name in enumerate(scn.agenda.verification):
        if name not in levels:
            out.append(
                (
                    ("agenda", "verification", i),
                    f"unknown verification level '{name}'; expected one of {_names(levels)}",
                )
            )
    for i, name in enumerate(scn.agenda.freeze):
        if name not in freezes:
            out.append(
                (
                    ("agenda", "freeze", i),
                    f"unknown freeze option '{name}'; expected one of {_names(freezes)}",
                )
            )
    for i, parties in enumerate(scn.agenda.parties):
        unknown = [p for p in parties if p not in scn.state_names]
        if unknown:
            out.append(
                (
                    ("agenda", "parties", i),
                    f"unknown state(s) {_names(unknown)}; expected names from {_names(scn.state_names)}",
                )
            )
        elif len(set(parties)) < 2:
            out.append((("agenda", "parties", i), "an agreement needs at least two parties"))
    for key, items in (("verification_levels", levels), ("freeze_options", freezes)):
        dup = sorted({n for n in items if items.count(n) > 1})
        if dup:
            out.append(((key,), f"names must be unique; repeated: {_names(dup)}"))
    return out


def _check_states(scn: Scenario) -> list[Problem]:
    out: list[Problem] = []
    names = scn.state_names
    options = issue_options(scn)
    for i, s in enumerate(scn.states):
        others = [n for n in names if n != s.name]
        if isinstance(s.trust, dict):
            for k in s.trust:
                if k not in others:
                    out.append(
                        (
                            ("states", i, "trust", k),
                            f"trust is held in another state; expected one of {_names(others)}",
                        )
                    )
        for k in s.reaction:
            if k not in others:
                out.append(
                    (
                        ("states", i, "reaction", k),
                        f"reaction is to another state's forces; expected one of {_names(others)}",
                    )
                )
        for k in s.utility.party_value:
            if k not in names:
                out.append(
                    (
                        ("states", i, "utility", "party_value", k),
                        f"unknown state '{k}'; expected one of {_names(names)}",
                    )
                )
        choice = s.strategy_choice()
        try:
            make_strategy(choice.name, **choice.params)
        except ValueError as exc:
            out.append((("states", i, "strategy"), str(exc)))
        for j, rl in enumerate(s.red_lines):
            out.extend(
                (
                    (("states", i, "red_lines", j) + p, m)
                    for p, m in check_red_line(rl, options, names)
                )
            )
            out.extend(((("states", i, "red_lines", j) + p, m) for p, m in _check_since(scn, rl)))
    for name in scn.briefings:
        if name not in names:
            out.append(
                (("briefings", name), f"unknown state '{name}'; expected one of {_names(names)}")
            )
    return out


def _check_since(scn: Scenario, rl) -> list[Problem]:
    """A red line's date must not come after a dated run ends (one made before the start holds from the start)."""
    if rl.since is None:
        return []
    if scn.dateless:
        return [(("since",), "a dateless scenario (step: turn) has no dates: leave since out")]
    if rl.since > scn.calendar.end:
        return [
            (
                ("since",),
                f"{rl.since} is after the run ends ({scn.calendar.end}); a commitment made before the start holds from the start",
            )
        ]
    return []


def check_red_line(rl, options: dict[str, list], names: list[str]) -> list[Problem]:
    """Problems with one red line: its options must be on the agenda for its issue."""
    out: list[Problem] = []
    valid = options[rl.issue]
    if rl.issue == "parties":
        for k in rl.require:
            if k not in names:
                out.append((("require",), f"unknown state '{k}'; expected one of {_names(names)}"))
        return out
    for field in ("at_least", "at_most"):
        value = getattr(rl, field)
        if value is not None and value not in valid:
            out.append(
                (
                    (field,),
                    f"'{value}' is not an option of {rl.issue}; expected one of {_names(valid)}",
                )
            )
    for k, value in enumerate(rl.exclude):
        if value not in valid:
            out.append(
                (
                    ("exclude", k),
                    f"'{value}' is not an option of {rl.issue}; expected one of {_names(valid)}",
                )
            )
    return out


def _check_talks(scn: Scenario) -> list[Problem]:
    out: list[Problem] = []
    t = scn.talks
    start, end = scn.calendar.start, scn.calendar.end
    if t.first_proposer is not None and t.first_proposer not in scn.state_names:
        out.append(
            (
                ("talks", "first_proposer"),
                f"unknown state '{t.first_proposer}'; expected one of {_names(scn.state_names)}",
            )
        )
    if t.opens and t.deadline and t.deadline <= t.opens:
        out.append(
            (
                ("talks", "deadline"),
                f"the deadline ({t.deadline}) must come after talks open ({t.opens})",
            )
        )
    elif t.deadline and start and end and not (start < t.deadline <= end):
        out.append(
            (
                ("talks", "deadline"),
                f"{t.deadline} is outside the run; expected a date after the start ({start}) and at most its end ({end})",
            )
        )
    if t.opens and start and end and not (start <= t.opens <= end):
        out.append((("talks", "opens"), f"talks must open within the run ({start} to {end})"))
    steps = scn.calendar.steps
    if (
        scn.dateless
        and t.deadline_step is not None
        and steps is not None
        and t.deadline_step > steps
    ):
        out.append(
            (
                ("talks", "deadline_step"),
                f"step {t.deadline_step} is after the last step ({scn.calendar.steps})",
            )
        )
    if t.deadline_kind == "uncertain" and t.hazard_per_year <= 0:
        out.append(
            (("talks", "hazard_per_year"), "an uncertain deadline needs a positive hazard_per_year")
        )
    return out


def _event_time(
    scn: Scenario, ev, path: Path, field_date: str = "date", field_step: str = "step"
) -> tuple[Any, list[Problem]]:
    date, step = getattr(ev, field_date), getattr(ev, field_step)
    if scn.dateless:
        if date is not None:
            return None, [
                (
                    path + (field_date,),
                    "a dateless scenario (step: turn) places events by step, not date",
                )
            ]
        if step is None:
            return None, [(path + (field_step,), "expected a step number")]
        if step > scn.calendar.steps:
            return None, [
                (path + (field_step,), f"step {step} is after the last step ({scn.calendar.steps})")
            ]
        return step, []
    if step is not None:
        return None, [
            (path + (field_step,), "a dated scenario places events by date (YYYY-MM-DD), not step")
        ]
    if date is None:
        return None, [(path + (field_date,), "expected a date (YYYY-MM-DD)")]
    if not (scn.calendar.start <= date <= scn.calendar.end):
        return None, [
            (
                path + (field_date,),
                f"{date} is outside the run ({scn.calendar.start} to {scn.calendar.end})",
            )
        ]
    return date, []


def _check_events(scn: Scenario) -> list[Problem]:
    return _check_event_list(scn, scn.events, ("events",), None)


def _check_event_list(scn: Scenario, events: list, prefix: Path, after: Any) -> list[Problem]:
    """Problems of a list of scripted events (the timeline, or a branch's future that starts at ``after``)."""
    out: list[Problem] = []
    names = scn.state_names
    options = issue_options(scn)
    previous: Any = after
    for i, ev in enumerate(events):
        path = prefix + (i,)
        when, problems = _event_time(scn, ev, path)
        out.extend(problems)
        if when is not None and previous is not None and when < previous:
            what = "the previous event" if i else "the branch it follows"
            out.append(
                (
                    path + ("step" if scn.dateless else "date",),
                    f"{when} comes before {what} ({previous}); list events in time order",
                )
            )
        previous = when if when is not None else previous
        if ev.actor not in names:
            out.append(
                (path + ("actor",), f"unknown state '{ev.actor}'; expected one of {_names(names)}")
            )
        target = getattr(ev, "target", None)
        if target is not None and (target not in names or target == ev.actor):
            out.append(
                (
                    path + ("target",),
                    f"expected another state than the actor, one of {_names([n for n in names if n != ev.actor])}",
                )
            )
        if ev.kind == "offer":
            out.extend(((path + ("offer",) + p, m) for p, m in check_offer(ev.offer, options)))
        if ev.kind == "ultimatum":
            by = ev.by_step if scn.dateless else ev.by
            if by is None:
                out.append(
                    (path + ("by_step" if scn.dateless else "by",), "an ultimatum needs a deadline")
                )
            elif when is not None and by <= when:
                out.append(
                    (
                        path + ("by_step" if scn.dateless else "by",),
                        f"the ultimatum's deadline ({by}) must come after it is made ({when})",
                    )
                )
        if ev.kind == "leadership_change":
            out.extend(
                ((path + ("changes",) + p, m) for p, m in _check_changes(scn, ev.changes, options))
            )
        if ev.kind == "branch":
            out.extend(_check_branch(scn, ev, path, when))
    return out


# The chances of a branch event's futures may miss 1 by this much (rounding in a file).
CHANCE_TOLERANCE = 1e-6


def _check_branch(scn: Scenario, ev, path: Path, when: Any) -> list[Problem]:
    out: list[Problem] = []
    names = [b.name for b in ev.branches]
    total = sum(b.chance for b in ev.branches)
    if abs(total - 1.0) > CHANCE_TOLERANCE:
        out.append((path + ("branches",), f"the branches' chances must sum to 1, got {total:g}"))
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        out.append((path + ("branches",), f"branch names must be unique; repeated: {_names(dup)}"))
    if ev.pin is not None and ev.pin not in names:
        out.append((path + ("pin",), f"unknown branch '{ev.pin}'; expected one of {_names(names)}"))
    for k, option in enumerate(ev.branches):
        out.extend(_check_event_list(scn, option.events, path + ("branches", k, "events"), when))
    return out


def check_offer(offer: dict, options: dict[str, list]) -> list[Problem]:
    """Problems with an offer written in a file: every issue known, every value an option."""
    out: list[Problem] = []
    for issue, value in offer.items():
        if issue not in options:
            out.append(((issue,), f"unknown issue; expected one of {_names(options)}"))
            continue
        valid = options[issue]
        if issue == "parties":
            value = tuple(value) if isinstance(value, list) else value
            valid = [tuple(v) for v in valid]
        if value not in valid:
            out.append(
                ((issue,), f"'{value}' is not on the agenda; expected one of {_names(valid)}")
            )
    return out


def _check_changes(scn: Scenario, changes, options) -> list[Problem]:
    out: list[Problem] = []
    spec = scn.states[0]  # the classes of the sections a change may name
    for field, cls in (
        ("utility", type(spec.utility)),
        ("bargaining", type(spec.bargaining)),
        ("compliance", type(spec.compliance)),
    ):
        values = getattr(changes, field)
        for key in values or {}:
            if key not in cls.model_fields:
                out.append(
                    ((field, key), f"unknown field; expected one of {_names(cls.model_fields)}")
                )
    if changes.strategy is not None:
        choice = changes.strategy if not isinstance(changes.strategy, str) else None
        try:
            make_strategy(choice.name, **choice.params) if choice else make_strategy(
                changes.strategy
            )
        except ValueError as exc:
            out.append((("strategy",), str(exc)))
    for j, rl in enumerate(changes.red_lines or []):
        out.extend(
            ((("red_lines", j) + p, m) for p, m in check_red_line(rl, options, scn.state_names))
        )
        out.extend(((("red_lines", j) + p, m) for p, m in _check_since(scn, rl)))
    return out


def _check_random_events(scn: Scenario) -> list[Problem]:
    out: list[Problem] = []
    for i, ev in enumerate(scn.random_events):
        if ev.actor != "any" and ev.actor not in scn.state_names:
            out.append(
                (
                    ("random_events", i, "actor"),
                    f"unknown state '{ev.actor}'; expected 'any' or one of {_names(scn.state_names)}",
                )
            )
    return out
