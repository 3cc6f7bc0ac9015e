"""`.sync` jobs: start the job, then the runtime polls its describe call on durable timers.

    resource (without .sync)                    start              poll until it ends
    arn:aws:states:::ecs:runTask                RunTask            DescribeTasks: lastStatus STOPPED
    arn:aws:states:::batch:submitJob            SubmitJob          DescribeJobs: SUCCEEDED | FAILED
    arn:aws:states:::glue:startJobRun           StartJobRun        GetJobRun: SUCCEEDED | FAILED, ...
    arn:aws:states:::athena:startQueryExecution StartQueryExecution GetQueryExecution: SUCCEEDED | ...
    arn:aws:states:::codebuild:startBuild       StartBuild         BatchGetBuilds: SUCCEEDED | ...

Without `.sync` each is a request-response call answering the start's response. With it, the start's
answer is the TaskSubmitted output, and the task ends as AWS ends it: with the described job
(PascalCase, as AWS returns it) as the output, or, when the job failed, `States.TaskFailed` with that
same description as the cause (ECS: a stopped task with a non-zero container exit code, or one that
failed to start). A poll that cannot reach the service is tried again on the next timer; a service error
(the job is gone) fails the task with the service's error name. A job whose task closed without it
(the execution was stopped or timed out) is stopped (StopTask, TerminateJob, BatchStopJobRun,
StopQueryExecution, StopBuild) when its next poll timer fires.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from stepstone.asl.errors import TASK_FAILED
from stepstone.asl.json import JSON
from stepstone.integrations.aws.calls import ServiceCaller
from stepstone.integrations.aws.errors import OptimizedNaming, service_failure
from stepstone.integrations.aws.metadata import without_metadata
from stepstone.integrations.aws.optimized import Operation, optimized_call
from stepstone.integrations.aws.shapes import to_json
from stepstone.integrations.base import Registry, TaskRequest, TaskResult

__all__ = ["JOBS", "SyncJobs"]

log = logging.getLogger("stepstone.integrations.aws.sync")

STOP_REASON = "The Step Functions task that started the job no longer waits for it."
#: A described job -> "running", "succeeded" or "failed".
Judge = Callable[[dict[str, Any]], str]


def _by_status(path: tuple[str, ...], ok: frozenset[str], bad: frozenset[str]) -> Judge:
    def judge(described: dict[str, Any]) -> str:
        value: Any = described
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return "succeeded" if value in ok else "failed" if value in bad else "running"

    return judge


def _ecs(described: dict[str, Any]) -> str:
    if described.get("LastStatus") != "STOPPED":
        return "running"
    codes = [c.get("ExitCode") for c in described.get("Containers") or []]
    if described.get("StopCode") == "TaskFailedToStart" or any(code not in (None, 0) for code in codes):
        return "failed"
    return "succeeded"


@dataclass(frozen=True, slots=True)
class Job:
    """How one `.sync` integration starts, finds and judges its job."""

    service: str
    start: str
    describe: str
    naming: OptimizedNaming
    handle: Callable[[dict[str, Any]], dict[str, Any] | None]  # what to describe, from the start's answer
    judge: Judge
    #: the describe call's parameters for a handle, and the described job in its answer
    ask: Callable[[dict[str, Any]], dict[str, Any]]
    pick: Callable[[dict[str, Any]], dict[str, Any] | None]
    output: Callable[[dict[str, Any]], JSON] = lambda described: described
    #: the call that stops the job, and its parameters for a handle
    stop: tuple[str, Callable[[dict[str, Any]], dict[str, Any]]] | None = None


def _first(key: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    def pick(answer: dict[str, Any]) -> dict[str, Any] | None:
        items = answer.get(key) or []
        return items[0] if items and isinstance(items[0], dict) else None

    return pick


def _member(key: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    return lambda answer: answer.get(key) if isinstance(answer.get(key), dict) else None


def _ecs_handle(answer: dict[str, Any]) -> dict[str, Any] | None:
    tasks = answer.get("Tasks") or []
    if not tasks or not isinstance(tasks[0], dict):
        return None
    return {"cluster": tasks[0].get("ClusterArn") or "default", "task": tasks[0].get("TaskArn")}


JOBS: dict[str, Job] = {
    "arn:aws:states:::ecs:runTask": Job(
        "ecs", "RunTask", "DescribeTasks", OptimizedNaming("ECS", "AmazonECS"), _ecs_handle, _ecs,
        ask=lambda h: {"Cluster": h["cluster"], "Tasks": [h["task"]]}, pick=_first("Tasks"),
        stop=("StopTask", lambda h: {"Cluster": h["cluster"], "Task": h["task"], "Reason": STOP_REASON}),
    ),
    "arn:aws:states:::batch:submitJob": Job(
        "batch", "SubmitJob", "DescribeJobs", OptimizedNaming("Batch", "AWSBatch"),
        lambda a: {"job": a["JobId"]} if a.get("JobId") else None,
        _by_status(("Status",), frozenset({"SUCCEEDED"}), frozenset({"FAILED"})),
        ask=lambda h: {"Jobs": [h["job"]]}, pick=_first("Jobs"),
        stop=("TerminateJob", lambda h: {"JobId": h["job"], "Reason": STOP_REASON}),
    ),
    "arn:aws:states:::glue:startJobRun": Job(
        "glue", "StartJobRun", "GetJobRun", OptimizedNaming("Glue", "AWSGlue"),
        lambda a: {"job": a.get("JobName"), "run": a["JobRunId"]} if a.get("JobRunId") else None,
        _by_status(("JobRunState",), frozenset({"SUCCEEDED"}),
                   frozenset({"FAILED", "ERROR", "TIMEOUT", "STOPPED"})),
        ask=lambda h: {"JobName": h["job"], "RunId": h["run"]}, pick=_member("JobRun"),
        stop=("BatchStopJobRun", lambda h: {"JobName": h["job"], "JobRunIds": [h["run"]]}),
    ),
    "arn:aws:states:::athena:startQueryExecution": Job(
        "athena", "StartQueryExecution", "GetQueryExecution", OptimizedNaming("Athena", "AmazonAthena"),
        lambda a: {"query": a["QueryExecutionId"]} if a.get("QueryExecutionId") else None,
        _by_status(("Status", "State"), frozenset({"SUCCEEDED"}), frozenset({"FAILED", "CANCELLED"})),
        ask=lambda h: {"QueryExecutionId": h["query"]}, pick=_member("QueryExecution"),
        output=lambda described: {"QueryExecution": described},
        stop=("StopQueryExecution", lambda h: {"QueryExecutionId": h["query"]}),
    ),
    "arn:aws:states:::codebuild:startBuild": Job(
        "codebuild", "StartBuild", "BatchGetBuilds", OptimizedNaming("CodeBuild", "AWSCodeBuild"),
        lambda a: {"build": a["Build"]["Id"]} if isinstance(a.get("Build"), dict) else None,
        _by_status(("BuildStatus",), frozenset({"SUCCEEDED"}),
                   frozenset({"FAILED", "FAULT", "STOPPED", "TIMED_OUT"})),
        ask=lambda h: {"Ids": [h["build"]]}, pick=_first("Builds"),
        output=lambda described: {"Build": described},
        stop=("StopBuild", lambda h: {"Id": h["build"]}),
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SyncJobs:
    """ECS, Batch, Glue, Athena and CodeBuild jobs: request-response, and `.sync` (Pollable)."""

    caller: ServiceCaller

    @staticmethod
    def handles(resource: str) -> bool:
        return resource in JOBS

    def register_into(self, registry: Registry) -> None:
        registry.register(self.handles, self)

    async def invoke(self, request: TaskRequest) -> TaskResult:
        job = JOBS[request.resource]
        started = await optimized_call(
            self.caller, Operation(job.service, job.start, job.naming), request.payload
        )
        if started.failed or request.pattern not in ("sync", "sync2"):
            return started
        submitted = started.output
        assert isinstance(submitted, dict) and isinstance(request.payload, dict)
        if job.service == "glue":  # GetJobRun needs the job's name, which StartJobRun does not answer
            submitted["JobName"] = request.payload.get("JobName")
        if job.handle(submitted) is None:  # nothing started (ECS answers its Failures instead)
            return TaskResult.fail(TASK_FAILED, json.dumps(submitted, separators=(",", ":")))
        return TaskResult.waiting(submitted)

    def poll_handle(self, resource: str, submitted: JSON) -> JSON | None:
        job = JOBS.get(resource)
        return job.handle(submitted) if job is not None and isinstance(submitted, dict) else None

    async def poll(self, resource: str, handle: JSON) -> TaskResult:
        job = JOBS[resource]
        assert isinstance(handle, dict)
        try:
            response, shape = await self.caller.call(job.service, job.describe, job.ask(handle))
        except ClientError as exc:
            failure = service_failure(exc, job.naming)
            return TaskResult.fail(failure.error, failure.cause)
        except Exception as exc:  # unreachable for now: the next timer asks again
            log.warning("poll of %s %s failed, trying again: %s", resource, handle, exc)
            return TaskResult.waiting()
        answer = to_json(without_metadata(response), shape)
        described = job.pick(answer) if isinstance(answer, dict) else None
        if described is None:
            return TaskResult.fail(TASK_FAILED, f"{job.describe} does not know the job {json.dumps(handle)}.")
        verdict = job.judge(described)
        if verdict == "running":
            return TaskResult.waiting()
        if verdict == "failed":
            return TaskResult.fail(TASK_FAILED, json.dumps(described, separators=(",", ":")))
        return TaskResult.ok(job.output(described))

    async def stop(self, resource: str, handle: JSON) -> None:
        job = JOBS.get(resource)
        if job is None or job.stop is None or not isinstance(handle, dict):
            return
        operation, params = job.stop
        try:
            await self.caller.call(job.service, operation, params(handle))
        except Exception as exc:  # best effort, as AWS: the job may have ended meanwhile
            log.warning("could not stop %s %s: %s", resource, handle, exc)
