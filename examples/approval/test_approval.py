"""The article's approval workflow, tested with stepstone's pytest plugin: approve, reject, time out.

    pip install stepstone        # the plugin comes with it (entry point pytest11)
    pytest examples/approval

Each test gets a real stepstone server on a fresh database with a virtual clock, and `stepstone`
helpers: what the execution waits on (with the task token), answer it, jump the clock, check the path.
The 24-hour timeout is one `advance("1d")`: every test here takes milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture
def stepstone_functions() -> list[Path]:
    return [HERE / "functions.py"]  # sendApprovalEmail, the messenger the definition invokes


@pytest.fixture(autouse=True)
def private_outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPROVAL_OUTBOX", str(tmp_path / "requests"))  # where the messenger writes


@pytest.fixture
def approval(stepstone):
    return stepstone.create("approval", (HERE / "approval-timeout.asl.json").read_text())


def test_approved(stepstone, approval):
    run = stepstone.start(approval, {"requestId": "r1"})
    task = stepstone.task(run, "GetApproval")  # what it waits on, with the token (tests only)
    stepstone.succeed(task, {"approved": True, "approvedBy": "user123"})
    assert stepstone.status(run) == "SUCCEEDED"
    assert stepstone.output(run) == {"approved": True, "approvedBy": "user123"}
    stepstone.assert_path(run, ["GetApproval", "ApprovalReceived"])


def test_rejected(stepstone, approval):
    run = stepstone.start(approval, {"requestId": "r2"})
    stepstone.fail(stepstone.task(run, "GetApproval"), "Rejected", "not this quarter")
    assert stepstone.describe(run)["error"] == "Rejected"
    stepstone.assert_path(run, ["GetApproval"])


def test_nobody_answers_for_a_day(stepstone, approval):
    run = stepstone.start(approval, {"requestId": "r3"})
    stepstone.advance("23h59m")
    assert stepstone.status(run) == "RUNNING"
    stepstone.advance("1m")  # the 24-hour TimeoutSeconds falls due
    assert stepstone.describe(run)["error"] == "ApprovalTimedOut"
    stepstone.assert_path(run, ["GetApproval", "ApprovalTimedOut"])
    assert stepstone.waiting(run) == []  # the token is void now
