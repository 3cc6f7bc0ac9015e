"""Invariants 2 and 3 for `.sync` jobs: a job that keeps running costs the server a timer row between
polls, never a thread or a coroutine, and that row survives kill -9. ECS tasks held RUNNING by moto's
state manager are polled by a real `stepstone serve`."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.aws.motoserver import MotoServer
from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types, wait_for
from tests.server.test_invariants import park, proc_status, stepstone_call

pytestmark = pytest.mark.slow

WARM_UP = 40  # fills the bounded AWS call pool before measuring
PARKED = 200
MAX_THREAD_GROWTH = 2
MAX_ASYNCIO_TASK_GROWTH = 10
JOB = {
    "StartAt": "Run",
    "States": {
        "Run": {
            "Type": "Task",
            "Resource": "arn:aws:states:::ecs:runTask.sync",
            "Parameters": {"Cluster": "jobs", "TaskDefinition": "work", "LaunchType": "FARGATE"},
            "End": True,
        }
    },
}


def _state_manager(moto: MotoServer, action: str, body: dict[str, Any]) -> None:
    url = f"{moto.endpoint}/moto-api/state-manager/{action}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(request, timeout=10).close()


def hold_tasks_running(moto: MotoServer, times: int = 1_000_000) -> None:
    """moto moves an ECS task on each time it is described, unless told to wait for many calls."""
    transition = {"progression": "manual", "times": times}
    _state_manager(moto, "set-transition", {"model_name": "ecs::task", "transition": transition})


@pytest.fixture(autouse=True)
def _moto_default_progression(moto: MotoServer) -> Iterator[None]:
    """moto's reset keeps state-manager transitions: give the other tests moto's default back."""
    yield
    _state_manager(moto, "unset-transition", {"model_name": "ecs::task"})


def between_polls(server: ServerProcess, seconds: float = 10.0) -> dict[str, int]:
    """The fewest threads and asyncio tasks seen over a while: the polls (doubling from 0.5 s) of
    jobs started together leave quiet gaps, when nothing but the waits themselves is left."""
    assert server.proc is not None
    low: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = {**proc_status(server.proc.pid), **stepstone_call(server, "DescribeRuntime", {})}
        low = {k: min(low.get(k, now[k]), now[k]) for k in ("threads", "asyncioTasks")}
        time.sleep(0.25)
    return low


def wait_submitted(server: ServerProcess, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while len(stepstone_call(server, "ListOpenTasks", {})["tasks"]) < count:
        assert time.monotonic() < deadline, "the jobs did not all start"
        time.sleep(0.2)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_running_sync_jobs_cost_no_thread_no_task(moto: MotoServer, tmp_path: Path) -> None:
    hold_tasks_running(moto)
    ecs = moto.client("ecs")
    ecs.create_cluster(clusterName="jobs")  # type: ignore[attr-defined]
    ecs.register_task_definition(  # type: ignore[attr-defined]
        family="work", containerDefinitions=[{"name": "main", "image": "busybox", "memory": 128}]
    )
    server = ServerProcess(tmp_path)
    server.start()
    try:
        machine = server.client().create_state_machine(
            name="jobs", definition=json.dumps(JOB), roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
        park(server, machine, WARM_UP)
        wait_submitted(server, WARM_UP)
        before = between_polls(server)
        park(server, machine, PARKED)
        wait_submitted(server, WARM_UP + PARKED)
        after = between_polls(server)
        running = ecs.list_tasks(cluster="jobs")["taskArns"]  # type: ignore[attr-defined]
        described = ecs.describe_tasks(cluster="jobs", tasks=running[:1])["tasks"][0]  # type: ignore[attr-defined]
    finally:
        server.kill()
    assert len(running) == WARM_UP + PARKED and described["lastStatus"] == "RUNNING"
    growth = {key: after[key] - before[key] for key in ("threads", "asyncioTasks")}
    print(f"{PARKED} more running jobs: before {before}, after {after}")
    assert growth["threads"] <= MAX_THREAD_GROWTH, growth
    assert growth["asyncioTasks"] <= MAX_ASYNCIO_TASK_GROWTH, growth


def test_a_polled_job_survives_kill_9_of_the_server(moto: MotoServer, tmp_path: Path) -> None:
    """The poll timer is a row: a server killed while a job runs picks the job up after a restart."""
    hold_tasks_running(moto)
    ecs = moto.client("ecs")
    ecs.create_cluster(clusterName="jobs")  # type: ignore[attr-defined]
    ecs.register_task_definition(  # type: ignore[attr-defined]
        family="work", containerDefinitions=[{"name": "main", "image": "busybox", "memory": 128}]
    )
    server = ServerProcess(tmp_path)
    server.start()
    try:
        sfn = server.client()
        machine = sfn.create_state_machine(
            name="job", definition=json.dumps(JOB), roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        wait_submitted(server, 1)
        time.sleep(1.0)  # a poll or two find it running
        server.restart()  # kill -9, then a new process on the same database
        hold_tasks_running(moto, times=1)  # from now on the task moves on as it is described
        done = wait_for(server.client(), arn, timeout=40)
        types = history_types(server.client(), arn)
    finally:
        server.kill()
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"])["LastStatus"] == "STOPPED"
    assert types.count("TaskSubmitted") == 1 and types.count("TaskSucceeded") == 1


def test_a_job_whose_task_timed_out_is_stopped(moto: MotoServer, server: ServerProcess) -> None:
    hold_tasks_running(moto)
    ecs = moto.client("ecs")
    ecs.create_cluster(clusterName="jobs")  # type: ignore[attr-defined]
    ecs.register_task_definition(  # type: ignore[attr-defined]
        family="work", containerDefinitions=[{"name": "main", "image": "busybox", "memory": 128}]
    )
    sfn = server.client()
    definition = json.loads(json.dumps(JOB))
    definition["States"]["Run"]["TimeoutSeconds"] = 1
    machine = sfn.create_state_machine(
        name="late", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    done = wait_for(sfn, arn, timeout=20)
    assert done["status"] == "FAILED" and done["error"] == "States.Timeout"
    task_arn = ecs.list_tasks(cluster="jobs")["taskArns"][0]  # type: ignore[attr-defined]
    deadline = time.monotonic() + 20
    while True:  # the next poll timer finds the task closed and stops the job
        described = ecs.describe_tasks(cluster="jobs", tasks=[task_arn])["tasks"][0]  # type: ignore[attr-defined]
        if described.get("desiredStatus") == "STOPPED":
            break
        assert time.monotonic() < deadline, described
        time.sleep(0.2)
    assert described["stoppedReason"].startswith("The Step Functions task")
