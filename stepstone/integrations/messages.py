"""Waiting for a message by correlation key: `arn:stepstone:states:::message:wait`.

    "Type": "Task",
    "Resource": "arn:stepstone:states:::message:wait",
    "Parameters": {
      "MessageName": "PaymentConfirmed",          required: the message's name
      "CorrelationKey.$": "$.orderId",            required: which one (a string; another value as JSON)
      "Resume": "All" | "One"                     optional, default "All": one message resumes every
    },                                            such wait on the key, or only the oldest
    "TimeoutSeconds": 86400

(With JSONata, `Arguments` computes the same members.) The task registers a wait row and waits; a
published message with that name and key closes it with the message's payload as the task's result,
in the same transaction. A message published before the wait began is delivered at once if its
time-to-live has not run out. TimeoutSeconds, HeartbeatSeconds, Retry and Catch apply as to any task.

Failures the workflow can Catch: `Message.InvalidRequest` (bad Parameters).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from stepstone.asl.json import JSON
from stepstone.integrations.base import Registry, TaskRequest, TaskResult
from stepstone.store.messages import Delivery, MessageStore, MessageWaitRow

__all__ = ["INVALID_REQUEST", "MESSAGE_WAIT", "MessageWaitIntegration", "correlation_text", "wait_row"]

MESSAGE_WAIT = "arn:stepstone:states:::message:wait"
INVALID_REQUEST = "Message.InvalidRequest"
MAX_NAME = 256


def correlation_text(value: JSON) -> str:
    """A correlation key as stored: a string as it is, any other JSON value as its compact text."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)


def _parse(payload: JSON) -> tuple[str, str, bool]:
    if not isinstance(payload, dict):
        raise ValueError("Parameters must be an object")
    name = payload.get("MessageName")
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise ValueError(f"MessageName must be a string of 1 to {MAX_NAME} characters")
    if payload.get("CorrelationKey") is None:
        raise ValueError("CorrelationKey is required (and may not be null)")
    resume = payload.get("Resume", "All")
    if resume not in ("All", "One"):
        raise ValueError("Resume must be 'All' or 'One'")
    return name, correlation_text(payload["CorrelationKey"]), resume == "All"


def wait_row(execution_arn: str, task_id: str, payload: JSON, now: datetime) -> MessageWaitRow | None:
    """The wait a message:wait task registers; None for bad Parameters (its dispatch fails the task).

    The runtime commits it with the transition that opens the task, so a message published as soon
    as the task shows as open finds it; the dispatch then only looks for a buffered message.
    """
    try:
        name, key, resume_all = _parse(payload)
    except ValueError:
        return None
    return MessageWaitRow(execution_arn, task_id, name, key, resume_all, now)


@dataclass(slots=True)
class MessageWaitIntegration:
    """Registers message waits; a buffered message may close the task right away."""

    store: MessageStore
    deliver: Delivery
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def register_into(self, registry: Registry) -> None:
        registry.register(MESSAGE_WAIT, self)

    async def invoke(self, request: TaskRequest) -> TaskResult:
        try:
            name, key, resume_all = _parse(request.payload)
        except ValueError as exc:
            return TaskResult.fail(INVALID_REQUEST, str(exc))
        now = self.now()
        wait = MessageWaitRow(request.execution_arn, request.task_id, name, key, resume_all, now)
        # a repeated dispatch (after a crash) finds its wait row and changes nothing
        await self.store.wait_for_message(wait, self.deliver, now)
        return TaskResult.waiting({"MessageName": name, "CorrelationKey": key})
