"""Activities and the GetActivityTask long poll.

A hand-out is provisional, like a message under a queue's visibility timeout: the claim hides the
task for `activity_visibility` instead of deleting it, and the hand-out is confirmed (the row
deleted) a moment after the answer was written, or sooner by the task's first heartbeat or its
callback. A server that dies while answering never confirms, so the task is visible again when the
window ends and goes to the next poller instead of waiting for its timeout. While the server lives a
client sees what AWS shows: one delivery per task, one ActivityStarted. What a worker may see twice:
a task handed out less than `CONFIRM_DELAY` before the server died (killed, or stopped by a signal,
which ends `stepstone serve` without its clean-up) if that answer did reach its worker; the second
hand-out carries the same token and input, and the first callback wins (an identical repeat is
accepted, a different one is TaskTimedOut).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from stepstone import errors as E
from stepstone.engine.tokens import resolve_token_references
from stepstone.runtime.worker import encode_started
from stepstone.service.base import (
    _ACT_ARN,
    MAX_POLL_SECONDS,
    ServiceBase,
)
from stepstone.store.base import ActivityRow, ActivityTaskRow, Store

log = logging.getLogger("stepstone.service.activities")

#: How long a hand-out stays provisional: unconfirmed by then, the task is handed out again.
DEFAULT_VISIBILITY = timedelta(seconds=10)
#: Confirmations wait this long (the answer is written by then) and go to the store in one batch.
CONFIRM_DELAY = 0.2


class HandOutConfirmations:
    """Confirms provisional hand-outs in batches, shortly after their answers went out."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._ids: list[int] = []
        self._flush: asyncio.Task[None] | None = None

    def add(self, task_id: int) -> None:
        self._ids.append(task_id)
        if self._flush is None or self._flush.done():
            self._flush = asyncio.get_running_loop().create_task(self._confirm())

    async def _confirm(self) -> None:
        await asyncio.sleep(CONFIRM_DELAY)
        await self.flush()

    async def flush(self) -> None:
        """Confirm what is waiting now (the batch, or a clean shutdown)."""
        ids: Sequence[int]
        ids, self._ids = self._ids, []
        try:
            await self.store.confirm_activity_tasks(ids)
        except Exception:  # they show again when their window ends: handed out twice at worst
            log.warning("could not confirm %d activity hand-outs", len(ids), exc_info=True)


class ActivityOperations(ServiceBase):
    """Activities and the GetActivityTask long poll."""

    activity_visibility: timedelta = DEFAULT_VISIBILITY
    _confirmations: HandOutConfirmations | None = None

    # activities -------------------------------------------------------------------------------------

    async def create_activity(self, request: dict[str, Any]) -> dict[str, Any]:
        name = self._name(request.get("name"))
        row = await self.store.create_activity(
            ActivityRow(self._arn("activity", name), name, self.clock.now())
        )
        if request.get("tags"):
            await self.store.tag(row.arn, {t["key"]: t.get("value", "") for t in request["tags"]})
        return {"activityArn": row.arn, "creationDate": row.created}

    async def describe_activity(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._activity(request["activityArn"])
        return {"activityArn": row.arn, "name": row.name, "creationDate": row.created}

    async def list_activities(self, request: dict[str, Any]) -> dict[str, Any]:
        rows, token = self._page(await self.store.list_activities(), request, "ListActivities")
        items = [{"activityArn": r.arn, "name": r.name, "creationDate": r.created} for r in rows]
        return {"activities": items, **({"nextToken": token} if token else {})}

    async def delete_activity(self, request: dict[str, Any]) -> dict[str, Any]:
        arn = request["activityArn"]
        if not _ACT_ARN.match(arn or ""):
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        await self.store.delete_activity(arn)
        return {}

    async def get_activity_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """Long poll: up to 60 s, woken as soon as a task of this activity is queued."""
        arn = (await self._activity(request["activityArn"])).arn
        worker_name = request.get("workerName")

        def started(task_id: str) -> str:
            return encode_started(task_id, worker_name)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_POLL_SECONDS
        while True:
            # Subscribed before looking, so a task queued while the claim runs wakes this poll.
            queued = self.signals.subscribe(arn)
            try:
                now = self.clock.now()
                task = await self.store.claim_activity_task(
                    arn, started, now=now, hidden_until=now + self.activity_visibility
                )
            except BaseException:
                self.signals.discard(arn, queued)
                raise
            if task is not None:
                self.signals.discard(arn, queued)
                if task.deliveries:
                    log.warning("activity task %s of %s handed out again (an earlier hand-out was not "
                                "confirmed)", task.task_id, task.execution_arn)  # fmt: skip
                answer = await self._hand_out(task)
                self._confirm(task.id)
                self.worker.wake()
                return answer
            remaining = deadline - loop.time()
            if remaining <= 0 or self.signals.closed:  # closed: the server shuts down, answer "no task"
                self.signals.discard(arn, queued)
                return {}
            # No signal says a hidden hand-out is visible again: look again when a window can have ended.
            await self.signals.wait(arn, min(remaining, self.activity_visibility.total_seconds()), queued)

    async def confirm_hand_outs(self) -> None:
        """Confirm at once the hand-outs still waiting for their batch: a server stopping cleanly has
        answered them, and must not hand them out again when it comes back."""
        if self._confirmations is not None:
            await self._confirmations.flush()

    def _confirm(self, task_id: int) -> None:
        if self._confirmations is None:
            self._confirmations = HandOutConfirmations(self.store)
        self._confirmations.add(task_id)

    async def _hand_out(self, task: ActivityTaskRow) -> dict[str, Any]:
        """The task as its worker sees it: the real token, in place of the references the queue keeps."""
        token = await self._activity_token(task)

        def mint(task_id: str) -> str:
            return token if task_id == task.task_id else self.keys.mint(task.execution_arn, task_id)

        return {"taskToken": token, "input": resolve_token_references(task.input, mint)}

    async def _activity_token(self, task: ActivityTaskRow) -> str:
        """The token of a claimed activity task, signed by the key that signed it when it was queued
        (its stored hash tells which), so a key rotation while the task waited changes nothing."""
        if len(self.keys) == 1:  # no rotation under way: the one key signed it
            return self.keys.mint(task.execution_arn, task.task_id)
        row = await self.store.get_task(task.execution_arn, task.task_id)
        token = self.keys.remint(task.execution_arn, task.task_id, None if row is None else row.token_hash)
        if token is None:  # its key left the ring: no token can complete it; it will time out
            log.warning("activity task %s of %s: its token key was removed", task.task_id, task.execution_arn)
            return self.keys.mint(task.execution_arn, task.task_id)
        return token

    # callbacks --------------------------------------------------------------------------------------
