"""End to end: RedriveExecution with boto3 against a real server."""

from __future__ import annotations

import json

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types, machine, wait_for

pytestmark = pytest.mark.slow


def test_a_failed_execution_is_redriven_from_the_failed_task(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="flaky")["activityArn"]
    states = {
        "Set": {"Type": "Pass", "Assign": {"who": "me"}, "Next": "Work"},
        "Work": {
            "Type": "Task",
            "Resource": act,
            "Parameters": {"who.$": "$who", "count.$": "$$.Execution.RedriveCount"},
            "End": True,
        },
    }
    sm = machine(c, "redrive", states, "Set")
    ex = c.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
    with pytest.raises(c.exceptions.ExecutionNotRedrivable):
        c.redrive_execution(executionArn=ex)  # still running
    task = c.get_activity_task(activityArn=act, workerName="w")
    assert json.loads(task["input"]) == {"who": "me", "count": 0}
    c.send_task_failure(taskToken=task["taskToken"], error="Flaky", cause="first try")
    assert wait_for(c, ex)["status"] == "FAILED"

    assert "redriveDate" in c.redrive_execution(executionArn=ex)
    task = c.get_activity_task(activityArn=act, workerName="w")
    assert json.loads(task["input"]) == {"who": "me", "count": 1}
    c.send_task_success(taskToken=task["taskToken"], output='{"ok":true}')
    done = wait_for(c, ex)
    assert (done["status"], json.loads(done["output"]), done["redriveCount"]) == (
        "SUCCEEDED",
        {"ok": True},
        1,
    )
    types = history_types(c, ex)
    assert types.count("ExecutionRedriven") == 1 and types.index("ExecutionRedriven") > types.index(
        "ExecutionFailed"
    )
    with pytest.raises(c.exceptions.ExecutionNotRedrivable):
        c.redrive_execution(executionArn=ex)  # succeeded now
