"""One state at a time: allowed and required fields, field types, exclusive fields, resources, languages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.asl.helpers import errors, messages, single, warnings

S = "SCHEMA_VALIDATION_FAILED"
FN = "arn:aws:lambda:us-east-1:123456789012:function:work"


def task(**fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": FN, "End": True, **fields}


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ({"Type": "Pass", "Resource": FN, "End": True}, "Resource"),
        ({"Type": "Succeed", "ResultPath": "$"}, "ResultPath"),
        ({"Type": "Fail", "OutputPath": "$"}, "OutputPath"),
        ({"Type": "Wait", "Seconds": 1, "Retry": [], "End": True}, "Retry"),
        (task(Branches=[]), "Branches"),
        (task(Timeout=5), "Timeout"),
    ],
)
def test_fields_not_allowed_on_a_state_type(state: dict[str, Any], field: str) -> None:
    assert errors(single(state)) == [(S, f"/States/S/{field}")]
    assert messages(single(state)) == [f'The field "{field}" is not supported by Step Functions']


def test_task_requires_a_resource() -> None:
    assert errors(single({"Type": "Task", "End": True})) == [(S, "/States/S")]
    assert messages(single({"Type": "Task", "End": True})) == [
        "The field 'Resource' is required but was missing"
    ]


@pytest.mark.parametrize(
    ("state", "field"),
    [
        (task(TimeoutSeconds="10"), "TimeoutSeconds"),
        (task(TimeoutSeconds=0), "TimeoutSeconds"),
        (task(HeartbeatSeconds=1.5), "HeartbeatSeconds"),
        (task(Resource=7), "Resource"),
        (task(Credentials=[1]), "Credentials"),
        (task(ResultPath=3), "ResultPath"),
        ({"Type": "Pass", "End": "yes"}, "End"),
        ({"Type": "Pass", "Next": 3}, "Next"),
        ({"Type": "Wait", "Seconds": -1, "End": True}, "Seconds"),
        ({"Type": "Wait", "Seconds": True, "End": True}, "Seconds"),
        (
            {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                "ToleratedFailurePercentage": 101,
                "End": True,
            },
            "ToleratedFailurePercentage",
        ),
        ({"Type": "Fail", "Error": ["x"]}, "Error"),
    ],
)
def test_wrong_field_types(state: dict[str, Any], field: str) -> None:
    assert (S, f"/States/S/{field}") in errors(single(state))


def test_integral_floats_are_integers() -> None:
    assert errors(single(task(TimeoutSeconds=10.0))) == []


@pytest.mark.parametrize(
    ("fields", "pair"),
    [
        ({"TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t"}, "TimeoutSeconds, TimeoutSecondsPath"),
        ({"HeartbeatSeconds": 5, "HeartbeatSecondsPath": "$.h"}, "HeartbeatSeconds, HeartbeatSecondsPath"),
    ],
)
def test_exclusive_task_fields(fields: dict[str, Any], pair: str) -> None:
    assert errors(single(task(**fields))) == [(S, "/States/S")]
    assert pair in messages(single(task(**fields)))[0]


@pytest.mark.parametrize(("heartbeat", "timeout", "bad"), [(10, 10, True), (11, 10, True), (9, 10, False)])
def test_heartbeat_must_be_shorter_than_the_timeout(heartbeat: int, timeout: int, bad: bool) -> None:
    found = errors(single(task(HeartbeatSeconds=heartbeat, TimeoutSeconds=timeout)))
    assert found == ([(S, "/States/S/HeartbeatSeconds")] if bad else [])


@pytest.mark.parametrize("heartbeat", [60, 300, 3600, 99_999_998])
def test_heartbeat_without_a_timeout_is_compared_with_aws_default_of_99999999(heartbeat: int) -> None:
    # AWS's emit-and-wait and webhook-provider samples set HeartbeatSeconds 300/3600 and no TimeoutSeconds.
    assert errors(single(task(HeartbeatSeconds=heartbeat))) == []


def test_heartbeat_at_the_default_timeout_is_an_error() -> None:
    assert errors(single(task(HeartbeatSeconds=99_999_999))) == [(S, "/States/S/HeartbeatSeconds")]


def test_fail_with_error_and_error_path() -> None:
    state = {"Type": "Fail", "Error": "E", "ErrorPath": "$.e", "Cause": "c", "CausePath": "$.c"}
    assert errors(single(state)) == [(S, "/States/S"), (S, "/States/S")]
    assert ["Error, ErrorPath" in m or "Cause, CausePath" in m for m in messages(single(state))] == [
        True,
        True,
    ]


def test_fail_paths_may_be_intrinsics() -> None:
    state = {"Type": "Fail", "ErrorPath": "States.Format('E{}', $.n)", "CausePath": "$.cause"}
    assert errors(single(state)) == []
    assert errors(single({"Type": "Fail", "ErrorPath": "States.Nope($.n)"})) == [(S, "/States/S/ErrorPath")]


@pytest.mark.parametrize(
    "fields",
    [{}, {"Seconds": 1, "Timestamp": "2026-01-01T00:00:00Z"}, {"SecondsPath": "$.s", "TimestampPath": "$.t"}],
)
def test_wait_needs_exactly_one_duration(fields: dict[str, Any]) -> None:
    assert errors(single({"Type": "Wait", "End": True, **fields})) == [(S, "/States/S")]


def test_wait_timestamp_must_be_rfc3339() -> None:
    bad = single({"Type": "Wait", "Timestamp": "tomorrow", "End": True})
    assert errors(bad) == [(S, "/States/S/Timestamp")]
    good = single({"Type": "Wait", "Timestamp": "2026-03-14T01:59:00.5+02:00", "End": True})
    assert errors(good) == []


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "arn:aws:states:::states:startExecution.sync:2",
        "arn:aws:states:::states:startExecution.sync",
        "arn:aws:states:::http:invoke",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:::sns:publish",
        "arn:aws:states:::dynamodb:putItem",
        "arn:aws:states:::ecs:runTask.sync",
        "arn:aws:states:::aws-sdk:s3:listObjectsV2",
        "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
        "arn:aws-cn:states:::lambda:invoke",
        "arn:aws:lambda:us-east-1:123456789012:function:send-approval",
        "arn:aws:lambda:us-east-1:123456789012:function:send:prod",
        "arn:aws:states:us-east-1:123456789012:activity:approve",
        "arn:aws:states:us-east-1:123456789012:activity:Approve.Order-2_v1",
        # Integrations with a region and account, as the console and CDK write them.
        "arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject",
        "arn:aws:states:us-east-1:123456789012:athena:startQueryExecution.sync",
        "arn:aws:states:eu-west-1::lambda:invoke",
        # Other partitions.
        "arn:aws-cn:states:::aws-sdk:dynamodb:getItem",
        "arn:aws-us-gov:states:::sns:publish",
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f",
        "arn:aws-cn:states:cn-north-1:123456789012:activity:a",
        # Every optimised integration AWS lists, whether or not stepstone can run it yet.
        "arn:aws:states:::apigateway:invoke.waitForTaskToken",
        "arn:aws:states:::athena:getQueryResults",
        "arn:aws:states:::batch:submitJob.sync",
        "arn:aws:states:::bedrock:invokeModel",
        "arn:aws:states:::bedrock:createModelCustomizationJob.sync",
        "arn:aws:states:::codebuild:startBuild.sync",
        "arn:aws:states:::databrew:startJobRun.sync",
        "arn:aws:states:::eks:call",
        "arn:aws:states:::elasticmapreduce:addStep.sync",
        "arn:aws:states:::emr-containers:startJobRun.sync",
        "arn:aws:states:::emr-serverless:startJobRun.sync",
        "arn:aws:states:::events:putEvents.waitForTaskToken",
        "arn:aws:states:::glue:startJobRun.sync",
        "arn:aws:states:::mediaconvert:createJob.sync",
        "arn:aws:states:::sagemaker:createTrainingJob.sync",
        "arn:aws:states:::ecs:runTask.waitForTaskToken",
        "arn:aws:states:::aws-sdk:sfn:startExecution.waitForTaskToken",
        # Lambda qualifiers: a version, an alias, $LATEST.
        "arn:aws:lambda:us-east-1:123456789012:function:f:7",
        "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
        "arn:aws:lambda:us-east-1:123456789012:function:f:live-2",
        "arn:stepstone:function:approve",
        "arn:stepstone:approvals:email",
    ],
)
def test_recognised_resources(resource: str) -> None:
    assert errors(single(task(Resource=resource))) == []


@pytest.mark.parametrize(
    ("resource", "code"),
    [
        ("arn:aws:states:::teleport:invoke", S),
        ("arn:aws:states:::lambda:invoke.async", S),
        ("arn:aws:lambda:us-east-1:12345:function:short-account", S),
        ("arn:aws:s3:::bucket", S),
        ("arn:aws:states:::aws-sdk:s3", S),
        ("arn:aws:states:::aws-sdk:s3:getObject.sync", S),  # AWS: SDK integrations have no .sync
        ("arn:aws:states:us-east-1:12345:sns:publish", S),  # an account has 12 digits
        ("arn:aws:lambda:us-east-1:1111111111111:function:f", S),
        ("arn:aws:lambda:::function:f", S),
        ("arn:aws:states:us-east-1:123456789012:activity:bad name", S),
        ("arn:aws-mars:states:::sns:publish", S),
        ("lambda:invoke", "INVALID_RESOURCE"),
        ("", "INVALID_RESOURCE"),
    ],
)
def test_unrecognised_resources(resource: str, code: str) -> None:
    assert errors(single(task(Resource=resource))) == [(code, "/States/S/Resource")]


def test_unrecognised_resource_message_is_aws_wording() -> None:
    assert messages(single(task(Resource="arn:aws:states:::teleport:invoke"))) == [
        "The resource provided arn:aws:states:::teleport:invoke is not recognized. The value is not a valid "
        "resource ARN, or the resource is not available in this region."
    ]


# Query languages ---------------------------------------------------------------------------------


def test_query_language_values() -> None:
    assert errors(single({"Type": "Pass", "End": True}, QueryLanguage="JMESPath")) == [(S, "/QueryLanguage")]
    state = {"Type": "Pass", "QueryLanguage": "jsonata", "End": True}
    assert errors(single(state)) == [(S, "/States/S/QueryLanguage")]


def test_a_jsonpath_state_inside_a_jsonata_machine_is_an_error() -> None:
    state = {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}
    assert errors(single(state, QueryLanguage="JSONata")) == [(S, "/States/S/QueryLanguage")]


@pytest.mark.parametrize("field", ["Arguments", "Output", "Items"])
def test_jsonata_fields_in_a_jsonpath_state(field: str) -> None:
    state = {
        "Type": "Map",
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
        field: "{% 1 %}" if field != "Arguments" else {},
        "End": True,
    }
    assert (S, f"/States/S/{field}") in errors(single(state))


@pytest.mark.parametrize(
    "field", ["InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath", "ItemsPath"]
)
def test_jsonpath_fields_in_a_jsonata_state(field: str) -> None:
    value: Any = {} if field in ("Parameters", "ResultSelector") else "$.x"
    state = {
        "Type": "Map",
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
        field: value,
        "End": True,
    }
    found = errors(single(state, QueryLanguage="JSONata"))
    assert (S, f"/States/S/{field}") in found
    assert "is not supported for a JSONata state" in " ".join(
        messages(single(state, QueryLanguage="JSONata"))
    )


def test_jsonata_states_accept_expressions_for_numbers() -> None:
    state = task(TimeoutSeconds="{% $states.input.t %}", HeartbeatSeconds="{% 5 %}", QueryLanguage="JSONata")
    assert errors(single(state)) == []
    assert errors(single(task(TimeoutSeconds="{% $t %}"))) == [(S, "/States/S/TimeoutSeconds")]


def test_the_jsonata_hook_is_called_for_every_expression(monkeypatch: pytest.MonkeyPatch) -> None:
    from stepstone.asl.validate import expressions

    seen: list[str] = []

    def fake(expression: str) -> str | None:
        seen.append(expression)
        return "bad token" if "!" in expression else None

    monkeypatch.setattr(expressions, "jsonata_syntax_error", fake)
    state = task(Arguments={"a": "{% $x %}", "b": ["{% !! %}"]}, Output="{% $y %}", QueryLanguage="JSONata")
    assert errors(single(state)) == [(S, "/States/S/Arguments/b/0")]
    assert seen == [" $x ", " !! ", " $y "]
    assert messages(single(state)) == ["Invalid JSONata expression: bad token"]


# Paths and templates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("InputPath", "x.y"),
        ("OutputPath", "$.a["),
        ("ResultPath", "$.a[*]"),
        ("ResultPath", "$..a"),
        ("ResultPath", "$$.Execution"),
    ],
)
def test_bad_paths(field: str, value: str) -> None:
    assert errors(single(task(**{field: value}))) == [(S, f"/States/S/{field}")]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("InputPath", "$.a[*].b"),
        ("InputPath", None),
        ("OutputPath", "$$.Execution.Input"),
        ("ResultPath", None),
        ("ResultPath", "$.a.b[2]"),
        ("InputPath", "$myVariable.x"),
    ],
)
def test_good_paths(field: str, value: str | None) -> None:
    assert errors(single(task(**{field: value}))) == []


def test_template_dynamic_fields_are_checked_where_they_are() -> None:
    params = {"ok.$": "$.a", "nested": {"bad.$": "not a path"}, "fn.$": "States.Format('{}', $.a)"}
    assert errors(single(task(Parameters=params))) == [(S, "/States/S/Parameters/nested/bad.$")]


def test_bad_intrinsic_in_a_template() -> None:
    definition = single(task(ResultSelector={"x.$": "States.MathAdd($.a)"}))
    assert errors(definition) == [(S, "/States/S/ResultSelector/x.$")]
    assert "MathAdd" in messages(definition)[0]


def test_no_dollar_and_static_result_warnings() -> None:
    state = {
        "Type": "Pass",
        "Parameters": {"looks": "$.path", "fine": "text"},
        "Result": {"r.$": "$.x"},
        "End": True,
    }
    assert warnings(single(state)) == [
        ("NO_DOLLAR", "/States/S/Parameters/looks"),
        ("PASS_RESULT_IS_STATIC", "/States/S/Result/r.$"),
    ]
    assert errors(single(state)) == []


def test_no_path_warning_for_a_path_in_a_plain_field() -> None:
    assert warnings(single({"Type": "Fail", "Error": "$.error"})) == [("NO_PATH", "/States/S/Error")]


# Map details ---------------------------------------------------------------------------------------


def _map(**fields: Any) -> dict[str, Any]:
    return {
        "Type": "Map",
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
        "End": True,
        **fields,
    }


def test_map_processor_config() -> None:
    distributed = _map()
    distributed["ItemProcessor"]["ProcessorConfig"] = {"Mode": "DISTRIBUTED"}
    assert errors(single(distributed)) == [(S, "/States/S/ItemProcessor/ProcessorConfig")]
    distributed["ItemProcessor"]["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert errors(single(distributed)) == []
    distributed["ItemProcessor"]["ProcessorConfig"] = {"Mode": "PARALLEL"}
    assert errors(single(distributed)) == [(S, "/States/S/ItemProcessor/ProcessorConfig/Mode")]


def test_map_item_reader_and_label() -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "Parameters": {"Bucket": "b", "Key": "k"},
        "ReaderConfig": {"InputType": "CSV"},
    }
    assert errors(single(_map(ItemReader=reader, Label="items"))) == []
    assert errors(single(_map(ItemReader={"Parameters": {}}))) == [(S, "/States/S/ItemReader")]
    assert errors(single(_map(Label="x" * 41))) == [(S, "/States/S/Label")]


def test_map_items_and_items_path_are_exclusive_and_items_is_jsonata_only() -> None:
    both = _map(Items=[1], ItemsPath="$.x", QueryLanguage="JSONata")
    assert (S, "/States/S") in errors(single(both))
    assert errors(single(_map(Items="{% [1,2] %}", QueryLanguage="JSONata"))) == []


def test_jsonata_syntax_errors_come_from_the_jsonata_parser() -> None:
    state = task(Arguments={"a": "{% $states.input.( %}"}, QueryLanguage="JSONata")
    assert errors(single(state)) == [(S, "/States/S/Arguments/a")]
    assert messages(single(state))[0].startswith("Invalid JSONata expression: ")
    assert "position" in messages(single(state))[0]


@pytest.mark.parametrize("field", ["Parameters", "ResultSelector"])
def test_a_payload_template_that_is_not_an_object_is_accepted_with_a_warning(field: str) -> None:
    # serverless-patterns' eventbridge-pipes sample deploys `"Parameters": [{"Item.$": "$.Item"}]`.
    definition = single(task(**{field: [{"Item.$": "$.Item"}]}))
    assert errors(definition) == []
    assert warnings(definition) == [("MAY_BE_REFUSED", f"/States/S/{field}")]


def test_a_payload_template_array_is_still_checked() -> None:
    assert errors(single(task(Parameters=[{"Item.$": "not a path"}]))) != []


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:us-east-1:123456789012:athena:startQueryExecution.sync",
        "arn:aws:states:::mediaconvert:createJob",
        "arn:aws-cn:states:::aws-sdk:s3:getObject",
    ],
)
def test_an_unrunnable_integration_is_valid_and_fails_clearly_when_it_runs(resource: str) -> None:
    import asyncio

    from stepstone.asl.arns import canonical_resource
    from stepstone.testing import Registry, run_execution

    definition = single(task(Resource=resource))
    assert errors(definition) == []
    result = asyncio.run(run_execution(definition, {}, registry=Registry()))
    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
    # the cause names the resource in its canonical form, without its pattern
    base = canonical_resource(resource).removesuffix(".sync")
    assert result.cause == f"No integration is registered for the resource '{base}'."


@pytest.mark.parametrize("name", ["total", "café", "Ωmega_2", "x" * 80])
def test_variable_names_are_unicode_identifiers(name: str) -> None:
    assert errors(single({"Type": "Pass", "Assign": {name: 1}, "End": True})) == []


@pytest.mark.parametrize("name", ["9lives", "has space", "has-dash", "x" * 81, "states"])
def test_invalid_variable_names(name: str) -> None:
    assert errors(single({"Type": "Pass", "Assign": {name: 1}, "End": True})) == [
        (S, f"/States/S/Assign/{name}")
    ]


def test_a_leading_underscore_is_accepted_with_a_warning() -> None:
    definition = single({"Type": "Pass", "Assign": {"_hidden": 1}, "End": True})
    assert errors(definition) == []
    assert warnings(definition) == [("MAY_BE_REFUSED", "/States/S/Assign/_hidden")]


@pytest.mark.parametrize("timestamp", ["2026-03-14T01:59Z", "2026-03-14T01:59:00+01:00:30"])
def test_a_timestamp_aws_parses_but_does_not_document_is_accepted_with_a_warning(timestamp: str) -> None:
    # AWS parses timestamps as Java's ISO_OFFSET_DATE_TIME: seconds optional, offsets to the second
    definition = single({"Type": "Wait", "Timestamp": timestamp, "End": True})
    assert errors(definition) == []
    assert warnings(definition) == [("MAY_BE_REFUSED", "/States/S/Timestamp")]


@pytest.mark.parametrize("timestamp", ["2026-03-14T01:59:00", "20260314T015900Z", "2026-03-14 01:59:00Z"])
def test_a_timestamp_without_offset_or_in_basic_form_is_an_error(timestamp: str) -> None:
    assert errors(single({"Type": "Wait", "Timestamp": timestamp, "End": True})) == [
        (S, "/States/S/Timestamp")
    ]
