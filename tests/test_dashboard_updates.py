"""What each update of a page changes in its Bokeh document, checked without a browser.

With thirty sessions on one server, every model an update touches costs the server time and
the page a redraw (docs/dashboard.md, Speed). These tests attach a page to a Bokeh document as
Panel serves it and record each change the document would send: a Play step adds one row to
the time plots and rewrites the status line and the log, and nothing else; a parameter change
redraws the charts in place. The message count is checked on a served page, over a websocket.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from bokeh.document import Document
from bokeh.document.events import (
    ColumnDataChangedEvent,
    ColumnsStreamedEvent,
    ModelChangedEvent,
)

import sim
from dashboard.app import build_page, create_app
from dashboard.scenarios import with_settings
from dashboard.session import Session
from dashboard.views.common import shown_html

SECRECY = "states.RU.utility.secrecy_cost"


def attached(page):
    """The page's layout as the root of a Bokeh document, and the list its changes go to."""
    doc = Document()
    doc.add_root(page.layout.get_root(doc))
    changes: list = []
    doc.on_change(changes.append)
    return doc, changes


def described(changes: list) -> list[tuple[str, str]]:
    """Each change as (Bokeh model type and, for a Div, its CSS class; what changed), sorted."""
    out = []
    for e in changes:
        model = getattr(e, "model", None) or getattr(e, "column_source", None)
        name = type(model).__name__
        if name == "HTML":
            name += "." + ".".join(model.css_classes)
        what = (
            e.attr
            if isinstance(e, ModelChangedEvent)
            else f"stream {len(next(iter(e.data.values())))} row(s)"
            if isinstance(e, ColumnsStreamedEvent)
            else type(e).__name__
        )
        out.append((name, what))
    return sorted(out)


@pytest.fixture
def timeline_page():
    page = build_page()
    page.open_tab("Timeline")
    return page


def test_a_play_step_streams_one_row_and_rewrites_only_the_status_and_the_log(timeline_page):
    page = timeline_page
    page.session.step()  # the first step sets what stays the same from then on (the subtitles)
    source = page.views["Timeline"].source
    rows = len(source.data["x"])
    doc, changes = attached(page)
    page.session.step()
    assert described(changes) == [
        ("ColumnDataSource", "stream 1 row(s)"),  # the new row only, not the whole run again
        ("HTML.run-log", "text"),
        ("HTML.run-status", "text"),
        ("Slider", "value"),  # the rewind slider follows the run
        ("Span", "location"),  # the "now" line on each of the three time plots
        ("Span", "location"),
        ("Span", "location"),
    ]
    assert len(source.data["x"]) == rows + 1
    assert "step 2 of" in shown_html(page.controls.status)


def test_a_hidden_tab_is_not_redrawn_at_a_step_and_catches_up_when_shown(timeline_page):
    page = timeline_page
    bargaining = page.views["Bargaining"]
    before = list(bargaining.offers.data["x"])
    doc, changes = attached(page)
    page.session.run_to_end()
    assert not [c for c in changes if getattr(c, "model", None) is bargaining.fig]
    assert list(bargaining.offers.data["x"]) == before  # not redrawn while hidden
    page.open_tab("Bargaining")
    assert list(bargaining.offers.data["x"]) != before


def test_a_parameter_change_redraws_the_charts_in_place(timeline_page):
    page = timeline_page
    timeline = page.views["Timeline"]
    page.session.run_to_end()
    figures, source = list(timeline.figures), timeline.source
    doc, changes = attached(page)
    models = len(doc.models)
    page.session.set_override(SECRECY, 5.0)
    assert timeline.figures == figures and timeline.source is source  # the same charts
    assert len(doc.models) == models  # no model added to the page
    kinds = {type(c) for c in changes}
    assert kinds <= {ModelChangedEvent, ColumnDataChangedEvent}
    assert "Outcome: lapsed" in shown_html(page.controls.status)


def test_sessions_with_the_same_changed_parameter_share_its_compiled_scenario_and_runs_are_unchanged():
    a, b = Session(), Session()
    for s in (a, b):
        s.set_override(SECRECY, 5.0)
        s.run_to_end()
    assert a.model.compiled is b.model.compiled
    assert a.model.compiled is with_settings(a.scenario, {SECRECY: 5.0})
    expected = sim.run("new_start_2021", seed=a.seed, overrides={SECRECY: 5.0})
    assert a.status()["outcome"] == expected.outcome.label == "lapsed"
    assert [e.text for e in a.model.log.entries] == list(expected.log["text"])


def test_a_changed_parameter_the_schema_rejects_is_a_message_and_not_kept():
    s = Session()
    assert not s.guarded(s.set_override, SECRECY, "lots")
    assert "secrecy_cost" in s.error
    s.overrides = {}
    s.reset()
    assert s.model.scenario is s.scenario  # the bundled scenario, as written


# -- served: what reaches the page, over a websocket


async def _play_steps(port: int) -> tuple[list[int], list[int]]:
    """Open a served page, show the Timeline, press Play; per Play step: messages, binary parts."""
    from benchmarks.ws_client import Page

    class Counting(Page):
        messages: list = []

        async def _read_forever(self) -> None:
            while True:
                message = await self._read()
                if message.msgtype == "PATCH-DOC":
                    self.messages.append((message, json.dumps(message.content)))

    page = Counting(f"http://127.0.0.1:{port}/")
    await page.open()
    await page.show_tab("Timeline")
    await page.toggle(page.find("Checkbox", label="Pause at scripted events"), active=False)
    await asyncio.sleep(0.5)
    page.messages.clear()
    await page.toggle(page.find("Toggle", label="▶ Play"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        if sum("step 5 of" in text for _, text in page.messages):
            break
    await page.close()
    steps = [i for i, (_, text) in enumerate(page.messages) if "ColumnsStreamed" in text]
    per_step = [
        sum(1 for _ in page.messages[a:b]) for a, b in zip(steps, steps[1:] + [len(page.messages)])
    ]
    buffers = [len(page.messages[i][0].buffers) for i in steps]
    return per_step[:4], buffers[:4]


def test_a_served_play_step_reaches_the_page_as_one_message_without_attachments():
    import panel as pn

    from tests.browser.conftest import free_port

    port = free_port()
    server = pn.serve(
        {"/": create_app},
        port=port,
        address="127.0.0.1",
        start=False,
        show=False,
        allow_websocket_origin=[f"127.0.0.1:{port}"],
    )
    server.start()
    try:
        per_step, buffers = server.io_loop.asyncio_loop.run_until_complete(_play_steps(port))
    finally:
        server.stop()
    assert per_step == [1, 1, 1, 1]
    assert buffers == [0, 0, 0, 0]
