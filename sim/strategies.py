"""Strategies for the compliance game: each step a state complies or cheats.

Every step each state chooses to comply with the agreement (``C``) or to
cheat, that is to build beyond it (``D``).  A state never sees its rival's
moves directly: it sees them through the verification regime, as noisy
signals.  A :class:`ComplianceView` holds everything a state knows when it
chooses; a :class:`Strategy` turns that view into a move and a plain sentence
saying why.

The strategies follow the style of the Axelrod library
(``axelrod/strategies/titfortat.py``): one small class each, with a ``name``,
a ``classifier`` (``memory_depth``: how many past steps the choice depends
on; ``stochastic``: whether it draws random numbers) and a docstring citing
its source.

Use :func:`make_strategy` to build one by its registry name::

    strategy = make_strategy("grit", gestures=2)
    move, reason = strategy.decide(view)

References
----------
- Axelrod, R. (1980). Effective choice in the Prisoner's Dilemma.
  *Journal of Conflict Resolution* 24(1): 3-25.
- Axelrod, R. (1984). *The Evolution of Cooperation*. Basic Books.
- Downs, G. W. and Rocke, D. M. (1990). *Tacit Bargaining, Arms Races, and
  Arms Control*. University of Michigan Press.
- Friedman, J. W. (1971). A non-cooperative equilibrium for supergames.
  *Review of Economic Studies* 38(1): 1-12.
- Kraines, D. and Kraines, V. (1989). Pavlov and the prisoner's dilemma.
  *Theory and Decision* 26: 47-79.
- Kydd, A. (2000). Arms races and arms control: modeling the hawk
  perspective. *American Journal of Political Science* 44(2): 228-244.
- Nowak, M. and Sigmund, K. (1992). Tit for tat in heterogeneous
  populations. *Nature* 355: 250-253.
- Nowak, M. and Sigmund, K. (1993). A strategy of win-stay, lose-shift that
  outperforms tit-for-tat in the Prisoner's Dilemma game. *Nature* 364: 56-58.
- Osgood, C. E. (1962). *An Alternative to War or Surrender*. University of
  Illinois Press.
- Oye, K. A. (1985). Explaining cooperation under anarchy: hypotheses and
  strategies. *World Politics* 38(1): 1-24.
"""

from __future__ import annotations

import functools
import inspect
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.wording import apart

if TYPE_CHECKING:  # numpy is imported where a generator is checked: validating a file needs none
    import numpy

C, D = "C", "D"
MOVES = frozenset((C, D))
SECURITY, GREEDY = "security", "greedy"
STATE_TYPES = (SECURITY, GREEDY)
DEFAULT_STRATEGY = "type_based"

# The verb that opens every reason sentence, so a reader sees the move first.
VERBS = {C: "complies", D: "cheats"}
_GERUNDS = {C: "complying", D: "cheating"}

# Significant digits used to print numbers in reasons; more are used only
# when needed to tell two different numbers apart.
_DIGITS = (3, 6, 10, 17)
_FORMATS = tuple(f".{digits}g" for digits in _DIGITS)

__all__ = [
    "C",
    "D",
    "AXELROD_COUNTERPARTS",
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "AlwaysCooperate",
    "AlwaysDefect",
    "ComplianceView",
    "GenerousTitForTat",
    "GrimTrigger",
    "Grit",
    "Pavlov",
    "Strategy",
    "TitForTat",
    "TypeBased",
    "default_generosity",
    "expected_loss_if_caught",
    "greedy_would_cheat",
    "make_strategy",
    "shadow_of_the_future",
]


# --------------------------------------------------------------------------
# Checks and wording
# --------------------------------------------------------------------------


def _is_real(value) -> bool:
    """True for a real number (bool excluded)."""
    if type(value) is float:  # the usual case, answered without the abstract class's slower check
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_probability(name: str, value) -> float:
    """Return ``value`` as a float if it is a probability in [0, 1], else raise ValueError."""
    if type(value) is float and 0.0 <= value <= 1.0:  # the usual case, in one test
        return value
    if not _is_real(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}")
    return float(value)


def _check_discount(discount) -> float:
    """Return ``discount`` as a float if it is in [0, 1), else raise ValueError."""
    if type(discount) is float and 0.0 <= discount < 1.0:  # the usual case, in one test
        return discount
    if not _is_real(discount) or not 0.0 <= discount < 1.0:
        raise ValueError(f"discount must be at least 0 and below 1 (per year), got {discount!r}")
    return float(discount)


def _check_positive_int(name: str, value) -> int:
    """Return ``value`` if it is a positive whole number, else raise ValueError."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)


def _num(x: float, digits: int = _DIGITS[0]) -> str:
    """A number as a reader would write it: 0.3, 10.8, 9 (not 9.000000000000002)."""
    return f"{x:.{digits}g}"


def _nums(a: float, b: float) -> tuple[str, str]:
    """Two numbers printed with just enough digits to show that they differ."""
    return apart(a, b, _FORMATS)


def _steps(n: int) -> str:
    """A count of steps in words: "1 step", "3 steps"."""
    return f"{n} step" if n == 1 else f"{n} steps"


def _say(move: str, because: str) -> tuple[str, str]:
    """A decision: the move and a sentence that starts with what the state does."""
    return move, f"{VERBS[move]}: {because}"


# --------------------------------------------------------------------------
# What a state knows
# --------------------------------------------------------------------------


@dataclass
class ComplianceView:
    """What a state knows when it chooses to comply or cheat this step."""

    own: Sequence[str]  # own past moves, oldest first ("C"/"D")
    seen: Sequence[
        str
    ]  # rival's past moves as observed (one per past step; "D" if any rival was seen cheating)
    rng: numpy.random.Generator  # the model's generator: the ONLY source of randomness
    state_type: str = (
        SECURITY  # "security" (would reciprocate) or "greedy" (would exploit), Kydd 2000
    )
    trust: float = 0.5  # probability (0-1) that the rival is a security seeker (lowest over rivals)
    detection: float = 1.0  # probability (0-1) that cheating this step is detected by the rival
    cheat_gain: float = 0.0  # gain from cheating, utility per year
    cooperation_value: float = 0.0  # value of continued cooperation, utility per year
    discount: float = 0.9  # discount factor per year (the shadow of the future), 0-1 exclusive of 1
    trust_threshold: float = 0.5  # a security seeker reciprocates when trust >= this
    payoffs: tuple[float, float, float, float] = (5, 3, 1, 0)  # Prisoner's Dilemma T, R, P, S

    def __post_init__(self) -> None:
        """Reject a view no strategy could read, with a message saying what is wrong."""
        if len(self.own) != len(self.seen):
            raise ValueError(
                f"own and seen must cover the same past steps, got {len(self.own)} and {len(self.seen)}"
            )
        for field in ("own", "seen"):
            odd = set(getattr(self, field)) - MOVES
            if odd:
                raise ValueError(f"{field} may hold only 'C' and 'D', got {sorted(map(repr, odd))}")
        import numpy

        if not isinstance(self.rng, numpy.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator, got {type(self.rng).__name__}")
        if self.state_type not in STATE_TYPES:
            raise ValueError(
                f"state_type must be one of {', '.join(STATE_TYPES)}, got {self.state_type!r}"
            )
        for field in ("trust", "detection", "trust_threshold"):
            _check_probability(field, getattr(self, field))
        _check_discount(self.discount)
        if len(self.payoffs) != 4 or not all(map(_is_real, self.payoffs)):
            raise ValueError(f"payoffs must be four numbers T, R, P, S, got {self.payoffs!r}")


class CheckedView(ComplianceView):
    """A view built by the model from a validated scenario: it skips the checks, which run every step otherwise."""

    def __post_init__(self) -> None:
        pass


# --------------------------------------------------------------------------
# Helpers others reuse
# --------------------------------------------------------------------------


def shadow_of_the_future(discount: float) -> float:
    """Years' worth of yearly value still to come from next year on: discount / (1 - discount).

    ``discount`` is the discount factor per year, in [0, 1).  At 0.9 the whole
    future is worth 9 years of cooperation today.
    """
    discount = _check_discount(discount)
    return discount / (1.0 - discount)


def expected_loss_if_caught(detection: float, cooperation_value: float, discount: float) -> float:
    """Expected future cooperation a cheater forfeits, in utility (today's value).

    detection x cooperation_value x discount / (1 - discount): the chance the
    cheating is detected (0-1), times the value of cooperation (utility per
    year), times the years' worth of future at the yearly discount factor.
    """
    detection = _check_probability("detection", detection)
    discount = _check_discount(discount)
    return detection * cooperation_value * discount / (1.0 - discount)


def greedy_would_cheat(
    cheat_gain: float, detection: float, cooperation_value: float, discount: float
) -> bool:
    """True when a greedy state's gain from cheating exceeds what it expects to lose if caught.

    Cheat when ``cheat_gain > detection * cooperation_value * discount / (1 - discount)``;
    a tie complies.  ``cheat_gain`` and ``cooperation_value`` are utility per
    year, ``detection`` a probability (0-1), ``discount`` per year in [0, 1).
    Downs & Rocke (1990); Oye (1985): the shadow of the future.
    """
    return cheat_gain > expected_loss_if_caught(detection, cooperation_value, discount)


def default_generosity(payoffs: Sequence[float]) -> float:
    """Generous tit for tat's chance of forgiving a defection, from the payoffs (T, R, P, S).

    min(1 - (T - R) / (R - S), (R - P) / (T - P)), as in the Axelrod library's
    GTFT after Nowak & Sigmund (1992); kept within 0 and 1.  For (5, 3, 1, 0)
    it is 1/3.
    """
    temptation, reward, punishment, sucker = payoffs
    if not (reward > sucker and temptation > punishment):
        raise ValueError(f"generosity needs R > S and T > P, got T, R, P, S = {tuple(payoffs)}")
    p = min(
        1 - (temptation - reward) / (reward - sucker),
        (reward - punishment) / (temptation - punishment),
    )
    return min(1.0, max(0.0, p))


# --------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------


class Strategy:
    """One way of choosing, each step, to comply (C) or cheat (D).

    Subclasses set ``name`` (the registry key), ``classifier`` and
    :meth:`decide`; those that remember anything also override :meth:`reset`;
    those the Axelrod library also has name its class in ``axelrod``.
    """

    name: str = ""
    classifier: dict = {"memory_depth": float("inf"), "stochastic": False}
    axelrod: str | None = None  # the Axelrod library's class of the same strategy, if it has one

    def reset(self) -> None:
        """Forget any internal state (a new run begins).  Most strategies keep none."""

    def decide(self, view: ComplianceView) -> tuple[str, str]:
        """Return (move, reason): "C" or "D", and a plain sentence explaining it."""
        raise NotImplementedError

    def move(self, view: ComplianceView) -> str:
        """Only the move, for when its reason is not needed; a strategy may answer faster here.

        For a deterministic strategy it always equals ``decide(view)[0]``.
        """
        return self.decide(view)[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class TypeBased(Strategy):
    """Acts on what kind of state it is and what it believes about its rival.

    A security seeker would rather cooperate, but only if it trusts its rival
    enough: it complies when ``trust >= trust_threshold`` and otherwise builds
    for fear of being exploited -- the spiral of Kydd (2000).  A greedy state
    cheats when its gain from cheating exceeds the expected loss if caught
    (:func:`greedy_would_cheat`) -- the shadow of the future of Oye (1985) and
    Downs & Rocke (1990).  It ignores the past moves.
    """

    name = "type_based"
    classifier = {"memory_depth": 0, "stochastic": False}

    def decide(self, view: ComplianceView) -> tuple[str, str]:
        if view.state_type == GREEDY:
            return self._greedy(view)
        return self._security(view)

    def move(self, view: ComplianceView) -> str:
        if view.state_type == GREEDY:
            return (
                D
                if greedy_would_cheat(
                    view.cheat_gain, view.detection, view.cooperation_value, view.discount
                )
                else C
            )
        return C if view.trust >= view.trust_threshold else D

    @staticmethod
    def _security(view: ComplianceView) -> tuple[str, str]:
        trust, threshold = _nums(view.trust, view.trust_threshold)
        if view.trust >= view.trust_threshold:
            return _say(
                C,
                "a security seeker reciprocates, because its trust that the rival is also "
                f"a security seeker ({trust}) is at least its threshold ({threshold}).",
            )
        return _say(
            D,
            "a security seeker builds for fear of being exploited, because its trust that "
            f"the rival is a security seeker ({trust}) is below its threshold ({threshold}).",
        )

    @staticmethod
    def _greedy(view: ComplianceView) -> tuple[str, str]:
        loss = expected_loss_if_caught(view.detection, view.cooperation_value, view.discount)
        gain, loss_text = _nums(view.cheat_gain, loss)
        sum_ = (  # the expected loss, worked out
            f"{_num(view.detection)} chance of detection x {_num(view.cooperation_value)} a year of cooperation"
            f" x {_num(shadow_of_the_future(view.discount))} years' worth of future at discount {_num(view.discount)}"
            f" = {loss_text}"
        )
        if greedy_would_cheat(
            view.cheat_gain, view.detection, view.cooperation_value, view.discount
        ):
            return _say(
                D,
                f"a greedy state gains {gain} a year by cheating, more than it expects "
                f"to lose if caught ({sum_}), so cheating pays.",
            )
        return _say(
            C,
            f"a greedy state gains only {gain} a year by cheating, no more than it expects "
            f"to lose if caught ({sum_}), so the shadow of the future deters it.",
        )


class TitForTat(Strategy):
    """Complies first, then copies the rival's last seen move.

    Rapoport's entry, the winner of Axelrod's first tournament
    (Axelrod 1980; 1984).  As the Axelrod library's ``TitForTat``.
    """

    name = "tit_for_tat"
    classifier = {"memory_depth": 1, "stochastic": False}
    axelrod = "TitForTat"

    def decide(self, view: ComplianceView) -> tuple[str, str]:
        if not view.seen:
            return _say(C, "it opens by complying, as tit for tat always does.")
        if view.seen[-1] == D:
            return _say(D, "it copies its rival, who was seen cheating last step.")
        return _say(C, "it copies its rival, who was seen complying last step.")


class GrimTrigger(Strategy):
    """Complies until the rival is seen cheating once, then cheats forever.

    Friedman (1971); the Axelrod library's ``Grudger``, 7th in Axelrod's
    first tournament.
    """

    name = "grim_trigger"
    classifier = {"memory_depth": float("inf"), "stochastic": False}
    axelrod = "Grudger"

    def decide(self, view: ComplianceView) -> tuple[str, str]:
        if D in view.seen:
            step = list(view.seen).index(D) + 1
            return _say(
                D, f"its rival was seen cheating at step {step}, and grim trigger never forgives."
            )
        return _say(C, "its rival has never been seen cheating, so it keeps complying.")


class Pavlov(Strategy):
    """Win-stay, lose-shift: keeps its move after a good step, changes it after a bad one.

    Complies first; then, if the rival was seen complying last step, repeats
    its own last move, otherwise switches it.  Kraines & Kraines (1989);
    Nowak & Sigmund (1993); the Axelrod library's ``WinStayLoseShift``.
    """

    name = "pavlov"
    classifier = {"memory_depth": 1, "stochastic": False}
    axelrod = "WinStayLoseShift"

    def decide(self, view: ComplianceView) -> tuple[str, str]:
        if not view.own:
            return _say(C, "it opens by complying, as win-stay lose-shift always does.")
        last = view.own[-1]
        if view.seen[-1] == C:
            return _say(
                last,
                "its rival was seen complying last step, so it did well and stays "
                f"with its own last move ({_GERUNDS[last]}).",
            )
        switched = D if last == C else C
        return _say(
            switched,
            "its rival was seen cheating last step, so it did badly and shifts "
            f"from {_GERUNDS[last]} to {_GERUNDS[switched]}.",
        )


class AlwaysCooperate(Strategy):
    """Always complies, whatever the rival does.  The Axelrod library's ``Cooperator``."""

    name = "always_cooperate"
    classifier = {"memory_depth": 0, "stochastic": False}
    axelrod = "Cooperator"

    def decide(self, view: ComplianceView) -> tuple[str, str]:
        return _say(C, "it always complies, whatever its rival does.")


class AlwaysDefect(Strategy):
    """Always cheats, whatever the rival does.  The Axelrod library's ``Defector``."""

    name = "always_defect"
    classifier = {"memory_depth": 0, "stochastic": False}
    axelrod = "Defector"

    def decide(self, view: ComplianceView) -> tuple[str, str]:
        return _say(D, "it always cheats, whatever its rival does.")


class GenerousTitForTat(Strategy):
    """Tit for tat that forgives: after a seen defection it still complies with probability p.

    Nowak & Sigmund (1992); the Axelrod library's ``GTFT``.  By default p is
    :func:`default_generosity` of the view's payoffs (1/3 for 5, 3, 1, 0);
    ``generosity`` (0-1) fixes it instead.  One number is drawn from
    ``view.rng`` for each seen defection, none otherwise.
    """

    name = "generous_tit_for_tat"
    classifier = {"memory_depth": 1, "stochastic": True}
    axelrod = "GTFT"

    def __init__(self, generosity: float | None = None) -> None:
        self.generosity = (
            None if generosity is None else _check_probability("generosity", generosity)
        )

    def forgiveness(self, payoffs: Sequence[float]) -> float:
        """The chance (0-1) of complying after the rival was seen cheating."""
        return default_generosity(payoffs) if self.generosity is None else self.generosity

    def decide(self, view: ComplianceView) -> tuple[str, str]:
        if not view.seen:
            return _say(C, "it opens by complying, as generous tit for tat always does.")
        if view.seen[-1] == C:
            return _say(C, "it copies its rival, who was seen complying last step.")
        p = self.forgiveness(view.payoffs)
        draw = view.rng.random()
        draw_text, p_text = _nums(draw, p)
        if draw < p:
            return _say(
                C,
                "its rival was seen cheating last step, but it forgives: "
                f"its random draw ({draw_text}) fell below its generosity ({p_text}).",
            )
        return _say(
            D,
            "its rival was seen cheating last step, and it does not forgive this time: "
            f"its random draw ({draw_text}) was not below its generosity ({p_text}).",
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(generosity={self.generosity!r})"


class Grit(Strategy):
    """Graduated Reciprocation in Tension-reduction: unilateral gestures, then reciprocity.

    Osgood (1962).  Opens with ``gestures`` cooperative moves whatever the
    rival does, then plays tit for tat.  After ``patience`` consecutive steps
    in which both sides cheated, it makes a fresh round of gestures.
    Both parameters are counts of steps (positive whole numbers).  A state
    that takes up GRIT part-way through a run opens with gestures there and
    then: the steps before it took over are not its own play.
    """

    name = "grit"
    classifier = {"memory_depth": float("inf"), "stochastic": False}
    DEFAULT_GESTURES = 3
    DEFAULT_PATIENCE = 4

    def __init__(self, gestures: int = DEFAULT_GESTURES, patience: int = DEFAULT_PATIENCE) -> None:
        self.gestures = _check_positive_int("gestures", gestures)
        self.patience = _check_positive_int("patience", patience)
        self.reset()

    def reset(self) -> None:
        self._started = False  # whether it has made a decision since it took over
        self._steps_read = 0  # past steps already taken into account
        self._gestures_left = self.gestures  # gestures still to make in this round
        self._deadlock = 0  # consecutive past steps in which both cheated
        self._round = 1  # which round of gestures this is

    def _read(self, own: str, seen: str) -> None:
        """Take one past step into account."""
        if self._gestures_left > 0:
            self._gestures_left -= 1
            return
        self._deadlock = self._deadlock + 1 if own == seen == D else 0
        if self._deadlock >= self.patience:
            self._gestures_left, self._deadlock, self._round = self.gestures, 0, self._round + 1

    def _catch_up(self, view: ComplianceView) -> None:
        """Read the steps not yet taken into account.

        On its first decision, or when the history is shorter than before (a
        new run), it starts afresh from the current step.
        """
        if not self._started or len(view.own) < self._steps_read:
            self.reset()
            self._started, self._steps_read = True, len(view.own)
        for step in range(self._steps_read, len(view.own)):
            self._read(view.own[step], view.seen[step])
        self._steps_read = len(view.own)

    def decide(self, view: ComplianceView) -> tuple[str, str]:
        self._catch_up(view)
        if self._gestures_left > 0:
            number = self.gestures - self._gestures_left + 1
            return _say(
                C,
                f"it makes unilateral gesture {number} of {self.gestures} (round {self._round}), "
                "complying whatever its rival does, to reduce tension.",
            )
        if view.seen[-1] == C:
            return _say(C, "it reciprocates, since its rival was seen complying last step.")
        because = "it reciprocates, since its rival was seen cheating last step"
        if self._deadlock == 0:
            return _say(D, f"{because}.")
        return _say(
            D,
            f"{because}; both sides have cheated for {_steps(self._deadlock)} in a row, "
            f"and after {_steps(self.patience)} it makes fresh gestures.",
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(gestures={self.gestures}, patience={self.patience})"


STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (
        TypeBased,
        TitForTat,
        GrimTrigger,
        Pavlov,
        AlwaysCooperate,
        AlwaysDefect,
        GenerousTitForTat,
        Grit,
    )
}


# the model's strategy -> the Axelrod library's class of the same strategy
AXELROD_COUNTERPARTS: dict[str, str] = {
    name: cls.axelrod for name, cls in STRATEGIES.items() if cls.axelrod is not None
}


@functools.cache
def _parameters(name: str) -> list[str]:
    """Names of the keyword parameters the constructor of a registered strategy takes."""
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [
        p.name for p in inspect.signature(STRATEGIES[name]).parameters.values() if p.kind in kinds
    ]


def make_strategy(name: str, **params) -> Strategy:
    """A new strategy by registry name, e.g. ``make_strategy("grit", gestures=2)``.

    Raises ValueError on an unknown name (listing the valid ones), on a
    parameter the strategy does not take, or on a bad parameter value.
    """
    if not isinstance(name, str) or name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; valid names: {', '.join(sorted(STRATEGIES))}")
    cls = STRATEGIES[name]
    accepted = _parameters(name)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        takes = f"it takes {', '.join(accepted)}" if accepted else "it takes no parameters"
        raise ValueError(
            f"strategy {name!r} has no parameter {', '.join(map(repr, unknown))}; {takes}"
        )
    return cls(**params)
