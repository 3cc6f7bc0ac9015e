"""Done-means: `stepstone serve` with AWS_ENDPOINT_URL set sends a task token through SQS, waits, and
resumes when a consumer that reads the queue calls SendTaskSuccess with the token it found."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.aws.motoserver import MotoServer
from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types, machine, wait_for

pytestmark = pytest.mark.slow


def receive(sqs: Any, url: str, timeout: float = 15) -> dict[str, Any]:
    """The next message of the queue, waiting for it (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
            return dict(messages[0])
    raise AssertionError("no message arrived")


def test_token_through_sqs_resumes_on_send_task_success(moto: MotoServer, server: ServerProcess) -> None:
    sqs: Any = moto.client("sqs")
    url = sqs.create_queue(QueueName="approvals")["QueueUrl"]
    sfn = server.client()
    states = {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": url,
                "MessageBody": {"order.$": "$.order", "token.$": "$$.Task.Token"},
            },
            "ResultPath": "$.answer",
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    }
    arn = sfn.start_execution(
        stateMachineArn=machine(sfn, "sqs-callback", states, "Ask"), input='{"order": 7}'
    )["executionArn"]
    body = json.loads(receive(sqs, url)["Body"])
    assert body["order"] == 7
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"  # waiting for the consumer
    sfn.send_task_success(taskToken=body["token"], output=json.dumps({"approved": True}))
    done = wait_for(sfn, arn)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"order": 7, "answer": {"approved": True}}
    types = history_types(sfn, arn)
    assert types.index("TaskSubmitted") < types.index("TaskSucceeded")
    submitted = next(
        e for e in sfn.get_execution_history(executionArn=arn)["events"] if e["type"] == "TaskSubmitted"
    )
    assert "MessageId" in json.loads(submitted["taskSubmittedEventDetails"]["output"])


def test_missing_queue_fails_the_execution_with_aws_error(moto: MotoServer, server: ServerProcess) -> None:
    sfn = server.client()
    states = {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": f"{moto.endpoint}/123456789012/nope",
                "MessageBody": {"t.$": "$$.Task.Token"},
            },
            "End": True,
        }
    }
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "sqs-missing", states, "Ask"))["executionArn"]
    done = wait_for(sfn, arn)
    assert done["status"] == "FAILED"
    assert done["error"] == "SQS.AmazonSQSException"
