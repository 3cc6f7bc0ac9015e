"""Completing a task by its address (execution, state, Map index) instead of by its token.

    Stepstone.SucceedTaskByAddress    {executionArn, stateName, mapIndex?, output}
    Stepstone.FailTaskByAddress       {executionArn, stateName, mapIndex?, error?, cause?}
    Stepstone.HeartbeatTaskByAddress  {executionArn, stateName, mapIndex?}

The caller never holds a token: the address is resolved to the one open task waiting there, and the
task is closed through the store's token-hash path (`close_task_by_callback`), exactly as
SendTaskSuccess closes it, so a repeat of the same result is harmless, a different one is refused,
and of two racing callers (by token or by address) exactly one wins. Only tasks that wait for a
callback (a token, an activity, a message) have an address; a Lambda call in flight has none.

Who may do it is the API guard's business: the operations are not matched by `SendTask*`, so a key
must allow them by name (or `*`) and, when scoped, for the execution's state machine. Every call,
accepted or refused, is in the audit log under the operation's name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stepstone import errors as E
from stepstone.engine.events import TaskFailed, TaskHeartbeat, TaskSucceeded
from stepstone.engine.state import ExecutionState
from stepstone.runtime.codec import encode_event
from stepstone.service.audit import AuditOperations
from stepstone.service.callbacks import failure_result, raise_for, success_result
from stepstone.store.base import ExecutionRow, TaskRow

__all__ = ["ADDRESS_OPERATIONS", "AddressOperations", "TaskAddress"]

ADDRESS_OPERATIONS = ("SucceedTaskByAddress", "FailTaskByAddress", "HeartbeatTaskByAddress")


@dataclass(frozen=True, slots=True)
class TaskAddress:
    """A task that waits for a callback, located by state and Map iteration (outermost first)."""

    task: TaskRow
    map_path: tuple[int, ...]

    def describe(self) -> str:
        where = "/".join(str(i) for i in self.map_path)
        return f"mapIndex {where} ({self.task.task_id})" if where else self.task.task_id


def _map_path(state: ExecutionState, task_id: str) -> tuple[int, ...]:
    """The Map item indices of the frames around an open task, outermost first."""
    task = state.open_tasks.get(task_id)
    path: list[int] = []
    fid = task.frame if task is not None else None
    while fid is not None and fid in state.frames:
        frame = state.frames[fid]
        parent = state.frames.get(frame.parent) if frame.parent is not None else None
        if parent is not None and parent.fan is not None and parent.fan.kind == "map":
            path.append(frame.slot)  # a Map iteration's slot is its item's index
        fid = frame.parent
    return tuple(reversed(path))


def _scheduled_id(task: TaskRow) -> int:
    """The id of the task's Scheduled event, which its task id (`task:N`) names."""
    number = task.task_id.rpartition(":")[2]
    return int(number) if number.isdigit() else 0


def _map_index(request: dict[str, Any]) -> int | None:
    value = request.get("mapIndex")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise E.ValidationException("mapIndex must be a non-negative integer")
    return value


class AddressOperations(AuditOperations):
    """SucceedTaskByAddress, FailTaskByAddress and HeartbeatTaskByAddress."""

    async def locate_task(self, execution: ExecutionRow, state_name: str, map_index: int | None) -> TaskRow:
        """The one task waiting in `state_name` (at `map_index` of the innermost Map, when given).

        Without an open one, the latest closed task of that state (so that a repeat is recognised and
        answered as SendTaskSuccess answers it); several open ones are an error naming each.
        """
        tasks = [
            t
            for t in await self.store.list_tasks(execution.arn, None)
            if t.state_name == state_name and t.token_hash is not None
        ]
        state = ExecutionState.from_json(json.loads(execution.state)) if execution.state else None
        waiting = [
            TaskAddress(t, _map_path(state, t.task_id) if state else ()) for t in tasks if t.status == "open"
        ]
        if map_index is not None:
            waiting = [a for a in waiting if a.map_path and a.map_path[-1] == map_index]
        if len(waiting) == 1:
            return waiting[0].task
        if len(waiting) > 1:
            listed = ", ".join(a.describe() for a in waiting)
            raise E.ValidationException(
                f"{len(waiting)} tasks wait in state '{state_name}': {listed}; name one with mapIndex"
            )
        closed = sorted((t for t in tasks if t.status == "closed"), key=_scheduled_id, reverse=True)
        for task in closed:
            if map_index is None or await self._closed_map_index(execution.arn, task) == map_index:
                return task
        at = "" if map_index is None else f" at mapIndex {map_index}"
        raise E.TaskDoesNotExist(
            f"Task Does Not Exist: no task waits for a callback in state '{state_name}'{at}"
        )

    async def _closed_map_index(self, arn: str, task: TaskRow) -> int | None:
        """The innermost Map index a closed task ran at, read back from the history: its frame is gone.

        The task's id names its Scheduled event; the chain of previous events of its frame leads to
        the MapIterationStarted that began the iteration. Only a repeat after the close reads this.
        """
        scheduled = _scheduled_id(task)
        rows = await self.store.history(arn, after=0, limit=scheduled, reverse=False)
        events = {row.id: json.loads(row.body) for row in rows}
        event_id: int | None = scheduled
        while event_id is not None and event_id in events:
            event = events[event_id]
            if event.get("type") == "MapIterationStarted":
                index = event.get("mapIterationStartedEventDetails", {}).get("index")
                return index if isinstance(index, int) else None
            previous = event.get("previousEventId")
            event_id = previous if isinstance(previous, int) and previous < event_id else None
        return None

    async def _by_address(self, action: str, request: dict[str, Any], result: str | None, event: Any) -> None:
        arn, state_name = request.get("executionArn"), request.get("stateName")
        try:
            if not isinstance(state_name, str) or not state_name:
                raise E.ValidationException("stateName is required")
            execution = await self._execution(str(arn or ""))
            task = await self.locate_task(execution, state_name, _map_index(request))
            assert task.token_hash is not None
            encoded = encode_event(event(task.task_id))
            now = self.clock.now()
            if result is None:
                outcome = await self.store.heartbeat_task(task.token_hash, encoded, now)
            else:
                outcome = await self.store.close_task_by_callback(task.token_hash, result, encoded, now)
            raise_for(outcome)
        except E.ServiceError as error:
            await self.record_audit(
                action, accepted=False, reason=f"{error.code}: {error.message}",
                execution_arn=arn if isinstance(arn, str) else None,
                state_name=state_name if isinstance(state_name, str) else None,
            )  # fmt: skip
            raise
        if outcome.kind == "accepted":
            self.worker.wake()
        reason = f"{task.task_id}: {'accepted' if outcome.kind == 'accepted' else 'repeated, no change'}"
        await self.record_audit(
            action, accepted=True, reason=reason, execution_arn=execution.arn, state_name=state_name
        )

    async def succeed_task_by_address(self, request: dict[str, Any]) -> dict[str, Any]:
        """Close the task waiting at the address with `output`, as SendTaskSuccess would."""
        try:
            result, value = success_result(request.get("output"))
        except E.ServiceError as error:
            await self.record_audit(
                "SucceedTaskByAddress", accepted=False, reason=f"{error.code}: {error.message}"
            )
            raise
        await self._by_address(
            "SucceedTaskByAddress", request, result, lambda task_id: TaskSucceeded(task_id, value)
        )
        return {}

    async def fail_task_by_address(self, request: dict[str, Any]) -> dict[str, Any]:
        """Fail the task waiting at the address with `error` and `cause`, as SendTaskFailure would."""
        result, error, cause = failure_result(request)
        await self._by_address(
            "FailTaskByAddress", request, result, lambda task_id: TaskFailed(task_id, error, cause)
        )
        return {}

    async def heartbeat_task_by_address(self, request: dict[str, Any]) -> dict[str, Any]:
        """Report that the task waiting at the address is still being worked on."""
        await self._by_address("HeartbeatTaskByAddress", request, None, TaskHeartbeat)
        return {}
