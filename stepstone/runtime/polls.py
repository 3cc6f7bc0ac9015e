"""Durable polling of `.sync` jobs: each wait is a timer row; each poll goes through the outbox.

    TaskSubmitted for a Pollable resource   the same transition arms timer `poll:{...}`
    TimerFired poll:{...}                   a transition that only queues the outbox entry
                                            {"poll": {...}} (nothing, if the task closed meanwhile)
    the entry, carried out                  asks the integration; the job's end is queued as the
                                            task's TaskSucceeded/TaskFailed, a running job as
                                            TimerFired pollwait:{...}
    TimerFired pollwait:{...}               a transition that arms the next `poll:` timer, later
    either timer, once the task closed      a transition that queues {"pollstop": {...}}: the
                                            integration stops the job the task no longer wants
                                            (execution stopped, timed out, branch cancelled)

Every step is one transaction of the store's usual kinds (a transition, an outbox completion), so a
crash loses no wait and at worst repeats a poll; the engine ignores a second result for a closed
task. The timer ids carry what a poll needs (task, resource, handle, attempt), so nothing else is
stored.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stepstone.asl.json import JSON
from stepstone.engine.events import Event, TaskFailed, TaskSubmitted, TaskSucceeded, TimerFired
from stepstone.engine.state import ExecutionState
from stepstone.integrations.base import Registry, UnknownResource
from stepstone.integrations.polling import Pollable, poll_delay
from stepstone.runtime.codec import dumps, encode_event
from stepstone.store.base import ExecutionRow, InboxRow, OutboxRow, Store, Transition

__all__ = ["Poll", "Submission", "first_poll", "poll_transition", "run_poll", "run_stop", "submitted_task"]

POLL = "poll:"
WAIT = "pollwait:"


@dataclass(frozen=True, slots=True)
class Poll:
    """One pending poll of one task's job."""

    task_id: str
    resource: str
    handle: JSON
    attempt: int = 0

    def timer(self, prefix: str) -> str:
        body = {"task": self.task_id, "resource": self.resource, "handle": self.handle, "n": self.attempt}
        return prefix + dumps(body)

    @classmethod
    def parse(cls, timer_id: object) -> tuple[str, Poll] | None:
        """The poll a timer id names (None: an engine timer, or not one of ours)."""
        for prefix in (POLL, WAIT):
            if isinstance(timer_id, str) and timer_id.startswith(prefix):
                try:
                    raw: dict[str, Any] = json.loads(timer_id[len(prefix) :])
                    return prefix, cls(raw["task"], raw["resource"], raw["handle"], int(raw["n"]))
                except (ValueError, KeyError, TypeError):
                    return None
        return None


def _pollable(registry: Registry, resource: str) -> Pollable | None:
    try:
        integration = registry.resolve(resource)
    except UnknownResource:
        return None
    return integration if isinstance(integration, Pollable) else None


@dataclass(frozen=True, slots=True)
class Submission:
    """A TaskSubmitted event and the task it is for, as the task was before the event."""

    task_id: str
    resource: str
    resource_name: str
    already_submitted: bool
    output: JSON


def submitted_task(before: ExecutionState | None, event: Event) -> Submission | None:
    """The submission `event` is, if any (taken before `decide` changes the state)."""
    if not isinstance(event, TaskSubmitted) or before is None:
        return None
    task = before.open_tasks.get(event.task_id)
    if task is None:
        return None
    return Submission(task.task_id, task.resource, task.resource_name, task.submitted, event.output)


def first_poll(registry: Registry, submission: Submission, now: datetime) -> tuple[str, datetime] | None:
    """The timer to arm with the first TaskSubmitted of a `.sync` job (None: not a job to poll)."""
    if submission.already_submitted or ".sync" not in submission.resource_name:
        return None  # a repeated submission (dispatch is at-least-once) starts no second poll chain
    integration = _pollable(registry, submission.resource)
    handle = None if integration is None else integration.poll_handle(submission.resource, submission.output)
    if handle is None:
        return None
    poll = Poll(submission.task_id, submission.resource, handle)
    return (poll.timer(POLL), now + timedelta(seconds=poll_delay(0)))


def poll_transition(
    row: ExecutionRow, inbox: InboxRow, event: TimerFired, open_tasks: Collection[str], now: datetime
) -> Transition | None:
    """The transition for a poll timer (None: not one; the engine decides the event)."""
    parsed = Poll.parse(event.timer_id)
    if parsed is None:
        return None
    kind, poll = parsed
    still_open = poll.task_id in open_tasks
    outbox: list[str] = []
    arm: list[tuple[str, datetime]] = []
    body = json.loads(event.timer_id[len(kind) :])
    if not still_open:
        outbox.append(dumps({"pollstop": body}))
    elif kind == POLL:
        outbox.append(dumps({"poll": body}))
    else:
        delay = timedelta(seconds=poll_delay(poll.attempt))
        arm.append((Poll(poll.task_id, poll.resource, poll.handle, poll.attempt).timer(POLL), now + delay))
    return Transition(
        execution_arn=row.arn,
        expected_version=row.version,
        consumed_inbox_id=inbox.id,
        state=row.state,
        status=row.status,
        output=row.output,
        error=row.error,
        cause=row.cause,
        stop_date=row.stop_date,
        outbox=outbox,
        arm_timers=arm,
        closed_at=now,
    )


async def run_stop(store: Store, registry: Registry, row: OutboxRow, body: dict[str, Any]) -> None:
    """Carry out a {"pollstop": ...} outbox entry: stop the job of a task that closed without it."""
    integration = _pollable(registry, body["resource"])
    if integration is not None:
        await integration.stop(body["resource"], body["handle"])
    await store.complete_outbox(row.id, None)


async def run_poll(store: Store, registry: Registry, row: OutboxRow, body: dict[str, Any]) -> None:
    """Carry out a {"poll": ...} outbox entry: ask the job, queue its end or the next wait."""
    poll = Poll(body["task"], body["resource"], body["handle"], int(body["n"]))
    integration = _pollable(registry, poll.resource)
    if integration is None:
        result_event = encode_event(
            TaskFailed(poll.task_id, "States.Runtime", f"No integration polls '{poll.resource}'.")
        )
    else:
        result = await integration.poll(poll.resource, poll.handle)
        if result.pending:
            wait = Poll(poll.task_id, poll.resource, poll.handle, poll.attempt + 1)
            result_event = encode_event(TimerFired(wait.timer(WAIT)))
        elif result.error is not None:
            result_event = encode_event(TaskFailed(poll.task_id, result.error, result.cause or ""))
        else:
            result_event = encode_event(TaskSucceeded(poll.task_id, result.output))
    await store.complete_outbox(row.id, result_event)
