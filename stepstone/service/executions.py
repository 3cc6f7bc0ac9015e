"""Starting, describing, listing, stopping executions and reading their history."""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from stepstone import errors as E
from stepstone.engine.events import ExecutionInfo, Redrive, Start, Stop
from stepstone.engine.history import to_aws
from stepstone.integrations.mock_services import TEST_CASE_TAG, split_test_case
from stepstone.runtime.codec import decode_history_event, encode_event
from stepstone.runtime.worker import TERMINAL
from stepstone.service.base import (
    DEFAULT_ROLE,
    ServiceBase,
    _json_payload,
    describe_machine,
)
from stepstone.store.base import ExecutionRow


class ExecutionOperations(ServiceBase):
    """Starting, describing, listing, stopping executions and reading their history."""

    async def start_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._start(request)
        return {"executionArn": row.arn, "startDate": row.start_date}

    async def start_nested(self, request: dict[str, Any], parent: str | None) -> ExecutionRow:
        """StartExecution from a running execution's Task (`states:startExecution`).

        `parent` links the child to the task waiting for it to end (`.sync`); a start repeated
        with the same link (dispatch after a crash) finds the child it started, even closed.
        """
        return await self._start(request, parent)

    async def _start(self, request: dict[str, Any], parent: str | None = None) -> ExecutionRow:
        machine_arn, test_case = split_test_case(request["stateMachineArn"])
        machine = await self._machine(machine_arn)
        name = self._name(request.get("name") or str(uuid.uuid4()))
        text = request.get("input") or "{}"
        value = _json_payload(text, E.InvalidExecutionInput, "Input")
        kind = "express" if machine.type == "EXPRESS" else "execution"
        arn = self._arn(kind, machine.name, name)
        now = self.clock.now()
        row = ExecutionRow(arn, machine.arn, name, machine.revision_id, "RUNNING", text, now)
        info = ExecutionInfo(
            arn, name, machine.arn, machine.name, machine.role_arn or DEFAULT_ROLE, parent=parent
        )
        if test_case is not None:  # written before the start is queued, so the first Task sees it
            self._check_test_case(machine.name, test_case)
            await self.store.tag(arn, {TEST_CASE_TAG: test_case})
        stored, created = await self.store.create_execution(row, encode_event(Start(value, info)))
        if not created:
            if parent is not None and _parent_of(stored) == parent:
                return stored
            # AWS: the same name and input while it runs is the same execution; anything else is a conflict
            if stored.status != "RUNNING" or stored.input != text:
                raise E.ExecutionAlreadyExists(f"Execution Already Exists: '{arn}'")
            return stored
        self.worker.wake()
        return stored

    def _check_test_case(self, machine: str, test_case: str) -> None:
        """A `<stateMachineArn>#<TestCase>` start names a test case of the server's mock file."""
        mocks = self.worker.mocks
        if mocks is None:
            raise E.InvalidArn(
                f"Invalid Arn: test case '{test_case}' given, but the server has no mock configuration "
                "file (serve --mock-config FILE, or SFN_MOCK_CONFIG)"
            )
        if mocks.config.test_case(machine, test_case) is None:
            raise E.InvalidArn(
                f"Invalid Arn: the mock configuration file {mocks.config.source} has no test case "
                f"'{test_case}' for the state machine '{machine}'"
            )

    async def start_sync_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        machine = await self._machine(split_test_case(request["stateMachineArn"])[0])
        if machine.type != "EXPRESS":
            raise E.StateMachineTypeNotSupported("This operation is only supported by EXPRESS state machines")
        row = await self._start(request)
        while True:  # woken by the worker when the execution closes; the timeout is a safety net
            current = await self._execution(row.arn)
            if current.status in TERMINAL:
                break
            await self.signals.wait(f"execution:{row.arn}", 1.0)
        out = self._describe_execution(current)
        for key in ("redriveCount", "redriveStatus", "redriveStatusReason", "redriveDate"):
            out.pop(key, None)
        # AWS bills Express executions by duration, rounded up to the next 100 ms, at 64 MB minimum.
        elapsed = (current.stop_date or self.clock.now()) - current.start_date
        billed = max(100, math.ceil(elapsed.total_seconds() * 10) * 100)
        out["billingDetails"] = {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed}
        return out

    def _describe_execution(self, row: ExecutionRow) -> dict[str, Any]:
        out: dict[str, Any] = {
            "executionArn": row.arn, "stateMachineArn": row.state_machine_arn, "name": row.name,
            "status": row.status, "startDate": row.start_date, "input": row.input,
            "inputDetails": {"included": True}, "redriveCount": row.redrive_count,
        }  # fmt: skip
        if row.stop_date is not None:
            out["stopDate"] = row.stop_date
        if row.output is not None:
            out["output"] = row.output
            out["outputDetails"] = {"included": True}
        if row.error is not None:
            out["error"] = row.error
        if row.cause is not None:
            out["cause"] = row.cause
        if row.redrive_date is not None:
            out["redriveDate"] = row.redrive_date
        if row.status in ("FAILED", "TIMED_OUT", "ABORTED"):
            out["redriveStatus"] = "REDRIVABLE"
        elif row.status == "SUCCEEDED":
            out["redriveStatus"] = "NOT_REDRIVABLE"
            out["redriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
        return out

    async def describe_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._describe_execution(await self._execution(request["executionArn"]))

    async def describe_state_machine_for_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._execution(request["executionArn"])
        machine = await self._machine(row.state_machine_arn)
        definition = await self.store.get_definition(row.state_machine_arn, row.revision_id)
        out = describe_machine(machine, definition)
        out["updateDate"] = machine.updated
        for key in ("status", "type", "creationDate"):
            out.pop(key, None)
        return out

    async def list_executions(self, request: dict[str, Any]) -> dict[str, Any]:
        # AWS lists the executions of one state machine or of one Map Run: exactly one is named
        if (request.get("stateMachineArn") is None) == (request.get("mapRunArn") is None):
            raise E.ValidationException("Exactly one of stateMachineArn or mapRunArn must be specified")
        if request.get("stateMachineArn") is None:
            # stepstone keeps no Map Runs (a Distributed Map runs inline), so none can be found
            raise E.ResourceNotFound(f"Map Run Does Not Exist: '{request['mapRunArn']}'")
        machine = await self._machine(request["stateMachineArn"])
        after = request.get("nextToken")
        page = await self.store.list_executions(
            machine.arn, request.get("statusFilter"), int(request.get("maxResults") or 100), after
        )
        items = [
            {
                "executionArn": r.arn,
                "stateMachineArn": r.state_machine_arn,
                "name": r.name,
                "status": r.status,
                "startDate": r.start_date,
                **({"stopDate": r.stop_date} if r.stop_date else {}),
                **({"redriveCount": r.redrive_count} if r.redrive_count else {}),
            }
            for r in page.rows
        ]
        return {"executions": items, **({"nextToken": page.next_after} if page.next_after else {})}

    async def stop_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._execution(request["executionArn"])
        if row.status == "RUNNING":
            await self.store.enqueue(row.arn, encode_event(Stop(request.get("error"), request.get("cause"))))
            self.worker.wake()
            for _ in range(50):  # AWS answers after the stop took effect; wait briefly for ours
                current = await self._execution(row.arn)
                if current.status in TERMINAL:
                    return {"stopDate": current.stop_date or self.clock.now()}
                await self.signals.wait(f"execution:{row.arn}", 0.1)
        return {"stopDate": row.stop_date or self.clock.now()}

    async def get_execution_history(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._execution(request["executionArn"])
        limit = int(request.get("maxResults") or 1000)
        token = request.get("nextToken") or "0"
        if not (
            token.isascii() and token.isdigit()
        ):  # ours are event ids; anything else was not handed out by us
            raise E.InvalidToken(f"Invalid Token: '{token}'")
        after = int(token)
        reverse = bool(request.get("reverseOrder"))
        rows = await self.store.history(row.arn, after=after, limit=limit + 1, reverse=reverse)
        include = request.get("includeExecutionData", True)
        events = []
        for h in rows[:limit]:
            event = to_aws(decode_history_event(h.body))
            if not include:
                for key, details in event.items():
                    if key.endswith("EventDetails") and isinstance(details, dict):
                        for data in ("input", "output"):
                            if details.pop(data, None) is not None:
                                details[f"{data}Details"] = {"included": False}
            events.append(event)
        out: dict[str, Any] = {"events": events}
        if len(rows) > limit:
            out["nextToken"] = str(rows[limit - 1].id)
        return out

    async def redrive_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._execution(request["executionArn"])
        if row.status not in ("FAILED", "TIMED_OUT", "ABORTED"):
            raise E.ExecutionNotRedrivable(f"Execution with status {row.status} cannot be redriven")
        now = self.clock.now()
        event = encode_event(Redrive(row.redrive_count + 1))
        if not await self.store.redrive_execution(row.arn, row.version, event, now):
            raise E.ExecutionNotRedrivable("The execution changed while it was being redriven; try again")
        self.worker.wake()
        return {"redriveDate": now}


def _parent_of(row: ExecutionRow) -> str | None:
    """The parent link an execution was started with (its state keeps it once it has started)."""
    if row.state is None:
        return None
    parent = json.loads(row.state)["info"].get("parent")
    return parent if isinstance(parent, str) else None
