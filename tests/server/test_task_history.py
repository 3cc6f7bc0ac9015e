"""The task events a real server records (GetExecutionHistory through boto3), per kind of resource."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types, machine, wait_for
from tests.server.test_nested import wait_until

pytestmark = pytest.mark.slow
FN = "arn:aws:lambda:us-east-1:123456789012:function:"


def events_of(client: Any, arn: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in client.get_execution_history(executionArn=arn)["events"] if e["type"] == kind]


def test_lambda_arn_and_lambda_invoke_record_their_started_events(server: ServerProcess) -> None:
    c = server.client()
    states = {
        "Plain": {"Type": "Task", "Resource": FN + "echo", "Next": "Invoke"},
        "Invoke": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "echo", "Payload.$": "$"},
            "End": True,
        },
    }
    sm = machine(c, "fns", states, "Plain")
    ex = c.start_execution(stateMachineArn=sm, input='{"a":1}')["executionArn"]
    done = wait_for(c, ex)
    assert done["status"] == "SUCCEEDED", done
    assert history_types(c, ex) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    (started,) = events_of(c, ex, "TaskStarted")
    assert started["taskStartedEventDetails"] == {"resourceType": "lambda", "resource": "invoke"}


def test_wait_for_token_records_the_invoke_response_as_its_submission(
    server: ServerProcess, tmp_path: Path
) -> None:
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
    path = tmp_path / "token.txt"
    sm = machine(c, "hand", states, "Hand")
    ex = c.start_execution(stateMachineArn=sm, input=json.dumps({"path": str(path)}))["executionArn"]
    wait_until(lambda: events_of(c, ex, "TaskSubmitted"))
    (submitted,) = events_of(c, ex, "TaskSubmitted")
    details = submitted["taskSubmittedEventDetails"]
    assert (details["resourceType"], details["resource"]) == ("lambda", "invoke.waitForTaskToken")
    answer = json.loads(details["output"])
    assert answer["StatusCode"] == 200 and answer["Payload"] == {}
    c.send_task_success(taskToken=path.read_text(), output='{"ok":true}')
    assert wait_for(c, ex)["status"] == "SUCCEEDED"
    assert history_types(c, ex)[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]


def test_an_activity_is_started_by_the_worker_that_gets_it(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="review")["activityArn"]
    ex = c.start_execution(
        stateMachineArn=machine(c, "act", {"A": {"Type": "Task", "Resource": act, "End": True}}, "A")
    )["executionArn"]
    wait_until(lambda: "ActivityScheduled" in history_types(c, ex))
    assert "ActivityStarted" not in history_types(c, ex)
    token = c.get_activity_task(activityArn=act, workerName="w-1")["taskToken"]
    c.send_task_success(taskToken=token, output="{}")
    assert wait_for(c, ex)["status"] == "SUCCEEDED"
    assert history_types(c, ex)[2:5] == ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]
    (started,) = events_of(c, ex, "ActivityStarted")
    assert started["activityStartedEventDetails"] == {"workerName": "w-1"}
