"""The console in a real headless Chromium (Debian's, driven by playwright): start, look, stop.

Skipped with the reason when Chromium or playwright is missing, except under CI=true where it fails.
Screenshots go to the test's temporary directory, or to $STEPSTONE_SCREENSHOTS when set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import WAITING, Served

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser test must run under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("STEPSTONE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_start_watch_and_stop_in_a_real_browser(chromium: Any, served: Served, tmp_path: Path) -> None:
    served.machine("browser-waits", WAITING)
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{served.url}/console")
    page.click("text=browser-waits")
    page.fill("textarea[name=input]", json.dumps({"path": str(tmp_path / "token"), "who": "<b>ann</b>"}))
    page.fill("input[name=name]", "clicked")
    page.click("button:has-text('Start execution')")
    page.wait_for_url("**/console/executions/**:clicked")
    assert page.inner_text(".title .badge") == "running"
    token = tmp_path / "token"
    for _ in range(200):
        if token.exists() and token.stat().st_size:
            break
        page.wait_for_timeout(25)
    page.reload()
    assert token.read_text() not in page.content()  # the bearer token never reaches the page
    assert page.locator(".waiting td", has_text="Ask").count() == 1
    assert "<b>ann</b>" in page.inner_text("section:has(h2:text('Input')) pre")  # shown as text, not markup
    # The script ran under the Content-Security-Policy: times are rewritten, the footer says so.
    assert "local times" in page.inner_text("footer")
    assert page.locator("time[title]").count() > 0
    folder = shots(tmp_path)
    page.screenshot(path=str(folder / "execution-running.png"), full_page=True)
    page.click("button:has-text('Stop execution')")  # the confirm dialog is accepted
    page.wait_for_selector(".title .badge.s-ABORTED")
    assert page.locator("svg.diagram .o-aborted").count() == 1
    page.screenshot(path=str(folder / "execution-aborted.png"), full_page=True)
    page.goto(f"{served.url}/console")
    page.screenshot(path=str(folder / "index.png"), full_page=True)
    assert not [m for m in messages if "Content Security Policy" in m], messages


def test_the_console_works_without_javascript(chromium: Any, served: Served, tmp_path: Path) -> None:
    arn = served.machine("no-script", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{served.url}/console/state-machines/{arn}")
    page.fill("textarea[name=input]", '{"n": 1}')
    page.click("button:has-text('Start execution')")
    page.wait_for_url("**/console/executions/**")
    assert served.wait_status(page.url.rsplit("/", 1)[-1], {"SUCCEEDED"})["status"] == "SUCCEEDED"
    page.reload()
    assert page.inner_text(".title .badge") == "succeeded"
    assert "UTC" in page.inner_text("footer")
    context.close()
