"""kill -9 the server while executions wait and while work is in flight; restart on the same file."""

from __future__ import annotations

import json
import time

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types, machine, wait_for

pytestmark = pytest.mark.slow


def test_everything_finishes_after_kill_9_with_gap_free_histories(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="park")["activityArn"]
    waiting = machine(c, "parked", {"A": {"Type": "Task", "Resource": act, "End": True}}, "A")
    states = {
        "W": {"Type": "Wait", "Seconds": 1, "Next": "L"},
        "L": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "Next": "P"},
        "P": {"Type": "Pass", "End": True},
    }
    busy = machine(c, "busy", states, "W")
    parked = [
        c.start_execution(stateMachineArn=waiting, input=json.dumps({"i": i}))["executionArn"]
        for i in range(5)
    ]
    flowing = [
        c.start_execution(stateMachineArn=busy, input=json.dumps({"i": i}))["executionArn"] for i in range(20)
    ]
    tokens = [c.get_activity_task(activityArn=act)["taskToken"] for _ in range(2)]
    server.restart()  # kill -9: timers armed, work queued, tasks handed out
    c = server.client()
    for token in tokens:
        c.send_task_success(taskToken=token, output='{"done":true}')
    for _ in range(3):
        c.send_task_success(
            taskToken=c.get_activity_task(activityArn=act)["taskToken"], output='{"done":true}'
        )
    time.sleep(0.2)
    server.restart()  # again, with callbacks and lambda results possibly in flight
    c = server.client()
    for arn in parked + flowing:
        assert wait_for(c, arn, timeout=30)["status"] == "SUCCEEDED"
    for arn in parked:
        assert history_types(c, arn) == [
            "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
            "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded",
        ]  # fmt: skip
    for arn in flowing:
        types = history_types(c, arn)
        assert types.count("LambdaFunctionSucceeded") == 1 and types[-1] == "ExecutionSucceeded"
        assert types.count("WaitStateExited") == 1
