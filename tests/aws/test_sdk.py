"""`arn:aws:states:::aws-sdk:<service>:<action>` against a moto server: casing, names, errors."""

from __future__ import annotations

from typing import Any

import pytest

from stepstone.integrations.aws.sdk import error_prefix
from tests.aws.helpers import caught, create_table, run, task
from tests.aws.motoserver import MotoServer


@pytest.mark.parametrize(
    ("service_id", "prefix"),
    [("S3", "S3"), ("SFN", "Sfn"), ("DynamoDB", "DynamoDb"), ("ACM PCA", "AcmPca"), ("EC2", "Ec2"),
     ("CloudWatch Logs", "CloudWatchLogs"), ("Secrets Manager", "SecretsManager")],
)  # fmt: skip
def test_error_prefix_is_pascal_case_of_the_service(service_id: str, prefix: str) -> None:
    assert error_prefix(service_id) == prefix


def test_put_then_get_object_pascal_case_results(moto: MotoServer) -> None:
    s3: Any = moto.client("s3")
    s3.create_bucket(Bucket="files")
    states = {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject", "ResultPath": "$.put",
                "Parameters": {"Bucket": "files", "Key": "a.txt", "Body": False}, "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "files", "Key": "a.txt"}, "End": True},
    }  # fmt: skip
    result = run({"StartAt": "Put", "States": states})
    assert result.status == "SUCCEEDED", result
    out = result.output
    assert isinstance(out, dict)
    assert out["Body"] == "false"  # a JSON value is stored as its text
    assert out["ContentLength"] == 5 and out["ETag"] == '"68934a3e9455fa72420237eb05902327"'
    assert str(out["LastModified"]).endswith("Z")
    assert "ResponseMetadata" not in out and "SdkHttpMetadata" not in out


def test_camel_case_parameters_and_nested_results(moto: MotoServer) -> None:
    create_table(moto.client("dynamodb"), "t")
    result = run(task("arn:aws:states:::aws-sdk:dynamodb:describeTable", {"tableName": "t"}))
    assert result.status == "SUCCEEDED", result
    assert isinstance(result.output, dict)
    assert result.output["Table"]["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]


def test_service_error_names(moto: MotoServer) -> None:
    result = run(
        caught("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": "none", "Key": "k"}, ["States.ALL"])
    )
    assert isinstance(result.output, dict)
    assert result.output["Error"] == "S3.NoSuchBucketException"
    missing = run(task("arn:aws:states:::aws-sdk:sqs:getQueueUrl", {"QueueName": "none"}))
    assert missing.status == "FAILED"
    assert missing.error == "Sqs.QueueDoesNotExistException"
    assert "(Service: Sqs, Status Code: 400, Request ID: " in str(missing.cause)


def test_sdk_service_names_that_are_not_botocore_names(moto: MotoServer) -> None:
    logs = run(task("arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups", {}))
    assert logs.status == "SUCCEEDED", logs
    assert isinstance(logs.output, dict) and logs.output["LogGroups"] == []
    sfn = run(task("arn:aws:states:::aws-sdk:sfn:listActivities", {}))
    assert sfn.status == "SUCCEEDED", sfn


def test_unknown_action_and_bad_parameters_are_runtime_errors(moto: MotoServer) -> None:
    unknown = run(task("arn:aws:states:::aws-sdk:s3:fly", {}))
    assert unknown.status == "FAILED" and unknown.error == "States.Runtime"
    bad = run(task("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": "b"}))  # no Key
    assert bad.status == "FAILED" and bad.error == "States.Runtime"
    assert "Key" in str(bad.cause)
    service = run(task("arn:aws:states:::aws-sdk:nosuchservice:doIt", {}))
    assert service.status == "FAILED" and service.error == "States.Runtime"
