"""A real server whose API gets its first access key: from then on the console admits nobody unsigned."""

from __future__ import annotations

import subprocess
import sys

from tests.web.conftest import Served


def test_the_first_access_key_locks_the_console_too(served: Served) -> None:
    browser = served.browser()
    page = browser.get("/console")
    assert page.status == 200
    created = subprocess.run(
        [sys.executable, "-m", "stepstone.cli.main", "keys", "create", "--name", "ops", "--allow", "*",
         "--db", str(served.tmp / "stepstone.db")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    locked = browser.get("/console")
    assert locked.status == 401
    assert "Sign-in required" in locked.text and 'href="/approve/sign-in?next=/console/"' in locked.text
    assert browser.get("/console/tasks").status == 401
    stop = browser.post("/console/executions/arn:aws:states:us-east-1:123456789012:execution:a:b/stop", {})
    assert stop.status == 401
    assert browser.get("/console/static/console.css").status == 200
