"""Views that AWS does not have: what running executions wait on, and what the process holds."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from stepstone.service.base import (
    ServiceBase,
)


class TaskViews(ServiceBase):
    """Views that AWS does not have: what running executions wait on."""

    # the CLI's view ---------------------------------------------------------------------------------

    async def open_tasks(self, execution_arn: str | None = None) -> list[dict[str, Any]]:
        """What running executions wait on: state, resource, since, deadlines. Never the token."""
        rows = await self.store.list_tasks(execution_arn, "open")
        return [
            {
                "executionArn": t.execution_arn,
                "taskId": t.task_id,
                "state": t.state_name,
                "resource": t.resource,
                "since": t.since,
                "timeoutAt": t.timeout_at,
                "heartbeatAt": t.heartbeat_at,
                "callback": t.token_hash is not None,
            }
            for t in rows
        ]

    async def list_open_tasks(self, request: dict[str, Any]) -> dict[str, Any]:
        """`Stepstone.ListOpenTasks` over the API: {"tasks": [...]} for one execution or all of them."""
        arn = request.get("executionArn")
        if arn is not None:
            arn = (await self._execution(str(arn))).arn
        return {"tasks": await self.open_tasks(arn)}

    async def describe_runtime(self, request: dict[str, Any]) -> dict[str, Any]:
        """`Stepstone.DescribeRuntime`: the server process's live asyncio tasks and Python threads.

        A diagnostic beside the AWS operations (under the `Stepstone.` target prefix, never AWS's): a
        waiting execution must cost a row, so neither number may grow with the executions parked.
        """
        return {"asyncioTasks": len(asyncio.all_tasks()), "threads": threading.active_count()}
