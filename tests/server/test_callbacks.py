"""End to end: the callback pattern against a real server, with boto3."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ServerProcess

pytestmark = pytest.mark.slow
ROLE = "arn:aws:iam::123456789012:role/r"
ACCOUNT_ARN = "arn:aws:states:us-east-1:123456789012"


def machine(client: Any, name: str, states: dict[str, Any], start: str) -> str:
    definition = json.dumps({"StartAt": start, "States": states})
    return str(client.create_state_machine(name=name, definition=definition, roleArn=ROLE)["stateMachineArn"])


def wait_for(client: Any, arn: str, *, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described: dict[str, Any] = client.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError(f"{arn} still running")


def history_types(client: Any, arn: str) -> list[str]:
    events = client.get_execution_history(executionArn=arn)["events"]
    ids = [e["id"] for e in events]
    assert ids == list(range(1, len(ids) + 1)), "history has gaps or repeats"
    return [e["type"] for e in events]


def test_activity_callback_and_its_idempotency_rules(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="approve")["activityArn"]
    sm = machine(c, "act", {"A": {"Type": "Task", "Resource": act, "End": True}}, "A")
    ex = c.start_execution(stateMachineArn=sm, name="one", input='{"n":1}')["executionArn"]
    # the same name and input while running is the same execution; other input is a conflict
    assert c.start_execution(stateMachineArn=sm, name="one", input='{"n":1}')["executionArn"] == ex
    with pytest.raises(c.exceptions.ExecutionAlreadyExists):
        c.start_execution(stateMachineArn=sm, name="one", input='{"n":2}')
    task = c.get_activity_task(activityArn=act, workerName="w")
    token = task["taskToken"]
    assert json.loads(task["input"]) == {"n": 1} and len(token) < 2048
    assert not set("+/=") & set(token)
    with pytest.raises(c.exceptions.InvalidOutput):
        c.send_task_success(taskToken=token, output="not json")
    with pytest.raises(c.exceptions.InvalidToken):
        c.send_task_success(taskToken=token[:-2] + "AA", output="{}")
    c.send_task_success(taskToken=token, output='{"ok":true}')
    c.send_task_success(taskToken=token, output='{"ok":true}')  # same call again: accepted, nothing changes
    with pytest.raises(c.exceptions.TaskTimedOut, match="already completed"):
        c.send_task_success(taskToken=token, output='{"ok":false}')
    done = wait_for(c, ex)
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", {"ok": True})
    assert history_types(c, ex).count("ActivitySucceeded") == 1
    with pytest.raises(c.exceptions.ExecutionAlreadyExists):
        c.start_execution(stateMachineArn=sm, name="one", input='{"n":1}')  # closed: no longer the same


def test_a_function_given_the_token_and_send_task_failure(server: ServerProcess, tmp_path: Path) -> None:
    c = server.client()
    states = {
        "Hand": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "hand_token_to_file",
                "Payload": {"token.$": "$$.Task.Token", "path.$": "$.path"},
            },
            "End": True,
        }
    }
    sm = machine(c, "fn", states, "Hand")
    path = tmp_path / "token.txt"
    ex = c.start_execution(stateMachineArn=sm, input=json.dumps({"path": str(path)}))["executionArn"]
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    c.send_task_failure(taskToken=path.read_text(), error="Rejected", cause="no")
    done = wait_for(c, ex)
    assert (done["status"], done["error"], done["cause"]) == ("FAILED", "Rejected", "no")


def test_timeout_is_caught_and_a_late_callback_is_told_so(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="slow")["activityArn"]
    states = {
        "A": {
            "Type": "Task",
            "Resource": act,
            "TimeoutSeconds": 1,
            "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Late"}],
            "End": True,
        },
        "Late": {"Type": "Pass", "Result": "timed out", "End": True},
    }
    sm = machine(c, "timeout", states, "A")
    ex = c.start_execution(stateMachineArn=sm)["executionArn"]
    token = c.get_activity_task(activityArn=act)["taskToken"]
    done = wait_for(c, ex)
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", "timed out")
    with pytest.raises(c.exceptions.TaskTimedOut):
        c.send_task_success(taskToken=token, output="{}")


def test_heartbeat_keeps_a_task_alive_and_its_absence_times_it_out(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="beat")["activityArn"]
    sm = machine(c, "beat", {"A": {"Type": "Task", "Resource": act, "HeartbeatSeconds": 1, "End": True}}, "A")
    ex = c.start_execution(stateMachineArn=sm)["executionArn"]
    token = c.get_activity_task(activityArn=act)["taskToken"]
    for _ in range(3):
        time.sleep(0.5)
        c.send_task_heartbeat(taskToken=token)
    assert c.describe_execution(executionArn=ex)["status"] == "RUNNING"
    done = wait_for(c, ex)
    assert (done["status"], done["error"]) == ("FAILED", "States.HeartbeatTimeout")
    with pytest.raises(c.exceptions.TaskTimedOut):
        c.send_task_heartbeat(taskToken=token)


def test_stop_execution_closes_its_tokens(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="stopme")["activityArn"]
    sm = machine(c, "stop", {"A": {"Type": "Task", "Resource": act, "End": True}}, "A")
    ex = c.start_execution(stateMachineArn=sm)["executionArn"]
    token = c.get_activity_task(activityArn=act)["taskToken"]
    c.stop_execution(executionArn=ex, error="Halt", cause="by test")
    done = wait_for(c, ex)
    assert (done["status"], done["error"]) == ("ABORTED", "Halt")
    with pytest.raises(c.exceptions.TaskTimedOut):
        c.send_task_success(taskToken=token, output="{}")
    assert "ExecutionAborted" in history_types(c, ex)
