"""TestState's `mock` as AWS has it: `result` / `errorOutput`, checked by `fieldValidationMode`."""

from __future__ import annotations

import json
from typing import Any

import pytest

CHILD = "arn:aws:states:us-east-1:123456789012:stateMachine:child"
START = {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "End": True,
         "Parameters": {"StateMachineArn": CHILD}}  # fmt: skip
GET_OBJECT = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "End": True,
              "Parameters": {"Bucket": "b", "Key": "k"}}  # fmt: skip
INVOKE = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
          "Parameters": {"FunctionName": "f"}, "ResultSelector": {"body.$": "$.Payload.body"}}  # fmt: skip


def run_test_state(sfn: Any, state: dict[str, Any], mock: dict[str, Any], **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = sfn.test_state(definition=json.dumps(state), input="{}", mock=mock, **extra)
    return answer


def refused(sfn: Any, state: dict[str, Any], mock: dict[str, Any]) -> str:
    with pytest.raises(sfn.exceptions.ValidationException) as raised:
        run_test_state(sfn, state, mock)
    return str(raised.value.response["Error"]["Message"])


def test_a_mocked_result_goes_through_the_state_data_flow(sfn: Any) -> None:
    answer = run_test_state(
        sfn, INVOKE, {"result": json.dumps({"StatusCode": 200, "Payload": {"body": "hi"}})}
    )
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"body": "hi"}


def test_a_mocked_error_fails_the_state(sfn: Any) -> None:
    answer = run_test_state(sfn, INVOKE, {"errorOutput": {"error": "Lambda.Unknown", "cause": "boom"}})
    assert (answer["status"], answer["error"], answer["cause"]) == ("FAILED", "Lambda.Unknown", "boom")


@pytest.mark.parametrize(
    ("state", "result", "message"),
    [
        (START, {"StartDate": "2026-01-01T00:00:00Z"}, "Required field 'ExecutionArn' is missing"),
        (START, {"executionArn": "a", "startDate": "x"}, "Required field 'ExecutionArn' is missing"),
        (START, {"ExecutionArn": "a", "StartDate": True}, "Field 'StartDate' must be a string"),
        (INVOKE, {"StatusCode": "200"}, "Field 'StatusCode' must be a number"),
        (GET_OBJECT, {"ContentLength": "12"}, "Field 'ContentLength' must be a number"),
        (GET_OBJECT, {"StorageClass": "COLD_AS_ICE"}, "Field 'StorageClass' is not an expected value"),
    ],
)
def test_strict_checks_the_result_against_the_api_output(
    sfn: Any, state: dict[str, Any], result: dict[str, Any], message: str
) -> None:
    assert (
        refused(sfn, state, {"result": json.dumps(result)})
        == f"Mock result schema validation error: {message}"
    )


def test_present_checks_only_what_is_there_and_none_checks_nothing(sfn: Any) -> None:
    only_date = {"result": json.dumps({"StartDate": "2026-01-01T00:00:00Z"})}
    assert (
        run_test_state(sfn, START, {**only_date, "fieldValidationMode": "PRESENT"})["status"] == "SUCCEEDED"
    )
    wrong = {"result": json.dumps({"StartDate": 5})}
    assert "must be a string" in refused(sfn, START, {**wrong, "fieldValidationMode": "PRESENT"})
    assert run_test_state(sfn, START, {**wrong, "fieldValidationMode": "NONE"})["status"] == "SUCCEEDED"


def test_fields_the_api_lacks_are_accepted(sfn: Any) -> None:
    mock = {"result": json.dumps({"ExecutionArn": "a", "StartDate": "now", "Extra": {"x": 1}})}
    assert json.loads(run_test_state(sfn, START, mock)["output"])["Extra"] == {"x": 1}


def test_a_mocked_parallel_or_map_is_its_result(sfn: Any) -> None:
    branch = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    parallel = {"Type": "Parallel", "Branches": [branch, branch], "End": True, "ResultPath": "$.both"}
    answer = run_test_state(sfn, parallel, {"result": json.dumps(["a", "b"])})
    assert json.loads(answer["output"]) == {"both": ["a", "b"]}
    assert "same number of items as number of Parallel branches" in refused(
        sfn, parallel, {"result": json.dumps(["a"])}
    )
    mapped = {"Type": "Map", "ItemProcessor": branch, "End": True}
    assert json.loads(run_test_state(sfn, mapped, {"result": "[1, 2, 3]"})["output"]) == [1, 2, 3]
    assert refused(sfn, mapped, {"result": "{}"}) == "Mocked result must be an array."


def test_a_pass_state_takes_no_mock(sfn: Any) -> None:
    message = refused(sfn, {"Type": "Pass", "End": True}, {"result": "{}"})
    assert message == "State type 'Pass' is not supported when a mock is specified"
