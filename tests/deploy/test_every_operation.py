"""All 37 Step Functions operations (every one in botocore's model), called through boto3 on a real
server; every answer checked against botocore's output shape, every refusal an error code the model
lists for that operation. The Map Run operations run on a real Distributed Map over S3 (moto)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from stepstone.api import shapes
from tests.aws.distributed import BUCKET, map_run_arn, map_state
from tests.aws.motoserver import MotoServer
from tests.deploy.shapes import ShapeChecks
from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import wait_for

pytestmark = pytest.mark.slow
ROLE = "arn:aws:iam::123456789012:role/r"


def machine(states: dict[str, Any], start: str) -> str:
    return json.dumps({"StartAt": start, "States": states})


def refused(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return str(error.value.response["Error"]["Code"])


def drive_map_run(sfn: Any, moto: MotoServer, activity: str) -> None:
    """A Distributed Map over items in S3 whose children wait on `activity`: the Map Run is described,
    listed, its children listed and its concurrency raised while it runs, then described once done."""
    s3: Any = moto.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="items.json", Body=b'[{"n": 1}, {"n": 2}, {"n": 3}]')
    processor = {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": activity, "End": True}}}
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": BUCKET, "Key": "items.json"},
    }
    definition = map_state(processor, ItemReader=reader, MaxConcurrency=1, Label="items")
    mapper = sfn.create_state_machine(name="mapper", definition=json.dumps(definition), roleArn=ROLE)
    parent = sfn.start_execution(stateMachineArn=mapper["stateMachineArn"])["executionArn"]
    first = sfn.get_activity_task(activityArn=activity, workerName="map")  # one child runs: the run is live
    run = map_run_arn(sfn, parent)
    described = sfn.describe_map_run(mapRunArn=run)
    assert (described["status"], described["executionArn"], described["maxConcurrency"]) == (
        "RUNNING", parent, 1,
    )  # fmt: skip
    assert [r["mapRunArn"] for r in sfn.list_map_runs(executionArn=parent)["mapRuns"]] == [run]
    assert sfn.list_executions(mapRunArn=run)["executions"][0]["mapRunArn"] == run
    sfn.update_map_run(mapRunArn=run, maxConcurrency=3, toleratedFailureCount=1)
    sfn.send_task_success(taskToken=first["taskToken"], output="{}")
    for _ in range(2):
        sfn.send_task_success(taskToken=sfn.get_activity_task(activityArn=activity)["taskToken"], output="{}")
    assert wait_for(sfn, parent)["status"] == "SUCCEEDED"
    done = sfn.describe_map_run(mapRunArn=run)
    assert (done["status"], done["maxConcurrency"], done["toleratedFailureCount"]) == ("SUCCEEDED", 3, 1)
    assert done["itemCounts"]["succeeded"] == done["executionCounts"]["succeeded"] == 3
    assert "stopDate" in sfn.list_map_runs(executionArn=parent)["mapRuns"][0]
    # refusals: a finished run cannot be updated; a Map Run ARN that names no run is not found
    assert refused(sfn.update_map_run, mapRunArn=run, maxConcurrency=2) == "ValidationException"
    missing = run.rsplit(":", 1)[0] + ":00000000-0000-4000-8000-000000000000"
    assert refused(sfn.describe_map_run, mapRunArn=missing) == "ResourceNotFound"
    assert refused(sfn.list_executions, mapRunArn=missing) == "ResourceNotFound"
    assert refused(sfn.list_map_runs, executionArn=parent + "x") == "ExecutionDoesNotExist"


def test_every_operation_answers_in_aws_shape(moto: MotoServer, server: ServerProcess) -> None:
    # `moto` first: the server inherits the environment that points its AWS calls at moto
    checks = ShapeChecks()
    sfn = checks.attach(server.client())
    activity = sfn.create_activity(name="work")["activityArn"]
    assert sfn.describe_activity(activityArn=activity)["name"] == "work"
    assert [a["name"] for a in sfn.list_activities()["activities"]] == ["work"]
    task = {
        "W": {
            "Type": "Task",
            "Resource": activity,
            "TimeoutSeconds": 300,
            "HeartbeatSeconds": 60,
            "End": True,
        }
    }
    worker = sfn.create_state_machine(name="worker", definition=machine(task, "W"), roleArn=ROLE)[
        "stateMachineArn"
    ]
    assert sfn.validate_state_machine_definition(definition=machine(task, "W"))["result"] == "OK"
    twice = '{"StartAt": "P", "Comment": "a", "Comment": "b", "States": {"P": {"Type": "Pass", "End": true}}}'
    warned = sfn.validate_state_machine_definition(definition=twice)["diagnostics"]
    assert [d["severity"] for d in warned] == ["WARNING"]
    assert sfn.validate_state_machine_definition(definition=twice, severity="ERROR")["diagnostics"] == []
    assert (
        sfn.describe_state_machine(stateMachineArn=worker, includedData="METADATA_ONLY")["definition"] == "{}"
    )

    ok = sfn.start_execution(stateMachineArn=worker, input='{"n": 1}', traceHeader="Root=1-5e7c-a1")[
        "executionArn"
    ]
    assert sfn.describe_execution(executionArn=ok)["traceHeader"] == "Root=1-5e7c-a1"
    got = sfn.get_activity_task(activityArn=activity, workerName="w1")
    sfn.send_task_heartbeat(taskToken=got["taskToken"])
    sfn.send_task_success(taskToken=got["taskToken"], output='{"done": true}')
    assert wait_for(sfn, ok)["status"] == "SUCCEEDED"

    failing = sfn.start_execution(stateMachineArn=worker)["executionArn"]
    sfn.send_task_failure(
        taskToken=sfn.get_activity_task(activityArn=activity)["taskToken"], error="E", cause="c"
    )
    assert wait_for(sfn, failing)["status"] == "FAILED"
    assert sfn.redrive_execution(executionArn=failing)["redriveDate"] is not None
    sfn.send_task_success(taskToken=sfn.get_activity_task(activityArn=activity)["taskToken"], output="{}")
    assert wait_for(sfn, failing)["redriveCount"] == 1
    history = sfn.get_execution_history(executionArn=failing, maxResults=2)
    assert len(history["events"]) == 2 and "nextToken" in history
    assert sfn.get_execution_history(executionArn=failing, nextToken=history["nextToken"])["events"]
    assert sfn.list_executions(stateMachineArn=worker, statusFilter="SUCCEEDED")["executions"]
    assert sfn.describe_state_machine_for_execution(executionArn=ok)["stateMachineArn"] == worker

    waits = sfn.create_state_machine(
        name="waits", definition=machine({"W": {"Type": "Wait", "Seconds": 3600, "End": True}}, "W"),
        roleArn=ROLE, tags=[{"key": "team", "value": "a"}],
    )["stateMachineArn"]  # fmt: skip
    parked = sfn.start_execution(stateMachineArn=waits, name="parked")["executionArn"]
    sfn.stop_execution(executionArn=parked, error="Stopped", cause="by the test")
    assert sfn.describe_execution(executionArn=parked)["status"] == "ABORTED"
    sfn.tag_resource(resourceArn=waits, tags=[{"key": "env", "value": "dev"}])
    sfn.untag_resource(resourceArn=waits, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=waits)["tags"] == [{"key": "env", "value": "dev"}]

    echo = machine({"P": {"Type": "Pass", "End": True}}, "P")
    express = sfn.create_state_machine(name="express", definition=echo, roleArn=ROLE, type="EXPRESS")
    sync = checks.attach(boto3.client(
        "stepfunctions", endpoint_url=f"http://127.0.0.1:{server.port}", region_name="us-east-1",
        aws_access_key_id="t", aws_secret_access_key="t", config=Config(inject_host_prefix=False),
    ))  # fmt: skip
    assert (
        sync.start_sync_execution(stateMachineArn=express["stateMachineArn"], input='{"a": 1}')["output"]
        == '{"a":1}'
    )
    tested = sync.test_state(definition=json.dumps({"Type": "Pass", "Result": 2, "End": True}), roleArn=ROLE)
    assert tested["status"] == "SUCCEEDED"

    published = sfn.update_state_machine(stateMachineArn=waits, definition=echo, publish=True)
    v1 = published["stateMachineVersionArn"]
    assert sfn.describe_state_machine(stateMachineArn=waits)["revisionId"] == published["revisionId"]
    sfn.update_state_machine(
        stateMachineArn=waits, definition=machine({"Q": {"Type": "Pass", "End": True}}, "Q")
    )
    v2 = sfn.publish_state_machine_version(stateMachineArn=waits, description="second")[
        "stateMachineVersionArn"
    ]
    assert len(sfn.list_state_machine_versions(stateMachineArn=waits)["stateMachineVersions"]) == 2
    alias = sfn.create_state_machine_alias(
        name="live", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]
    )["stateMachineAliasArn"]
    sfn.update_state_machine_alias(
        stateMachineAliasArn=alias, description="canary",
        routingConfiguration=[
            {"stateMachineVersionArn": v1, "weight": 90}, {"stateMachineVersionArn": v2, "weight": 10},
        ],
    )  # fmt: skip
    assert sfn.describe_state_machine_alias(stateMachineAliasArn=alias)["description"] == "canary"
    assert (
        sfn.list_state_machine_aliases(stateMachineArn=waits)["stateMachineAliases"][0][
            "stateMachineAliasArn"
        ]
        == alias
    )
    run = sfn.start_execution(stateMachineArn=alias)["executionArn"]
    assert wait_for(sfn, run)["stateMachineAliasArn"] == alias
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine_version(stateMachineVersionArn=v2)
    drive_map_run(sfn, moto, activity)
    assert [m["name"] for m in sfn.list_state_machines()["stateMachines"]] == [
        "worker", "waits", "express", "mapper",
    ]  # fmt: skip
    sfn.delete_state_machine(stateMachineArn=express["stateMachineArn"])
    sfn.delete_activity(activityArn=activity)

    # refusals: each is one of the error codes botocore's model lists for the operation
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:missing"
    assert refused(sfn.describe_state_machine, stateMachineArn=missing) == "StateMachineDoesNotExist"
    assert refused(sfn.start_execution, stateMachineArn=f"{worker}:99") == "StateMachineDoesNotExist"
    assert refused(sfn.list_executions, stateMachineArn=worker, nextToken="forged") == "InvalidToken"
    assert (
        refused(sfn.publish_state_machine_version, stateMachineArn=waits, revisionId="old")
        == "ConflictException"
    )
    assert refused(sfn.describe_state_machine_alias, stateMachineAliasArn=alias) == "ResourceNotFound"
    assert refused(sfn.describe_execution, executionArn=ok + "x") == "ExecutionDoesNotExist"
    assert refused(sfn.send_task_success, taskToken="nope", output="{}") in (
        "InvalidToken",
        "TaskDoesNotExist",
    )

    model = server.client().meta.service_model.operation_names  # every operation in botocore's model
    assert len(model) == 37 and set(shapes.OPERATIONS) == set(model)
    assert checks.answered == set(model), sorted(set(model) - checks.answered)
    assert checks.problems == []
    for operation, codes in checks.errors.items():
        assert codes <= set(shapes.OPERATIONS[operation][2]), (operation, codes)
