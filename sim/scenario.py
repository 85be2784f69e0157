"""The scenario schema: every field a scenario file may hold, with units, ranges and defaults.

A scenario is one YAML file (see :mod:`sim.loading`). This module only says what a
valid scenario is; it reads no files. The reference page of the docs is generated
from these classes, so each field's ``description`` is written for a scenario
author: what it means, its unit, and what it does in the model.

Unknown keys are errors everywhere (``extra="forbid"``), so a typo never passes
silently.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from sim.checks import check_scenario, format_path
from sim.priors import Bounds, Prior

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]

# A number or a prior (a distribution each run draws from; see sim.priors), with the range its draws are clipped to.
Num = Annotated[float | Prior, Bounds()]
NonNegNum = Annotated[NonNegative | Prior, Bounds(0.0)]
ProbNum = Annotated[Probability | Prior, Bounds(0.0, 1.0)]
DiscountNum = Annotated[
    Annotated[float, Field(gt=0.0, lt=1.0)] | Prior,
    Bounds(0.0, 1.0, open_low=True, open_high=True),
]
ConcessionNum = Annotated[
    Annotated[float, Field(gt=0.0, le=50.0)] | Prior, Bounds(0.0, 50.0, open_low=True)
]


class Strict(BaseModel):
    """Base class: unknown keys are rejected; a validated scenario is frozen (overrides make a new one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- calendar
class Calendar(Strict):
    """When the run starts and ends, and how long one step is."""

    start: dt.date | None = Field(
        None,
        description="First day of the run (YYYY-MM-DD). Leave out for a dateless scenario (step: turn).",
    )
    end: dt.date | None = Field(
        None,
        description="Last day of the run (YYYY-MM-DD); the run stops at the first step on or after it.",
    )
    step: Literal["day", "week", "month", "turn"] = Field(
        "week",
        description="Length of one step: a day, a week (7 days), a calendar month, or a dateless turn.",
    )
    steps: int | None = Field(
        None, ge=1, le=100_000, description="Number of steps of a dateless scenario (step: turn)."
    )
    turn_years: float = Field(
        1.0,
        gt=0,
        le=10,
        description="Length of one turn in years, for a dateless scenario (years).",
    )

    @model_validator(mode="after")
    def _dates_or_turns(self) -> Calendar:
        if self.step == "turn":
            if self.steps is None:
                raise ValueError(
                    "a dateless calendar (step: turn) needs 'steps', the number of turns"
                )
            if self.start is not None or self.end is not None:
                raise ValueError(
                    "a dateless calendar (step: turn) takes 'steps', not 'start' and 'end'"
                )
        else:
            if self.start is None or self.end is None:
                raise ValueError(
                    f"a calendar with step: {self.step} needs both 'start' and 'end' dates"
                )
            if self.end <= self.start:
                raise ValueError(f"end ({self.end}) must come after start ({self.start})")
        return self


# --------------------------------------------------------------------------- agenda
class VerificationLevel(Strict):
    """One verification regime: how well it catches cheating and how much it intrudes."""

    name: str = Field(description="Identifier used in the agenda, offers and red lines.")
    label: str = Field("", description="Readable name shown in the log and the dashboard.")
    detection: Probability = Field(
        description="Probability that a step of cheating is detected (0-1)."
    )
    false_alarm: Probability = Field(
        0.0, description="Probability that an honest step is reported as cheating (0-1)."
    )
    intrusiveness: Probability = Field(
        0.0,
        description="How much the regime exposes of a state's secrets (0 none, 1 full); multiplies each state's secrecy cost.",
    )


class FreezeOption(Strict):
    """One scope of limits on arsenals (a freeze, or a cut)."""

    name: str = Field(description="Identifier used in the agenda, offers and red lines.")
    label: str = Field("", description="Readable name shown in the log and the dashboard.")
    weight: Probability = Field(
        0.0,
        description="Share of the arsenals the limit covers (0-1); scales each state's freeze cost and gain.",
    )
    cap_fraction: NonNegative | None = Field(
        None,
        description="When agreed, each party's cap becomes this fraction of its current forces (1 = freeze, 0 = elimination). Leave out for no new cap.",
    )
    cap: NonNegative | None = Field(
        None,
        description="When agreed, each party's cap becomes this absolute number (an equal ceiling, in the scenario's unit of forces, e.g. warheads or launchers).",
    )


class Agenda(Strict):
    """The issues on the table. Every combination of their options is one possible offer."""

    years: list[Annotated[int, Field(ge=1, le=100)]] = Field(
        default_factory=lambda: [5], description="Possible terms of the agreement (years)."
    )
    verification: list[str] = Field(
        default_factory=list,
        description="Verification levels on the table, from least to most intrusive (names from verification_levels). Empty: the treaty's current level only.",
    )
    freeze: list[str] = Field(
        default_factory=list,
        description="Freeze scopes on the table, from narrowest to widest (names from freeze_options). Empty: no freeze issue.",
    )
    parties: list[list[str]] = Field(
        default_factory=list,
        description="Possible sets of parties (state names). Empty: all states are parties.",
    )
    share: list[Probability] = Field(
        default_factory=list,
        description="Possible divisions of a surplus: the share going to the first state listed in states (0-1); the other parties divide the rest equally. Each state values its share at its utility.surplus. Empty: no share issue.",
    )


class RedLine(Strict):
    """A public commitment not to accept some options (Fearon 1997; Tomz 2007).

    Crossing it costs the state its audience cost (a private value, maybe a prior);
    an infinite audience cost (the default) is a hard wall. It holds from its own
    date (``since``, the date of the source that records it).
    """

    issue: Literal["years", "verification", "freeze", "parties"] = Field(
        description="The issue the red line is on."
    )
    at_least: int | str | None = Field(
        None, description="The lowest acceptable option (options are ordered as in the agenda)."
    )
    at_most: int | str | None = Field(None, description="The highest acceptable option.")
    exclude: list[int | str] = Field(default_factory=list, description="Options never acceptable.")
    require: list[str] = Field(
        default_factory=list, description="For issue parties: states that must be parties."
    )
    reason: str = Field(
        "",
        description="Why, in a sentence (shown in the log); it may cite its source, dated no later than since.",
    )
    audience_cost: Annotated[NonNegative | Prior, Bounds(0.0)] = Field(
        float("inf"),
        description="Cost to the state of crossing the red line, paid once when an agreement that crosses it is made (utility); a number or a prior. .inf (the default) is a hard wall.",
    )
    since: dt.date | None = Field(
        None,
        description="Date from which the red line holds: the date of the source that records it (YYYY-MM-DD); a date before the start holds from the start. Leave out for the start of the run.",
    )
    source: str = Field("", description="Where the record states it, with the source's date.")


# --------------------------------------------------------------------------- states
class Utility(Strict):
    """How a state values an offer relative to no deal (utility units per year unless stated)."""

    predictability: Num = Field(
        1.0, description="Value of a year of predictability under the treaty (utility per year)."
    )
    loss_if_cheated: NonNegNum = Field(
        1.0, description="Loss in a year of being cheated undetected (utility per year)."
    )
    secrecy_cost: NonNegNum = Field(
        0.0,
        description="Cost of fully intrusive verification (utility per year at intrusiveness 1).",
    )
    freeze_cost: NonNegNum = Field(
        0.0,
        description="Cost of a full freeze on the state's own plans (utility per year at weight 1).",
    )
    freeze_gain: NonNegNum = Field(
        0.0, description="Gain from freezing the rivals' forces (utility per year at weight 1)."
    )
    lock_in: Num = Field(
        0.0,
        description="Cost of each year of being locked into the agreement, e.g. lost leverage (utility per year of term, undiscounted).",
    )
    party_value: dict[str, float] = Field(
        default_factory=dict,
        description="Value of each state being a party (utility, once). Negative for a state's own reluctance to join.",
    )
    surplus: Num = Field(
        0.0,
        description="Value of the whole surplus divided by the agenda's share issue (utility, once); the state receives its share of it. Used only when agenda.share is set.",
    )
    discount: DiscountNum = Field(
        0.9,
        description="Discount factor per year: how much next year counts against this one (0-1, the shadow of the future).",
    )
    tension_sensitivity: NonNegNum = Field(
        1.0,
        description="How much tension inflates the feared loss: loss x (1 + sensitivity x tension).",
    )


class Bargaining(Strict):
    """How a state concedes over time (Faratin et al. 1998)."""

    reservation: Num = Field(
        0.0, description="Lowest utility the state accepts, relative to no deal (utility)."
    )
    concession: ConcessionNum = Field(
        1.0,
        description="Shape of the concession curve: below 1 Boulware (holds out until the deadline), 1 linear, above 1 conceder (gives early).",
    )
    hardening: NonNegNum = Field(
        0.0,
        description="Tension hardens bargaining: the reservation rises by hardening x tension (utility).",
    )
    tactic: Literal["concession", "backward_induction"] = Field(
        "concession",
        description="concession: the target follows the time-dependent concession curve (Faratin et al. 1998). backward_induction: the target is the subgame-perfect offer of the alternating-offers game with the rounds left to the deadline, each round discounted by the state's discount factor (Stahl 1972; Rubinstein 1982); with no deadline or an uncertain one, its infinite-horizon limit.",
    )


class Compliance(Strict):
    """What drives the state's choice to comply or cheat (type-based policy)."""

    cheat_gain: NonNegNum = Field(
        0.0, description="Gain from cheating or building (utility per year)."
    )
    cooperation_value: NonNegNum = Field(
        1.0, description="Value of continued cooperation, lost if caught (utility per year)."
    )
    trust_threshold: ProbNum = Field(
        0.5,
        description="A security seeker complies when its trust in every rival is at least this (0-1).",
    )


class Ratification(Strict):
    """A domestic body that must ratify an agreement before it binds the state (Putnam 1988)."""

    body: str = Field("the legislature", description="Who votes (e.g. US Senate, two-thirds).")
    threshold: Num = Field(
        0.0,
        description="The least utility of the agreement to the state at which the body ratifies it (utility); usually a prior, since neither side knows the vote in advance. Low domestic support is a high threshold.",
    )
    delay_months: float = Field(3.0, ge=0, le=120, description="Months from signature to the vote.")


class StrategyChoice(Strict):
    """A compliance strategy by name, with its parameters."""

    name: str = Field(
        "type_based",
        description="One of: type_based, tit_for_tat, grim_trigger, pavlov, always_cooperate, always_defect, grit, generous_tit_for_tat.",
    )
    params: dict[str, float | int] = Field(
        default_factory=dict,
        description="Parameters of the strategy (grit: gestures, patience; generous_tit_for_tat: generosity).",
    )


class StateSpec(Strict):
    """One state at the table (a Mesa agent)."""

    name: str = Field(
        description="Short identifier used everywhere else (e.g. US, RU).",
        min_length=1,
        max_length=12,
    )
    label: str = Field("", description="Readable name (e.g. United States).")
    type: Literal["security", "greedy", "random"] = Field(
        "security",
        description="True type, hidden from the others (Kydd): a security seeker reciprocates, a greedy state exploits; random draws it with p_greedy.",
    )
    p_greedy: Probability = Field(
        0.5, description="Probability of being greedy when type is random (0-1)."
    )
    forces: NonNegative = Field(description="Forces at the start (warheads).")
    build_rate: NonNegative = Field(
        0.0, description="Covert build-up while cheating a cap (warheads per year)."
    )
    dismantle_rate: NonNegative = Field(
        1.0e9, description="Fastest reduction toward a new cap (warheads per year)."
    )
    reaction: dict[str, float] = Field(
        default_factory=dict, description="Richardson reaction to each rival's forces (per year)."
    )
    fatigue: NonNegative = Field(
        0.0, description="Richardson fatigue: restraint proportional to own forces (per year)."
    )
    grievance: float = Field(
        0.0,
        description="Richardson grievance at zero trust (warheads per year); it falls in proportion to trust.",
    )
    trust: Probability | dict[str, Probability] = Field(
        0.5,
        description="Initial trust in each rival: probability that the rival is a security seeker (one number for all, or by state).",
    )
    strategy: str | StrategyChoice = Field(
        "type_based", description="Compliance strategy by name, or {name, params}."
    )
    utility: Utility = Field(default_factory=Utility)
    bargaining: Bargaining = Field(default_factory=Bargaining)
    compliance: Compliance = Field(default_factory=Compliance)
    red_lines: list[RedLine] = Field(
        default_factory=list, description="Offers the state never accepts."
    )
    withdraw_below: Probability | None = Field(
        None,
        description="Gives notice of withdrawal when a violation is detected and trust falls below this (0-1); leave out for never.",
    )
    suspend_below: Probability | None = Field(
        None,
        description="Suspends the treaty when a violation is detected and trust falls below this (0-1); leave out for never.",
    )
    ratification: Ratification | None = Field(
        None,
        description="The domestic body that must ratify an agreement (leave out: the executive's signature binds).",
    )

    def strategy_choice(self) -> StrategyChoice:
        """The strategy as name and parameters, whichever way the file wrote it."""
        return (
            self.strategy
            if isinstance(self.strategy, StrategyChoice)
            else StrategyChoice(name=self.strategy)
        )


class StateChanges(Strict):
    """The fields of a state that a leadership change may replace (any subset)."""

    label: str | None = None
    type: Literal["security", "greedy"] | None = None
    strategy: str | StrategyChoice | None = None
    utility: dict[str, float | Prior | dict[str, float]] | None = Field(
        None, description="Utility fields to replace (numbers or priors)."
    )
    bargaining: dict[str, float | Prior] | None = Field(
        None, description="Bargaining fields to replace (numbers or priors)."
    )
    compliance: dict[str, float | Prior] | None = Field(
        None, description="Compliance fields to replace (numbers or priors)."
    )
    red_lines: list[RedLine] | None = Field(
        None, description="The new red lines (replaces the list; [] removes them all)."
    )
    grievance: float | None = None
    withdraw_below: Probability | None = None


# --------------------------------------------------------------------------- treaty and talks
class Treaty(Strict):
    """The treaty at the start of the run (or none)."""

    name: str = Field("the treaty", description="Name used in the log.")
    in_force: bool = Field(True, description="Whether a treaty is in force at the start.")
    expires: dt.date | None = Field(
        None, description="Expiry date (YYYY-MM-DD); leave out for none."
    )
    expires_step: int | None = Field(
        None, ge=1, description="Expiry step, for a dateless scenario."
    )
    verification: str | None = Field(
        None, description="Verification level in force (a name from verification_levels)."
    )
    freeze: str | None = Field(
        None, description="Freeze scope in force (a name from freeze_options)."
    )
    caps: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="Cap on each state's forces while the treaty binds it (warheads).",
    )
    parties: list[str] = Field(
        default_factory=list,
        description="States bound by the treaty at the start (default: every state).",
    )
    withdrawal_notice_months: float = Field(
        3.0,
        ge=0,
        le=60,
        description="Notice a party must give before its withdrawal takes effect (months).",
    )
    survives_exit: bool = Field(
        False,
        description="Whether the treaty stands among the other parties when one withdraws (a multilateral treaty such as Open Skies or CFE); it ends when fewer than two parties remain.",
    )


class Talks(Strict):
    """When bargaining happens, and how the deadline works."""

    enabled: bool = Field(True, description="Whether there is bargaining at all.")
    opens: dt.date | None = Field(
        None, description="First day of talks (default: the start of the run)."
    )
    deadline: dt.date | None = Field(
        None, description="Deadline of talks (default: the treaty's expiry)."
    )
    deadline_step: int | None = Field(
        None, ge=1, description="Deadline step, for a dateless scenario."
    )
    deadline_kind: Literal["hard", "uncertain"] = Field(
        "hard",
        description="hard: talks end at the deadline; uncertain: they may break off at any step with hazard_per_year, and the bargainers concede as that risk accumulates.",
    )
    hazard_per_year: NonNegative = Field(
        0.0, description="Rate at which talks break off when the deadline is uncertain (per year)."
    )
    first_proposer: str | None = Field(
        None, description="State that makes the first offer (default: the first state)."
    )
    rounds_per_step: int = Field(
        1,
        ge=1,
        le=20,
        description="Offers exchanged in one step, when offers_per_year is left out.",
    )
    offers_per_year: float | None = Field(
        None,
        gt=0,
        le=400,
        description="Pace of bargaining: offers made per year, whatever the step length (a weekly and a monthly calendar then bargain alike). Leave out for rounds_per_step offers a step.",
    )


class TrustModel(Strict):
    """What each state assumes about how the two types behave (Kydd 2000): the likelihoods of Bayes' rule."""

    likelihoods: Literal["implied", "stated"] = Field(
        "implied",
        description="implied: the chance that each type is in breach is the one the model's own policies give under the regime in force (Kydd 2005); stated: the two probabilities below.",
    )
    p_cheat_security: Probability = Field(
        0.05,
        description="With likelihoods: stated, the chance that a security seeker is in breach (0-1).",
    )
    p_cheat_greedy: Probability = Field(
        0.6,
        description="With likelihoods: stated, the chance that a greedy state is in breach (0-1).",
    )
    concession_weight: NonNegative = Field(
        1.0,
        description="Strength of a costly concession as evidence: likelihood ratio = 1 + weight x cost (per utility unit).",
    )
    floor: Probability = Field(
        0.001,
        description="Trust never falls below this nor rises above 1 minus it, so evidence can still move it.",
    )


class TensionModel(Strict):
    """Tension: an escalation variable in [0, 1] with named bands."""

    initial: Probability = Field(0.3, description="Tension at the start (0-1).")
    baseline: Probability = Field(0.2, description="Level tension decays toward (0-1).")
    decay_per_year: NonNegative = Field(
        1.0, description="Rate of decay toward the baseline (per year)."
    )
    strained: Probability = Field(0.25, description="Lower edge of the 'strained' band.")
    confrontation: Probability = Field(0.5, description="Lower edge of the 'confrontation' band.")
    crisis: Probability = Field(
        0.75, description="Lower edge of the 'crisis' band; entering it logs a crisis."
    )
    arms_growth: NonNegative = Field(
        1.0, description="Rise per unit of yearly relative growth of total forces (per year)."
    )
    violation: NonNegative = Field(0.1, description="Rise when a violation is detected.")
    withdrawal: NonNegative = Field(
        0.15, description="Rise when a state gives notice of withdrawal or suspends."
    )
    agreement: NonNegative = Field(0.1, description="Fall when an agreement is reached.")
    treaty_relief_per_year: NonNegative = Field(
        0.1, description="Fall per year while a treaty is in force."
    )
    reciprocity_per_year: NonNegative = Field(
        0.05, description="Fall per year while every state is seen complying."
    )

    @model_validator(mode="after")
    def _bands_in_order(self) -> TensionModel:
        if not self.strained < self.confrontation < self.crisis:
            raise ValueError("tension bands must rise: strained < confrontation < crisis")
        return self


class Payoffs(Strict):
    """Prisoner's Dilemma payoffs of one step of the compliance game."""

    T: float = Field(5.0, description="Temptation: cheat while the other complies.")
    R: float = Field(3.0, description="Reward: both comply.")
    P: float = Field(1.0, description="Punishment: both cheat.")
    S: float = Field(0.0, description="Sucker's payoff: comply while the other cheats.")


class ComplianceGame(Strict):
    """The repeated compliance game."""

    enabled: bool = Field(True, description="Whether states choose to comply or cheat each step.")
    payoffs: Payoffs = Field(default_factory=Payoffs)
    no_treaty_verification: str | None = Field(
        None,
        description="Verification level when no treaty is in force or a state suspends it (default: the least intrusive level).",
    )


class Outcomes(Strict):
    """Thresholds of the outcome classification."""

    arms_race_growth: NonNegative = Field(
        0.1,
        description="Total forces growing by more than this fraction with no treaty is an arms race.",
    )


# --------------------------------------------------------------------------- events
class EventBase(Strict):
    date: dt.date | None = Field(None, description="When it happens (YYYY-MM-DD).")
    step: int | None = Field(
        None, ge=0, description="When it happens, for a dateless scenario (step number)."
    )
    id: str | None = Field(
        None,
        description="Identifier, so that a scenario that extends this one can replace or remove the event.",
    )
    actor: str = Field(description="The state that acts.")
    text: str = Field("", description="What happened, as the record puts it (shown in the log).")
    source: str = Field("", description="Where the record says so, with the source's date.")
    chance: Probability = Field(
        1.0, description="Probability that the event happens at all, drawn once per run (0-1)."
    )


class Statement(EventBase):
    """Cheap talk: logged, changes nothing."""

    kind: Literal["statement"]


class OfferEvent(EventBase):
    """A proposal that history records: the actor makes this offer at this date."""

    kind: Literal["offer"]
    offer: dict[str, int | str | list[str]] = Field(
        description="The offer: a value for each agenda issue (years, verification, freeze, parties)."
    )


class LeadershipChange(EventBase):
    """A new government: new preferences, strategy or red lines."""

    kind: Literal["leadership_change"]
    changes: StateChanges


class Accusation(EventBase):
    """The actor accuses a target of cheating: evidence of a stated strength."""

    kind: Literal["accusation"]
    target: str = Field(description="The state accused.")
    likelihood_ratio: float = Field(
        0.5,
        gt=0,
        description="P(this evidence | target is a security seeker) / P(it | greedy); below 1 lowers trust.",
    )
    tension: float = Field(0.05, ge=-1, le=1, description="Change in tension.")


class Deployment(EventBase):
    """The actor deploys (or withdraws) forces."""

    kind: Literal["deployment"]
    forces: float = Field(description="Change in the actor's forces (warheads).")
    tension: float = Field(0.05, ge=-1, le=1, description="Change in tension.")


class WithdrawalNotice(EventBase):
    """The actor gives notice of withdrawal; it takes effect after the treaty's notice period."""

    kind: Literal["withdrawal_notice"]


class Suspension(EventBase):
    """The actor suspends the treaty: no data or inspections, caps no longer bind it."""

    kind: Literal["suspension"]
    respects_caps: bool = Field(
        False, description="Whether the actor says it will still keep to the caps."
    )


class Gesture(EventBase):
    """A costly unilateral gesture (e.g. a unilateral cut): a costly signal of type."""

    kind: Literal["gesture"]
    cost: NonNegative = Field(
        1.0, description="Cost to the actor (utility); the costlier, the stronger the evidence."
    )
    forces: float = Field(0.0, description="Change in the actor's forces (warheads).")
    tension: float = Field(-0.05, ge=-1, le=1, description="Change in tension.")


class Ultimatum(EventBase):
    """The actor demands that a target return to compliance by a deadline, or it gives notice of withdrawal."""

    kind: Literal["ultimatum"]
    target: str = Field(description="The state the demand is made of.")
    by: dt.date | None = Field(None, description="Deadline of the ultimatum (YYYY-MM-DD).")
    by_step: int | None = Field(None, ge=0, description="Deadline, for a dateless scenario (step).")
    trust_below: Probability = Field(
        0.5,
        description="At the deadline, the actor gives notice if its trust in the target is below this (0-1).",
    )


class BranchOption(Strict):
    """One possible future of a branch event: its chance and the events that follow from it."""

    name: str = Field(
        description="Identifier (pin a branch by this name).", pattern=r"^[A-Za-z0-9_\-]+$"
    )
    chance: Probability = Field(
        description="Probability of this branch (0-1); a branch event's chances sum to 1."
    )
    text: str = Field("", description="What happens, in a sentence (shown in the log).")
    events: list[Event] = Field(
        default_factory=list,
        max_length=200,
        description="Scripted events of this future, dated on or after the branch.",
    )


class Branch(EventBase):
    """History as a likely branch: one of several futures is drawn per run (an election, a decision)."""

    kind: Literal["branch"]
    branches: list[BranchOption] = Field(min_length=2, max_length=10)
    pin: str | None = Field(
        None,
        description="The name of a branch to take in every run (a counterfactual, or a forecast pinned to one future).",
    )


Event = Annotated[
    Statement
    | OfferEvent
    | LeadershipChange
    | Accusation
    | Deployment
    | WithdrawalNotice
    | Suspension
    | Gesture
    | Ultimatum
    | Branch,
    Field(discriminator="kind"),
]
BranchOption.model_rebuild()

EVENT_KINDS = (
    "statement",
    "offer",
    "leadership_change",
    "accusation",
    "deployment",
    "withdrawal_notice",
    "suspension",
    "gesture",
    "ultimatum",
    "branch",
)


class RandomEvent(Strict):
    """An event drawn at random at a yearly rate, from the model's generator."""

    kind: Literal["incident", "alleged_violation", "gesture"] = Field(
        description="incident: tension only; alleged_violation: evidence against the actor; gesture: a costly conciliatory signal."
    )
    label: str = Field("", description="Readable name shown in the log.")
    rate_per_year: NonNegative = Field(description="Expected number per year.")
    actor: str = Field(
        "any", description="The state it concerns, or 'any' for one drawn at random."
    )
    tension: float = Field(0.05, ge=-1, le=1, description="Change in tension.")
    likelihood_ratio: float = Field(
        1.0,
        gt=0,
        description="Evidence about the actor's type for the others: P(it | security) / P(it | greedy).",
    )
    cost: NonNegative = Field(0.0, description="For a gesture: its cost to the actor (utility).")


# --------------------------------------------------------------------------- history
# The categories a run's outcome falls into (sim.outcomes.classify) and a record may name.
CATEGORIES = (
    "extended",
    "new_terms",
    "signed_not_ratified",
    "lapsed",
    "withdrawn",
    "party_withdrew",
    "suspended",
    "arms_race",
    "crisis",
    "in_force",
    "no_agreement",
)

Category = Literal[CATEGORIES]  # type: ignore[valid-type]


class Record(Strict):
    """What happened: read only by the scoring (``acsim backtest``), never by the model."""

    outcome: Category = Field(description="The recorded outcome, one of the outcome categories.")
    date: dt.date | None = Field(None, description="When it was decided (YYYY-MM-DD).")
    label: str = Field("", description="The outcome in words, e.g. 'extended 5 years'.")
    years: int | None = Field(None, ge=0, le=100, description="Term agreed (years), if any.")
    text: str = Field("", description="What happened, in a sentence or two.")
    status_quo: Category | None = Field(
        None,
        description="The category 'nothing changes' would have meant for this case (a baseline of the scoring).",
    )
    sources: list[str] = Field(default_factory=list, description="Where the record says so.")
    notes: str = Field(
        "", description="Anything else a reader should know (e.g. why the model may do badly here)."
    )


# --------------------------------------------------------------------------- the scenario
class Scenario(Strict):
    """A whole scenario: the states, the treaty, the agenda, the timeline."""

    name: str = Field(
        description="Identifier (the file's name without .yaml).", pattern=r"^[A-Za-z0-9_\-]+$"
    )
    title: str = Field("", description="Title shown in the dashboard.")
    description: str = Field("", description="What it is.")
    notice: str = Field("", description="Things to notice.")
    try_: str = Field("", alias="try", description="Things to try.")
    sources: list[str] = Field(
        default_factory=list,
        description="The record the figures and dates come from, each with its date.",
    )
    period: str = Field(
        "",
        description="The period the scenario belongs to, grouping it in the dashboard's picker and the docs (e.g. 'Cold War (1945-1991)', 'Classroom').",
    )
    briefings: dict[str, str] = Field(
        default_factory=dict,
        description="For each state, what its player is told: what it wants, its red lines, what it fears.",
    )
    record: Record | None = Field(
        None,
        description="What happened (historical cases): read only by the scoring, never by the model.",
    )
    extends: str | None = Field(
        None,
        description="Another scenario (bundled name or path) this one starts from; its fields are overridden by this file's.",
    )
    calendar: Calendar
    states: list[StateSpec] = Field(min_length=2, max_length=8)
    verification_levels: list[VerificationLevel] = Field(default_factory=list)
    freeze_options: list[FreezeOption] = Field(default_factory=list)
    agenda: Agenda = Field(default_factory=Agenda)
    treaty: Treaty = Field(default_factory=lambda: Treaty(in_force=False))
    talks: Talks = Field(default_factory=Talks)
    trust_model: TrustModel = Field(default_factory=TrustModel)
    tension: TensionModel = Field(default_factory=TensionModel)
    compliance: ComplianceGame = Field(default_factory=ComplianceGame)
    outcomes: Outcomes = Field(default_factory=Outcomes)
    events: list[Event] = Field(default_factory=list, max_length=2000)
    random_events: list[RandomEvent] = Field(default_factory=list, max_length=50)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    # -- cross-field checks: each error names the field it is about
    @field_validator("states")
    @classmethod
    def _unique_names(cls, states: list[StateSpec]) -> list[StateSpec]:
        names = [s.name for s in states]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"state names must be unique; repeated: {', '.join(sorted(dup))}")
        return states

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Scenario:
        """Check names and dates that refer to other fields (see :mod:`sim.checks`).

        The file loader defers this step so that it can point at the offending line.
        """
        if info.context and info.context.get("defer_checks"):
            return self
        problems = check_scenario(self)
        if problems:
            raise ValueError("; ".join(f"{format_path(path)}: {msg}" for path, msg in problems))
        return self

    @property
    def state_names(self) -> list[str]:
        return [s.name for s in self.states]

    @property
    def dateless(self) -> bool:
        return self.calendar.step == "turn"

    def state(self, name: str) -> StateSpec:
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)
