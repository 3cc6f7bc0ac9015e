"""Activities and the GetActivityTask long poll."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from stepstone import errors as E
from stepstone.engine.tokens import resolve_token_references
from stepstone.runtime.worker import encode_started
from stepstone.service.base import (
    _ACT_ARN,
    MAX_POLL_SECONDS,
    ServiceBase,
)
from stepstone.store.base import ActivityRow, ActivityTaskRow

log = logging.getLogger("stepstone.service.activities")


class ActivityOperations(ServiceBase):
    """Activities and the GetActivityTask long poll."""

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
                task = await self.store.claim_activity_task(arn, started)
            except BaseException:
                self.signals.discard(arn, queued)
                raise
            if task is not None:
                self.signals.discard(arn, queued)
                self.worker.wake()
                return await self._hand_out(task)
            remaining = deadline - loop.time()
            if remaining <= 0:
                self.signals.discard(arn, queued)
                return {}
            await self.signals.wait(arn, remaining, queued)

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
