"""The optional ``discovery`` extra (EMA Workbench) for the tests that need it.

Without it those tests skip on a user's machine; CI sets
``ACSIM_REQUIRE_DISCOVERY=1`` (in ``.ci/run``) so that they fail instead, as
``ACSIM_REQUIRE_BROWSER`` does for the browser tests.
"""

from __future__ import annotations

import importlib
import os

import pytest

REQUIRE = "ACSIM_REQUIRE_DISCOVERY"


def require_ema_workbench() -> None:
    """Skip the calling test module when EMA Workbench is missing, or fail if it is required."""
    try:
        importlib.import_module("ema_workbench")
    except ImportError as exc:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(
                f"the discovery tests are required ({REQUIRE}=1) but EMA Workbench "
                f"cannot be imported ({exc}): pip install -e '.[discovery]'",
                pytrace=False,
            )
        pytest.skip(
            f"EMA Workbench is not installed ({exc}); pip install -e '.[discovery]'",
            allow_module_level=True,
        )
