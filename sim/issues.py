"""The issues of an agenda and their options, in order: what every offer is a combination of.

Kept apart from :mod:`sim.agenda` so that the scenario's checks (:mod:`sim.checks`)
can name the options without importing the model's arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario import Scenario

ISSUES = ("years", "verification", "freeze", "parties", "share")


def issue_options(scn: Scenario) -> dict[str, list]:
    """The options of each issue, in order. An issue the agenda leaves empty keeps the treaty's current term."""
    levels = [v.name for v in scn.verification_levels]
    verification: list[str | None] = list(scn.agenda.verification) or [
        scn.treaty.verification or (levels[0] if levels else None)
    ]
    freeze: list[str | None] = list(scn.agenda.freeze) or [scn.treaty.freeze]
    parties = [tuple(p) for p in scn.agenda.parties] or [tuple(scn.state_names)]
    share: list[float | None] = list(scn.agenda.share) or [None]
    return {
        "years": list(scn.agenda.years),
        "verification": verification,
        "freeze": freeze,
        "parties": parties,
        "share": share,
    }
