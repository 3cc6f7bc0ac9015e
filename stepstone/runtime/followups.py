"""Outbox entries besides task invocations: what one execution's transition owes another party.

    {"report": LINK}                        the execution closed and a parent task (LINK, a
                                            `ParentLink`) waits for it: queue the result there
    {"cancel": {"resource", "task_id"}}     a task was cancelled and its integration can release
                                            what it started (a nested execution): ask it to
    {"poll": {...}}                         ask a `.sync` job how it is doing (runtime/polls.py)
    {"pollstop": {...}}                     stop the job of a `.sync` task that closed without it
    {"status_event": EVENT}                 the execution's status changed: deliver the event to the
                                            configured endpoint, or keep it as a dead letter

Each is committed in the outbox of the transition that causes it, so it survives a crash and is
carried out at least once; both are idempotent (`decide` ignores a result for a task that is no
longer open; stopping an execution that already ended does nothing).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from stepstone.engine.events import Event, TaskFailed, TaskSucceeded
from stepstone.integrations.base import Cancellable, Registry, UnknownResource
from stepstone.integrations.states import ParentLink, child_result
from stepstone.integrations.status_events import Delivery, EventDelivery
from stepstone.runtime.codec import dumps, encode_event
from stepstone.runtime.polls import run_poll, run_stop
from stepstone.store.base import OutboxRow, Store
from stepstone.store.deployments import DeadLetterRow

__all__ = ["cancellable", "carry_out", "decode_followup", "encode_cancel", "encode_report"]


def encode_report(link: str) -> str:
    return dumps({"report": link})


def encode_cancel(resource: str, task_id: str) -> str:
    return dumps({"cancel": {"resource": resource, "task_id": task_id}})


def decode_followup(text: str) -> dict[str, Any] | None:
    """The follow-up an outbox entry holds, or None when it is a task invocation."""
    if not text.startswith(('{"report"', '{"cancel"', '{"poll"', '{"pollstop"', '{"status_event"')):
        return None
    raw: dict[str, Any] = json.loads(text)
    return raw


def cancellable(registry: Registry, resource: str) -> bool:
    """Whether the integration behind `resource` wants to hear about a cancelled task."""
    try:
        return isinstance(registry.resolve(resource), Cancellable)
    except UnknownResource:
        return False


async def carry_out(
    store: Store,
    registry: Registry,
    row: OutboxRow,
    followup: dict[str, Any],
    events: EventDelivery | None = None,
) -> bool:
    """Do what the entry asks and forget it; True when an execution got new work (wake the worker)."""
    queued = False
    if "poll" in followup:  # a `.sync` job's poll (runtime/polls.py) completes the entry itself
        await run_poll(store, registry, row, followup["poll"])
        return True
    if "pollstop" in followup:
        await run_stop(store, registry, row, followup["pollstop"])
        return False
    if "status_event" in followup:
        await _deliver(store, row, followup["status_event"], events)
        return False
    if "report" in followup:
        link = ParentLink.decode(followup["report"])
        child = await store.get_execution(row.execution_arn)
        if child is not None:
            result = child_result(child, link.pattern)
            event: Event = (
                TaskSucceeded(link.task_id, result.output)
                if result.error is None
                else TaskFailed(link.task_id, result.error, result.cause or "")
            )
            await store.enqueue(link.execution_arn, encode_event(event))
            queued = True
    else:
        cancel = followup["cancel"]
        integration = registry.resolve(cancel["resource"])
        if isinstance(integration, Cancellable):
            await integration.cancel(row.execution_arn, cancel["task_id"])
    await store.complete_outbox(row.id, None)
    return queued


async def _deliver(store: Store, row: OutboxRow, event: dict[str, Any], events: EventDelivery | None) -> None:
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    outcome = (
        Delivery(0, "no event endpoint is configured (serve --events-url)")
        if events is None
        else await events.deliver(body)
    )
    if outcome.error is None:
        await store.complete_outbox(row.id, None)
        return
    letter = DeadLetterRow(
        0, row.execution_arn, body.decode(), outcome.attempts, outcome.error, datetime.now(UTC)
    )
    await store.dead_letter(row.id, letter)
