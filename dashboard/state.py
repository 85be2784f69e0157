"""The dashboard's state, by job: scenario input and output (:mod:`dashboard.scenarios`), the key
parameters (:mod:`dashboard.parameters`), one browser session (:mod:`dashboard.session`) and what
the views draw (:mod:`dashboard.view_data`). This module gathers their names for scripts and tests."""

from dashboard.parameters import KeyParameter, key_parameters  # noqa: F401
from dashboard.scenarios import (DEFAULT_SCENARIO, bundled, bundled_text, describe_error,  # noqa: F401
                                 located_errors, scenario_yaml)
from dashboard.session import DEFAULT_SEED, NeedDecision, Question, Session  # noqa: F401
from dashboard.view_data import (TERM_LABELS, bargaining_data, calendar_x, ensemble_series,  # noqa: F401
                                 event_marks, log_rows, offer_table, stamp_x, tension_bands, terms_table,
                                 timeline_data, x_values)
