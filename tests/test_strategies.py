"""Tests for sim.strategies: exact move sequences against scripted rivals,
agreement with the Axelrod library, and the reasons each decision gives."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.strategies import (
    AXELROD_COUNTERPARTS,
    DEFAULT_STRATEGY,
    STRATEGIES,
    C,
    ComplianceView,
    D,
    GenerousTitForTat,
    Grit,
    Strategy,
    default_generosity,
    expected_loss_if_caught,
    greedy_would_cheat,
    make_strategy,
    shadow_of_the_future,
)

PD = (5, 3, 1, 0)  # T, R, P, S


# --------------------------------------------------------------------------
# Helpers: play with perfect monitoring
# --------------------------------------------------------------------------


def view(own="", seen="", seed=0, **fields) -> ComplianceView:
    """A view with the given histories (strings of C/D)."""
    return ComplianceView(
        own=tuple(own), seen=tuple(seen), rng=np.random.default_rng(seed), **fields
    )


def play(
    first: Strategy, second: Strategy, turns: int, seed: int = 0, payoffs=PD
) -> tuple[str, str]:
    """Both play `turns` steps; each sees the other's true history. Returns both move strings."""
    rng = np.random.default_rng(seed)
    a, b = [], []
    for _ in range(turns):
        move_a, _ = first.decide(
            ComplianceView(own=tuple(a), seen=tuple(b), rng=rng, payoffs=payoffs)
        )
        move_b, _ = second.decide(
            ComplianceView(own=tuple(b), seen=tuple(a), rng=rng, payoffs=payoffs)
        )
        a.append(move_a)
        b.append(move_b)
    return "".join(a), "".join(b)


def play_against(strategy: Strategy, rival: str, seed: int = 0) -> str:
    """The strategy's moves against a fixed sequence of rival moves."""
    rng = np.random.default_rng(seed)
    own = []
    for step in range(len(rival)):
        move, _ = strategy.decide(ComplianceView(own=tuple(own), seen=tuple(rival[:step]), rng=rng))
        own.append(move)
    return "".join(own)


def scores(a: str, b: str, payoffs=PD) -> tuple[float, float]:
    """Total Prisoner's Dilemma payoffs of two move strings."""
    t, r, p, s = payoffs
    table = {(C, C): (r, r), (C, D): (s, t), (D, C): (t, s), (D, D): (p, p)}
    pairs = [table[x, y] for x, y in zip(a, b)]
    return sum(x for x, _ in pairs), sum(y for _, y in pairs)


# --------------------------------------------------------------------------
# Registry and make_strategy
# --------------------------------------------------------------------------


def test_registry_names():
    assert set(STRATEGIES) == {
        "type_based",
        "tit_for_tat",
        "grim_trigger",
        "pavlov",
        "always_cooperate",
        "always_defect",
        "generous_tit_for_tat",
        "grit",
    }
    assert DEFAULT_STRATEGY == "type_based"


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_each_strategy_is_classified_and_named(name):
    cls = STRATEGIES[name]
    assert cls.name == name
    assert set(cls.classifier) == {"memory_depth", "stochastic"}
    assert isinstance(cls.classifier["stochastic"], bool)
    assert cls.__doc__
    assert isinstance(make_strategy(name), cls)


def test_the_strategies_the_axelrod_library_has_are_named_with_their_classes():
    assert AXELROD_COUNTERPARTS == {
        "tit_for_tat": "TitForTat",
        "grim_trigger": "Grudger",
        "pavlov": "WinStayLoseShift",
        "always_cooperate": "Cooperator",
        "always_defect": "Defector",
        "generous_tit_for_tat": "GTFT",
    }


@pytest.mark.parametrize("name", sorted(AXELROD_COUNTERPARTS))
def test_classifiers_match_axelrod(axl, name):
    """What a strategy remembers and whether it is random, as the library's own classifier says."""
    theirs = getattr(axl, AXELROD_COUNTERPARTS[name]).classifier
    assert STRATEGIES[name].classifier == {
        "memory_depth": theirs["memory_depth"],
        "stochastic": theirs["stochastic"],
    }


def test_make_strategy_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        make_strategy("tft")
    message = str(err.value)
    assert "'tft'" in message
    for name in STRATEGIES:
        assert name in message


def test_make_strategy_rejects_unknown_parameters():
    with pytest.raises(ValueError, match=r"'patiance'.*takes gestures, patience"):
        make_strategy("grit", patiance=3)
    with pytest.raises(ValueError, match=r"'generosity'.*takes no parameters"):
        make_strategy("tit_for_tat", generosity=0.1)


def test_make_strategy_passes_parameters():
    grit = make_strategy("grit", gestures=2, patience=5)
    assert (grit.gestures, grit.patience) == (2, 5)
    assert make_strategy("generous_tit_for_tat", generosity=0.25).generosity == 0.25


@pytest.mark.parametrize(
    "name, params",
    [
        ("grit", {"gestures": 0}),
        ("grit", {"gestures": -1}),
        ("grit", {"gestures": 2.5}),
        ("grit", {"gestures": True}),
        ("grit", {"patience": 0}),
        ("grit", {"patience": "4"}),
        ("generous_tit_for_tat", {"generosity": 1.5}),
        ("generous_tit_for_tat", {"generosity": -0.1}),
        ("generous_tit_for_tat", {"generosity": "0.3"}),
    ],
)
def test_make_strategy_rejects_bad_values_with_value_error(name, params):
    with pytest.raises(ValueError):
        make_strategy(name, **params)


# --------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"own": "CC", "seen": "C"},
        {"own": "CX", "seen": "CC"},
        {"state_type": "hawk"},
        {"trust": 1.2},
        {"detection": -0.1},
        {"discount": 1.0},
        {"trust_threshold": float("nan")},
        {"payoffs": (5, 3, 1)},
    ],
)
def test_view_rejects_bad_fields(fields):
    with pytest.raises(ValueError):
        view(**fields)


def test_view_needs_a_numpy_generator():
    with pytest.raises(ValueError, match="Generator"):
        ComplianceView(own=(), seen=(), rng=np.random)


# --------------------------------------------------------------------------
# Scripted rivals: exact sequences
# --------------------------------------------------------------------------


def test_tit_for_tat_copies_last_seen_move():
    rival = "CDDCCDCD"
    assert play_against(make_strategy("tit_for_tat"), rival) == "C" + rival[:-1]


def test_grim_trigger_never_forgives():
    assert play_against(make_strategy("grim_trigger"), "CCDCCC") == "CCCDDD"
    assert play_against(make_strategy("grim_trigger"), "CCCCCC") == "CCCCCC"


def test_pavlov_win_stay_lose_shift():
    # step 3: rival seen D -> switch C to D; step 4: D again -> switch back to C.
    assert play_against(make_strategy("pavlov"), "CDDCCD") == "CCDCCC"
    assert play_against(make_strategy("pavlov"), "DDDD") == "CDCD"


def test_always_cooperate_and_always_defect():
    assert play_against(make_strategy("always_cooperate"), "DDCD") == "CCCC"
    assert play_against(make_strategy("always_defect"), "CCDC") == "DDDD"


# --------------------------------------------------------------------------
# Agreement with the Axelrod library (perfect monitoring, 200 turns)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def axl():
    """The Axelrod library (a test dependency), imported only when these tests run (its import is slow)."""
    import axelrod

    return axelrod


DETERMINISTIC = [n for n in AXELROD_COUNTERPARTS if not STRATEGIES[n].classifier["stochastic"]]


@pytest.mark.parametrize("first, second", list(itertools.product(DETERMINISTIC, repeat=2)))
def test_matches_axelrod_moves_and_scores(axl, first, second):
    turns = 200
    t, r, p, s = PD
    players = (
        getattr(axl, AXELROD_COUNTERPARTS[first])(),
        getattr(axl, AXELROD_COUNTERPARTS[second])(),
    )
    match = axl.Match(players, turns=turns, game=axl.Game(r=r, s=s, t=t, p=p))
    interactions = match.play()
    expected = ("".join(str(x) for x, _ in interactions), "".join(str(y) for _, y in interactions))
    ours = play(make_strategy(first), make_strategy(second), turns)
    assert ours == expected
    assert scores(*ours) == tuple(match.final_score())


# --------------------------------------------------------------------------
# Generous tit for tat
# --------------------------------------------------------------------------


def test_default_generosity_from_payoffs():
    assert default_generosity(PD) == pytest.approx(1 / 3)
    assert default_generosity((4, 3, 2, 0)) == pytest.approx(0.5)
    assert default_generosity((7, 3, 1, 0)) == 0.0  # formula negative: never forgives
    with pytest.raises(ValueError):
        default_generosity((5, 3, 1, 3))


def test_gtft_forgives_with_probability_p_using_the_view_rng():
    gtft = make_strategy("generous_tit_for_tat")
    rng = np.random.default_rng(2024)
    moves = [gtft.decide(ComplianceView(own="D", seen="D", rng=rng))[0] for _ in range(6000)]
    share = moves.count(C) / len(moves)
    assert abs(share - 1 / 3) < 0.03
    # exactly one draw per seen defection, forgiving when the draw is below p
    draws = np.random.default_rng(2024).random(6000)
    assert moves == [C if x < 1 / 3 else D for x in draws]


def test_gtft_draws_nothing_after_seen_cooperation():
    rng = np.random.default_rng(5)
    before = rng.bit_generator.state
    move, _ = make_strategy("generous_tit_for_tat").decide(
        ComplianceView(own="C", seen="C", rng=rng)
    )
    assert move == C
    assert rng.bit_generator.state == before


def test_gtft_same_seed_same_sequence():
    first = play(
        make_strategy("generous_tit_for_tat"), make_strategy("always_defect"), 200, seed=11
    )
    again = play(
        make_strategy("generous_tit_for_tat"), make_strategy("always_defect"), 200, seed=11
    )
    other = play(
        make_strategy("generous_tit_for_tat"), make_strategy("always_defect"), 200, seed=12
    )
    assert first == again
    assert first != other
    assert first[0][0] == C and 40 < first[0].count(C) < 95


def test_gtft_generosity_zero_is_tit_for_tat_and_one_always_forgives():
    rival = "CDDCDDDC"
    assert play_against(GenerousTitForTat(generosity=0), rival) == play_against(
        make_strategy("tit_for_tat"), rival
    )
    assert play_against(GenerousTitForTat(generosity=1), rival) == "C" * len(rival)


def test_gtft_reason_shows_draw_and_generosity():
    move, reason = GenerousTitForTat(generosity=0.25).decide(view("D", "D", seed=3))
    draw = np.random.default_rng(3).random()
    assert move == (C if draw < 0.25 else D)
    assert f"{draw:.3g}" in reason and "0.25" in reason


# --------------------------------------------------------------------------
# GRIT
# --------------------------------------------------------------------------


def test_grit_gestures_then_renewed_gestures_against_always_defect():
    grit, _ = play(make_strategy("grit"), make_strategy("always_defect"), 21)
    assert grit == "CCCDDDD" * 3


def test_grit_custom_gestures_and_patience():
    grit, _ = play(
        make_strategy("grit", gestures=2, patience=3), make_strategy("always_defect"), 15
    )
    assert grit == "CCDDD" * 3


def test_grit_deadlock_count_restarts_after_a_break():
    # Mutual cheating at steps 4-6, broken at step 7 (rival complies), so no
    # fresh gestures until four more mutual defections (steps 9-12).
    rival = "DDDDDDCDDDDDDDD"
    assert play_against(Grit(), rival) == "CCCDDDDCDDDDCCC"


def test_grit_gestures_are_unilateral_then_reciprocates():
    assert play_against(Grit(), "DDDDDCCCCC") == "CCCDDDCCCC"
    assert play(Grit(), make_strategy("tit_for_tat"), 10) == ("C" * 10, "C" * 10)


def test_grit_reasons_count_gestures_and_rounds():
    grit, rng, own = Grit(), np.random.default_rng(0), []
    reasons = []
    for step in range(9):
        move, reason = grit.decide(ComplianceView(own=tuple(own), seen=("D",) * step, rng=rng))
        own.append(move)
        reasons.append(reason)
    assert "gesture 1 of 3 (round 1)" in reasons[0]
    assert "gesture 3 of 3 (round 1)" in reasons[2]
    assert "cheated for 3 steps in a row" in reasons[6]
    assert "gesture 1 of 3 (round 2)" in reasons[7]


def test_grit_taken_up_mid_run_opens_with_gestures():
    grit, rng = Grit(gestures=2, patience=2), np.random.default_rng(0)
    own, seen = list("DDDDDD"), "DDDDDDDDDDDD"
    reasons = []
    for step in range(6, 12):
        move, reason = grit.decide(ComplianceView(own=tuple(own), seen=tuple(seen[:step]), rng=rng))
        own.append(move)
        reasons.append(reason)
    assert "".join(own[6:]) == "CCDDCC"
    assert "gesture 1 of 2 (round 1)" in reasons[0]
    assert "gesture 1 of 2 (round 2)" in reasons[4]


def test_grit_reset_and_new_run():
    grit = Grit()
    first = play_against(grit, "DDDDDDDDDD")
    assert play_against(grit, "DDDDDDDDDD") == first  # shorter history: a new run
    grit.reset()
    assert play_against(grit, "DDDDDDDDDD") == first


# --------------------------------------------------------------------------
# Type-based (Kydd; Downs & Rocke; Oye)
# --------------------------------------------------------------------------


def test_security_seeker_complies_when_trust_reaches_threshold():
    strategy = make_strategy("type_based")
    move, reason = strategy.decide(view(trust=0.6, trust_threshold=0.5))
    assert move == C and "0.6" in reason and "0.5" in reason
    assert strategy.decide(view(trust=0.5, trust_threshold=0.5))[0] == C


def test_security_seeker_builds_when_trust_below_threshold():
    move, reason = make_strategy("type_based").decide(view(trust=0.4, trust_threshold=0.5))
    assert move == D
    assert reason.startswith("cheats:") and "0.4" in reason and "0.5" in reason and "fear" in reason


def test_nearly_equal_numbers_are_printed_apart():
    _, reason = make_strategy("type_based").decide(view(trust=0.4999999999, trust_threshold=0.5))
    assert "0.4999999999" in reason


GREEDY = {"state_type": "greedy", "detection": 0.3, "cooperation_value": 4.0, "discount": 0.9}


def test_greedy_complies_under_the_shadow_of_the_future():
    move, reason = make_strategy("type_based").decide(view(cheat_gain=2.0, **GREEDY))
    assert move == C
    assert "2 a year" in reason
    assert (
        "0.3 chance of detection x 4 a year of cooperation x 9 years' worth of future at discount 0.9 = 10.8"
        in reason
    )


def test_greedy_cheats_when_gain_exceeds_expected_loss():
    move, reason = make_strategy("type_based").decide(view(cheat_gain=11.0, **GREEDY))
    assert move == D
    assert reason.startswith("cheats:") and "11 a year" in reason and "= 10.8" in reason


def test_greedy_threshold_is_strict():
    loss = 0.3 * 4.0 * 0.9 / (1 - 0.9)
    assert make_strategy("type_based").decide(view(cheat_gain=loss, **GREEDY))[0] == C
    assert make_strategy("type_based").decide(view(cheat_gain=loss + 1e-9, **GREEDY))[0] == D


def test_type_based_ignores_history():
    strategy = make_strategy("type_based")
    assert strategy.decide(view("DDD", "DDD", trust=0.9))[0] == C
    assert strategy.decide(view("CCC", "CCC", trust=0.1))[0] == D


def test_greedy_would_cheat_helper():
    assert shadow_of_the_future(0.9) == pytest.approx(9.0)
    assert expected_loss_if_caught(0.3, 4.0, 0.9) == pytest.approx(10.8)
    assert greedy_would_cheat(11.0, 0.3, 4.0, 0.9) is True
    assert greedy_would_cheat(10.0, 0.3, 4.0, 0.9) is False
    assert greedy_would_cheat(0.1, 0.0, 4.0, 0.9) is True  # undetectable cheating always pays
    assert greedy_would_cheat(0.0, 0.0, 4.0, 0.9) is False  # ... unless it gains nothing
    with pytest.raises(ValueError):
        greedy_would_cheat(1.0, 0.3, 4.0, 1.0)
    with pytest.raises(ValueError):
        greedy_would_cheat(1.0, 1.3, 4.0, 0.9)


# --------------------------------------------------------------------------
# Every decision explains itself
# --------------------------------------------------------------------------

history = st.integers(min_value=0, max_value=12).flatmap(
    lambda n: st.tuples(
        st.text("CD", min_size=n, max_size=n), st.text("CD", min_size=n, max_size=n)
    )
)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(STRATEGIES)),
    moves=history,
    seed=st.integers(0, 2**16),
    state_type=st.sampled_from(["security", "greedy"]),
    trust=st.floats(0, 1),
    cheat_gain=st.floats(-5, 20),
)
def test_every_decision_gives_a_reason_that_matches_the_move(
    name, moves, seed, state_type, trust, cheat_gain
):
    own, seen = moves
    v = view(
        own,
        seen,
        seed=seed,
        state_type=state_type,
        trust=trust,
        cheat_gain=cheat_gain,
        cooperation_value=1.0,
    )
    move, reason = make_strategy(name).decide(v)
    assert move in (C, D)
    assert reason.startswith({C: "complies: ", D: "cheats: "}[move])
    assert reason.endswith(".") and len(reason) > 30


@pytest.mark.parametrize("state_type", ["security", "greedy"])
@pytest.mark.parametrize("trust", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("detection", [0.0, 0.3, 0.9])
def test_the_quick_move_of_a_deterministic_strategy_equals_its_decision(
    state_type, trust, detection
):
    view = ComplianceView(
        own=("C",),
        seen=("D",),
        rng=np.random.default_rng(0),
        state_type=state_type,
        trust=trust,
        detection=detection,
        cheat_gain=2.0,
        cooperation_value=1.0,
        discount=0.8,
        trust_threshold=0.5,
    )
    for name in (
        "type_based",
        "tit_for_tat",
        "grim_trigger",
        "pavlov",
        "always_cooperate",
        "always_defect",
    ):
        strategy = make_strategy(name)
        assert strategy.move(view) == strategy.decide(view)[0], name
