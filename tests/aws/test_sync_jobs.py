"""`.sync` jobs through a real `stepstone serve` against moto: polled on durable timers until they end."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.aws.motoserver import MotoServer
from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import machine, wait_for

pytestmark = pytest.mark.slow
RUN = {"Cluster": "jobs", "TaskDefinition": "work", "LaunchType": "FARGATE"}


def one_task(resource: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"T": {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}}


def events(sfn: Any, arn: str) -> list[dict[str, Any]]:
    return list(sfn.get_execution_history(executionArn=arn)["events"])


def _ecs_task(moto: MotoServer) -> Any:
    ecs: Any = moto.client("ecs")
    ecs.create_cluster(clusterName="jobs")
    ecs.register_task_definition(
        family="work", containerDefinitions=[{"name": "main", "image": "busybox", "memory": 128}]
    )
    return ecs


def test_ecs_run_task_sync_polls_until_the_task_stops(moto: MotoServer, server: ServerProcess) -> None:
    ecs = _ecs_task(moto)
    sfn = server.client()
    states = one_task("arn:aws:states:::ecs:runTask.sync", RUN)
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "ecs-sync", states, "T"))["executionArn"]
    done = wait_for(sfn, arn, timeout=20)
    # moto moves a task on (RUNNING, DEACTIVATING, STOPPED) each time it is described: only
    # repeated polls see it stop
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output["LastStatus"] == "STOPPED" and output["Containers"][0]["Name"] == "main"
    task_arn = output["TaskArn"]
    assert ecs.describe_tasks(cluster="jobs", tasks=[task_arn])["tasks"][0]["lastStatus"] == "STOPPED"
    types = [e["type"] for e in events(sfn, arn)]
    assert types.index("TaskSubmitted") < types.index("TaskSucceeded")
    submitted = next(e for e in events(sfn, arn) if e["type"] == "TaskSubmitted")
    assert json.loads(submitted["taskSubmittedEventDetails"]["output"])["Tasks"][0]["TaskArn"] == task_arn


def test_ecs_run_task_request_response_answers_at_once(moto: MotoServer, server: ServerProcess) -> None:
    _ecs_task(moto)
    sfn = server.client()
    states = one_task("arn:aws:states:::ecs:runTask", RUN)
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "ecs-rr", states, "T"))["executionArn"]
    done = wait_for(sfn, arn)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["Tasks"][0]["LastStatus"] in ("PROVISIONING", "PENDING", "RUNNING")


def test_athena_query_sync_returns_the_query_execution(moto: MotoServer, server: ServerProcess) -> None:
    sfn = server.client()
    params = {"QueryString": "SELECT 1", "ResultConfiguration": {"OutputLocation": "s3://results/"}}
    states = one_task("arn:aws:states:::athena:startQueryExecution.sync", params)
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "athena-sync", states, "T"))["executionArn"]
    done = wait_for(sfn, arn, timeout=20)
    assert done["status"] == "SUCCEEDED", done
    execution = json.loads(done["output"])["QueryExecution"]
    assert execution["Query"] == "SELECT 1" and execution["Status"]["State"] == "SUCCEEDED"


def test_a_job_that_is_gone_fails_with_the_service_error(moto: MotoServer, server: ServerProcess) -> None:
    sfn = server.client()
    states = one_task("arn:aws:states:::glue:startJobRun.sync", {"JobName": "missing"})
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "glue-missing", states, "T"))["executionArn"]
    done = wait_for(sfn, arn, timeout=20)
    assert done["status"] == "FAILED"
    assert done["error"] == "Glue.EntityNotFoundException"


def test_codebuild_start_build_sync_returns_the_build(moto: MotoServer, server: ServerProcess) -> None:
    codebuild: Any = moto.client("codebuild")
    codebuild.create_project(
        name="app",
        source={"type": "S3", "location": "bucket/src.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole="arn:aws:iam::123456789012:role/build",
    )  # fmt: skip
    sfn = server.client()
    states = one_task("arn:aws:states:::codebuild:startBuild.sync", {"ProjectName": "app"})
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "build-sync", states, "T"))["executionArn"]
    done = wait_for(sfn, arn, timeout=20)
    assert done["status"] == "SUCCEEDED", done
    build = json.loads(done["output"])["Build"]
    assert build["ProjectName"] == "app" and build["BuildStatus"] == "SUCCEEDED"
