"""Nested executions: `arn:aws:states:::states:startExecution` as a Task resource.

Parameters: `StateMachineArn` (required), `Input` (a JSON value, or JSON text), `Name` (optional).

    request-response     {"ExecutionArn", "StartDate"} as soon as the child is started
    .sync                the child's DescribeExecution when it ends, Input/Output as JSON text
    .sync:2              the same with Input/Output parsed as JSON
    .waitForTaskToken    the child is started; the task waits for a callback with its token

The child is a real execution in the same store, started through the service path StartExecution
uses (the composition root injects `start`). A child the parent waits for (`.sync`, `.sync:2`)
carries a `ParentLink` in its `ExecutionInfo.parent`; the worker that commits the child's close puts
a report in the outbox of that same transaction, and carrying it out queues the result for the
parent's task (`child_result`). No coroutine waits on a child, and no crash can lose the report.
A child that does not succeed fails the task with States.TaskFailed, its description as the cause.

Cancelling the parent's task (StopExecution, a timeout, a failed sibling branch) stops a `.sync`
child: the parent keeps `stepstone:child:<task id>` -> child ARN as an internal tag (the API cannot
tag executions, so users never see or clash with it) and `cancel` stops what the tag names.

Without `Name`, the child's name is derived from the parent's task, so a start repeated after a
crash (dispatch is at-least-once) finds the same child instead of starting a second one.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from stepstone.asl.errors import RUNTIME, TASK_FAILED
from stepstone.asl.json import JSON
from stepstone.errors import ServiceError
from stepstone.integrations.base import Registry, TaskRequest, TaskResult
from stepstone.store.base import ExecutionRow, Store

__all__ = ["START_EXECUTION", "NestedExecutions", "ParentLink", "child_result"]

START_EXECUTION = "arn:aws:states:::states:startExecution"
CHILD_TAG = "stepstone:child:"
_FAILED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True, slots=True)
class ParentLink:
    """The task of the parent execution that waits for a child to end, and how it wants the result."""

    execution_arn: str
    task_id: str
    pattern: Literal["sync", "sync2"]

    def encode(self) -> str:
        return json.dumps([self.execution_arn, self.task_id, self.pattern], separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> ParentLink:
        arn, task_id, pattern = json.loads(text)
        return cls(str(arn), str(task_id), "sync2" if pattern == "sync2" else "sync")


class StartChild(Protocol):
    """The service's StartExecution, with the link to the waiting parent task (None: nobody waits)."""

    async def __call__(self, request: dict[str, Any], parent: str | None) -> ExecutionRow: ...


class StopChild(Protocol):
    """The service's StopExecution."""

    async def __call__(self, request: dict[str, Any]) -> object: ...


def _millis(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def _data(text: str | None, parsed: bool) -> JSON:
    if text is None:
        return None
    return json.loads(text) if parsed else text


def child_result(row: ExecutionRow, pattern: Literal["sync", "sync2"]) -> TaskResult:
    """The parent task's result for a closed child: its description, or States.TaskFailed with it."""
    parsed = pattern == "sync2"
    described: dict[str, JSON] = {
        "ExecutionArn": row.arn,
        "Input": _data(row.input, parsed),
        "InputDetails": {"Included": True},
        "Name": row.name,
        "RedriveCount": row.redrive_count,
        "StartDate": _millis(row.start_date),
        "StateMachineArn": row.state_machine_arn,
        "Status": row.status,
        "StopDate": _millis(row.stop_date),
    }
    if row.status == "SUCCEEDED":
        described["Output"] = _data(row.output, parsed)
        described["OutputDetails"] = {"Included": True}
        described["RedriveStatus"] = "NOT_REDRIVABLE"
        described["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
        return TaskResult.ok(described)
    described["RedriveStatus"] = "REDRIVABLE" if row.status in _FAILED_STATUSES else "NOT_REDRIVABLE"
    if row.error is not None:
        described["Error"] = row.error
    if row.cause is not None:
        described["Cause"] = row.cause
    return TaskResult.fail(TASK_FAILED, json.dumps(described, separators=(",", ":")))


def default_name(parent_arn: str, task_id: str) -> str:
    """A UUID-shaped child name that only this parent task produces."""
    digest = hashlib.sha256(f"{parent_arn}#{task_id}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _input_text(value: JSON) -> str:
    if value is None:
        return "{}"
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _service_failure(exc: ServiceError) -> TaskResult:
    """A refused StartExecution the way AWS's integration reports it."""
    code = exc.code if exc.code.endswith("Exception") else f"{exc.code}Exception"
    return TaskResult.fail(
        f"StepFunctions.{code}",
        f"{exc.message} (Service: AWSStepFunctions; Status Code: {exc.status}; Error Code: {exc.code})",
    )


@dataclass(slots=True)
class NestedExecutions:
    """The startExecution integration over the service's start and stop operations."""

    start: StartChild
    stop: StopChild
    store: Store

    @staticmethod
    def handles(resource: str) -> bool:
        return resource == START_EXECUTION

    def register_into(self, registry: Registry) -> None:
        registry.register(self.handles, self)

    async def invoke(self, request: TaskRequest) -> TaskResult:
        params = request.payload if isinstance(request.payload, dict) else {}
        machine = params.get("StateMachineArn")
        if not isinstance(machine, str):
            return TaskResult.fail(RUNTIME, "The startExecution integration needs a StateMachineArn string.")
        name = params.get("Name")
        if name is None:
            name = default_name(request.execution_arn, request.task_id)
        link = None
        if request.pattern in ("sync", "sync2"):
            pattern: Literal["sync", "sync2"] = "sync2" if request.pattern == "sync2" else "sync"
            link = ParentLink(request.execution_arn, request.task_id, pattern)
        start = {"stateMachineArn": machine, "name": name, "input": _input_text(params.get("Input"))}
        try:
            child = await self.start(start, None if link is None else link.encode())
        except ServiceError as exc:
            return _service_failure(exc)
        if link is None:
            return TaskResult.ok({"ExecutionArn": child.arn, "StartDate": _millis(child.start_date)})
        await self.store.tag(request.execution_arn, {CHILD_TAG + request.task_id: child.arn})
        # The parent may have been stopped while the child was starting, before the tag was there.
        task = await self.store.get_task(request.execution_arn, request.task_id)
        if task is not None and task.status == "closed":
            await self.cancel(request.execution_arn, request.task_id)
        return TaskResult.waiting({"ExecutionArn": child.arn, "StartDate": _millis(child.start_date)})

    async def cancel(self, execution_arn: str, task_id: str) -> None:
        """The parent's task was cancelled: stop the child it started, if that still runs."""
        child = (await self.store.tags(execution_arn)).get(CHILD_TAG + task_id)
        if child is None:
            return
        row = await self.store.get_execution(child)
        if row is None or row.status != "RUNNING":
            return
        try:
            await self.stop(
                {
                    "executionArn": child,
                    "error": "States.Aborted",
                    "cause": f"The parent execution's task {task_id} was cancelled.",
                }
            )
        except ServiceError:  # it ended meanwhile: nothing to stop
            return
