"""The approval page in a real headless Chromium: follow the e-mailed link, sign in, approve."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import pytest

from tests.approvals.conftest import EXAMPLES, PASSWORD, Inbox, Stepstone, approval_link

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip


def test_an_approver_decides_in_a_real_browser(
    stepstone: Stepstone, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing at /usr/bin/chromium (CI installs it)")
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    request_id = f"B-{uuid.uuid4().hex[:6]}"
    arn = stepstone.machine(f"b-{uuid.uuid4().hex[:8]}", (EXAMPLES / "approval-builtin.asl.json").read_text())
    details = {"requestId": request_id, "amount": 1250, "vendor": "Acme Tools", "items": ["drill", "saw"]}
    execution = stepstone.sfn().start_execution(stateMachineArn=arn, input=json.dumps(details))[
        "executionArn"
    ]
    link = ""
    deadline = time.monotonic() + 15
    while not link and time.monotonic() < deadline:
        mail = next((m for m in smtp[0].messages if request_id in str(m["Subject"])), None)
        link = "" if mail is None else approval_link(mail)
        time.sleep(0.05)
    assert link

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto(link)
            assert "An approval request exists" in page.content()
            page.fill("#user", "alice")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("button.approve")
            assert page.url == link and "Acme Tools" in page.content()
            page.fill("#comment", "Approved for Q3")
            # STEPSTONE_ARTIFACTS keeps the screenshot for a look (CI uploads the folder)
            folder = Path(os.environ.get("STEPSTONE_ARTIFACTS") or tmp_path)
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / "approval-page.png"), full_page=True)
            page.click("button.approve")
            page.wait_for_selector(".badge.approved")
            assert "alice" in page.content()
        finally:
            browser.close()
    done = stepstone.wait_done(execution)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["approval"]["approvedBy"] == "alice"
