"""Nested executions (`arn:aws:states:::states:startExecution`) against a real server, with boto3."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types, machine, wait_for

pytestmark = pytest.mark.slow
START = "arn:aws:states:::states:startExecution"


def parent(client: Any, name: str, suffix: str, **parameters: Any) -> str:
    params = {"StateMachineArn.$": "$.child", **parameters}
    if "Input" not in params and "Input.$" not in params:
        params["Input"] = {"x.$": "$.x", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}
    states = {"Run": {"Type": "Task", "Resource": START + suffix, "Parameters": params, "End": True}}
    return machine(client, name, states, "Run")


def child_machine(client: Any, name: str, state: dict[str, Any]) -> str:
    return machine(client, name, {"Only": state}, "Only")


def wait_until(predicate: Any, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_sync_returns_the_childs_description_with_output_as_text(server: ServerProcess) -> None:
    c = server.client()
    child = child_machine(
        c, "double", {"Type": "Pass", "Parameters": {"y.$": "States.MathAdd($.x, $.x)"}, "End": True}
    )
    sm = parent(c, "outer", ".sync")
    ex = c.start_execution(stateMachineArn=sm, input=json.dumps({"child": child, "x": 21}))["executionArn"]
    done = wait_for(c, ex)
    assert done["status"] == "SUCCEEDED", done
    out = json.loads(done["output"])
    assert (out["Status"], json.loads(out["Output"])) == ("SUCCEEDED", {"y": 42})
    assert out["StateMachineArn"] == child and isinstance(out["Input"], str)
    assert isinstance(out["StartDate"], int) and out["StopDate"] >= out["StartDate"]
    # the child is a real execution in the same store, and it carries the parent's id when asked to
    described = c.describe_execution(executionArn=out["ExecutionArn"])
    assert json.loads(described["input"]) == {"x": 21, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": ex}
    assert [e["executionArn"] for e in c.list_executions(stateMachineArn=child)["executions"]] == [
        out["ExecutionArn"]
    ]
    assert history_types(c, ex) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",  # AWS records the StartExecution answer before the child's result
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    (submitted,) = [
        e for e in c.get_execution_history(executionArn=ex)["events"] if e["type"] == "TaskSubmitted"
    ]
    details = submitted["taskSubmittedEventDetails"]
    assert (details["resourceType"], details["resource"]) == ("states", "startExecution.sync")
    assert json.loads(details["output"])["ExecutionArn"] == out["ExecutionArn"]


def test_sync2_parses_input_and_output(server: ServerProcess) -> None:
    c = server.client()
    child = child_machine(c, "constant", {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True})
    sm = parent(c, "outer2", ".sync:2", **{"Input.$": "$.input", "Name.$": "$.name"})
    ex = c.start_execution(
        stateMachineArn=sm, input=json.dumps({"child": child, "input": None, "name": "TestStartTarget"})
    )["executionArn"]
    out = json.loads(wait_for(c, ex)["output"])
    assert out["Name"] == "TestStartTarget" and out["Input"] == {} and out["Output"] == {"Arg1": "argument1"}
    assert out["RedriveStatus"] == "NOT_REDRIVABLE" and out["OutputDetails"] == {"Included": True}


def test_a_failed_child_fails_the_task_with_its_description_as_the_cause(server: ServerProcess) -> None:
    c = server.client()
    child = child_machine(c, "broken", {"Type": "Fail", "Error": "Boom", "Cause": "it broke"})
    states = {
        "Run": {
            "Type": "Task",
            "Resource": START + ".sync",
            "Parameters": {"StateMachineArn": child},
            "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}],
            "End": True,
        },
        "Caught": {"Type": "Pass", "End": True},
    }
    sm = machine(c, "catcher", states, "Run")
    ex = c.start_execution(stateMachineArn=sm)["executionArn"]
    done = wait_for(c, ex)
    caught = json.loads(done["output"])
    assert caught["Error"] == "States.TaskFailed"
    cause = json.loads(caught["Cause"])
    assert (cause["Status"], cause["Error"], cause["Cause"]) == ("FAILED", "Boom", "it broke")
    assert "Output" not in cause


def test_request_response_returns_at_once_and_the_child_runs_on(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="slow")["activityArn"]
    child = child_machine(c, "waits", {"Type": "Task", "Resource": act, "End": True})
    sm = parent(c, "fire", "")
    ex = c.start_execution(stateMachineArn=sm, input=json.dumps({"child": child, "x": 1}))["executionArn"]
    out = json.loads(wait_for(c, ex)["output"])
    assert set(out) == {"ExecutionArn", "StartDate"}
    assert c.describe_execution(executionArn=out["ExecutionArn"])["status"] == "RUNNING"
    task = c.get_activity_task(activityArn=act, workerName="w")
    c.send_task_success(taskToken=task["taskToken"], output="{}")
    assert wait_for(c, out["ExecutionArn"])["status"] == "SUCCEEDED"


def test_wait_for_task_token_hands_the_token_to_the_child(server: ServerProcess) -> None:
    c = server.client()
    child = child_machine(c, "holder", {"Type": "Pass", "End": True})
    sm = parent(c, "tokened", ".waitForTaskToken", Input={"token.$": "$$.Task.Token"})
    ex = c.start_execution(stateMachineArn=sm, input=json.dumps({"child": child}))["executionArn"]
    kid = wait_until(lambda: c.list_executions(stateMachineArn=child)["executions"])[0]["executionArn"]
    token = json.loads(wait_for(c, kid)["output"])["token"]
    assert c.describe_execution(executionArn=ex)["status"] == "RUNNING"  # the child's end is not the answer
    c.send_task_success(taskToken=token, output='{"approved": true}')
    assert json.loads(wait_for(c, ex)["output"]) == {"approved": True}


def test_stopping_the_parent_stops_a_sync_child(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="never")["activityArn"]
    child = child_machine(c, "stuck", {"Type": "Task", "Resource": act, "End": True})
    sm = parent(c, "stopper", ".sync")
    ex = c.start_execution(stateMachineArn=sm, input=json.dumps({"child": child, "x": 1}))["executionArn"]
    kid = wait_until(lambda: c.list_executions(stateMachineArn=child)["executions"])[0]["executionArn"]
    c.stop_execution(executionArn=ex, error="Enough", cause="test")
    assert wait_for(c, ex)["status"] == "ABORTED"
    assert wait_for(c, kid)["status"] == "ABORTED"


def test_a_start_the_service_refuses_fails_the_task_the_aws_way(server: ServerProcess) -> None:
    c = server.client()
    child = child_machine(c, "once", {"Type": "Pass", "End": True})
    c.start_execution(stateMachineArn=child, name="taken", input='{"a":1}')
    sm = parent(c, "clash", ".sync", Name="taken")
    ex = c.start_execution(stateMachineArn=sm, input=json.dumps({"child": child, "x": 2}))["executionArn"]
    done = wait_for(c, ex)
    assert (done["status"], done["error"]) == ("FAILED", "StepFunctions.ExecutionAlreadyExistsException")


def test_a_sync_parent_survives_a_restart_while_its_child_runs(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="later")["activityArn"]
    child = child_machine(c, "paused", {"Type": "Task", "Resource": act, "End": True})
    sm = parent(c, "durable", ".sync:2")
    ex = c.start_execution(stateMachineArn=sm, input=json.dumps({"child": child, "x": 5}))["executionArn"]
    wait_until(lambda: c.list_executions(stateMachineArn=child)["executions"])
    server.restart()
    c = server.client()
    task = c.get_activity_task(activityArn=act, workerName="w")
    c.send_task_success(taskToken=task["taskToken"], output='{"done": 5}')
    out = json.loads(wait_for(c, ex)["output"])
    assert out["Output"] == {"done": 5}
    assert (
        len(c.list_executions(stateMachineArn=child)["executions"]) == 1
    )  # no second child after the restart
