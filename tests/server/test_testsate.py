"""TestState through boto3 against a real server: one state, one input, no execution created."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.server.conftest import ServerProcess

pytestmark = pytest.mark.slow
ROLE = "arn:aws:iam::123456789012:role/r"


def client(server: ServerProcess) -> Any:
    """boto3 sends TestState to a `sync-` host prefix; a local endpoint has no such host."""
    return boto3.client(
        "stepfunctions",
        endpoint_url=f"http://127.0.0.1:{server.port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(inject_host_prefix=False),
    )


def run_state(client: Any, state: dict[str, Any], value: Any = None, **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = client.test_state(
        definition=json.dumps(state),
        roleArn=ROLE,
        input=json.dumps(value if value is not None else {}),
        **extra,
    )
    return answer


def test_a_pass_state_with_debug_inspection(server: ServerProcess) -> None:
    c = client(server)
    state = {
        "Type": "Pass",
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id", "qty": 2},
        "ResultPath": "$.picked",
        "Next": "Ship",
    }
    out = run_state(c, state, {"order": {"id": 7}}, inspectionLevel="DEBUG")
    assert (out["status"], out["nextState"]) == ("SUCCEEDED", "Ship")
    # ResultPath places the result into the raw input, not into what InputPath selected
    assert json.loads(out["output"]) == {"order": {"id": 7}, "picked": {"id": 7, "qty": 2}}
    data = out["inspectionData"]
    assert json.loads(data["afterInputPath"]) == {"id": 7}
    assert json.loads(data["afterParameters"]) == {"id": 7, "qty": 2}
    assert json.loads(data["afterResultPath"]) == json.loads(out["output"])
    assert "inspectionData" not in run_state(c, state, {"order": {"id": 7}})  # INFO by default
    # nothing was created
    assert c.list_state_machines()["stateMachines"] == []


def test_a_choice_picks_the_next_state_from_a_whole_definition(server: ServerProcess) -> None:
    c = client(server)
    definition = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Succeed"},
            "Small": {"Type": "Succeed"},
        },
    }
    out = c.test_state(definition=json.dumps(definition), roleArn=ROLE, input='{"n": 11}', stateName="Check")
    assert (out["status"], out["nextState"]) == ("SUCCEEDED", "Big")
    out = c.test_state(definition=json.dumps(definition), roleArn=ROLE, input='{"n": 1}', stateName="Check")
    assert out["nextState"] == "Small"


def test_failures_caught_retriable_and_final(server: ServerProcess) -> None:
    c = client(server)
    task = {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
        "End": True,
    }
    mock_failure = {"errorOutput": {"error": "Oops", "cause": "bad"}}
    out = run_state(c, task, mock=mock_failure)
    assert (out["status"], out["error"], out["cause"]) == ("FAILED", "Oops", "bad")

    retried = {**task, "Retry": [{"ErrorEquals": ["Oops"], "MaxAttempts": 2}]}
    assert run_state(c, retried, mock=mock_failure)["status"] == "RETRIABLE"
    spent = run_state(c, retried, mock=mock_failure, stateConfiguration={"retrierRetryCount": 2})
    assert spent["status"] == "FAILED"

    caught = {**task, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover", "ResultPath": "$.err"}]}
    out = run_state(c, caught, {"a": 1}, mock=mock_failure)
    assert (out["status"], out["nextState"], out["error"]) == ("CAUGHT_ERROR", "Recover", "Oops")
    assert json.loads(out["output"]) == {"a": 1, "err": {"Error": "Oops", "Cause": "bad"}}


def test_a_task_calls_the_real_function_or_the_mock(server: ServerProcess) -> None:
    c = client(server)
    task = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "End": True}
    out = run_state(c, task, {"hello": "world"}, inspectionLevel="DEBUG")
    assert (out["status"], json.loads(out["output"])) == ("SUCCEEDED", {"hello": "world"})
    assert "nextState" not in out and json.loads(out["inspectionData"]["result"]) == {"hello": "world"}
    out = run_state(c, task, {"hello": "world"}, mock={"result": '{"mocked": true}'})
    assert json.loads(out["output"]) == {"mocked": True}
    waiting = {**task, "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken"}
    waiting["Parameters"] = {"FunctionName": "echo", "Payload": {"t.$": "$$.Task.Token"}}
    with pytest.raises(c.exceptions.ValidationException):
        run_state(c, waiting)
    out = run_state(c, waiting, mock={"result": '{"approved": true}'})
    assert json.loads(out["output"]) == {"approved": True}


def test_an_invalid_state_is_an_invalid_definition(server: ServerProcess) -> None:
    c = client(server)
    with pytest.raises(c.exceptions.InvalidDefinition):
        run_state(c, {"Type": "Pass", "Next": 3})
