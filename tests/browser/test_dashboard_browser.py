"""The dashboard in a real browser: what a teacher and a student see and do.

Each test drives its own browser session; the screenshots the docs use are
saved into docs/images/ by these tests.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

import sim
from dashboard.app import TAB_NAMES
from dashboard.scenarios import bundled_text
from dashboard.session import DEFAULT_SEED, Session
from dashboard.views.play import DOUBLE_CLICK_S
from tests.browser.conftest import LOAD_TIMEOUT_MS, PROJECTOR, open_page, screenshot

pytestmark = pytest.mark.browser

ENSEMBLE_TIMEOUT_MS = 120_000  # replicates on a busy two-core machine
N_STEPS = sim.ArmsControlModel("new_start_2021").calendar.n_steps  # New START 2021's weekly steps
EXPECTED_OUTCOME = "extended 5 years"  # New START 2021, seed 2 (the default): agreement on 2021-01-26, as sim.run gives


def status(page):
    return page.locator(".run-status")


def shown(locator) -> str:
    """The text a user sees in a Panel component (its content lives in a shadow root)."""
    return locator.evaluate("""e => {
        const root = e.shadowRoot || e;
        return Array.from(root.children).filter(c => !['STYLE', 'LINK'].includes(c.tagName))
            .map(c => c.innerText || '').join('\\n');
    }""")


def wait_shown(locator, text: str, timeout_s: float = 20.0) -> str:
    """Wait until a component shows `text`; return all it shows."""
    end = time.monotonic() + timeout_s
    while True:
        seen = shown(locator)
        if text in seen:
            return seen
        if time.monotonic() > end:
            raise AssertionError(f"{text!r} never appeared; the page shows: {seen[:500]!r}")
        time.sleep(0.1)


def log_text(page) -> str:
    return shown(page.locator(".run-log").first)


def wait_drawn(page, selector: str, figures: int) -> None:
    """Wait until the plots inside `selector` are drawn (Bokeh draws each figure on its canvases after its data arrive)."""
    expect(page.locator(f"{selector} .bk-Figure")).to_have_count(
        figures, timeout=ENSEMBLE_TIMEOUT_MS
    )
    for i in range(figures):
        page.locator(f"{selector} .bk-Figure").nth(i).locator("canvas").first.wait_for(
            timeout=ENSEMBLE_TIMEOUT_MS
        )


def open_tab(page, name: str) -> None:
    page.locator(".bk-tab", has_text=re.compile(f"^{name}$")).click()


def set_slider(page, label: str, key: str, presses: int = 1) -> None:
    """Move a slider by keyboard (what a user can do without a mouse)."""
    handle = page.locator(".bk-input-group", has_text=label).locator(".noUi-handle").first
    handle.focus()
    for _ in range(presses):
        handle.press(key)


def test_play_new_start_to_its_end(page):
    open_tab(page, "Timeline")
    page.get_by_role("button", name="Step").click()
    status(page).get_by_text(f"step 1 of {N_STEPS}").wait_for()
    page.get_by_role("button", name="Run to end").click()
    status(page).get_by_text(f"Outcome: {EXPECTED_OUTCOME}").wait_for()
    end = Session()
    end.run_to_end()  # the same run as the server's: the page opens on the same scenario, seed and settings
    assert end.status()["date"] in shown(status(page))
    log = log_text(page)
    assert (
        "Agreement: 5-year extension, the New START regime (data exchanges and on-site inspections), no freeze"
        in log
    )
    assert "A new US administration takes office" in log
    assert (
        "rejects: worth" in log and "after the audience cost of crossing its red line (" in log
    )  # model 2 prices a red line
    wait_drawn(page, ".timeline-charts", 3)
    screenshot(page, "dashboard_timeline.png")


def test_parameter_change_changes_outcome_and_plots(page):
    page.get_by_role("button", name="Run to end").click()
    status(page).get_by_text(f"Outcome: {EXPECTED_OUTCOME}").wait_for()
    open_tab(page, "Bargaining")  # a hidden tab does not redraw until it is shown
    offers_y = "() => Array.from(Bokeh.documents[0].get_model_by_name('offers').data.y)"
    page.wait_for_function(f"() => ({offers_y})().length === 20")
    before = page.evaluate(offers_y)
    set_slider(page, "RU secrecy cost", "End")
    status(page).get_by_text("Outcome: lapsed").wait_for()
    page.wait_for_function(
        f"(before) => JSON.stringify(({offers_y})()) !== JSON.stringify(before)", arg=before
    )
    # how fast: benchmarks/bench_dashboard.py
    after = page.evaluate(offers_y)
    assert len(after) == len(before) == 20
    assert after != before  # Russia values every verified offer less
    page.evaluate(
        "() => { const s = Bokeh.documents[0].get_model_by_name('offers'); s.selected.indices = [16]; }"
    )
    terms = wait_shown(
        page.locator(".offer-terms"), "Offer 16: 5-year agreement"
    )  # the treaty has lapsed
    # Russia's secrecy term: its own secrecy cost (drawn for this run from the prior the slider moved) x 0.4 x A(5 years)
    m = sim.ArmsControlModel(
        "new_start_2021", rng=DEFAULT_SEED, overrides={"states.RU.utility.secrecy_cost.median": 5.0}
    )
    ru = m.state_by_name["RU"]
    secrecy = m.utility.terms(16, ru.index, ru.trust.copy(), m.tension)["secrecy"]
    assert "secrecy cost of verification" in terms and f"{secrecy:.2f}" in terms, (secrecy, terms)
    page.evaluate("window.scrollTo(0, 0)")  # the slider's focus scrolled the page down to it
    time.sleep(0.5)
    screenshot(page, "dashboard_bargaining.png")


def test_ensemble_shows_shares(page):
    open_tab(page, "Odds")
    set_slider(page, "Replicates", "ArrowLeft", 5)  # 100 -> 50
    page.get_by_text("Replicates: 50").wait_for()
    page.get_by_role("button", name="Run replicates").click()
    shares = page.locator(".odds-shares")
    shares.get_by_text("extended 5 years").wait_for(timeout=ENSEMBLE_TIMEOUT_MS)
    text = shown(shares)
    assert re.search(r"extended 5 years: \d+% \(95% interval \d+% to \d+%; \d+ of 50\)", text), text
    wait_drawn(page, ".odds-charts", 5)
    screenshot(page, "dashboard_odds.png")


def test_play_a_side_to_an_agreement(page):
    open_tab(page, "Play")
    page.get_by_role("button", name="Take this side").click()
    page.get_by_text("your turn to propose, US").wait_for()
    select = page.locator(".play-offer select")
    expect(select.locator("option", has_text="16: 5-year extension")).to_have_count(1)
    label = next(
        o
        for o in select.locator("option").all_inner_texts()
        if o.startswith("16: 5-year extension, the New START regime")
    )
    select.select_option(label=label)
    page.get_by_role("button", name="Propose").click()
    log = wait_shown(page.locator(".play-log"), "Agreement: 5-year extension")
    assert (
        "US: offers 5-year extension, the New START regime (data exchanges and on-site inspections), no freeze: the player's choice"
        in log
    )
    assert "RU: accepts" in log
    page.get_by_text("The model from the same start").wait_for(timeout=ENSEMBLE_TIMEOUT_MS)
    screenshot(page, "dashboard_play.png")
    question = page.locator(".play-question")
    for _ in range(10):  # history's own offers (16 and 20 Oct 2020) still come: turn them down
        asked = shown(question)
        if "The run is over" in asked:
            break
        assert "RU offers" in asked, asked
        time.sleep(DOUBLE_CLICK_S)  # a person's next answer: not the second click of a double click
        page.get_by_role("button", name="Reject").click()
        end = time.monotonic() + 10
        while shown(question) == asked and time.monotonic() < end:
            time.sleep(0.1)
    assert "The run is over: extended 5 years" in shown(question)
    status(page).get_by_text("Outcome: extended 5 years").wait_for()
    score = wait_shown(page.locator(".play-score"), "The model from the same start", timeout_s=60)
    assert "Your score: " in score and "extended 5 years in " in score, score


def test_broken_scenario_shows_located_error(page, tmp_path):
    text = re.sub(
        r"forces: \d+", "forces: -5", bundled_text("new_start_2021"), count=1
    )  # the US's, the first state
    line = (
        text.splitlines().index(next(row for row in text.splitlines() if "forces: -5" in row)) + 1
    )
    open_tab(page, "Scenario")
    page.locator("input[type=file]").nth(1).set_input_files(
        files=[{"name": "broken.yaml", "mimeType": "text/yaml", "buffer": text.encode()}]
    )
    verdict = page.locator(".scenario-verdict")
    verdict.get_by_text(f"line {line}").wait_for()
    assert "states[US].forces" in shown(verdict)
    assert "expected at least 0" in shown(verdict)
    page.get_by_role("button", name="Use this scenario").click()
    page.locator(".app-error").get_by_text("fix them first").wait_for()
    screenshot(page, "dashboard_scenario_error.png")


def test_compare_two_variants(page):
    open_tab(page, "Compare")
    page.get_by_role("button", name="Compare").click()
    page.get_by_text(re.compile(r"replicates of each, same seeds")).wait_for(
        timeout=ENSEMBLE_TIMEOUT_MS
    )
    # each side's summary is a change of its own: the second may reach the page a moment later
    a = wait_shown(page.locator(".compare-a"), "extended 5 years: ")
    b = wait_shown(page.locator(".compare-b"), "lapsed: ")
    assert re.search(r"extended 5 years: \d+%", a), a
    assert re.search(r"lapsed: \d+%", b), b
    wait_drawn(page, ".compare-charts-a", 3)
    wait_drawn(page, ".compare-charts-b", 3)
    time.sleep(1.0)  # the browser's layout of the drawn charts
    assert layout_problems(page, "1280x720, Compare") == []
    screenshot(page, "dashboard_compare.png")


def test_two_sessions_do_not_share_state(browser, server_url):
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        p = context.new_page()
        p.goto(server_url)
        status(p).get_by_text(f"step 0 of {N_STEPS}").wait_for(timeout=20_000)
        pages.append(p)
    a, b = pages
    a.get_by_role("button", name="Run to end").click()
    status(a).get_by_text(f"Outcome: {EXPECTED_OUTCOME}").wait_for()
    b.get_by_role("button", name="Step").click()
    status(b).get_by_text(f"step 1 of {N_STEPS}").wait_for()
    assert "Outcome" not in shown(status(b))
    end = Session()
    end.run_to_end()  # the same run on the server: seed and settings as the page opens
    assert f"step {end.model.step_index} of {N_STEPS}" in shown(status(a))
    for p in pages:
        p.context.close()


def test_students_reach_a_classroom_server_by_the_machines_address(browser):
    """Served on every interface, the page works when opened by the machine's own address, not only localhost."""
    from dashboard.app import machine_addresses
    from tests.browser.conftest import free_port, start_dashboard, stop, wait_until_served

    addresses = sorted(
        a for a in machine_addresses() if a[0].isdigit() and not a.startswith("127.")
    )
    if not addresses:
        pytest.skip("this machine has no network address besides loopback")
    port = free_port()
    proc = start_dashboard("0.0.0.0", port)
    try:
        url = f"http://{addresses[0]}:{port}/"
        wait_until_served(proc, url)
        context = browser.new_context()
        page = context.new_page()
        page.goto(url, timeout=LOAD_TIMEOUT_MS)
        status(page).get_by_text("step 0 of").wait_for(
            timeout=LOAD_TIMEOUT_MS
        )  # the websocket is open: the page is live
        page.get_by_role("button", name="Step").click()
        status(page).get_by_text("step 1 of").wait_for(timeout=30_000)
        context.close()
    finally:
        stop(proc)


# ---------------------------------------------------------------------------- a projector and a class
SIZES = [{"width": 1024, "height": 768}, PROJECTOR]
PROJECTOR_WIDTH = PROJECTOR["width"]
MIN_CHART_PX = 280
LAYOUT_JS = """() => {
  const controls = 'button, input, select, textarea, .noUi-target, h1, h2, h3, h4, label, .bk-Figure';
  const found = [];
  const shown = el => {
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  };
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches(controls) && shown(el)) found.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const within = (a, b) => { for (let n = a; n; n = n.parentNode || n.host) { if (n === b) return true; } return false; };
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '')
                     + ' "' + (el.innerText || el.value || el.title || '').trim().slice(0, 30) + '"';
  const overlaps = [];
  for (let i = 0; i < found.length; i++) {
    for (let j = i + 1; j < found.length; j++) {
      const a = found[i], b = found[j];
      if (within(a, b) || within(b, a) || a.matches('.bk-spin-btn') || b.matches('.bk-spin-btn')) continue;  // a number box's own arrows
      const r = a.getBoundingClientRect(), q = b.getBoundingClientRect();
      const w = Math.min(r.right, q.right) - Math.max(r.left, q.left), h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
      if (w > 2 && h > 2) overlaps.push(name(a) + ' overlaps ' + name(b));
    }
  }
  const charts = found.filter(el => el.matches('.bk-Figure')).map(el => Math.round(el.getBoundingClientRect().width));
  const beyond = found.filter(el => el.getBoundingClientRect().right > window.innerWidth + 1).map(name);
  return {scroll: document.documentElement.scrollWidth, width: window.innerWidth, overlaps, charts, beyond};
}"""


SETTLE_S, SETTLED_WITHIN_S = 0.3, 10.0  # (s) between two looks at a layout; the longest wait for it


def settled_layout(page) -> dict:
    """The page's layout (LAYOUT_JS) once it stops changing: the same at two looks SETTLE_S apart
    (a tab just opened is redrawn by the server and then laid out by the browser)."""
    deadline = time.monotonic() + SETTLED_WITHIN_S
    time.sleep(SETTLE_S)
    got = page.evaluate(LAYOUT_JS)
    while time.monotonic() < deadline:
        time.sleep(SETTLE_S)
        again = page.evaluate(LAYOUT_JS)
        if again == got:
            break
        got = again
    return got


def layout_problems(page, where: str, settled: bool = False) -> list[str]:
    """What a projector would show wrong: sideways scrolling, controls over one another, charts too
    narrow (`settled`: once the layout has stopped changing)."""
    got = settled_layout(page) if settled else page.evaluate(LAYOUT_JS)
    problems = []
    if got["scroll"] > got["width"]:
        problems.append(
            f"{where}: the page is {got['scroll']} px wide in a {got['width']} px window"
        )
    problems += [f"{where}: {o}" for o in got["overlaps"]]
    problems += [f"{where}: {b} reaches past the window's right edge" for b in got["beyond"]]
    problems += [f"{where}: a chart is {w} px wide" for w in got["charts"] if w < MIN_CHART_PX]
    return problems


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_every_tab_fits_a_projector_with_and_without_large_text(browser, server_url, size):
    """Every tab, with every chart drawn (the Odds tab's too), fits a projector in both text sizes.

    Compare's charts are checked at 1280x720 in test_compare_two_variants (drawing an ensemble's
    charts twice more costs a busy machine a minute).
    """
    page = open_page(browser, server_url, size)
    try:
        page.get_by_role("button", name="Run to end").click()
        status(page).get_by_text(f"Outcome: {EXPECTED_OUTCOME}").wait_for()
        open_tab(page, "Odds")  # every chart shown: the ensembles' too
        set_slider(page, "Replicates", "Home")
        page.get_by_role("button", name="Run replicates").click()
        wait_drawn(page, ".odds-charts", 5)
        problems = []
        for large in (False, True):
            if large:
                page.get_by_role("button", name="Projector mode").click()
            for tab in TAB_NAMES:
                open_tab(page, tab)
                problems += layout_problems(
                    page,
                    f"{size['width']}x{size['height']}, {'large' if large else 'normal'} text, {tab}",
                    settled=True,
                )
        assert problems == [], "\n".join(problems)
    finally:
        page.context.close()


def test_the_layout_check_sees_overlaps_and_sideways_scrolling(page):
    """The check above can fail: a button moved over another and a block wider than the window."""
    assert layout_problems(page, "as served") == []
    page.evaluate("""() => {
        const find = (root, text) => { for (const el of root.querySelectorAll('*')) {
            if (el.tagName === 'BUTTON' && el.innerText.trim() === text) return el;
            if (el.shadowRoot) { const got = find(el.shadowRoot, text); if (got) return got; } } };
        const step = find(document, 'Step'), run = find(document, 'Run to end');
        const a = step.getBoundingClientRect(), b = run.getBoundingClientRect();
        step.style.transform = `translate(${b.left - a.left}px, ${b.top - a.top}px)`;
        const wide = document.createElement('div');
        wide.style.width = (window.innerWidth + 200) + 'px';
        wide.style.height = '1px';
        document.body.appendChild(wide);
    }""")
    problems = layout_problems(page, "broken")
    assert 'broken: button.bk-btn "Run to end" overlaps button.bk-btn "Step"' in problems, problems
    assert (
        f"broken: the page is {PROJECTOR_WIDTH + 200} px wide in a {PROJECTOR_WIDTH} px window"
        in problems
    )


def test_odds_of_one_scenario_are_never_shown_under_another(page):
    open_tab(page, "Odds")
    set_slider(page, "Replicates", "Home")
    page.get_by_role("button", name="Run replicates").click()
    shares = page.locator(".odds-shares")
    shares.get_by_text("extended 5 years").wait_for(timeout=ENSEMBLE_TIMEOUT_MS)
    assert "New START expiry, 2021 · seed 2 · as written" in shown(page.locator(".odds-status"))
    page.locator(".scenario-picker select").select_option(
        label="The end of the INF Treaty, 2018-2019"
    )
    wait_shown(page.locator(".odds-status"), "The end of the INF Treaty, 2018-2019 · seed 2")
    inf_steps = sim.ArmsControlModel("inf_2019").calendar.n_steps
    assert inf_steps != N_STEPS
    wait_shown(
        status(page), f"step 0 of {inf_steps}"
    )  # the new scenario's controls are in (its own step count)
    assert "extended 5 years" not in shown(shares)
    set_slider(page, "initial tension", "End")  # a changed parameter: the new result says so
    wait_shown(page.locator(".odds-status"), "changed: initial tension = 1")
    page.get_by_role("button", name="Run replicates").click()
    wait_shown(
        page.locator(".odds-status"), " in ", timeout_s=ENSEMBLE_TIMEOUT_MS / 1000
    )  # "10 replicates of ... in 0.3 s."
    assert "changed: initial tension = 1" in shown(page.locator(".odds-status"))


def test_a_double_click_on_reject_answers_one_question(page):
    open_tab(page, "Play")
    page.locator(".play-side select").select_option("RU")
    page.get_by_role("button", name="Take this side").click()
    question = page.locator(".play-question")
    wait_shown(question, "US offers")
    assert "worth" in shown(question) and "to you" in shown(question)
    page.get_by_role("button", name="Reject").dblclick()
    wait_shown(question, "your turn to propose, RU")
    time.sleep(1.0)  # a second answer, had it been taken, would be in the log by now
    log = shown(page.locator(".play-log"))
    assert log.count("(the player's choice)") == 1, log


def test_reset_in_the_middle_of_a_game_asks_first(page):
    open_tab(page, "Play")
    page.locator(".play-side select").select_option("RU")
    page.get_by_role("button", name="Take this side").click()
    question = page.locator(".play-question")
    wait_shown(question, "US offers")
    page.get_by_role("button", name="Reject").click()
    wait_shown(question, "your turn to propose, RU")
    page.get_by_role("button", name="Reset").click()
    wait_shown(page.locator(".confirm-reset"), "Your 1 decision as RU will be lost")
    assert "your turn to propose, RU" in shown(question)  # nothing lost yet
    page.get_by_role("button", name="Keep playing").click()
    expect(page.get_by_role("button", name="Yes, reset")).to_be_hidden()
    assert "your turn to propose, RU" in shown(question)
    page.get_by_role("button", name="Reset").click()
    page.get_by_role("button", name="Yes, reset").click()
    wait_shown(question, "US offers")  # the game starts again


def test_a_reload_restores_scenario_seed_parameters_text_size_and_tab(page):
    page.locator(".scenario-picker select").select_option(
        label="The INF Treaty, 1987: trust, but verify"
    )
    wait_shown(page.locator(".scenario-title"), "The INF Treaty, 1987")
    page.locator(
        ".bk-input-group", has_text="SU concession"
    ).first.wait_for()  # the new scenario's sliders
    seed = page.locator(".bk-input-group", has_text="Seed").locator("input")
    seed.fill("4")
    seed.press("Enter")
    set_slider(page, "initial tension", "End")
    page.get_by_role("button", name="Projector mode").click()
    open_tab(page, "Bargaining")
    page.wait_for_function(
        "() => location.search.includes('tab=Bargaining') && location.search.includes('seed=4')"
        " && location.search.includes('tension.initial') && location.search.includes('large=true')"
    )
    url = page.evaluate("location.href")
    assert "scenario=inf_1987" in url
    page.reload()
    status(page).get_by_text("step 0 of").wait_for(timeout=60_000)
    assert "The INF Treaty, 1987" in shown(page.locator(".scenario-title"))
    assert seed.input_value() == "4"
    assert page.locator(".bk-tab.bk-active").inner_text() == "Bargaining"
    handle = (
        page.locator(".bk-input-group", has_text="initial tension").locator(".noUi-handle").first
    )
    assert handle.get_attribute("aria-valuenow") in ("1", "1.0", "1.00")
    page.wait_for_function("""() => Array.from(Bokeh.documents[0].all_models).some(m => m.constructor.__name__ === 'Title'
        && m.text.replaceAll('\\n', ' ').startsWith('The INF Treaty, 1987: trust, but verify · seed 4 · changed: initial tension = 1'))""")


def test_a_charts_png_is_saved_without_a_prompt_and_carries_its_title(page):
    open_tab(page, "Timeline")
    wait_drawn(page, ".timeline-charts", 3)
    prompts = []
    page.on("dialog", lambda d: (prompts.append(d.message), d.dismiss()))
    with page.expect_download(timeout=30_000) as download:
        page.locator(".timeline-charts .bk-Figure").first.locator(".bk-tool-icon-save").click()
    name = download.value.suggested_filename
    assert prompts == []
    assert name.startswith(
        f"forces_and_treaty_caps_new_start_expiry_2021_seed_{DEFAULT_SEED}_as_written"
    ) and name.endswith(".png"), name
    titles = page.evaluate("""() => Array.from(Bokeh.documents[0].all_models)
        .filter(m => m.constructor.__name__ === 'Title').map(m => m.text.replaceAll('\\n', ' '))""")
    assert any(t.startswith("New START expiry, 2021 · seed 2 · as written · 20") for t in titles), (
        titles
    )
    head = open(download.value.path(), "rb").read(24)  # a PNG's size is in its header (IHDR)
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and width >= 500 and height >= 260, (width, height)
