"""boto3 and the AWS CLI against a real uvicorn server: botocore must see AWS's own shapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.api.conftest import CREATED, MACHINE_ARN, Server

EXECUTION_ARN = "arn:aws:states:us-east-1:123456789012:execution:demo:run-1"


def test_timestamps_round_trip_as_datetimes(server: Server) -> None:
    machines = server.client().list_state_machines()["stateMachines"]
    assert machines == [
        {"stateMachineArn": MACHINE_ARN, "name": "demo", "type": "STANDARD", "creationDate": CREATED}
    ]


def test_response_carries_a_request_id_and_unicode(server: Server) -> None:
    response = server.client().describe_execution(executionArn=EXECUTION_ARN)
    assert len(response["ResponseMetadata"]["RequestId"]) == 36
    assert json.loads(response["input"]) == {"who": "caf\u00e9"}
    assert response["startDate"] == CREATED


def test_the_request_reaches_the_service_with_aws_member_names(server: Server) -> None:
    server.client().send_task_success(taskToken="tok-1", output='{"ok": true}')
    assert ("SendTaskSuccess", {"taskToken": "tok-1", "output": '{"ok": true}'}) in server.service.calls


@pytest.mark.parametrize(
    ("token", "code"), [("gone", "TaskDoesNotExist"), ("bad", "InvalidToken"), ("late", "TaskTimedOut")]
)
def test_service_errors_become_botocore_exception_classes(server: Server, token: str, code: str) -> None:
    client = server.client()
    with pytest.raises(getattr(client.exceptions, code)) as caught:
        client.send_task_success(taskToken=token, output="{}")
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_error_message_is_passed_through(server: Server) -> None:
    client = server.client()
    missing = EXECUTION_ARN.replace("run-1", "missing")
    with pytest.raises(client.exceptions.ExecutionDoesNotExist) as caught:
        client.describe_execution(executionArn=missing)
    assert caught.value.response["Error"]["Message"] == f"Execution Does Not Exist: '{missing}'"


def test_invalid_input_is_a_validation_exception(server: Server) -> None:
    client = server.client(parameter_validation=False)
    before = len(server.service.calls)
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.send_task_success(taskToken="", output="{}")
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value at 'taskToken' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )
    assert len(server.service.calls) == before  # rejected before the service was called


def test_unimplemented_operation_is_unknown(server: Server) -> None:
    client = server.client()  # a fake service of six operations (the real one has all 37)
    with pytest.raises(ClientError) as caught:
        client.list_activities()
    error = caught.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert error["Message"] == "stepstone does not implement ListActivities yet."


def test_unexpected_exception_is_an_opaque_internal_failure(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    client = server.client()
    with pytest.raises(ClientError) as caught:
        client.start_execution(stateMachineArn=MACHINE_ARN)
    response = caught.value.response
    assert response["Error"]["Code"] == "InternalFailure"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "boom" not in json.dumps(response, default=str)


def test_authenticator_principal_reaches_the_service(server: Server) -> None:
    client = server.client()

    def add_user(request: object, **_: object) -> None:
        request.headers["x-test-user"] = "alice"  # type: ignore[attr-defined]

    client.meta.events.register("before-send.stepfunctions.DescribeStateMachine", add_user)
    assert client.describe_state_machine(stateMachineArn=MACHINE_ARN)["name"] == "alice"


def test_long_poll_does_not_block_other_requests(server: Server) -> None:
    service = server.service
    service.poll_started.clear()
    poller = server.client(read_timeout=2)
    outcome: list[object] = []

    def poll() -> None:
        try:
            outcome.append(
                poller.get_activity_task(activityArn=MACHINE_ARN.replace("stateMachine", "activity"))
            )
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=poll)
    thread.start()
    assert service.poll_started.wait(5)
    assert server.client().list_state_machines()["stateMachines"][0]["name"] == "demo"
    # The poller's read timeout drops the connection; the server must cancel the waiting call.
    assert service.poll_cancelled.wait(10)
    thread.join(10)
    assert outcome and isinstance(outcome[0], Exception)


def test_aws_cli(server: Server) -> None:
    aws = Path(sys.executable).parent / "aws"
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    done = subprocess.run(
        [str(aws), "stepfunctions", "list-state-machines", "--endpoint-url", server.url, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)["stateMachines"]
    assert listed[0]["stateMachineArn"] == MACHINE_ARN
    # AWS CLI v1 prints timestamps as the wire sent them (cli_timestamp_format "none").
    assert listed[0]["creationDate"] == CREATED.timestamp()
