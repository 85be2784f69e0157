"""The dashboard as a lesson and a game, checked without a browser: labels, briefing, run control, the game."""

from __future__ import annotations

import pytest

import sim
from dashboard.app import TAB_NAMES, build_page
from dashboard.scenarios import as_own_copy, picker_groups, schema_help
from dashboard.session import WAITING, Session
from dashboard.views.briefing import briefing_markdown
from dashboard.views.common import number
from dashboard.views.glossary import GLOSSARY, with_glossary
from dashboard.views.play import PlayView


def test_the_picker_lists_titles_grouped_by_period():
    names = sim.bundled_scenarios()
    groups = picker_groups(names, {})
    titles = {t: n for g in groups.values() for t, n in g.items()}
    assert titles["New START expiry, 2021"] == "new_start_2021"
    assert sorted(titles.values()) == sorted(names)
    periods = {str(getattr(sim.load_scenario(n), "period", "") or "") for n in names}
    if periods == {""}:
        assert list(groups) == ["Scenarios"]
    else:
        assert set(groups) <= (periods - {""}) | {"Other"}


def test_an_edited_scenario_opens_beside_the_bundled_one_under_its_own_title():
    s = Session()
    scn = sim.load_scenario("new_start_2021")
    assert as_own_copy(scn, ["new_start_2021"]).title == "New START expiry, 2021 (edited)"
    s.add_scenario(scn)
    assert (
        s.scenario_name == "new_start_2021_edited"
        and s.title() == "New START expiry, 2021 (edited)"
    )
    assert "new_start_2021" in s.param.scenario_name.objects  # the bundled one is still there
    assert (
        s.notice
        == "Opened New START expiry, 2021 (edited), added to the picker under Your scenarios."
    )
    s.add_scenario(scn)
    assert (
        s.notice
        == "Opened New START expiry, 2021 (edited), in place of your earlier version of it."
    )


def test_results_are_labelled_with_scenario_seed_and_changed_parameters():
    s = Session()
    assert s.settings_label() == "New START expiry, 2021 · seed 2 · as written"
    s.set_override("states.RU.utility.secrecy_cost", 5.0)
    s.set_seed(7)
    assert s.settings_label() == "New START expiry, 2021 · seed 7 · changed: RU secrecy cost = 5"


def test_odds_go_when_the_scenario_changes_and_say_when_settings_changed():
    page = build_page()
    s, odds = page.session, page.views["Odds"]
    odds.n.value = 10
    odds.start()
    assert "extended 5 years" in odds.shares.object
    s.set_override("tension.initial", 0.9)
    page.open_tab("Odds")  # a hidden tab says so when it is shown
    assert odds.status.object.startswith(
        "**These results are of earlier settings** (New START expiry, 2021 · seed 2 · as written)"
    )
    s.scenario_name = "inf_2019"
    assert odds.result is None and odds.shares.object == ""
    assert "The end of the INF Treaty, 2018-2019 · seed 2 · as written" in odds.status.object


def test_slider_help_is_the_schemas_description():
    field = sim.Scenario.model_fields["states"]
    assert schema_help("tension.initial") == "Tension at the start (0-1)."
    assert schema_help("states.RU.utility.secrecy_cost").startswith(
        "Cost of fully intrusive verification"
    )
    assert schema_help("verification_levels.onsite.detection").startswith(
        "Probability that a step of cheating is detected"
    )
    assert schema_help("no.such.field") == "" and field is not None


def test_no_minus_zero_in_tables():
    assert [number(-0.001), number(-0.004), number(-0.006), number(2.345)] == [
        "0.00",
        "0.00",
        "-0.01",
        "2.35",
    ]


def test_the_briefing_reads_the_scenario_and_marks_the_models_words():
    scn = sim.load_scenario("new_start_2021")
    text = briefing_markdown(scn)
    opening = " ".join(str(scn.description).split()[:5])  # the description's own opening words
    assert opening.startswith("New START caps")
    for part in (
        "## New START expiry, 2021",
        "### What is it",
        opening,
        "### The sides",
        "**United States (US)**",
        "### Things to notice",
        "### Things to try",
    ):
        assert part in text
    briefings = getattr(scn, "briefings", None)
    if (
        briefings is not None
    ):  # a briefing written for a side replaces the one read from its numbers
        mine = scn.model_copy(update={"briefings": {"US": "You want a verified freeze."}})
        assert "**United States (US)**: You want a verified freeze." in briefing_markdown(mine)
    marked = with_glossary("A Boulware bargainer; a security seeker; another Boulware.")
    assert marked.count('class="gloss"') == 2 and GLOSSARY["Boulware"][:20] in marked


def test_rewind_is_the_same_run_to_an_earlier_step():
    s = Session()
    s.run_to_end()
    s.go_to(10)
    again = Session()
    for _ in range(10):
        again.step()
    assert s.model.step_index == 10
    assert [e.text for e in s.model.log.entries] == [e.text for e in again.model.log.entries]


ELECTION_STEP, INAUGURATION_STEP = 9, 21  # New START 2021's weeks ending 3 Nov 2020 and 26 Jan 2021


def events_at(s: Session, step: int) -> list[str]:
    """The log's scripted-event lines of one step."""
    return [e.text for e in s.model.log.entries if e.step == step and e.kind == "event"]


def test_next_event_stops_at_the_election_then_at_the_inauguration_its_branch_scheduled():
    s = Session()  # seed 2 takes history's branch: Biden wins, and takes office on 20 Jan 2021
    assert s.event_steps() == [ELECTION_STEP]  # the inauguration is not scheduled before the vote
    s.next_event()
    assert s.model.step_index == ELECTION_STEP and s.at_event()
    assert s.status()["date"] == "2020-11-03"
    assert any("Biden wins the election" in t for t in events_at(s, ELECTION_STEP))
    assert s.event_steps() == [ELECTION_STEP, INAUGURATION_STEP]
    s.next_event()
    assert s.model.step_index == INAUGURATION_STEP and s.at_event()
    assert s.status()["date"] == "2021-01-26"
    assert any(
        t.startswith("A new US administration takes office")
        for t in events_at(s, INAUGURATION_STEP)
    )
    s.next_event()  # no scripted event left: on to the end of the run
    assert s.model.step_index == s.model.calendar.n_steps and not s.at_event()
    assert s.next_event_step() is None


def test_next_event_skips_the_inauguration_when_the_other_future_is_drawn():
    s = Session()
    s.scenario_name = "new_start_2021_no_transition"  # the election's re-election branch, pinned
    s.next_event()
    assert s.model.step_index == ELECTION_STEP and s.model.branches_taken == {"election": "trump"}
    assert s.event_steps() == [ELECTION_STEP]
    s.next_event()
    assert s.model.step_index == s.model.calendar.n_steps and not s.at_event()


def test_nothing_steps_while_a_question_waits_and_the_page_says_why():
    s = Session()
    s.play_side("RU")
    assert s.question is not None
    at = s.model.step_index
    s.step()
    s.run_to_end()
    assert s.model.step_index == at and s.error == WAITING


def test_a_double_click_answers_one_question():
    clock = [100.0]
    page = build_page()
    play = PlayView(page.session, clock=lambda: clock[0])
    page.session.play_side("RU")
    assert page.session.question.role == "answer"
    assert play.answer(False)
    clock[0] += 0.1  # the second click of a double click
    assert not play.answer(False)
    assert len(page.session.decisions) == 1 and page.session.question.role == "propose"
    clock[0] += 2.0  # a person's next answer
    assert play.answer(None)
    assert len(page.session.decisions) == 2


def test_reset_mid_game_asks_and_keeps_the_game_until_confirmed():
    page = build_page()
    s, controls = page.session, page.controls
    s.play_side("RU")
    s.decide(False)
    assert s.in_game
    controls.ask_reset()
    assert (
        controls.confirm_box.visible
        and "Your 1 decision as RU will be lost" in controls.confirm.object
    )
    assert len(s.decisions) == 1
    controls._confirmed(False)
    assert len(s.decisions) == 1 and not controls.confirm_box.visible
    controls.ask_reset()
    controls._confirmed(True)
    assert s.decisions == [] and s.player == "RU" and s.question is not None


def test_a_finished_game_has_a_score_and_a_debrief():
    page = build_page()
    s, play = page.session, page.views["Play"]
    s.play_side("US")
    five_year = s.model.space.find({"years": 5, "verification": "onsite", "freeze": "none"})
    s.decide(five_year)
    while s.question is not None:
        s.decide(False)
    score = s.score()
    assert score["outcome"] == s.model.outcome.label and score["offer"] == five_year
    assert score["worth"] == pytest.approx(s.answers[0].worth)
    page.open_tab("Play")  # a hidden tab catches up when shown
    text = play.score.object
    assert f"Your score: {number(score['worth'])}" in text
    assert "The model from the same start** (100 runs" in text and f"{score['outcome']} in " in text


def test_the_page_opens_on_the_briefing_with_every_tab():
    page = build_page()
    assert TAB_NAMES[0] == "Briefing" and page.active_tab == "Briefing"
    opening = " ".join(str(page.session.scenario.description).split()[:5])
    assert opening.startswith("New START caps") and opening in page.views["Briefing"].text.object
