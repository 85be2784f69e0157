"""The research page's numbers and figures are what docs/gen_research.py measures on the current code."""

from pathlib import Path

import pytest

pytest.importorskip("ema_workbench")

from docs import gen_research  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_research_page_is_up_to_date():
    page = gen_research.PAGE.read_text(encoding="utf-8")
    fresh = gen_research.blocks(gen_research.measure())
    for name, text in fresh.items():
        assert gen_research.generated(page, name) == text, (
            f"docs/research.md ({name}) is stale: run python -m docs.gen_research"
        )
    for image in ("research_discovery.png", "research_sensitivity.png"):
        assert (gen_research.IMAGES / image).stat().st_size > 10_000


def test_the_example_specs_are_the_ones_the_page_shows():
    page = gen_research.PAGE.read_text(encoding="utf-8")
    spec = (ROOT / "examples" / "lhs_classroom.yaml").read_text(encoding="utf-8")
    for line in (
        "method: lhs",
        "n: 200",
        "states.Red.utility.secrecy_cost: [0.0, 3.0]",
        "states.Red.p_greedy: [0.0, 1.0]",
        "tension.initial: [0.0, 0.6]",
        "states.Blue.utility.lock_in: [0.0, 1.0]",
        "replicates: 2",
    ):
        assert line in spec and line in page, line
    sobol = (ROOT / "examples" / "sobol_classroom.yaml").read_text(encoding="utf-8")
    assert "method: sobol" in sobol and "examples/sobol_classroom.yaml" in page
