"""The runtime side of a Distributed Map: read items, start child executions, gather results.

`engine.maprun` decides; this integration carries out its three commands (see that module) through
the outbox like any Task, so each is at-least-once and its answer is an inbox event:

    read      a page of items from S3 (`s3_items`), or States.ItemReaderFailed
    start     child executions through the service's StartExecution path, each linked to the parent
              (`ParentLink`): the worker that commits a child's close reports it to the parent in
              that same transaction. Names are derived from (run, index): a repeated start finds
              the child it started, and names sort by item index.
    results   the children's outputs (`maprun_results`), or States.ResultWriterFailed

Children run as executions of `stateMachine:<parent>/<label>`, a state machine made from the Map's
ItemProcessor (hidden from ListStateMachines, as AWS does); ListExecutions by mapRunArn lists them.
Cancelling the run's own task (the run failed or was aborted, the parent stopped) stops the children
still running. The map run ARN is tagged with its parent execution, which DescribeMapRun reads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stepstone.asl.errors import ITEM_READER_FAILED, RESULT_WRITER_FAILED, TASK_FAILED
from stepstone.asl.json import JSON, JSONObject
from stepstone.asl.load import load_definition
from stepstone.engine.maprun import READ, RESOURCE, RESULTS, START
from stepstone.errors import ServiceError
from stepstone.integrations import maprun_results
from stepstone.integrations.base import Registry, TaskRequest, TaskResult
from stepstone.integrations.s3_items import ItemReaderError, read_page
from stepstone.integrations.s3_objects import S3Failure, S3Objects
from stepstone.integrations.states import ParentLink, StartChild
from stepstone.store.base import StateMachineRow, Store

__all__ = ["PARENT_TAG", "MapRunIntegration", "child_machine_arn", "child_prefix", "find_run"]

#: Tag on a map run's ARN naming its parent execution.
PARENT_TAG = "stepstone:map-run-parent"

StopChildren = Callable[[list[str], str], Awaitable[None]]


def child_machine_arn(map_run_arn: str) -> str:
    """`...:mapRun:<machine>/<label>:<id>` -> `...:stateMachine:<machine>/<label>`."""
    head, _, rest = map_run_arn.partition(":mapRun:")
    return f"{head}:stateMachine:{rest.rsplit(':', 1)[0]}"


def child_prefix(map_run_arn: str) -> str:
    """What every child name of the run starts with."""
    return map_run_arn.rsplit(":", 1)[-1][:8] + "-"


def child_name(map_run_arn: str, index: int) -> str:
    """UUID-shaped, unique to (run, index), sorting by index within the run."""
    digest = hashlib.sha256(f"{map_run_arn}#{index}".encode()).hexdigest()
    position = f"{index:08x}"
    return f"{child_prefix(map_run_arn)}{position[:4]}-{position[4:]}-{digest[:4]}-{digest[4:16]}"


async def find_run(store: Store, map_run_arn: str) -> tuple[str, JSONObject] | None:
    """The parent execution of a map run and the run as the parent's state keeps it."""
    parent = (await store.tags(map_run_arn)).get(PARENT_TAG)
    if parent is None:
        return None
    row = await store.get_execution(parent)
    if row is None or row.state is None:
        return None
    for run in json.loads(row.state).get("map_runs", {}).values():
        if run.get("arn") == map_run_arn:
            return parent, run
    return None


def _processor(definition: JSONObject, machine_key: str) -> JSONObject:
    """The ItemProcessor the engine's machine key names, as a state machine of its own."""
    machine: Any = definition
    language = definition.get("QueryLanguage", "JSONPath")
    for segment in machine_key.strip("/").split("/"):
        name, _, branch = segment.partition("#")
        state = machine["States"][name]
        language = state.get("QueryLanguage", language)
        if branch:
            machine = state["Branches"][int(branch)]
        else:
            machine = state.get("ItemProcessor") or state["Iterator"]
        language = machine.get("QueryLanguage", language)
    processor = {k: v for k, v in machine.items() if k != "ProcessorConfig"}
    if language != "JSONPath":
        processor["QueryLanguage"] = language
    return processor


@dataclass(slots=True)
class MapRunIntegration:
    """Reads, starts and gathers for Map Runs; stops a run's children when its task is cancelled."""

    store: Store
    s3: S3Objects
    start: StartChild
    stop_children: StopChildren

    @staticmethod
    def handles(resource: str) -> bool:
        return resource == RESOURCE or resource.startswith(RESOURCE + ":")

    def register_into(self, registry: Registry) -> None:
        registry.register(self.handles, self)

    async def invoke(self, request: TaskRequest) -> TaskResult:
        payload = request.payload if isinstance(request.payload, dict) else {}
        arn = str(payload["MapRunArn"])
        await self.store.tag(arn, {PARENT_TAG: request.execution_arn})
        if request.resource == READ:
            return await self._read(payload)
        if request.resource == START:
            return await self._start(request.execution_arn, arn, payload)
        if request.resource == RESULTS:
            return await self._results(arn, payload)
        return TaskResult.fail(TASK_FAILED, f"Unknown map run command {request.resource}")

    async def _read(self, payload: JSONObject) -> TaskResult:
        try:
            page = await read_page(self.s3, payload["Reader"], payload.get("Cursor"), int(payload["Limit"]))
        except ItemReaderError as exc:
            return TaskResult.fail(ITEM_READER_FAILED, exc.cause)
        return TaskResult.ok({"Items": page.items, "Cursor": page.cursor, "Done": page.done})

    async def _machine(self, parent_arn: str, map_run_arn: str, machine_key: str, execution_type: str) -> str:
        """The children's state machine, created (or moved to this definition) on first use."""
        arn = child_machine_arn(map_run_arn)
        parent = await self.store.get_execution(parent_arn)
        assert parent is not None
        text = await self.store.get_definition(parent.state_machine_arn, parent.revision_id)
        assert text is not None
        definition = _processor(load_definition(text)[0], machine_key)
        body = json.dumps(definition, separators=(",", ":"))
        revision = hashlib.sha256(f"{execution_type}#{body}".encode()).hexdigest()[:32]
        existing = await self.store.get_state_machine(arn)
        if existing is not None and existing.revision_id == revision:
            return arn
        owner = await self.store.get_state_machine(parent.state_machine_arn)
        now = parent.start_date
        row = StateMachineRow(
            arn,
            arn.rsplit(":", 1)[-1],
            "EXPRESS" if execution_type == "EXPRESS" else "STANDARD",
            owner.role_arn if owner is not None else "",
            body,
            revision,
            now,
            now,
        )
        if existing is None:
            existing = await self.store.create_state_machine(row)
        if existing.revision_id != revision:
            await self.store.update_state_machine(row)
        return arn

    async def _start(self, parent_arn: str, map_run_arn: str, payload: JSONObject) -> TaskResult:
        execution_type = str(payload.get("ExecutionType") or "STANDARD")
        machine = await self._machine(parent_arn, map_run_arn, str(payload["MachineKey"]), execution_type)
        key = str(payload["Key"])
        started = 0
        for index, count, child_input in payload.get("Children") or ():
            link = ParentLink(parent_arn, f"{key}:c{index}:{count}", "sync2")
            request = {
                "stateMachineArn": machine,
                "name": child_name(map_run_arn, int(index)),
                "input": json.dumps(child_input, separators=(",", ":")),
            }
            try:
                await self.start(request, link.encode())
            except ServiceError as exc:
                return TaskResult.fail(f"States.{exc.code}", exc.message)
            started += 1
        return TaskResult.ok({"Started": started})

    async def _results(self, map_run_arn: str, payload: JSONObject) -> TaskResult:
        machine = child_machine_arn(map_run_arn)
        prefix = child_prefix(map_run_arn)
        since = datetime.fromisoformat(str(payload["Start"]))
        writer = payload.get("Writer")
        if not isinstance(writer, dict) or writer.get("parameters") is None:
            config = writer.get("config") if isinstance(writer, dict) else None
            results: JSON = await maprun_results.collect(self.store, machine, prefix, since, config)
            return TaskResult.ok({"Results": results})
        try:
            output = await maprun_results.write(
                self.store, self.s3, machine, prefix, since, map_run_arn, writer
            )
        except S3Failure as exc:
            return TaskResult.fail(RESULT_WRITER_FAILED, exc.cause)
        return TaskResult.ok(output)

    async def cancel(self, execution_arn: str, task_id: str) -> None:
        """The run's task was cancelled: stop its children that still run (its commands need nothing)."""
        if ":" in task_id:
            return
        row = await self.store.get_execution(execution_arn)
        if row is None or row.state is None:
            return
        run = json.loads(row.state).get("map_runs", {}).get(task_id.split(":", 1)[0])
        if run is None:
            return
        arn = str(run["arn"])
        running = [
            child.arn
            async for child in maprun_results.children(
                self.store,
                child_machine_arn(arn),
                child_prefix(arn),
                datetime.fromisoformat(run["start"]),
                "RUNNING",
            )
        ]
        if running:
            await self.stop_children(running, f"The Map Run {arn} was stopped.")
