"""AWS's optimized integrations for SQS, SNS, DynamoDB, EventBridge and Athena's query calls.

    arn:aws:states:::sqs:sendMessage[.waitForTaskToken]      SendMessage
    arn:aws:states:::sns:publish[.waitForTaskToken]          Publish
    arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem
    arn:aws:states:::events:putEvents[.waitForTaskToken]     PutEvents
    arn:aws:states:::athena:getQueryExecution|getQueryResults|stopQueryExecution
    arn:aws:states:::bedrock:invokeModel                     InvokeModel (Body: the model's JSON)

Parameters are the API's own. As on AWS, a message body (SQS `MessageBody`, SNS `Message`, an
EventBridge entry's `Detail`) that is JSON rather than a string is sent as its JSON text, which is
how a definition hands `$$.Task.Token` on inside a JSON message. The result is the API's response
with `SdkHttpMetadata` and `SdkResponseMetadata` added (the Java SDK v1 result object AWS returns);
errors are named per `errors.OptimizedNaming` (`SQS.AmazonSQSException`,
`DynamoDB.ConditionalCheckFailedException`, ...). With `.waitForTaskToken` the call's answer is the
task's submission and the task waits for the callback (`dispatch` does that for every integration).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stepstone.asl.errors import RUNTIME
from stepstone.asl.json import JSON
from stepstone.integrations.aws.calls import ServiceCaller
from stepstone.integrations.aws.errors import OptimizedNaming, service_failure
from stepstone.integrations.aws.metadata import sdk_metadata, without_metadata
from stepstone.integrations.aws.shapes import to_json
from stepstone.integrations.base import Registry, TaskRequest, TaskResult

__all__ = ["OPTIMIZED", "Operation", "OptimizedIntegration", "optimized_call"]

Prepare = Callable[[JSON], JSON]


def _as_text(value: Any) -> Any:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _text_member(name: str) -> Prepare:
    def prepare(params: JSON) -> JSON:
        return (
            {**params, name: _as_text(params[name])}
            if isinstance(params, dict) and name in params
            else params
        )

    return prepare


def _event_details(params: JSON) -> JSON:
    entries = params.get("Entries") if isinstance(params, dict) else None
    if not isinstance(entries, list):
        return params
    detail = _text_member("Detail")
    fixed = [detail(e) if isinstance(e, dict) else e for e in entries]
    assert isinstance(params, dict)
    return {**params, "Entries": fixed}


def _unchanged(params: JSON) -> JSON:
    return params


@dataclass(frozen=True, slots=True)
class Operation:
    """One optimized integration: which botocore call it makes and how it names its errors."""

    service: str
    operation: str
    naming: OptimizedNaming
    prepare: Prepare = _unchanged
    finish: Callable[[dict[str, JSON]], dict[str, JSON]] | None = None  # None: add the SDK metadata


_SQS = OptimizedNaming("SQS", "AmazonSQS", single="AmazonSQSException")
_SNS = OptimizedNaming("SNS", "AmazonSNS")
_DYNAMODB = OptimizedNaming("DynamoDB", "AmazonDynamoDBv2")
_EVENTS = OptimizedNaming("EventBridge", "AmazonEventBridge")
_ATHENA = OptimizedNaming("Athena", "AmazonAthena")
_BEDROCK = OptimizedNaming("Bedrock", "AmazonBedrockRuntime")


def _model_answer(result: dict[str, JSON]) -> dict[str, JSON]:
    """Bedrock's InvokeModel: the model's JSON answer as the Body (AWS parses it), no SDK metadata."""
    body = result.get("Body")
    if isinstance(body, str) and "json" in str(result.get("ContentType", "")):
        try:
            return {**result, "Body": json.loads(body)}
        except ValueError:
            pass
    return result


#: Resource ARN (without the pattern suffix) -> the call.
OPTIMIZED: dict[str, Operation] = {
    "arn:aws:states:::sqs:sendMessage": Operation("sqs", "SendMessage", _SQS, _text_member("MessageBody")),
    "arn:aws:states:::sns:publish": Operation("sns", "Publish", _SNS, _text_member("Message")),
    "arn:aws:states:::dynamodb:getItem": Operation("dynamodb", "GetItem", _DYNAMODB),
    "arn:aws:states:::dynamodb:putItem": Operation("dynamodb", "PutItem", _DYNAMODB),
    "arn:aws:states:::dynamodb:updateItem": Operation("dynamodb", "UpdateItem", _DYNAMODB),
    "arn:aws:states:::dynamodb:deleteItem": Operation("dynamodb", "DeleteItem", _DYNAMODB),
    "arn:aws:states:::events:putEvents": Operation("events", "PutEvents", _EVENTS, _event_details),
    "arn:aws:states:::athena:getQueryExecution": Operation("athena", "GetQueryExecution", _ATHENA),
    "arn:aws:states:::athena:getQueryResults": Operation("athena", "GetQueryResults", _ATHENA),
    "arn:aws:states:::athena:stopQueryExecution": Operation("athena", "StopQueryExecution", _ATHENA),
    "arn:aws:states:::bedrock:invokeModel": Operation(
        "bedrock-runtime", "InvokeModel", _BEDROCK, finish=_model_answer
    ),
}


@dataclass(frozen=True, slots=True)
class OptimizedIntegration:
    """The optimized SQS, SNS, DynamoDB and EventBridge integrations (request-response, token)."""

    caller: ServiceCaller

    @staticmethod
    def handles(resource: str) -> bool:
        return resource in OPTIMIZED

    def register_into(self, registry: Registry) -> None:
        registry.register(self.handles, self)

    async def invoke(self, request: TaskRequest) -> TaskResult:
        op = OPTIMIZED[request.resource]
        return await optimized_call(self.caller, op, op.prepare(request.payload))


async def optimized_call(caller: ServiceCaller, op: Operation, params: JSON) -> TaskResult:
    """Make an optimized integration's call: the response with its SDK metadata, or AWS's failure."""
    if not isinstance(params, dict):
        return TaskResult.fail(RUNTIME, f"The {op.operation} Parameters must be an object.")
    try:
        response, shape = await caller.call(op.service, op.operation, params)
    except Exception as exc:
        failure = service_failure(exc, op.naming)
        return TaskResult.fail(failure.error, failure.cause)
    result = to_json(without_metadata(response), shape)
    assert isinstance(result, dict)
    if op.finish is not None:
        return TaskResult.ok(op.finish(result))
    output: dict[str, JSON] = {**result, **sdk_metadata(response)}
    return TaskResult.ok(output)
