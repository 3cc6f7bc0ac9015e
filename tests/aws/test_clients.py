"""The AWS client layer: the SDK's endpoint variables, Step Functions Local's aliases, error names."""

from __future__ import annotations

import asyncio

import pytest
from botocore.exceptions import ClientError

from stepstone.integrations.aws.clients import AwsClients, ClientSettings
from stepstone.integrations.aws.errors import OptimizedNaming, sdk_failure, service_failure
from tests.aws.motoserver import MotoServer

SQS = OptimizedNaming("SQS", "AmazonSQS", single="AmazonSQSException")
DYNAMODB = OptimizedNaming("DynamoDB", "AmazonDynamoDBv2")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"AWS_ENDPOINT_URL": "http://global"}, "http://global"),
        ({"AWS_ENDPOINT_URL": "http://global", "SQS_ENDPOINT": "http://alias"}, "http://alias"),
        ({"SQS_ENDPOINT": "http://alias", "AWS_ENDPOINT_URL_SQS": "http://specific"}, "http://specific"),
        ({"DYNAMODB_ENDPOINT": "http://alias"}, None),  # another service's alias
        ({}, None),
    ],
)
def test_endpoint_resolution_order(env: dict[str, str], expected: str | None) -> None:
    assert ClientSettings.from_env("eu-west-1", env).endpoint_for("sqs", "sqs") == expected


def test_region_from_the_environment_else_the_default() -> None:
    assert ClientSettings.from_env("eu-west-1", {"AWS_REGION": "ap-south-1"}).region == "ap-south-1"
    assert ClientSettings.from_env("eu-west-1", {"AWS_DEFAULT_REGION": "us-west-2"}).region == "us-west-2"


def test_service_specific_variable_uses_the_service_id() -> None:
    settings = ClientSettings.from_env("us-east-1", {"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": "http://logs"})
    assert settings.endpoint_for("logs", "cloudwatch-logs") == "http://logs"


def test_calls_reach_the_configured_endpoint_off_the_loop(moto: MotoServer) -> None:
    clients = AwsClients(ClientSettings.from_env("us-east-1", {"SQS_ENDPOINT": moto.endpoint}))

    async def scenario() -> tuple[str, str]:
        created = await clients.call("sqs", "create_queue", {"QueueName": "jobs"})
        listed = await clients.call("sqs", "list_queues", {})
        return created["QueueUrl"], listed["QueueUrls"][0]

    try:
        created, listed = asyncio.run(scenario())
    finally:
        clients.close()
    assert created == listed and created.endswith("/jobs")
    assert clients.client("sqs") is clients.client("sqs")  # cached per service


def test_client_errors_get_step_functions_names(moto: MotoServer) -> None:
    clients = AwsClients(ClientSettings.from_env("us-east-1", {"AWS_ENDPOINT_URL": moto.endpoint}))
    try:
        with pytest.raises(ClientError) as sqs_error:
            clients.client("sqs").get_queue_url(QueueName="missing")
        with pytest.raises(ClientError) as s3_error:
            clients.client("s3").get_object(Bucket="missing", Key="k")
    finally:
        clients.close()
    failure = service_failure(sqs_error.value, SQS)
    assert failure.error == "SQS.AmazonSQSException"
    assert "(Service: AmazonSQS; Status Code: 400; Error Code: " in failure.cause
    s3 = sdk_failure(s3_error.value, "S3")
    assert s3.error == "S3.NoSuchBucketException"
    assert s3.cause.startswith(
        "The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: "
    )


def test_unreachable_endpoint_is_a_task_failure() -> None:
    clients = AwsClients(ClientSettings.from_env("us-east-1", {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}))
    try:
        with pytest.raises(Exception) as raised:
            asyncio.run(clients.call("dynamodb", "list_tables", {}))
    finally:
        clients.close()
    failure = service_failure(raised.value, DYNAMODB)
    assert failure.error == "States.TaskFailed"
    assert "could not be reached" in failure.cause
