"""Export: the run's data as CSV, its log, and the current settings as a scenario file.
(Each plot has a save button in its toolbar for a PNG.)"""

from __future__ import annotations

import io

import panel as pn

from dashboard.scenarios import scenario_yaml
from dashboard.session import Session
from dashboard.views.common import View


def timeseries_csv(session: Session) -> str:
    """The run so far, one row per step (the recorder's frame)."""
    return session.model.recorder.frame().to_csv(index=False)


def log_csv(session: Session) -> str:
    """The dated log (step, date, actor, kind, text)."""
    return session.model.log.to_frame().to_csv(index=False)


def settings_yaml(session: Session) -> str:
    """The scenario with the session's changed parameters applied, as a YAML file."""
    return scenario_yaml(session.settings_scenario())


class ExportView(View):
    """Download buttons; file names carry the scenario and the seed."""

    def __init__(self, session: Session):
        super().__init__(session)

        def button(label: str, make, suffix: str):
            def callback():
                s = self.session
                widget.filename = f"{s.scenario_name}_seed{s.seed}_{suffix}"
                return io.StringIO(make(s))

            widget = pn.widgets.FileDownload(
                callback=callback, filename=f"run_{suffix}", label=label, color="primary", width=360
            )
            return widget

        self.timeseries = button("Time series (CSV)", timeseries_csv, "timeseries.csv")
        self.log = button("Log of decisions (CSV)", log_csv, "log.csv")
        self.settings = button(
            "Current settings as a scenario file (YAML)", settings_yaml, "scenario.yaml"
        )
        self.panel = pn.Column(
            pn.pane.Markdown(
                "Each chart has a **save** button in its toolbar (a PNG of that chart). "
                "The files below hold the current run: its time series (one row per step), "
                "its log, and the settings as a scenario file that `acsim run FILE` runs again."
            ),
            self.timeseries,
            self.log,
            self.settings,
        )
