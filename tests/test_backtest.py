"""The backtest: the model never reads a case's record, and the scores are the scoring module's on the shares.

The cases are the small hand-made files in ``tests/data/cases/`` (fictional,
monthly steps), so that the ensembles are quick:

- ``expiring_treaty``: recorded ``extended``, status quo ``lapsed``;
- ``expiring_treaty_lapsed``: the same scenario with the record ``lapsed``;
- ``no_treaty``: recorded ``no_agreement``, no status quo in the record, so the
  default applies (no treaty in force: ``no_agreement``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import scoring
from sim.backtest import (
    agreement_timing,
    backtest,
    case_names,
    default_status_quo,
    forecast,
    is_case,
)
from sim.cli import build_parser, main
from sim.outcomes import CATEGORIES

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "cases"
FILES = [
    str(CASES / f"{name}.yaml")
    for name in ("expiring_treaty", "expiring_treaty_lapsed", "no_treaty")
]
N = 30


@pytest.fixture(scope="module")
def result() -> sim.BacktestResult:
    return backtest(FILES, n=N, workers=1, seed=3)


# ---------------------------------------------------------------------------- the model never reads the record
def test_changing_the_record_leaves_the_runs_identical():
    path = FILES[0]
    as_coded = sim.ensemble(path, n=12, seed=9).runs
    changed = sim.ensemble(
        path,
        n=12,
        seed=9,
        overrides={
            "record.outcome": "withdrawn",
            "record.status_quo": "in_force",
            "record.date": "2000-02-01",
            "record.notes": "changed",
        },
    ).runs
    removed = sim.ensemble(path, n=12, seed=9, overrides={"record": None}).runs
    pd.testing.assert_frame_equal(as_coded, changed)
    pd.testing.assert_frame_equal(as_coded, removed)


def test_two_files_differing_only_in_their_record_get_the_same_forecast(result):
    a, b = result.cases[0], result.cases[1]
    assert (a.recorded, b.recorded) == ("extended", "lapsed")
    assert a.shares == b.shares and a.timing["median_date"] == b.timing["median_date"]


def test_nothing_in_sim_but_the_backtest_reads_record():
    readers = []  # `recorder.record(k)`, a call, is the time-series recorder's method, not the field
    for path in sorted((ROOT / "sim").glob("*.py")):
        if path.name in (
            "backtest.py",
            "scenario.py",
        ):  # the reader, and the schema that declares the field
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(
            r"\.record\b(?!\s*\()|\[[\"']record[\"']\]|getattr\([^)]*[\"']record[\"']", text
        ):
            readers.append(path.name)
    assert readers == []


# ---------------------------------------------------------------------------- the per-case table
def test_each_case_reports_its_probability_of_the_recorded_outcome(result):
    for case in result.cases:
        assert case.n == N
        assert sum(case.shares.values()) == pytest.approx(1.0)
        assert case.p_recorded == case.shares.get(case.recorded, 0.0)
        assert (
            case.cutoff
            == {
                "expiring_treaty": "2000-01-01",
                "expiring_treaty_lapsed": "2000-01-01",
                "no_treaty": "2010-01-01",
            }[case.name]
        )


def test_baselines_per_case(result):
    # three cases, three different outcomes: each sees two other categories once each, its own never:
    # (0 + 1/2) / (2 + 11/2) = 1/15 for the recorded outcome
    assert [c.p_base_rate for c in result.cases] == pytest.approx([1 / 15] * 3)
    # status quo: lapsed (recorded extended), lapsed (recorded lapsed), no_agreement by default (recorded no_agreement)
    assert [c.status_quo for c in result.cases] == ["lapsed", "lapsed", "no_agreement"]
    assert [c.p_status_quo for c in result.cases] == [0.0, 1.0, 1.0]


def test_overall_scores_are_the_scoring_functions_on_the_shares(result):
    p = np.array([[c.shares.get(k, 0.0) for k in CATEGORIES] for c in result.cases])
    happened = [CATEGORIES.index(c.recorded) for c in result.cases]
    s = result.scores
    assert s["brier"] == pytest.approx(scoring.brier(p, happened), abs=1e-12)
    assert s["brier"] == pytest.approx(np.mean([c.brier for c in result.cases]), abs=1e-12)
    assert s["brier_status_quo"] == pytest.approx(
        2 / 3, abs=1e-12
    )  # one certain miss (2) and two hits (0)
    # base rate: each case sees the two other outcomes once each: (1 + 1/2) / (2 + 11/2) = 1/5 on each of
    # them, (0 + 1/2) / (15/2) = 1/15 on what happened and on the eight categories nobody recorded
    per_case = (14 / 15) ** 2 + 2 * (1 / 5) ** 2 + 8 * (1 / 15) ** 2
    assert s["brier_base_rate"] == pytest.approx(per_case, abs=1e-12)
    assert s["skill_vs_base_rate"] == pytest.approx(1 - s["brier"] / per_case, abs=1e-12)
    assert s["skill_vs_status_quo"] == pytest.approx(1 - s["brier"] / (2 / 3), abs=1e-12)
    assert s["log_score"] == pytest.approx(scoring.log_score(p, happened), abs=1e-12)


def test_json_has_the_design_briefs_keys(result):
    data = json.loads(result.to_json())
    for key in (
        "brier",
        "brier_base_rate",
        "brier_status_quo",
        "skill_vs_base_rate",
        "skill_vs_status_quo",
        "log_score",
        "reliability",
        "fitted",
    ):
        assert key in data
    for case in data["cases"]:
        assert {"name", "cutoff", "recorded", "p_recorded", "shares", "timing"} <= set(case)
    assert data["fitted"]["what"] == "nothing"
    assert sum(b["count"] for b in data["reliability"]) == 3 * len(
        [
            k
            for k in CATEGORIES
            if (result.forecasts[:, CATEGORIES.index(k)] > 0).any()
            or k in {c.recorded for c in result.cases}
        ]
    )


def test_the_result_does_not_depend_on_the_number_of_workers(result):
    two = backtest(FILES, n=N, workers=2, seed=3)
    assert two.to_dict() == result.to_dict()


def test_calibration_is_fitted_leave_one_case_out_and_said(result):
    calibrated = backtest(FILES, n=N, workers=1, seed=3, calibrate=True)
    assert calibrated.fitted["what"] == "temperature"
    assert "leave one case out" in calibrated.fitted["how"]
    raw = np.array([[c.shares.get(k, 0.0) for k in CATEGORIES] for c in result.cases])
    happened = [CATEGORIES.index(c.recorded) for c in result.cases]
    expected, temps = scoring.temper_loo(raw, happened)
    assert [c.temperature for c in calibrated.cases] == list(temps)
    assert calibrated.forecasts == pytest.approx(expected)
    assert all(c.temperature is None for c in result.cases)


def test_a_variant_without_a_record_of_its_own_is_not_a_case(tmp_path):
    (tmp_path / "expiring_treaty.yaml").write_text(
        Path(FILES[0]).read_text(encoding="utf-8"), encoding="utf-8"
    )
    variant = tmp_path / "pinned.yaml"
    variant.write_text(
        "name: pinned\nextends: expiring_treaty.yaml\ntitle: A counterfactual\n", encoding="utf-8"
    )
    assert sim.load_scenario(variant).record is not None  # inherited from the case it extends
    assert not is_case(variant)
    assert is_case(FILES[0]) and is_case(
        FILES[1]
    )  # the second extends the first and states its own record
    assert "classroom_basic" not in case_names()


# ---------------------------------------------------------------------------- timing and the status quo
def test_timing_is_the_median_date_of_the_runs_that_reached_the_recorded_agreement():
    runs = pd.DataFrame(
        {
            "agreement_date": [
                "2001-01-10",
                None,
                "2001-03-01",
                "2001-02-01",
                "2001-04-01",
                "2001-01-05",
            ],
            "category": ["new_terms", "lapsed", "new_terms", "new_terms", "new_terms", "extended"],
        }
    )
    t = agreement_timing(runs, "new_terms", pd.Timestamp("2001-02-15").date())
    # four runs reached new terms (the extension of 5 Jan does not count): the earlier of the two middle
    # dates, 1 Feb, is 14 days before 15 Feb; five of the six runs agreed something
    assert t == {
        "agreements": 5 / 6,
        "runs": 4,
        "median_date": "2001-02-01",
        "recorded_date": "2001-02-15",
        "days_off": -14,
    }
    assert agreement_timing(runs, "extended", pd.Timestamp("2001-01-01").date())["days_off"] == 4
    withdrawn = agreement_timing(runs, "withdrawn", pd.Timestamp("2001-02-15").date())
    assert (withdrawn["runs"], withdrawn["median_date"], withdrawn["days_off"]) == (0, None, None)


def test_default_status_quo_reads_the_treaty():
    assert (
        default_status_quo(sim.load_scenario(FILES[0])) == "lapsed"
    )  # expires 2001-12-31, before the end
    assert (
        default_status_quo(sim.load_scenario(FILES[0], {"treaty.expires": "2003-01-01"}))
        == "in_force"
    )
    assert default_status_quo(sim.load_scenario(FILES[2])) == "no_agreement"


# ---------------------------------------------------------------------------- the command line
def test_cli_json(capsys):
    assert main(["backtest", "--cases", *FILES, "-n", "10", "--workers", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in data["cases"]] == [
        "expiring_treaty",
        "expiring_treaty_lapsed",
        "no_treaty",
    ]
    assert data["n"] == 10 and data["seed"] == 0


def test_cli_table(capsys):
    assert main(["backtest", "--cases", *FILES[:2], "-n", "10", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert (
        "expiring_treaty_lapsed" in out
        and "Brier skill:" in out
        and "Fitted across cases: nothing" in out
    )


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--cases", "classroom_basic", FILES[0]], "classroom_basic: record: no 'record:' block"),
        (["--cases", "no_such_case", FILES[0]], "no bundled scenario named 'no_such_case'"),
        (["--cases", FILES[0]], "needs at least 2 cases"),
        (["--cases", *FILES, "-n", "0"], "-n: expected at least 1"),
        (["--cases", *FILES, "--workers", "0"], "--workers: expected at least 1"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(capsys, argv, message):
    assert main(["backtest", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


# ---------------------------------------------------------------------------- the docs: forecast page, cases, navigation
def test_forecast_page_is_rendered_from_its_data():
    from docs import gen_forecast

    data = json.loads(gen_forecast.DATA.read_text(encoding="utf-8"))
    assert gen_forecast.PAGE.read_text(encoding="utf-8") == gen_forecast.render(data), (
        "docs/forecast.md is out of date: run python -m docs.gen_forecast"
    )


def test_forecast_page_covers_every_case_as_its_file_is_now():
    from docs import gen_forecast

    data = json.loads(gen_forecast.DATA.read_text(encoding="utf-8"))
    names = case_names()
    stale = "docs/forecast.md is out of date: run python -m docs.gen_forecast"
    assert [c["name"] for c in data["cases"]] == (
        names if len(names) >= gen_forecast.MIN_CASES else []
    ), stale
    for case in data["cases"]:
        assert case["fingerprint"] == gen_forecast.fingerprint(case["name"]), (
            f"{case['name']} changed; {stale}"
        )
        assert case["why_badly"] == gen_forecast.why_badly(case["name"]), stale


def test_forecast_page_figures_are_the_current_models():
    """Rerun the case with the fewest steps as the page did: the same shares, or the page is stale."""
    from docs import gen_forecast

    data = json.loads(gen_forecast.DATA.read_text(encoding="utf-8"))
    if not data["cases"]:
        pytest.skip("no case has a record yet")
    shortest = min(data["cases"], key=lambda c: _length(sim.load_scenario(c["name"])))
    shares, _runs = forecast(
        sim.load_scenario(shortest["name"]), data["n"], data["seed"], workers=2
    )
    assert shares == shortest["shares"], (
        "the model changed since docs/forecast.md was made: run python -m docs.gen_forecast"
    )


def _length(scn: sim.Scenario) -> float:
    """How long a scenario runs (days; turns for a dateless one), to pick the quickest to rerun."""
    cal = scn.calendar
    return cal.steps if cal.start is None else (cal.end - cal.start).days


def test_why_badly_reads_the_record_note_or_the_header_comment(tmp_path):
    from docs import gen_forecast

    assert (
        gen_forecast.why_badly(FILES[1])
        == "A hand-written note on why the model may do badly here."
    )
    text = Path(FILES[0]).read_text(encoding="utf-8")
    commented = tmp_path / "expiring_treaty.yaml"
    commented.write_text(
        "# A case.\n#\n# The model does badly here because the\n# deadline is soft.\n#\n# Other notes.\n"
        + text,
        encoding="utf-8",
    )
    assert (
        gen_forecast.why_badly(str(commented))
        == "The model does badly here because the deadline is soft."
    )
    assert gen_forecast.why_badly(FILES[0]) == ""


def test_forecast_page_names_the_bad_cases_with_their_reasons(result):
    from docs import gen_forecast

    data = result.to_dict()  # fresh plain data: the cases' dicts can be annotated here
    for case, path in zip(data["cases"], FILES):
        case["why_badly"] = gen_forecast.why_badly(path)
    page = gen_forecast.render(data)
    bad = [c["name"] for c in gen_forecast.bad_cases(data)]
    assert bad and all(
        c["p_recorded"] < c["p_base_rate"] for c in data["cases"] if c["name"] in bad
    )
    section = page.split("## Where the model does badly, and why")[1].split("\n## ")[0]
    for case in data["cases"]:
        assert (f"scenarios/{case['name']}.md" in section) == (case["name"] in bad)
    assert f"| Brier score (0 best, 2 worst) | {data['brier']:.3f} |" in page
    assert "What was fitted across cases:** nothing" in page


def test_navigation_lists_every_bundled_scenario_grouped_by_period():
    from docs import gen_scenarios

    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert gen_scenarios.with_nav(text, gen_scenarios.periods()) == text, (
        "mkdocs.yml's Scenarios section is out of date: run python -m docs.gen_scenarios"
    )
    groups = gen_scenarios.periods()
    assert sorted(n for names in groups.values() for n in names) == sim.bundled_scenarios()
    for period, names in groups.items():
        for name in names:
            assert (sim.load_scenario(name).period or gen_scenarios.NO_PERIOD) == period


def test_cases_page_shows_the_worked_example_as_it_is_and_it_validates(capsys):
    example = ROOT / "docs" / "examples" / "open_skies_2020.yaml"
    page = (ROOT / "docs" / "cases.md").read_text(encoding="utf-8")
    assert "```yaml\n" + example.read_text(encoding="utf-8") + "```" in page
    scn = sim.load_scenario(example)
    assert scn.record.outcome == "party_withdrew" and scn.record.status_quo == "in_force"
    assert set(scn.briefings) == {s.name for s in scn.states} and scn.period
    assert main(["validate", str(example)]) == 0
    for line in re.findall(
        r"^\$ acsim (.+)$", page, flags=re.M
    ):  # every command on the page parses
        build_parser().parse_args(line.split())


def test_a_case_page_has_its_briefings_and_what_happened_last():
    from docs import gen_scenarios

    scn = sim.load_scenario(
        FILES[1], {"briefings": {"Blue": "You want the treaty.", "Red": "You fear inspections."}}
    )
    text = "\n".join(gen_scenarios.history_sections(scn))
    assert (
        "**Blue** (`Blue`): You want the treaty." in text
        and "**Red** (`Red`): You fear inspections." in text
    )
    assert '!!! note "Read this after the run: lapsed (2001-12-31)"' in text
    assert "Outcome category `lapsed`; the status quo would have been `lapsed`." in text
    assert "[How well does the model forecast?](../forecast.md)" in text


def test_progress_counts_every_replicate_of_every_case():
    calls = []
    backtest(FILES[:2], n=6, workers=1, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (12, 12)
    assert all(total == 12 for _done, total in calls)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)
