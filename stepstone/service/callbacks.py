"""SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: the callback pattern."""

from __future__ import annotations

from typing import Any

from stepstone import errors as E
from stepstone.engine.events import TaskFailed, TaskHeartbeat, TaskSucceeded
from stepstone.engine.tokens import InvalidTokenError, token_hash
from stepstone.metrics import CALLBACK_WAIT, resource_kind
from stepstone.runtime.codec import dumps, encode_event
from stepstone.service.base import (
    ServiceBase,
    _json_payload,
)
from stepstone.store.base import CallbackOutcome


def raise_for(outcome: CallbackOutcome) -> None:
    """The AWS error for a callback the store did not accept (a repeat of the same result is fine)."""
    if outcome.kind == "unknown":
        raise E.InvalidToken("Invalid Token: 'The token does not name a task'")
    if outcome.kind == "closed":
        raise E.TaskTimedOut("Task Timed Out: 'Provided task does not exist anymore'")
    if outcome.kind == "completed_differently":
        raise E.TaskTimedOut("Task Timed Out: 'The task was already completed with a different result'")


def success_result(text: Any) -> tuple[str, Any]:
    """(stored result, output value) of a SendTaskSuccess-like `output` member; InvalidOutput if bad."""
    if not isinstance(text, str):
        raise E.InvalidOutput("Invalid output: it must be a JSON string")
    value = _json_payload(text, E.InvalidOutput, "Output")
    return dumps({"success": value}), value


def failure_result(request: dict[str, Any]) -> tuple[str, str, str]:
    """(stored result, error, cause) of a SendTaskFailure-like request."""
    error, cause = request.get("error") or "", request.get("cause") or ""
    return dumps({"failure": [error, cause]}), str(error), str(cause)


class CallbackOperations(ServiceBase):
    """SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: the callback pattern."""

    def _verify(self, token: Any) -> str:
        if not isinstance(token, str):
            raise E.InvalidToken("Invalid Token: 'The token is not a string'")
        try:
            self.keys.verify(token)
        except InvalidTokenError as exc:
            raise E.InvalidToken("Invalid Token: 'Invalid token'") from exc
        return token_hash(token)

    async def _close(self, token: Any, result: str, event_for: Any) -> dict[str, Any]:
        digest = self._verify(token)
        claims = self.keys.verify(token)
        now = self.clock.now()
        outcome = await self.store.close_task_by_callback(
            digest, result, encode_event(event_for(claims.task_id)), now
        )
        raise_for(outcome)
        if outcome.kind == "accepted":
            self.worker.wake()
            if outcome.task is not None:  # how long the task waited for its callback
                wait = (now - outcome.task.since).total_seconds()
                CALLBACK_WAIT.labels(resource_kind(outcome.task.resource)).observe(max(0.0, wait))
        return {}

    async def send_task_success(self, request: dict[str, Any]) -> dict[str, Any]:
        self._verify(request.get("taskToken"))  # AWS judges the token before the output
        result, value = success_result(request.get("output"))
        return await self._close(
            request.get("taskToken"), result, lambda task_id: TaskSucceeded(task_id, value)
        )

    async def send_task_failure(self, request: dict[str, Any]) -> dict[str, Any]:
        result, error, cause = failure_result(request)
        return await self._close(
            request.get("taskToken"), result, lambda task_id: TaskFailed(task_id, error, cause)
        )

    async def send_task_heartbeat(self, request: dict[str, Any]) -> dict[str, Any]:
        token = request.get("taskToken")
        digest = self._verify(token)
        claims = self.keys.verify(str(token))
        outcome = await self.store.heartbeat_task(
            digest, encode_event(TaskHeartbeat(claims.task_id)), self.clock.now()
        )
        raise_for(outcome)
        self.worker.wake()
        return {}
