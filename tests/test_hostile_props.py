"""Property-based tests of hostile input: whatever YAML document or ``--set`` a user writes,
``acsim`` exits 0 or 2 (never 1, never a traceback), within seconds, within bounded memory.

Hypothesis generates scenario-shaped documents (the real field names, with numbers, dates that do
and do not exist, booleans, infinities, anchors and merge keys, control characters) and overrides
of a bundled scenario. Each example runs through ``sim.cli.main`` in this process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import resource

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sim import cli
from sim.loading import bundled_dir

EXAMPLE_DEADLINE_MS = 5_000  # one example slower than this counts as a hang
EXAMPLES = 25
RSS_GROWTH_KB = 300_000  # what a whole test may add to the process's peak memory (kB)
EXIT_OK_OR_INVALID = (0, 2)

FIELDS = [
    "name",
    "title",
    "extends",
    "calendar",
    "start",
    "end",
    "step",
    "steps",
    "turn_years",
    "states",
    "forces",
    "trust",
    "utility",
    "discount",
    "reaction",
    "red_lines",
    "issue",
    "exclude",
    "agenda",
    "years",
    "share",
    "verification",
    "freeze",
    "treaty",
    "in_force",
    "expires",
    "caps",
    "talks",
    "deadline",
    "deadline_step",
    "events",
    "id",
    "kind",
    "actor",
    "date",
    "text",
    "random_events",
    "rate_per_year",
    "remove",
    "tension",
    "initial",
]
WORDS = [
    "week",
    "day",
    "month",
    "turn",
    "Blue",
    "Red",
    "US",
    "RU",
    "statement",
    "offer",
    "classroom_basic",
    "../secret.yaml",
    "/etc/passwd",
    "\x1b[2J",
    "2021-02-30",
    "0000-01-01",
    "9999-12-31",
    "1e400",
    ".inf",
    "<<",
]
PATHS = [
    "calendar.steps",
    "calendar.turn_years",
    "calendar.start",
    "calendar.step",
    "states.Blue.forces",
    "states.0.trust",
    "states.-1.forces",
    "states.Red.reaction.Blue",
    "states.Blue",
    "states.9.forces",
    "agenda.years",
    "agenda.share",
    "talks.deadline_step",
    "talks.rounds_per_step",
    "treaty.in_force",
    "treaty.caps.Blue",
    "tension.initial",
    "events",
    "random_events.0.rate_per_year",
    "name",
    "title",
    "extends",
    "no.such.path",
]
SCALAR_TEXT = [
    "0",
    "1",
    "-1",
    "0.5",
    "1e400",
    "-1e400",
    ".inf",
    ".nan",
    "true",
    "false",
    "null",
    "~",
    "[]",
    "{}",
    "[1, 2]",
    "[true]",
    "{Blue: 1}",
    "2021-02-30",
    "0000-01-01",
    "2021-01-01",
    "week",
    "'\\x1b[2J'",
    '"\\e[2J"',
    "*a",
    "&a 1",
    "!!python/name:os.system",
    "[[1, 5], [5]]",
    "99999999999999999999",
    "10000000",
]

scalars = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS), inner, max_size=5)
    ),
    max_leaves=30,
)
top_level = st.dictionaries(st.sampled_from(FIELDS), documents, min_size=1, max_size=8)


def dump(data) -> str:
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.dump(data, out)
    return out.getvalue()


def acsim(*args: str) -> tuple[int, str]:
    """Exit code and stderr of ``acsim ARGS`` in this process."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, err.getvalue()


@pytest.fixture
def bounded_rss():
    """Fails the test when the process's peak memory grew by more than RSS_GROWTH_KB during it."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < RSS_GROWTH_KB, f"peak memory grew by {grown / 1e3:.0f} MB"


def check(code: int, err: str) -> None:
    assert code in EXIT_OK_OR_INVALID, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert "\x1b" not in err


CHECKS = dict(
    max_examples=EXAMPLES,
    deadline=EXAMPLE_DEADLINE_MS,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(**CHECKS)
@given(data=top_level)
def test_any_document_is_valid_or_a_located_error(tmp_path, bounded_rss, data):
    path = tmp_path / "doc.yaml"
    path.write_text(dump(data), encoding="utf-8")
    check(*acsim("validate", str(path)))


BASIC_LINES = (bundled_dir() / "classroom_basic.yaml").read_text(encoding="utf-8").splitlines()


@settings(**CHECKS)
@given(
    line=st.integers(min_value=0, max_value=len(BASIC_LINES) - 1),
    value=st.sampled_from(SCALAR_TEXT),
    junk=st.sampled_from(
        ["", "\x00", "\t", " &x", " *x", "<<: *x", ": :", "- ", "!!binary", "\x85"]
    ),
)
def test_a_bundled_scenario_with_one_line_broken(tmp_path, bounded_rss, line, value, junk):
    lines = list(BASIC_LINES)
    key = lines[line].split(":", 1)[0] if ":" in lines[line] else lines[line]
    lines[line] = f"{key}: {value}{junk}"
    path = tmp_path / "broken.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    check(*acsim("validate", str(path)))


@settings(**CHECKS)
@given(
    sets=st.lists(
        st.tuples(st.sampled_from(PATHS), st.sampled_from(SCALAR_TEXT)), min_size=1, max_size=3
    )
)
def test_any_override_runs_or_is_a_located_error(bounded_rss, sets):
    args = [a for path, value in sets for a in ("--set", f"{path}={value}")]
    code, err = acsim("run", "classroom_basic", "--seed", "1", "-q", *args)
    check(code, err)
    if code == 2:
        assert err.startswith("error: "), err


@pytest.mark.parametrize(
    "text",
    [
        "name: x\n" + "a: &a [" + ", ".join(["*a"] * 3) + "]\n",
        "<<: {name: x}\n",
        "name: !!str\n",
        "? [a, b]\n: 1\n",
        "name: x\n---\nname: y\n",
        "%YAML 1.1\n---\nname: x\n",
    ],
)
def test_yaml_oddities(tmp_path, text):
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    check(*acsim("validate", str(path)))
