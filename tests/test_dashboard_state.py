"""The dashboard's views as functions of a session, checked without a browser."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from dashboard.app import TAB_NAMES, build_page
from dashboard.session import DEFAULT_SEED
from dashboard.state import (
    Session,
    bargaining_data,
    bundled_text,
    key_parameters,
    log_rows,
    offer_table,
    scenario_yaml,
    terms_table,
    timeline_data,
)
from dashboard.views.common import shown_html
from dashboard.views.export import log_csv, settings_yaml, timeseries_csv
from dashboard.views.scenario_editor import check_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def session():
    return Session()


def test_opens_on_new_start_at_its_first_date(session):
    assert session.scenario_name == "new_start_2021"
    st = session.status()
    assert (st["date"], st["step"], st["steps"], st["band"]) == (
        "2020-09-01",
        0,
        sim.ArmsControlModel("new_start_2021").calendar.n_steps,
        "strained",
    )


def test_run_to_end_matches_sim_run(session):
    session.run_to_end()
    expected = sim.run("new_start_2021", seed=DEFAULT_SEED)
    assert (
        session.status()["outcome"] == expected.outcome.label == "extended 5 years"
    )  # the default seed takes history's branch
    assert [r["text"] for r in log_rows(session.model)] == list(expected.log["text"])
    data = timeline_data(session.model)
    assert len(data["x"]) == session.model.calendar.n_steps + 1
    np.testing.assert_allclose(data["tension"], expected.timeseries["tension"])
    np.testing.assert_allclose(data["cap_US"], 1550.0)


def test_step_by_step_equals_a_whole_run(session):
    n = session.model.calendar.n_steps
    for _ in range(n):
        session.step()
    assert session.status()["outcome"] == "extended 5 years"
    session.step()  # past the end: nothing happens
    assert session.model.step_index == n


def test_slider_change_reruns_to_the_same_date(session):  # how fast: benchmarks/bench_dashboard.py
    session.run_to_end()
    session.set_override("states.RU.utility.secrecy_cost", 5.0)
    assert session.model.step_index == session.model.calendar.n_steps
    again = sim.run(
        "new_start_2021", seed=DEFAULT_SEED, overrides={"states.RU.utility.secrecy_cost": 5.0}
    )
    assert session.status()["outcome"] == again.outcome.label
    assert session.model.scenario.state("RU").utility.secrecy_cost == 5.0


def test_key_parameters_are_real_fields(session):
    scn = session.scenario
    params = {p.path: p for p in key_parameters(scn)}
    assert params["states.US.trust.RU"].value == scn.state("US").trust["RU"]
    assert params["verification_levels.onsite.detection"].value == next(
        v.detection for v in scn.verification_levels if v.name == "onsite"
    )
    assert params["tension.initial"].value == scn.tension.initial
    assert (
        params["states.RU.utility.secrecy_cost.median"].value
        == scn.state("RU").utility.secrecy_cost.median
    )  # a prior's centre
    for p in params.values():  # each applies as an override
        sim.ArmsControlModel("new_start_2021", rng=0, overrides={p.path: p.value})


def test_bargaining_chart_data(session):
    session.run_to_end()
    d = bargaining_data(session)
    five_year = session.model.space.find({"years": 5, "verification": "onsite", "freeze": "none"})
    assert d["nash"] is None or 0 <= d["nash"] < len(session.model.space)
    assert five_year in session.offers_made
    assert len(d["offers"]["x"]) == len(session.model.space)
    t = terms_table(session, five_year)
    assert t.loc["total (utility vs no deal)", "RU"] == pytest.approx(d["offers"]["y"][five_year])
    # Russia's secrecy cost: its secrecy cost x the regime's intrusiveness x discounted years, A(5) = (1 - d^5) / (1 - d)
    scn = session.scenario
    ru, onsite = (
        session.model.state_by_name["RU"],
        next(v for v in scn.verification_levels if v.name == "onsite"),
    )
    discount = ru.value(
        "utility.discount"
    )  # Russia's own values, drawn for this run from its priors
    annuity = (1 - discount**5) / (1 - discount)
    assert t.loc["secrecy cost of verification", "RU"] == pytest.approx(
        -ru.value("utility.secrecy_cost") * onsite.intrusiveness * annuity
    )


def test_no_nash_point_while_red_lines_exclude_every_offer(session):
    session.go_to(8)  # 27 Oct 2020: the red lines stated by then hold
    assert session.status()["date"] == "2020-10-27"
    allowed = np.all([s.allowed for s in session.model.states], axis=0)
    nash = bargaining_data(session)["nash"]
    assert (
        nash is None or allowed[nash]
    )  # the Nash point is sought among offers within everyone's red lines


def test_play_a_side_to_an_agreement(session):
    session.play_side("US")
    q = session.question
    assert q.role == "propose" and q.step == 1
    table = offer_table(session, "US")
    assert list(table.columns[:3]) == ["offer", "terms", "worth to US"]
    five_year = session.model.space.find({"years": 5, "verification": "onsite", "freeze": "none"})
    session.decide(five_year)
    texts = [e.text for e in session.model.log.entries]
    assert any("the player's choice" in t for t in texts)
    assert any(t.startswith("Agreement: 5-year extension") for t in texts)
    while session.question is not None:  # history's scripted offers come later: refuse them
        assert session.question.role == "answer"
        session.decide(False)
    assert session.model.outcome.label == "extended 5 years"
    assert session.model.outcome.agreement_date == "2020-09-08"


def test_bad_decision_is_an_error_in_the_page(session):
    session.play_side("US")
    assert not session.guarded(session.decide, 999)
    assert "no offer number 999" in session.error


def test_broken_scenario_text_gives_line_and_field():
    text = re.sub(r"forces: \d+", "forces: -5", bundled_text("new_start_2021"), count=1)
    line = [i for i, row in enumerate(text.splitlines(), 1) if "forces: -5" in row][0]
    scn, errors = check_text(text)
    assert scn is None
    # the state by its name, and the author's words rather than the validation library's
    assert errors == [
        {"line": line, "field": "states[US].forces", "message": "expected at least 0 (got -5)"}
    ]


def test_exported_settings_run_again(session, tmp_path):
    session.set_override("tension.initial", 0.6)
    text = settings_yaml(session)
    scn = sim.load_scenario_text(text)
    assert scn.tension.initial == 0.6
    session.run_to_end()
    assert timeseries_csv(session).splitlines()[0].startswith("step,date,tension")
    assert log_csv(session).splitlines()[0] == "step,date,actor,kind,text"
    assert sim.load_scenario_text(scenario_yaml(session.scenario)).name == "new_start_2021"


def test_sessions_are_independent():
    a, b = Session(), Session()
    a.set_override("tension.initial", 0.9)
    a.run_to_end()
    assert b.model.step_index == 0 and b.overrides == {}
    assert b.model.tension == 0.3


def test_app_views_without_a_browser():
    page = build_page()
    s = page.session
    s.run_to_end()
    assert "Outcome: extended 5 years" in shown_html(page.controls.status)
    odds = page.views["Odds"]
    odds.n.value = 20
    odds.start()
    assert "extended 5 years" in odds.shares.object and "of 20" in odds.shares.object
    compare = page.views["Compare"]
    compare.n.value = 10
    compare.start()
    assert "extended 5 years" in compare.a.summary.object
    assert "lapsed" in compare.b.summary.object
    s.add_scenario(sim.load_scenario("classroom_basic"))
    assert (
        s.model.scenario.name == "classroom_basic_edited"
    )  # beside the bundled one, not in its place
    compare.a.path.value = "no.such.field"
    compare.a.value.value = "1"
    compare.start()
    assert s.error  # shown in the page, nothing raised


def test_odds_charts_are_redrawn_in_place_with_the_new_result():
    page = build_page()
    odds = page.views["Odds"]
    assert odds.charts.figures == []
    page.tabs.active = TAB_NAMES.index(
        "Odds"
    )  # opening the tab builds the charts, hidden until a result
    built = [c.figure for c in odds.charts.figures]
    assert len(built) == 5 and not odds.charts.panel.visible
    odds.n.value = 20
    odds.start()
    first = [c.figure for c in odds.charts.figures]
    assert first == built and odds.charts.panel.visible
    shares, timing = odds.charts.figures[0], odds.charts.figures[1]
    expected = sim.ensemble(
        "new_start_2021", n=20, seed=page.session.seed
    ).runs.category.value_counts(normalize=True)
    assert set(shares.figure.y_range.factors) == set(expected.index)
    assert sum(shares.source.data["share"]) == pytest.approx(100.0)
    page.session.set_override("states.RU.utility.secrecy_cost", 5.0)  # every replicate now lapses
    odds.n.value = 30
    odds.start()
    assert [
        c.figure for c in odds.charts.figures
    ] == first  # the same figures: only their data went to the page
    assert shares.figure.y_range.factors == ["lapsed"] and list(shares.source.data["share"]) == [
        100.0
    ]
    assert sum(timing.source.data["top"]) == len(odds.result.agreement_timing()) == 0
    fan = odds.charts.figures[-1]
    assert (
        len(fan.sources["tension"].data["p50"])
        == len(odds.result.bands("tension"))
        == page.session.model.calendar.n_steps + 1
    )  # the weeks and the start
    page.session.add_scenario(
        sim.load_scenario("trilateral")
    )  # three states: new charts for their series
    odds.start()
    assert odds.charts.figures[0].figure is not first[0]
    assert set(odds.charts.figures[2].sources) == {"forces_US", "forces_RU", "forces_CN"}


def test_hidden_tabs_wait_and_catch_up_when_shown():
    page = build_page()
    bargaining = page.views["Bargaining"]
    assert page.views["Briefing"].shown and not bargaining.shown  # the page opens on the briefing
    calls = []
    bargaining.redraw = lambda *_: calls.append(1)
    page.session.run_to_end()
    assert calls == [] and bargaining.stale
    page.tabs.active = TAB_NAMES.index("Bargaining")
    assert calls == [1] and not bargaining.stale


def in_own_process(tmp_path: Path, imports: str, body: str):
    """Run `body` in a process of its own, as the server would be (the pool's workers come from a fork
    server, which needs a main module); return the JSON it prints last."""
    script = tmp_path / "as_server.py"
    script.write_text(
        f"import json\n{imports}\nif __name__ == '__main__':\n{body}", encoding="utf-8"
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def outcome_counts(result) -> dict:
    return result.runs.category.value_counts().sort_index().to_dict()


def test_large_ensembles_run_in_the_servers_worker_pool_with_the_same_result(tmp_path):
    from dashboard.views.odds import POOL_FROM

    pooled = in_own_process(
        tmp_path,
        "from dashboard.views.odds import POOL_FROM, run_ensemble",
        "    r = run_ensemble('classroom_basic', POOL_FROM, 3, {}, ('tension',))\n"
        "    print(json.dumps(r.runs.category.value_counts().sort_index().to_dict()))\n",
    )
    assert pooled == outcome_counts(sim.ensemble("classroom_basic", n=POOL_FROM, seed=3))


def test_replicates_still_run_after_a_worker_dies(tmp_path):
    # a worker of the pool is killed (say, out of memory); the next ensembles still run
    counts = in_own_process(
        tmp_path,
        "import os, signal\nfrom dashboard.views.odds import run_ensemble\n"
        "from dashboard.workers import warm_worker_pool, worker_pool",
        "    warm_worker_pool()\n"
        "    os.kill(next(iter(worker_pool()._processes)), signal.SIGKILL)\n"
        "    counts = [run_ensemble('classroom_basic', 40, 3, {}, ('tension',), pooled=True).runs.category.value_counts()\n"
        "              .sort_index().to_dict() for _ in range(2)]\n"
        "    print(json.dumps(counts))\n",
    )
    alone = outcome_counts(sim.ensemble("classroom_basic", n=40, seed=3))
    assert counts == [alone, alone]
