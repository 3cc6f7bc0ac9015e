"""Service-integration ARNs in every spelling AWS accepts reach the same integration; an integration
stepstone cannot run fails the Task in a way Retry and Catch handle."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from stepstone.asl.arns import canonical_resource
from stepstone.integrations.base import Registry, TaskRequest, TaskResult
from stepstone.integrations.functions import FunctionIntegration
from stepstone.runtime.inprocess import run_execution

REGIONAL = "arn:aws:states:us-east-1:123456789012:lambda:invoke"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        (REGIONAL, "arn:aws:states:::lambda:invoke"),
        ("arn:aws:states:eu-west-1::sqs:send.waitForTaskToken", "arn:aws:states:::sqs:send.waitForTaskToken"),
        ("arn:aws:states::123456789012:glue:startJobRun.sync", "arn:aws:states:::glue:startJobRun.sync"),
        ("arn:aws-cn:states:::aws-sdk:s3:getObject", "arn:aws:states:::aws-sdk:s3:getObject"),
        ("arn:aws-us-gov:states:us-gov-west-1:123456789012:http:invoke", "arn:aws:states:::http:invoke"),
        ("arn:aws:states:::lambda:invoke", "arn:aws:states:::lambda:invoke"),
    ],
)  # fmt: skip
def test_every_spelling_of_an_integration_has_one_canonical_form(written: str, canonical: str) -> None:
    assert canonical_resource(written) == canonical


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:us-east-1:123456789012:activity:work",
        "arn:aws:states:us-east-1:123456789012:stateMachine:child",
        "arn:aws:lambda:us-east-1:123456789012:function:echo",
        "arn:stepstone:states:::approval:request",
        "not an arn",
    ],
)
def test_other_resources_are_left_as_written(resource: str) -> None:
    assert canonical_resource(resource) == resource


class Recorder:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def invoke(self, request: TaskRequest) -> TaskResult:
        self.seen.append(request.resource)
        return TaskResult.ok({"from": request.resource})


def test_an_integration_registered_by_its_canonical_arn_gets_every_spelling() -> None:
    recorder = Recorder()
    registry = Registry()
    registry.register("arn:aws:states:::sqs:sendMessage", recorder)
    spellings = [
        "arn:aws:states:::sqs:sendMessage",
        "arn:aws:states:us-east-1:123456789012:sqs:sendMessage",
        "arn:aws-cn:states:cn-north-1:123456789012:sqs:sendMessage",
    ]
    states = {
        f"S{i}": {"Type": "Task", "Resource": arn, "ResultPath": f"$.r{i}", "Next": f"S{i + 1}"}
        for i, arn in enumerate(spellings)
    }
    states["S3"] = {"Type": "Succeed"}
    result = asyncio.run(run_execution({"StartAt": "S0", "States": states}, {}, registry=registry))
    assert result.status == "SUCCEEDED", result.cause
    assert recorder.seen == ["arn:aws:states:::sqs:sendMessage"] * 3
    scheduled = [e["taskScheduledEventDetails"] for e in result.history if e["type"] == "TaskScheduled"]
    assert [(d["resourceType"], d["resource"], d["region"]) for d in scheduled] == [
        ("sqs", "sendMessage", "us-east-1"),
        ("sqs", "sendMessage", "us-east-1"),
        ("sqs", "sendMessage", "cn-north-1"),
    ]


def test_a_regional_lambda_invoke_runs_the_function_in_process() -> None:
    registry = Registry()
    FunctionIntegration({"double": lambda event, context: {"n": event["n"] * 2}}).register_into(registry)
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": REGIONAL,
                "Parameters": {"FunctionName": "double", "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }
    result = asyncio.run(run_execution(definition, {"n": 21}, registry=registry))
    assert (result.status, result.output) == ("SUCCEEDED", {"n": 42})


UNRUNNABLE = "arn:aws:states:us-east-1:123456789012:mediaconvert:createJob.sync"


def unrunnable_task(**fields: Any) -> dict[str, Any]:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": UNRUNNABLE, **fields}}}


@pytest.mark.parametrize("caught_by", ["States.ALL", "States.TaskFailed"])
def test_an_unrunnable_integration_is_caught(caught_by: str) -> None:
    definition = unrunnable_task(
        End=True, Catch=[{"ErrorEquals": [caught_by], "ResultPath": "$.error", "Next": "Handled"}]
    )
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    result = asyncio.run(run_execution(definition, {}, registry=Registry()))
    assert result.status == "SUCCEEDED"
    assert result.output == {
        "error": {
            "Error": "States.TaskFailed",
            "Cause": "No integration is registered for the resource "
            "'arn:aws:states:::mediaconvert:createJob'.",
        }
    }


def test_an_unrunnable_integration_is_retried_then_fails_the_execution() -> None:
    definition = unrunnable_task(
        End=True, Retry=[{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2, "IntervalSeconds": 1}]
    )
    result = asyncio.run(run_execution(definition, {}, registry=Registry()))
    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
    assert "mediaconvert:createJob" in (result.cause or "")
    assert [e["type"] for e in result.history].count("TaskFailed") == 3  # the try and two retries


@pytest.mark.parametrize(
    ("resource", "kind"),
    [
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", "sqs.waitForTaskToken"),
        ("arn:aws:states:us-east-1:123456789012:sqs:sendMessage.waitForTaskToken", "sqs.waitForTaskToken"),
        ("arn:aws-cn:states:cn-north-1:123456789012:lambda:invoke", "lambda"),
        ("arn:aws:states:us-east-1:123456789012:activity:work", "activity"),
        ("arn:aws:states:us-east-1:123456789012:mediaconvert:createJob", "other"),
    ],
)
def test_a_regional_integration_is_counted_under_its_service(resource: str, kind: str) -> None:
    from stepstone.metrics.kinds import resource_kind

    assert resource_kind(resource) == kind
