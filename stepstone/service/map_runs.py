"""DescribeMapRun, ListMapRuns, UpdateMapRun, and ListExecutions by mapRunArn.

A Map Run lives in its parent execution's state (counts, settings, status); its ARN is tagged with
the parent, so a describe is two reads. UpdateMapRun is an event in the parent's inbox: the parent's
next transition applies it, in order with everything else that happens to the run.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from stepstone import errors as E
from stepstone.engine.events import MapRunUpdate, Stop
from stepstone.integrations.map_runs import child_machine_arn, child_prefix, find_run
from stepstone.integrations.maprun_results import children
from stepstone.integrations.states import ParentLink
from stepstone.runtime.codec import encode_event
from stepstone.service.base import ServiceBase
from stepstone.store.base import ExecutionRow

_COUNTS = ("running", "succeeded", "failed", "timed_out", "aborted")


def _counts(raw: dict[str, Any], total: int, reader_done: bool) -> dict[str, int]:
    ended = sum(int(raw[k]) for k in _COUNTS[1:])
    known = total if reader_done else max(total, ended + int(raw["running"]))
    return {
        "pending": max(known - ended - int(raw["running"]), 0),
        "running": int(raw["running"]),
        "succeeded": int(raw["succeeded"]),
        "failed": int(raw["failed"]),
        "timedOut": int(raw["timed_out"]),
        "aborted": int(raw["aborted"]),
        "total": known,
        "resultsWritten": ended,
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    }


def _item_count(row: ExecutionRow) -> int:
    """How many items a child processed: its link to the parent names them (`<run>:c<index>:<items>`)."""
    parent = json.loads(row.state)["info"].get("parent") if row.state else None
    if not isinstance(parent, str):
        return 1
    return int(ParentLink.decode(parent).task_id.rsplit(":", 1)[-1])


def _date(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class MapRunOperations(ServiceBase):
    """The Map Run operations over the parent executions' state."""

    async def _map_run(self, arn: Any) -> tuple[str, dict[str, Any]]:
        if not isinstance(arn, str) or ":mapRun:" not in arn:
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        found = await find_run(self.store, arn)
        if found is None:
            raise E.ResourceNotFound(f"Resource not found: '{arn}'")
        return found

    async def describe_map_run(self, request: dict[str, Any]) -> dict[str, Any]:
        parent, run = await self._map_run(request["mapRunArn"])
        done = run["status"] != "RUNNING"
        executions = _counts(run["executions"], int(run["launched"]), done or run["reader_done"])
        items = _counts(run["item_counts"], int(run["read"]), done or run["reader_done"])
        out: dict[str, Any] = {
            "mapRunArn": run["arn"],
            "executionArn": parent,
            "status": run["status"],
            "startDate": _date(run["start"]),
            "maxConcurrency": int(run["max_concurrency"]),
            "toleratedFailurePercentage": float(run["tolerated_percentage"] or 0.0),
            "toleratedFailureCount": int(run["tolerated_count"] or 0),
            "itemCounts": items,
            "executionCounts": executions,
            "redriveCount": 0,
        }
        if run.get("stop") is not None:
            out["stopDate"] = _date(run["stop"])
        return out

    async def list_map_runs(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._execution(request["executionArn"])
        runs = json.loads(row.state).get("map_runs", {}) if row.state else {}
        ordered = sorted(runs.values(), key=lambda r: (r["start"], r["arn"]))
        limit = int(request.get("maxResults") or 100)
        start = int(request.get("nextToken") or 0)
        page = ordered[start : start + limit]
        items = [
            {
                "executionArn": row.arn,
                "mapRunArn": r["arn"],
                "stateMachineArn": child_machine_arn(r["arn"]),
                "startDate": _date(r["start"]),
                **({"stopDate": _date(r["stop"])} if r.get("stop") else {}),
            }
            for r in page
        ]
        out: dict[str, Any] = {"mapRuns": items}
        if start + limit < len(ordered):
            out["nextToken"] = str(start + limit)
        return out

    async def update_map_run(self, request: dict[str, Any]) -> dict[str, Any]:
        parent, run = await self._map_run(request["mapRunArn"])
        concurrency = request.get("maxConcurrency")
        count = request.get("toleratedFailureCount")
        percentage = request.get("toleratedFailurePercentage")
        if concurrency is None and count is None and percentage is None:
            raise E.ValidationException(
                "Specify at least one of maxConcurrency, toleratedFailureCount, toleratedFailurePercentage."
            )
        if percentage is not None and not 0 <= float(percentage) <= 100:
            raise E.ValidationException("toleratedFailurePercentage must be between 0 and 100.")
        if run["status"] != "RUNNING":
            raise E.ValidationException(f"Map Run {run['arn']} is {run['status']} and cannot be updated.")
        event = MapRunUpdate(
            run["arn"],
            None if concurrency is None else int(concurrency),
            None if count is None else int(count),
            None if percentage is None else float(percentage),
        )
        await self.store.enqueue(parent, encode_event(event))
        self.worker.wake()
        return {}

    async def list_executions(self, request: dict[str, Any]) -> dict[str, Any]:
        """ListExecutions by stateMachineArn as before, or by mapRunArn: the run's child executions."""
        if not request.get("mapRunArn"):
            result: dict[str, Any] = await super().list_executions(request)  # type: ignore[misc]
            return result
        if request.get("stateMachineArn"):
            raise E.ValidationException("Specify either stateMachineArn or mapRunArn, not both.")
        _, run = await self._map_run(request["mapRunArn"])
        arn = str(run["arn"])
        limit = int(request.get("maxResults") or 100)
        after = request.get("nextToken")
        rows = []
        seen = after is None
        since = datetime.fromisoformat(run["start"])
        async for child in children(
            self.store, child_machine_arn(arn), child_prefix(arn), since, request.get("statusFilter")
        ):
            if not seen:
                seen = child.arn == after
                continue
            rows.append(child)
            if len(rows) > limit:
                break
        items = [
            {
                "executionArn": r.arn,
                "stateMachineArn": r.state_machine_arn,
                "name": r.name,
                "status": r.status,
                "startDate": r.start_date,
                "mapRunArn": arn,
                "itemCount": _item_count(r),
                **({"stopDate": r.stop_date} if r.stop_date else {}),
            }
            for r in rows[:limit]
        ]
        out: dict[str, Any] = {"executions": items}
        if len(rows) > limit:
            out["nextToken"] = rows[limit - 1].arn
        return out

    async def describe_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        """DescribeExecution, with the mapRunArn of a Map Run's child."""
        out: dict[str, Any] = await super().describe_execution(request)  # type: ignore[misc]
        if "/" not in out["stateMachineArn"].rsplit(":", 1)[-1]:
            return out  # not a child of a Map Run (their machine is `<machine>/<label>`)
        row = await self._execution(out["executionArn"])
        parent = json.loads(row.state)["info"].get("parent") if row.state else None
        if isinstance(parent, str):
            link = ParentLink.decode(parent)
            owner = await self.store.get_execution(link.execution_arn)
            runs = json.loads(owner.state).get("map_runs", {}) if owner is not None and owner.state else {}
            run = runs.get(link.task_id.split(":", 1)[0])
            if run is not None:
                out["mapRunArn"] = run["arn"]
        return out

    async def stop_map_run_children(self, arns: list[str], cause: str) -> None:
        """Stop a failed or aborted run's children: a Stop in each inbox, one wake-up for all."""
        event = encode_event(Stop("States.Aborted", cause))
        for arn in arns:
            await self.store.enqueue(arn, event)
        self.worker.wake()
