"""Scenario: edit a scenario's YAML in the page, with live, located validation errors;
load a file; download the edited text; use it in the session."""

from __future__ import annotations

import io
import re

import panel as pn
from ruamel.yaml import YAML

import sim
from dashboard.scenarios import as_own_copy, bundled_text, located_errors, title_of
from dashboard.session import Session
from dashboard.views.common import TEXT_SIZES, View, esc, set_text_size

MAX_UPLOAD_BYTES = 1_000_000


PLAIN_WORDS = (  # the validation library's wording -> what a scenario author reads
    ("Input should be a valid number, unable to parse string as a number", "expected a number"),
    ("Input should be a valid number", "expected a number"),
    (
        "Input should be a valid integer, unable to parse string as an integer",
        "expected a whole number",
    ),
    ("Input should be a valid integer", "expected a whole number"),
    ("Input should be a valid string", "expected text"),
    ("Input should be a valid boolean", "expected true or false"),
    ("Input should be a valid list", "expected a list"),
    ("Input should be a valid date", "expected a date (YYYY-MM-DD)"),
    ("Input should be greater than or equal to", "expected at least"),
    ("Input should be less than or equal to", "expected at most"),
    ("Input should be greater than", "expected more than"),
    ("Input should be less than", "expected less than"),
    ("Field required", "missing (this field is required)"),
)
STATE_INDEX = re.compile(r"states\[(\d+)\]")


def plain(message: str) -> str:
    """A validation message in an author's words."""
    for library, ours in PLAIN_WORDS:
        message = message.replace(library, ours)
    return message


def state_names(text: str) -> list[str]:
    """The names of the states in a scenario's text, in order, as far as the text can be read."""
    try:
        data = YAML(typ="safe", pure=True).load(text)
        return [
            str(s.get("name", "")) if isinstance(s, dict) else "" for s in data.get("states", [])
        ]
    except Exception:  # text that is not YAML names no state
        return []


def named_field(field: str, names: list[str]) -> str:
    """A field path with each state's index replaced by its name: states[1].forces -> states[RU].forces."""
    return STATE_INDEX.sub(
        lambda m: (
            f"states[{names[int(m.group(1))]}]"
            if int(m.group(1)) < len(names) and names[int(m.group(1))]
            else m.group(0)
        ),
        field,
    )


def check_text(text: str) -> tuple[sim.Scenario | None, list[dict]]:
    """Validate scenario text: (the scenario, []) or (None, [{line, field, message}, ...]), fields naming
    states by name and messages in an author's words."""
    try:
        return sim.load_scenario_text(text), []
    except sim.ScenarioError as err:
        names = state_names(text)
        return None, [
            {**e, "field": named_field(e["field"], names), "message": plain(e["message"])}
            for e in located_errors(err)
        ]


def errors_html(errors: list[dict]) -> str:
    """Located errors as an HTML list: 'line 12, states.0.forces: ...'."""
    items = []
    for e in errors:
        where = ", ".join(p for p in (f"line {e['line']}" if e["line"] else "", e["field"]) if p)
        items.append(
            f"<li><b>{esc(where)}</b>: {esc(e['message'])}</li>"
            if where
            else f"<li>{esc(e['message'])}</li>"
        )
    return "<ul class='scenario-errors'>" + "".join(items) + "</ul>"


def use_explained(session: Session, scn: sim.Scenario | None) -> str:
    """What *Use this scenario* will do with the editor's scenario: what it opens, and what it replaces."""
    if scn is None:
        return "<i>Use this scenario</i> opens the text once it has no errors."
    own = as_own_copy(scn, sim.bundled_scenarios())
    if own.name in session.uploaded:
        return (
            f"<i>Use this scenario</i> opens <b>{esc(title_of(own))}</b> in place of your earlier version of it "
            "(the bundled scenarios stay as they are)."
        )
    if own is not scn:
        return (
            f"<i>Use this scenario</i> opens it as <b>{esc(title_of(own))}</b>, beside the bundled "
            f"<b>{esc(title_of(scn))}</b>, which stays as it is."
        )
    return f"<i>Use this scenario</i> adds <b>{esc(title_of(own))}</b> to the picker and opens it."


class ScenarioView(View):
    """The YAML editor, its errors, and the buttons to load, download and use it."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.editor = pn.widgets.CodeEditor(
            value=bundled_text(session.scenario_name),
            language="yaml",
            sizing_mode="stretch_width",
            height=640,
            on_keyup=True,
        )
        self.upload = pn.widgets.FileInput(
            accept=".yaml,.yml", label="Load a scenario file", width=260
        )
        self.use = pn.widgets.Button(label="Use this scenario", color="primary", width=180)
        self.what_use_does = pn.pane.HTML(
            "", sizing_mode="stretch_width", css_classes=["use-explained"]
        )
        self.download = pn.widgets.FileDownload(
            callback=self._text_file,
            filename="scenario.yaml",
            label="Download the edited scenario",
            color="default",
            width=260,
        )
        self.verdict = pn.pane.Alert(
            "", alert_type="success", sizing_mode="stretch_width", css_classes=["scenario-verdict"]
        )
        self.editor.param.watch(
            lambda *_: self.check(),
            ["value", "value_input"] if "value_input" in self.editor.param else ["value"],
        )
        self.upload.param.watch(self._uploaded, "value")
        self.use.on_click(lambda *_: self.apply())
        session.param.watch(self._scenario_changed, "scenario_name")
        self.panel = pn.Column(
            pn.FlexBox(self.upload, self.use, self.download, sizing_mode="stretch_width"),
            self.what_use_does,
            self.verdict,
            self.editor,
            sizing_mode="stretch_width",
        )
        session.param.watch(self._projector, "large_text")
        self.check()

    @property
    def text(self) -> str:
        value = getattr(self.editor, "value_input", None)
        return value if value else self.editor.value

    def _text_file(self):
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
            self.session.error = (
                f"{self.upload.filename}: the file is over {MAX_UPLOAD_BYTES // 1000} kB"
            )
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self.session.error = f"{self.upload.filename}: not a text file (UTF-8 expected)"
            return
        self.editor.value = text
        self.check()

    def _projector(self, *_) -> None:
        size = TEXT_SIZES[self.session.large_text].body
        self.editor.stylesheets = [f".ace_editor {{ font-size: {size} !important; }}"]
        set_text_size([], [self.verdict, self.what_use_does], self.session.large_text)

    def check(self) -> sim.Scenario | None:
        """Validate the editor's text and show the verdict with each error's line and field."""
        scn, errors = check_text(self.text)
        if errors:
            self.verdict.alert_type = "danger"
            self.verdict.object = (
                f"**{len(errors)} problem{'s' if len(errors) > 1 else ''}:**\n\n"
                + "\n".join(
                    f"- line {e['line']}, **{esc(e['field'] or 'the file')}**: {esc(e['message'])}"
                    if e["line"]
                    else f"- **{esc(e['field'] or 'the file')}**: {esc(e['message'])}"
                    for e in errors
                )
            )
            self.editor.annotations = [
                {
                    "row": e["line"] - 1,
                    "column": 0,
                    "text": f"{e['field']}: {e['message']}",
                    "type": "error",
                }
                for e in errors
                if e["line"]
            ]
        else:
            assert scn is not None  # no errors: the text is a scenario
            self.verdict.alert_type = "success"
            self.verdict.object = f"Valid scenario: **{esc(scn.title or scn.name)}** ({len(scn.states)} states, {len(scn.events)} events)."
            self.editor.annotations = []
        self.what_use_does.object = use_explained(self.session, scn)
        return scn

    def apply(self) -> None:
        """Open the edited scenario in the session (after validation)."""
        scn = self.check()
        if scn is None:
            self.session.error = (
                "The scenario has errors (listed above the editor); fix them first."
            )
            return
        if scn.name in sim.bundled_scenarios() and self.text == bundled_text(
            scn.name
        ):  # unchanged: the bundled one
            self.session.scenario_name = scn.name
            return
        self.session.guarded(self.session.add_scenario, scn)
