"""Hostile input in the dashboard: a scenario typed or uploaded by a student cannot make the
server read one of its files, nor show what such a file holds."""

from __future__ import annotations

import re

import pytest

from dashboard.state import bundled_text

pytestmark = pytest.mark.browser

SECRET = "SECRET-d41c"  # what the file outside the world holds: never shown


def verdict_text(page) -> str:
    """What the Scenario tab's verdict shows (its content lives in a shadow root)."""
    return page.locator(".scenario-verdict").evaluate("""e => {
        const root = e.shadowRoot || e;
        return Array.from(root.children).filter(c => !['STYLE', 'LINK'].includes(c.tagName))
            .map(c => c.innerText || '').join('\\n');
    }""")


def upload(page, name: str, text: str) -> None:
    page.locator(".bk-tab", has_text=re.compile("^Scenario$")).click()
    page.locator("input[type=file]").nth(1).set_input_files(
        files=[{"name": name, "mimeType": "text/yaml", "buffer": text.encode()}]
    )


@pytest.mark.parametrize("parent", ["{secret}", "../../../../..{secret}", "secret.yaml"])
def test_the_editor_refuses_extends_of_a_file_and_shows_nothing_of_it(page, tmp_path, parent):
    secret = tmp_path / "secret.yaml"
    secret.write_text(
        bundled_text("classroom_basic")
        .replace("name: classroom_basic", f"name: {SECRET}")
        .replace("title:", f"# {SECRET}\ntitle:", 1),
        encoding="utf-8",
    )
    text = f"name: mine\nextends: {parent.format(secret=secret)}\n"
    upload(page, "mine.yaml", text)
    verdict = page.locator(".scenario-verdict")
    verdict.get_by_text("files are not read").wait_for()
    shown = verdict_text(page)
    assert (
        "line 2, extends: here extends: names a bundled scenario (one of "
        in shown.replace("\n", " ")
        and "classroom_basic" in shown
    )
    assert SECRET not in shown and SECRET not in page.content()
    page.get_by_role("button", name="Use this scenario").click()
    page.locator(".app-error").get_by_text("fix them first").wait_for()


def test_the_editor_still_extends_a_bundled_scenario(page):
    upload(
        page,
        "mine.yaml",
        "name: mine\ntitle: My variant\nextends: new_start_2021\ntension: {initial: 0.5}\n",
    )
    page.locator(".scenario-verdict").get_by_text(
        "My variant"
    ).wait_for()  # the default text's verdict is there before the upload's
    assert "Valid scenario" in verdict_text(page)
