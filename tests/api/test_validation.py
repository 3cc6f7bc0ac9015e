"""Request validation against the generated model, with AWS's message phrasing."""

from __future__ import annotations

from typing import Any

import pytest

from stepstone.api import shapes
from stepstone.api.errors import SerializationException
from stepstone.api.validation import compile_validators
from stepstone.errors import ValidationException

VALIDATORS = compile_validators(shapes.SHAPES, sorted(s for s, _, _ in shapes.OPERATIONS.values() if s))
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:demo"


def problems(shape: str, request: dict[str, Any]) -> str:
    with pytest.raises(ValidationException) as caught:
        VALIDATORS[shape](request)
    return caught.value.message


def test_missing_required_member_is_null() -> None:
    assert problems("StartExecutionInput", {}) == (
        "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_explicit_null_counts_as_missing() -> None:
    assert "Value null at 'stateMachineArn'" in problems("StartExecutionInput", {"stateMachineArn": None})


def test_all_errors_are_reported_together() -> None:
    message = problems("SendTaskFailureInput", {"error": "e" * 300})
    assert message.startswith("2 validation errors detected: ")
    assert "Value null at 'taskToken' failed to satisfy constraint: Member must not be null" in message
    assert "Member must have length less than or equal to 256" in message
    assert message.count("; ") == 1


def test_string_length_bounds() -> None:
    message = problems("StartExecutionInput", {"stateMachineArn": ARN, "name": "n" * 81})
    assert message == (
        f"1 validation error detected: Value '{'n' * 81}' at 'name' failed to satisfy constraint: "
        "Member must have length less than or equal to 80"
    )
    assert "greater than or equal to 1" in problems("StartExecutionInput", {"stateMachineArn": ""})


def test_length_counts_utf16_code_units_like_aws() -> None:
    VALIDATORS["StartExecutionInput"]({"stateMachineArn": ARN, "name": "é" * 80})
    assert "less than or equal to 80" in problems(
        "StartExecutionInput", {"stateMachineArn": ARN, "name": "\U0001f600" * 41}
    )


def test_enum_values() -> None:
    message = problems("ListExecutionsInput", {"stateMachineArn": ARN, "statusFilter": "DONE"})
    assert message == (
        "1 validation error detected: Value 'DONE' at 'statusFilter' failed to satisfy constraint: "
        "Member must satisfy enum value set: "
        "[RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]"
    )


def test_integer_range() -> None:
    message = problems("ListStateMachinesInput", {"maxResults": 1001})
    assert message.endswith(
        "Value '1001' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000"
    )
    VALIDATORS["ListStateMachinesInput"]({"maxResults": 1000})


def test_pattern_is_checked_as_a_full_match() -> None:
    message = problems(
        "CreateStateMachineAliasInput",
        {
            "name": "has space",
            "routingConfiguration": [{"stateMachineVersionArn": ARN + ":1", "weight": 100}],
        },
    )
    assert (
        "at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: " in message
    )
    assert "[a-zA-Z0-9_\\-\\.]+$" in message


def test_nested_list_members_use_aws_paths() -> None:
    request = {"name": "m", "definition": "{}", "roleArn": ARN, "tags": [{"key": "ok"}, {"key": ""}]}
    message = problems("CreateStateMachineInput", request)
    assert "at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater" in message


def test_sensitive_values_are_never_echoed() -> None:
    token = "secret-token-" + "x" * 2048
    message = problems("SendTaskSuccessInput", {"taskToken": token, "output": "{}"})
    assert "secret-token" not in message
    assert message == (
        "1 validation error detected: Value at 'taskToken' failed to satisfy constraint: "
        "Member must have length less than or equal to 2048"
    )


def test_unknown_members_are_ignored() -> None:
    VALIDATORS["ListStateMachinesInput"]({"somethingNew": [1, 2, {"x": None}]})


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"maxResults": "10"}, "STRING_VALUE can not be converted to an Integer"),
        ({"maxResults": True}, "TRUE_VALUE can not be converted to an Integer"),
        ({"maxResults": 1.5}, "NUMBER_VALUE can not be converted to an Integer"),
        ({"maxResults": 2**40}, "NUMBER_VALUE can not be converted to an Integer"),
        ({"nextToken": 7}, "NUMBER_VALUE can not be converted to a String"),
        ({"nextToken": {"a": 1}}, "Start of structure or map found where not expected."),
        ({"nextToken": ["a"]}, "Start of list found where not expected."),
    ],
)
def test_wrong_json_types_fail_deserialization(request_: dict[str, Any], message: str) -> None:
    with pytest.raises(SerializationException) as caught:
        VALIDATORS["ListStateMachinesInput"](request_)
    assert caught.value.message == message


def test_boolean_and_float_members() -> None:
    with pytest.raises(SerializationException):
        VALIDATORS["GetExecutionHistoryInput"]({"executionArn": ARN, "reverseOrder": "yes"})
    VALIDATORS["GetExecutionHistoryInput"]({"executionArn": ARN, "reverseOrder": False})
    run = "arn:aws:states:us-east-1:123456789012:mapRun:demo/m:1"
    VALIDATORS["UpdateMapRunInput"]({"mapRunArn": run, "toleratedFailurePercentage": 5})
    assert "less than or equal to 100" in problems(
        "UpdateMapRunInput", {"mapRunArn": run, "toleratedFailurePercentage": 100.5}
    )


def test_every_input_shape_compiles_and_accepts_its_minimal_request() -> None:
    for name, validate in VALIDATORS.items():
        required = shapes.SHAPES[name].get("required", [])
        if not required:
            validate({})
