"""A real server runs a Task written with a regional integration ARN, and an integration it cannot
run fails the Task where a Catch handles it (boto3 as the client, SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import machine, wait_for

pytestmark = pytest.mark.slow


def test_regional_integration_arns_run_and_unrunnable_ones_are_caught(server: ServerProcess) -> None:
    c = server.client()
    states = {
        "Echo": {
            "Type": "Task",
            "Resource": "arn:aws:states:us-east-1:123456789012:lambda:invoke",
            "Parameters": {"FunctionName": "echo", "Payload": {"n.$": "$.n"}},
            "ResultSelector": {"echoed.$": "$.Payload.n"},
            "Next": "Encode",
        },
        "Encode": {
            "Type": "Task",
            "Resource": "arn:aws-us-gov:states:us-gov-west-1:123456789012:mediaconvert:createJob",
            "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.encode", "Next": "Done"}],
            "End": True,
        },
        "Done": {"Type": "Succeed"},
    }
    sm = machine(c, "regional", states, "Echo")
    ex = c.start_execution(stateMachineArn=sm, input='{"n": 7}')["executionArn"]
    done = wait_for(c, ex)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {
        "echoed": 7,
        "encode": {
            "Error": "States.TaskFailed",
            "Cause": "No integration is registered for the resource "
            "'arn:aws:states:::mediaconvert:createJob'.",
        },
    }
    events = c.get_execution_history(executionArn=ex)["events"]
    scheduled = [e["taskScheduledEventDetails"] for e in events if e["type"] == "TaskScheduled"]
    assert [(d["resourceType"], d["resource"]) for d in scheduled] == [
        ("lambda", "invoke"),
        ("mediaconvert", "createJob"),
    ]
