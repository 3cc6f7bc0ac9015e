"""examples/approval-activity against a real server: `stepstone worker` runs the example's function."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types
from tests.worker.conftest import ROLE, log_events, wait_done

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "approval-activity"


def test_the_approval_example_waits_heartbeating_then_approves_or_rejects(
    sqlite_server: ServerProcess, tmp_path: Path
) -> None:
    client = sqlite_server.client()
    definition = json.loads(
        "\n".join(line for line in (EXAMPLE / "approval-activity.asl.json").read_text().splitlines())
    )
    definition["States"]["GetApproval"]["HeartbeatSeconds"] = 1  # a test-sized day
    sm = client.create_state_machine(
        name="approval-activity", definition=json.dumps(definition), roleArn=ROLE
    )
    decisions = tmp_path / "decisions"
    env = {**os.environ, "APPROVAL_DECISIONS": str(decisions), "APPROVAL_LOOK_EVERY": "0.05"}
    cmd = [sys.executable, "-m", "stepstone.cli.main", "worker", f"{EXAMPLE / 'worker.py'}:get_approval",
           "--activity", "approval", "--create", "--heartbeat-seconds", "1", "--concurrency", "2",
           "--endpoint", f"http://127.0.0.1:{sqlite_server.port}"]  # fmt: skip
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 20
        while "worker.started" not in [e.get("event") for e in log_events(log)]:
            assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
            time.sleep(0.05)
        start = {"stateMachineArn": sm["stateMachineArn"]}
        yes = client.start_execution(**start, input='{"requestId": "r-1"}')["executionArn"]
        no = client.start_execution(**start, input='{"requestId": "r-2"}')["executionArn"]
        time.sleep(2.5)  # both wait past HeartbeatSeconds: the heartbeats keep them open
        assert client.describe_execution(executionArn=yes)["status"] == "RUNNING", client.describe_execution(
            executionArn=yes
        )
        decisions.mkdir(exist_ok=True)
        (decisions / "r-1.json").write_text('{"approved": true, "approvedBy": "user123"}')
        (decisions / "r-2.json").write_text('{"approved": false, "reason": "over budget"}')
        approved, rejected = wait_done(client, yes), wait_done(client, no)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert approved["status"] == "SUCCEEDED"
    assert json.loads(approved["output"]) == {"approved": True, "approvedBy": "user123", "requestId": "r-1"}
    assert (rejected["status"], rejected["error"], rejected["cause"]) == (
        "FAILED",
        "ApprovalRejected",
        "over budget",
    )
    assert "ActivityFailed" in history_types(client, no)
    assert "Approval needed for request r-1" in log.read_text()
    events = [e.get("event") for e in log_events(log)]
    assert events.count("task.succeeded") == 1 and events.count("task.failed") == 1
