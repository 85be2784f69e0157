"""The example notebook runs from top to bottom, and its results show as a notebook user sees them."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "research.ipynb"
CELL_TIMEOUT_S = 240


def test_the_example_notebook_runs_and_shows_short_results(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    streams = [o.get("text", "") for c in code for o in c.outputs if o.output_type == "stream"]
    # none printed along the way, but Mesa's import of tqdm.auto, which asks for ipywidgets
    assert not [t for t in streams if "TqdmWarning" not in t], streams
    results = [
        next((o for o in c.outputs if o.output_type == "execute_result"), None) for c in code
    ]
    run_html = results[0]["data"]["text/html"]
    assert (
        "<b>RunResult</b>" in run_html
        and "Classroom: two equal states" in run_html
        and "<td style='text-align:left'>7</td>" in run_html
    )
    run_text = results[0]["data"]["text/plain"]
    assert (
        run_text.startswith("RunResult(scenario='classroom_basic', seed=7, outcome=")
        and len(run_text) < 200
    )
    assert "95% interval" in results[2]["data"]["text/html"]
    assert results[5]["data"]["text/plain"] == "True"
    indices = results[7]["data"]["text/plain"]
    assert "S1" in indices and "states.Red.utility.secrecy_cost.median" in indices
