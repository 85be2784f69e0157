"""Browser tests: the dashboard served in a subprocess, driven by Playwright in Debian's Chromium.

No browser is ever downloaded: the tests use /usr/bin/chromium and skip when
it is missing, unless ACSIM_REQUIRE_BROWSER=1 (then they fail).
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from dashboard.views.common import CHART_DATE_VARIABLE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"
START_TIMEOUT_S = 180  # a busy two-core machine can take a minute or more to start a server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_missing_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (install Debian's chromium package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    return None


def start_dashboard(host: str, port: int) -> subprocess.Popen:
    """The dashboard served by a subprocess on host:port (the caller stops it)."""
    # its error output goes to a file: a pipe would stay open in the worker processes after the server ends
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.app", "--host", host, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=errors,
        env={**os.environ, CHART_DATE_VARIABLE: SCREENSHOT_DATE},
    )
    proc.errors = errors
    return proc


def wait_until_served(proc: subprocess.Popen, url: str) -> None:
    """Wait until the page answers, or fail with what the server said."""
    deadline = time.time() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(
                url, timeout=60
            ) as r:  # the first page is built on request: slow on a busy machine
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            proc.errors.seek(0)
            err = proc.errors.read().decode(errors="replace")[-2000:]
            pytest.fail(f"the dashboard did not start on {url}:\n{err}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def require_browser() -> None:
    """Skip when there is no browser, unless CI demands the browser tests."""
    reason = browser_missing_reason()
    if reason:
        if os.environ.get("ACSIM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required (ACSIM_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)


def serve_for_tests():
    """Serve the dashboard on a free port in a subprocess; yield its URL once it answers, then stop it."""
    port = free_port()
    proc = start_dashboard("127.0.0.1", port)
    url = f"http://127.0.0.1:{port}/"
    wait_until_served(proc, url)
    yield url
    stop(proc)


@pytest.fixture(scope="module")
def server_url():
    """The dashboard, served for the browser tests (skipped without a browser)."""
    require_browser()
    yield from serve_for_tests()


@pytest.fixture(scope="module")
def served_url():
    """The dashboard, served for clients that need no browser (benchmarks/ws_client.py)."""
    yield from serve_for_tests()


@pytest.fixture(
    scope="module"
)  # closed after this folder's tests: a live Playwright loop must not outlast them
def browser(server_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


PROJECTOR = {"width": 1280, "height": 720}  # the docs' screenshots are taken at this size
LOAD_TIMEOUT_MS = 60_000  # a page's first load (the machine may be busy)


def open_page(browser, url: str, viewport: dict | None = None):
    """A fresh browser session on `url`, loaded and ready (its status line shows step 0)."""
    context = browser.new_context(viewport=viewport or PROJECTOR, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(20_000)
    p.goto(url, timeout=LOAD_TIMEOUT_MS)
    p.get_by_text("Run to end").wait_for(timeout=LOAD_TIMEOUT_MS)
    p.locator(".run-status").get_by_text("step 0 of").wait_for(timeout=LOAD_TIMEOUT_MS)
    return p


@pytest.fixture
def page(browser, server_url):
    """A fresh browser session on the dashboard at a projector's 1280x720, loaded and ready."""
    p = open_page(browser, server_url)
    yield p
    p.context.close()


def screenshot(page, name: str, ignore: tuple = ()) -> None:
    """Save a screenshot the docs use (docs/images/<name>), unless the one there shows the same.

    The charts under test carry a fixed date (:data:`SCREENSHOT_DATE`), so a page that has not
    changed gives the same image; what still moves between runs (how many seconds replicates
    took) is a few digits, and an image differing from the docs' in no more than
    :data:`SAME_IMAGE_SHARE` of its pixels is left as it is. ``ignore`` names locators whose
    content is new in every run by design (a class's random join code and its QR code): their
    boxes are left out of the comparison.
    """
    IMAGES.mkdir(parents=True, exist_ok=True)
    path = IMAGES / name
    png = page.screenshot()
    boxes = [b for b in (loc.bounding_box() for loc in ignore) if b is not None]
    if not (path.exists() and same_image(path.read_bytes(), png, boxes)):
        path.write_bytes(png)


SCREENSHOT_DATE = "2026-12-01"  # the date under the charts of the served dashboard in these tests
SAME_IMAGE_SHARE = (
    0.005  # the share of an image's pixels that may differ in a screenshot "the same"
)


def same_image(a: bytes, b: bytes, ignore: list[dict] | None = None) -> bool:
    """Whether two PNG images have one size and differ in at most SAME_IMAGE_SHARE of their pixels,
    leaving out the boxes in ``ignore`` (Playwright's bounding boxes, in CSS pixels at scale 1)."""
    import numpy as np
    from PIL import Image

    x, y = (np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) for png in (a, b))
    if x.shape != y.shape:
        return False
    differ = np.any(x != y, axis=-1)
    for box in ignore or ():
        top, left = max(0, int(box["y"])), max(0, int(box["x"]))
        differ[top : int(box["y"] + box["height"]) + 1, left : int(box["x"] + box["width"]) + 1] = (
            False
        )
    return bool(differ.mean() <= SAME_IMAGE_SHARE)
