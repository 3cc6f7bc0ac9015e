"""What `decide` asks the runtime to do: the outputs besides new state and history.

The runtime persists commands with the transition (the outbox) and carries them out afterwards, so
dispatch is at-least-once; each command is keyed (task_id, timer_id) so a repeat is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from stepstone.asl.json import JSON

#: How a Task waits for its resource (the Resource ARN suffix).
Pattern = Literal["request_response", "sync", "sync2", "wait_for_token"]


@dataclass(frozen=True, slots=True)
class InvokeTask:
    """Invoke `resource` (suffix removed) with `payload`; report back with TaskSucceeded/TaskFailed(task_id).

    With pattern "wait_for_token" the resource's own result is ignored: the task finishes when
    someone calls back with `token`. Timeouts and heartbeats are enforced by timers the same decision
    arms; they are here so the runtime can tell workers (and `stepstone tasks list`) about them.
    """

    task_id: str
    state_name: str
    resource: str
    pattern: Pattern
    payload: JSON
    token: str | None = None
    timeout_seconds: float | None = None
    heartbeat_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class CancelTask:
    """The task is no longer wanted (execution stopped, timed out, branch failed): release its token."""

    task_id: str


@dataclass(frozen=True, slots=True)
class ArmTimer:
    """Deliver TimerFired(timer_id) at `due`. Arming an id that is already armed moves it."""

    timer_id: str
    due: datetime


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """Forget the timer; a TimerFired for it that races the cancel is ignored by `decide`."""

    timer_id: str


Command = InvokeTask | CancelTask | ArmTimer | CancelTimer
