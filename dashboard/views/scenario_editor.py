"""Scenario: edit a scenario's YAML in the page, with live, located validation errors;
load a file; download the edited text; use it in the session."""

from __future__ import annotations

import panel as pn

import sim
from dashboard.state import Session, bundled_text, located_errors
from dashboard.views.common import esc, set_text_size

MAX_UPLOAD_BYTES = 1_000_000


def check_text(text: str) -> tuple[sim.Scenario | None, list[dict]]:
    """Validate scenario text: (the scenario, []) or (None, [{line, field, message}, ...])."""
    try:
        return sim.load_scenario_text(text), []
    except sim.ScenarioError as err:
        return None, located_errors(err)


def errors_html(errors: list[dict]) -> str:
    """Located errors as an HTML list: 'line 12, states.0.forces: ...'."""
    items = []
    for e in errors:
        where = ", ".join(p for p in (f"line {e['line']}" if e["line"] else "", e["field"]) if p)
        items.append(f"<li><b>{esc(where)}</b>: {esc(e['message'])}</li>" if where else f"<li>{esc(e['message'])}</li>")
    return "<ul class='scenario-errors'>" + "".join(items) + "</ul>"


class ScenarioView:
    """The YAML editor, its errors, and the buttons to load, download and use it."""

    def __init__(self, session: Session):
        self.session = session
        self.editor = pn.widgets.CodeEditor(value=bundled_text(session.scenario_name), language="yaml",
                                            sizing_mode="stretch_width", height=640, on_keyup=True)
        self.upload = pn.widgets.FileInput(accept=".yaml,.yml", label="Load a scenario file")
        self.use = pn.widgets.Button(label="Use this scenario", color="primary", width=180)
        self.download = pn.widgets.FileDownload(callback=self._text_file, filename="scenario.yaml",
                                                label="Download the edited scenario", color="default", width=260)
        self.verdict = pn.pane.Alert("", alert_type="success", sizing_mode="stretch_width", css_classes=["scenario-verdict"])
        self.editor.param.watch(lambda *_: self.check(), ["value", "value_input"] if "value_input" in self.editor.param else ["value"])
        self.upload.param.watch(self._uploaded, "value")
        self.use.on_click(lambda *_: self.apply())
        session.param.watch(self._scenario_changed, "scenario_name")
        self.panel = pn.Column(
            pn.Row(self.upload, self.use, self.download),
            self.verdict, self.editor, sizing_mode="stretch_width")
        session.param.watch(lambda *_: set_text_size([], [self.verdict], session.large_text), "large_text")
        self.check()

    @property
    def text(self) -> str:
        value = getattr(self.editor, "value_input", None)
        return value if value else self.editor.value

    def _text_file(self):
        import io

        scn, _ = check_text(self.text)
        self.download.filename = f"{scn.name}.yaml" if scn else "scenario.yaml"
        return io.StringIO(self.text)

    def _scenario_changed(self, *_) -> None:
        name = self.session.scenario_name
        if name not in self.session.uploaded:
            self.editor.value = bundled_text(name)

    def _uploaded(self, event) -> None:
        data = event.new
        if data is None:
            return
        if len(data) > MAX_UPLOAD_BYTES:
            self.session.error = f"{self.upload.filename}: the file is over {MAX_UPLOAD_BYTES // 1000} kB"
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self.session.error = f"{self.upload.filename}: not a text file (UTF-8 expected)"
            return
        self.editor.value = text
        self.check()

    def check(self) -> sim.Scenario | None:
        """Validate the editor's text and show the verdict with each error's line and field."""
        scn, errors = check_text(self.text)
        if errors:
            self.verdict.alert_type = "danger"
            self.verdict.object = f"**{len(errors)} problem{'s' if len(errors) > 1 else ''}:**\n\n" + "\n".join(
                f"- line {e['line']}, **{e['field'] or 'the file'}**: {e['message']}" if e["line"] else f"- **{e['field'] or 'the file'}**: {e['message']}"
                for e in errors)
            self.editor.annotations = [{"row": e["line"] - 1, "column": 0, "text": f"{e['field']}: {e['message']}", "type": "error"}
                                       for e in errors if e["line"]]
        else:
            self.verdict.alert_type = "success"
            self.verdict.object = f"Valid scenario: **{esc(scn.title or scn.name)}** ({len(scn.states)} states, {len(scn.events)} events)."
            self.editor.annotations = []
        return scn

    def apply(self) -> None:
        """Open the edited scenario in the session (after validation)."""
        scn = self.check()
        if scn is None:
            self.session.error = "The scenario has errors (listed above the editor); fix them first."
            return
        self.session.guarded(self.session.add_scenario, scn)
