"""The dashboard's pages in the docs: every screenshot they show is taken by a browser test at a projector's size."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser.conftest import IMAGES, PROJECTOR

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("docs/dashboard.md", "docs/teaching.md")


def shown_images() -> set[str]:
    """The file names of the dashboard's screenshots the two pages show."""
    names = set()
    for page in PAGES:
        names |= set(re.findall(r"images/(dashboard_[a-z_0-9]+\.png)", (ROOT / page).read_text()))
    return names


def png_size(path: Path) -> tuple[int, int]:
    """A PNG's width and height (px), read from its header."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_every_screenshot_shown_is_taken_by_a_browser_test_at_1280x720():
    tests = "".join(p.read_text() for p in (ROOT / "tests" / "browser").glob("test_*.py"))
    taken = set(re.findall(r'screenshot\(\w+, "(dashboard_[a-z_0-9]+\.png)"\)', tests))
    shown = shown_images()
    assert len(shown) == 6, shown
    assert shown <= taken, f"shown in the docs but taken by no browser test: {shown - taken}"
    for name in sorted(shown):
        assert png_size(IMAGES / name) == (PROJECTOR["width"], PROJECTOR["height"]), name


def test_a_screenshot_counts_as_new_only_where_it_may_not_change():
    """A screenshot is rewritten only when the page changed: a difference inside a box named as
    new in every run by design (a class's join code) is left out; the same one elsewhere is not."""
    import io

    import numpy as np
    from PIL import Image

    from tests.browser.conftest import same_image

    def png(pixels: np.ndarray) -> bytes:
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, format="PNG")
        return out.getvalue()

    blank = np.full((100, 200, 3), 255, dtype=np.uint8)
    code = blank.copy()
    code[10:30, 20:60] = 0  # 800 of 20,000 pixels: 4%
    box = {"x": 20.0, "y": 10.0, "width": 40.0, "height": 20.0}
    assert same_image(png(blank), png(blank))
    assert not same_image(png(blank), png(code))
    assert same_image(png(blank), png(code), [box])
    assert not same_image(png(blank), png(code), [{**box, "x": 120.0}])
