"""The AWS environment a recorded case ran in, rebuilt on moto: queues, tables, buckets, a queue consumer.

The recorded tests created their resources under names the recorder then replaced by placeholders
(`sqs_queue_url`, `table-name`, `bucket-name`); those are valid resource names, so the resources are
created under them and the cases run unchanged. What the recorded test's consumer did with a task
token it read from the queue (heartbeats, success with the message, failure) is the external party's
behaviour, kept here per recorded test; stepstone's side of it is what the case checks.
"""

from __future__ import annotations

import json
from typing import Any

#: Needs served by the AWS integrations (against moto in the suite).
AWS_NEEDS = frozenset({"sqs", "sns", "dynamodb", "aws-sdk"})
#: The objects the recorded S3 getObject test uploaded, by its parameter.
S3_BODIES = {"str": "text data", "bytearray": "byte array data", "empty_binary": ""}


def needs_aws(case: dict[str, Any]) -> bool:
    return bool(AWS_NEEDS & set(case["needs"]))


def provision(case: dict[str, Any], moto: Any) -> list[str]:
    """Create what the case's input names; returns the queue URLs a consumer should read."""
    data = json.loads(case["input"])
    queues: list[str] = []
    if isinstance(data.get("QueueUrl"), str):
        sqs = moto.client("sqs")
        queues.append(sqs.create_queue(QueueName=data["QueueUrl"])["QueueUrl"])
    if isinstance(data.get("TableName"), str) and isinstance(data.get("Key"), dict):
        (name, typed), *_ = data["Key"].items()
        moto.client("dynamodb").create_table(
            TableName=data["TableName"],
            KeySchema=[{"AttributeName": name, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": next(iter(typed))}],
            BillingMode="PAY_PER_REQUEST",
        )
    bucket = data.get("Bucket")
    if isinstance(bucket, str) and "Nonexistent" not in bucket:
        s3 = moto.client("s3")
        s3.create_bucket(Bucket=bucket)
        # AWS encrypts every new bucket's objects with SSE-S3 by default; moto needs to be told
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
        parameter = case["source"].rsplit("[", 1)[-1].rstrip("]")
        if "s3:getObject" in case["definition"] and parameter in S3_BODIES:
            s3.put_object(Bucket=bucket, Key=data["Key"], Body=S3_BODIES[parameter].encode())
    return queues


def consume(case: dict[str, Any], sfn: Any, sqs: Any, queues: list[str]) -> bool:
    """Act on each waiting message as the recorded test's consumer did; False when none was waiting."""
    acted = False
    test = case["source"].rsplit("::", 1)[-1].split("[")[0]
    for url in queues:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            body = json.loads(message["Body"])
            token = body["TaskToken"]
            acted = True
            if test == "test_sqs_wait_for_task_token_task_failure":
                sfn.send_task_failure(taskToken=token, error="Failure error", cause="Failure cause")
                continue
            if test == "test_multiple_heartbeat_notifications":
                sfn.send_task_heartbeat(taskToken=token)
                sfn.send_task_heartbeat(taskToken=token)
            output = body["Message"] if test == "test_sqs_wait_for_task_token_call_chain" else body
            sfn.send_task_success(taskToken=token, output=json.dumps(output))
    return acted
