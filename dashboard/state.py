"""The dashboard's state, by job: scenario input and output (:mod:`dashboard.scenarios`), the key
parameters (:mod:`dashboard.parameters`), one browser session (:mod:`dashboard.session`) and what
the views draw (:mod:`dashboard.view_data`). This module gathers their names for scripts and tests."""

from dashboard.parameters import KeyParameter, key_parameters
from dashboard.scenarios import (
    DEFAULT_SCENARIO,
    bundled,
    bundled_text,
    describe_error,
    located_errors,
    scenario_yaml,
)
from dashboard.session import DEFAULT_SEED, NeedDecision, Question, Session
from dashboard.view_data import (
    TERM_LABELS,
    bargaining_data,
    calendar_x,
    ensemble_series,
    event_marks,
    log_rows,
    offer_table,
    stamp_x,
    tension_bands,
    terms_table,
    timeline_data,
    x_values,
)

__all__ = [
    "DEFAULT_SCENARIO",
    "DEFAULT_SEED",
    "TERM_LABELS",
    "KeyParameter",
    "NeedDecision",
    "Question",
    "Session",
    "bargaining_data",
    "bundled",
    "bundled_text",
    "calendar_x",
    "describe_error",
    "ensemble_series",
    "event_marks",
    "key_parameters",
    "located_errors",
    "log_rows",
    "offer_table",
    "scenario_yaml",
    "stamp_x",
    "tension_bands",
    "terms_table",
    "timeline_data",
    "x_values",
]
