"""The optimized SQS, SNS, DynamoDB and EventBridge integrations against a moto server."""

from __future__ import annotations

import json
from typing import Any

from tests.aws.helpers import caught, create_table, run, task
from tests.aws.motoserver import MotoServer

SEND = "arn:aws:states:::sqs:sendMessage"


def test_send_message_returns_aws_shape_and_json_bodies_travel_as_text(moto: MotoServer) -> None:
    sqs: Any = moto.client("sqs")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    result = run(task(SEND, {"QueueUrl": url, "MessageBody": {"order": 7}}))
    assert result.status == "SUCCEEDED", result
    out = result.output
    assert isinstance(out, dict)
    assert set(out) == {"MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}
    assert out["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"] == "application/x-amz-json-1.0"
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert json.loads(message["Body"]) == {"order": 7}
    assert message["MessageId"] == out["MessageId"]


def test_missing_queue_is_an_sqs_exception_that_catch_sees(moto: MotoServer) -> None:
    queue = {"QueueUrl": f"{moto.endpoint}/123456789012/missing", "MessageBody": "x"}
    result = run(caught(SEND, queue, ["SQS.AmazonSQSException"]))
    assert result.status == "SUCCEEDED"
    assert isinstance(result.output, dict)
    assert result.output["Error"] == "SQS.AmazonSQSException"
    assert "(Service: AmazonSQS; Status Code: 400; Error Code: " in result.output["Cause"]


def test_sns_publish(moto: MotoServer) -> None:
    sns: Any = moto.client("sns")
    topic = sns.create_topic(Name="news")["TopicArn"]
    result = run(task("arn:aws:states:::sns:publish", {"TopicArn": topic, "Message": {"hello": 1}}))
    assert result.status == "SUCCEEDED", result
    assert isinstance(result.output, dict) and len(str(result.output["MessageId"])) > 8
    missing = run(task("arn:aws:states:::sns:publish", {"TopicArn": topic + "-gone", "Message": "x"}))
    assert missing.status == "FAILED"
    assert missing.error == "SNS.NotFoundException"


def _table(moto: MotoServer) -> Any:
    ddb: Any = moto.client("dynamodb")
    create_table(ddb, "items")
    return ddb


def test_dynamodb_put_update_get_delete(moto: MotoServer) -> None:
    ddb = _table(moto)
    key = {"id": {"S": "a"}}
    update = {
        "TableName": "items",
        "Key": key,
        "UpdateExpression": "SET n = n + :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
        "ReturnValues": "UPDATED_NEW",
    }
    steps = [
        ("putItem", {"TableName": "items", "Item": {"id": {"S": "a"}, "n": {"N": "1"}}}, None),
        ("updateItem", update, "$.updated"),
        ("getItem", {"TableName": "items", "Key": key}, "$.got"),
        ("deleteItem", {"TableName": "items", "Key": key}, None),
    ]
    states: dict[str, Any] = {}
    for index, (action, params, result_path) in enumerate(steps):
        states[action] = {
            "Type": "Task",
            "Resource": f"arn:aws:states:::dynamodb:{action}",
            "Parameters": params,
            "ResultPath": result_path,
            **({"Next": steps[index + 1][0]} if index + 1 < len(steps) else {"End": True}),
        }
    result = run({"StartAt": "putItem", "States": states})
    assert result.status == "SUCCEEDED", result
    assert isinstance(result.output, dict)
    assert result.output["updated"]["Attributes"] == {"n": {"N": "2"}}
    assert result.output["got"]["Item"] == {"id": {"S": "a"}, "n": {"N": "2"}}
    assert "SdkHttpMetadata" in result.output["got"]
    assert "Item" not in ddb.get_item(TableName="items", Key=key)


def test_dynamodb_refused_condition(moto: MotoServer) -> None:
    ddb = _table(moto)
    ddb.put_item(TableName="items", Item={"id": {"S": "a"}})
    params = {
        "TableName": "items",
        "Item": {"id": {"S": "a"}},
        "ConditionExpression": "attribute_not_exists(id)",
    }
    result = run(task("arn:aws:states:::dynamodb:putItem", params))
    assert result.status == "FAILED"
    assert result.error == "DynamoDB.ConditionalCheckFailedException"
    assert "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException" in str(
        result.cause
    )


def test_eventbridge_put_events(moto: MotoServer) -> None:
    entries = [{"Source": "app", "DetailType": "thing", "Detail": {"x": 1}, "EventBusName": "default"}]
    result = run(task("arn:aws:states:::events:putEvents", {"Entries": entries}))
    assert result.status == "SUCCEEDED", result
    assert isinstance(result.output, dict)
    assert result.output["FailedEntryCount"] == 0
    assert len(result.output["Entries"]) == 1 and "EventId" in result.output["Entries"][0]


def test_unreachable_endpoint_is_retried_then_caught(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    definition = caught(
        "arn:aws:states:::dynamodb:getItem",
        {"TableName": "t", "Key": {"id": {"S": "a"}}},
        ["States.ALL"],
        Retry=[{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2, "IntervalSeconds": 1}],
    )
    result = run(definition)
    assert result.status == "SUCCEEDED"
    assert isinstance(result.output, dict) and result.output["Error"] == "States.TaskFailed"
    scheduled = [e for e in result.history if e["type"] == "TaskScheduled"]
    assert len(scheduled) == 3  # the first attempt and two retries


def test_athena_query_calls(moto: MotoServer) -> None:
    athena: Any = moto.client("athena")
    query = athena.start_query_execution(
        QueryString="SELECT 1", ResultConfiguration={"OutputLocation": "s3://results/"}
    )["QueryExecutionId"]
    got = run(task("arn:aws:states:::athena:getQueryExecution", {"QueryExecutionId": query}))
    assert got.status == "SUCCEEDED", got
    assert isinstance(got.output, dict) and got.output["QueryExecution"]["QueryExecutionId"] == query
    results = run(task("arn:aws:states:::athena:getQueryResults", {"QueryExecutionId": query}))
    assert results.status == "SUCCEEDED", results
    assert isinstance(results.output, dict) and "ResultSet" in results.output


def test_bedrock_invoke_model_sends_the_body_as_json(moto: MotoServer) -> None:
    params = {
        "ModelId": "amazon.titan-text-express-v1",
        "Body": {"inputText": "five names"},
        "ContentType": "application/json",
        "Accept": "application/json",
    }
    result = run(task("arn:aws:states:::bedrock:invokeModel", params))
    assert result.status == "SUCCEEDED", result
    assert isinstance(result.output, dict)
    assert result.output["Body"] == {}  # moto's model answers an empty JSON object, parsed
    assert "SdkHttpMetadata" not in result.output
    missing = run(task("arn:aws:states:::bedrock:invokeModel", {"Body": {}}))
    assert missing.status == "FAILED" and missing.error == "States.Runtime"  # no ModelId
