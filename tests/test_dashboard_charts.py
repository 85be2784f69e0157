"""Charts on a projector, without a browser: what is written under a chart, and what shares the toolbar's row."""

from __future__ import annotations

from bokeh.models import HoverTool, SaveTool, Title

from dashboard.views.common import TEXT_SIZES, label_chart, new_figure, set_text_size
from dashboard.views.compare import compare_charts

LABEL = (
    "100 replicates of New START expiry, 2021, if the 2020 administration stays"
    " · seed 2 · changed: RU secrecy cost (median of its prior) = 10"
)


def subtitle(fig) -> Title:
    (title,) = [t for t in fig.below if isinstance(t, Title)]
    return title


def test_the_label_goes_under_the_chart_in_lines_that_fit_and_rewrap_with_the_text():
    fig = new_figure("Tension", "tension (0-1)")
    label_chart(fig, LABEL, date="2026-11-30")
    assert [t for t in fig.above if isinstance(t, Title)] in ([], [fig.title])  # the toolbar's row
    lines = subtitle(fig).text.split("\n")
    assert " ".join(lines) == f"{LABEL} · 2026-11-30"
    assert len(lines) == 3 and max(map(len, lines)) <= TEXT_SIZES[False].line_chars == 56
    set_text_size([fig], [], large=True)
    lines = subtitle(fig).text.split("\n")
    assert " ".join(lines) == f"{LABEL} · 2026-11-30"
    assert len(lines) == 4 and max(map(len, lines)) <= TEXT_SIZES[True].line_chars == 48
    assert subtitle(fig).text_font_size == TEXT_SIZES[True].note == "14px"


def test_compare_charts_keep_short_titles_and_two_tools_beside_them():
    charts = compare_charts(("US", "RU"), dateless=False)
    assert [c.figure.title.text for c in charts] == ["Outcomes", "Tension", "Forces"]
    for c in charts:
        assert sorted(type(t).__name__ for t in c.figure.toolbar.tools) == ["HoverTool", "SaveTool"]
        assert all(isinstance(t, (SaveTool, HoverTool)) for t in c.figure.toolbar.tools)
