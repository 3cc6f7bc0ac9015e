"""The Step Functions operations as plain async methods, shared by the API, the CLI and the console.

Each method takes the request (AWS member names) and returns the response (AWS member names,
datetimes for timestamps), or raises a `stepstone.errors.ServiceError`.

Callbacks (SendTaskSuccess/Failure) differ from AWS in one promised way: the *same* call repeated
after it was accepted is accepted again and changes nothing (AWS answers TaskTimedOut). A different
result for a closed task is TaskTimedOut, saying it was already completed.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from stepstone import errors as E
from stepstone.asl.diagnostics import InvalidDefinitionError
from stepstone.asl.load import load_definition
from stepstone.asl.validate import validate
from stepstone.engine.events import ExecutionInfo, Start, Stop, TaskFailed, TaskHeartbeat, TaskSucceeded
from stepstone.engine.history import to_aws
from stepstone.engine.tokens import InvalidTokenError, KeyRing, token_hash
from stepstone.runtime.clock import Clock
from stepstone.runtime.codec import decode_history_event, dumps, encode_event
from stepstone.runtime.signals import Signals
from stepstone.runtime.worker import TERMINAL, Worker, encode_started
from stepstone.store.base import ActivityRow, ExecutionRow, StateMachineRow, Store

MAX_PAYLOAD = 256 * 1024
DEFAULT_ROLE = "arn:aws:iam::123456789012:role/stepstone"
MAX_POLL_SECONDS = 60.0
_NAME = re.compile(r"^[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$")
_SM_ARN = re.compile(r"^arn:aws[a-z-]*:states:([^:]+):(\d{12}):stateMachine:([^:]+)$")
_EXEC_ARN = re.compile(r"^arn:aws[a-z-]*:states:([^:]+):(\d{12}):(execution|express):([^:]+):([^:]+)$")
_ACT_ARN = re.compile(r"^arn:aws[a-z-]*:states:([^:]+):(\d{12}):activity:([^:]+)$")


def _page(items: list[Any], request: dict[str, Any], default: int = 100) -> tuple[list[Any], str | None]:
    limit = int(request.get("maxResults") or default)
    start = 0
    token = request.get("nextToken")
    if token:
        try:
            start = int(token)
        except ValueError as exc:
            raise E.ValidationException("Invalid Token") from exc  # AWS: InvalidToken for bad page tokens
    chunk = items[start : start + limit]
    return chunk, str(start + limit) if start + limit < len(items) else None


def _json_payload(text: str | None, error: type[E.ServiceError], what: str) -> Any:
    text = "{}" if text is None else text
    if len(text.encode()) > MAX_PAYLOAD:
        raise error(f"{what} exceeds the maximum size of 262144 bytes")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise error(f"Invalid {what.lower()}: {exc}") from exc


class Service:
    """Every operation of the API over one store and one runtime worker."""

    def __init__(
        self,
        store: Store,
        worker: Worker,
        keys: KeyRing,
        clock: Clock,
        *,
        region: str = "us-east-1",
        account: str = "123456789012",
    ) -> None:
        self.store, self.worker, self.keys, self.clock = store, worker, keys, clock
        self.signals: Signals = worker.signals
        self.region, self.account = region, account

    def _arn(self, kind: str, *names: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:{kind}:{':'.join(names)}"

    @staticmethod
    def _name(name: Any) -> str:
        if not isinstance(name, str) or not _NAME.match(name):
            raise E.InvalidName(f"Invalid Name: '{name}'")
        return name

    # state machines ---------------------------------------------------------------------------------

    def _definition(self, text: str) -> str:
        loaded, diagnostics = load_definition(text)
        diagnostics = (
            [*diagnostics, *validate(loaded)] if not any(d.is_error for d in diagnostics) else diagnostics
        )
        if any(d.is_error for d in diagnostics):
            raise E.InvalidDefinition(str(InvalidDefinitionError(diagnostics)))
        return text

    async def _machine(self, arn: str) -> StateMachineRow:
        if not _SM_ARN.match(arn or ""):
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        row = await self.store.get_state_machine(arn)
        if row is None:
            raise E.StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
        return row

    async def create_state_machine(self, request: dict[str, Any]) -> dict[str, Any]:
        name = self._name(request.get("name"))
        kind = request.get("type") or "STANDARD"
        definition = self._definition(request["definition"])
        now = self.clock.now()
        row = StateMachineRow(
            self._arn("stateMachine", name), name, kind, request.get("roleArn") or "", definition,
            str(uuid.uuid4()), now, now, request.get("versionDescription") or "",
        )  # fmt: skip
        stored = await self.store.create_state_machine(row)
        if stored is not row and (stored.definition, stored.role_arn, stored.type) != (
            definition, row.role_arn, kind,
        ):  # fmt: skip
            raise E.StateMachineAlreadyExists(f"State Machine Already Exists: '{row.arn}'")
        if request.get("tags"):
            await self.store.tag(row.arn, {t["key"]: t.get("value", "") for t in request["tags"]})
        return {"stateMachineArn": stored.arn, "creationDate": stored.created}

    async def describe_state_machine(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._describe_machine(await self._machine(request["stateMachineArn"]))

    @staticmethod
    def _describe_machine(row: StateMachineRow, definition: str | None = None) -> dict[str, Any]:
        return {
            "stateMachineArn": row.arn, "name": row.name, "status": row.status,
            "definition": definition if definition is not None else row.definition, "roleArn": row.role_arn,
            "type": row.type, "creationDate": row.created, "revisionId": row.revision_id,
            "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
            "tracingConfiguration": {"enabled": False},
        }  # fmt: skip

    async def update_state_machine(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._machine(request["stateMachineArn"])
        definition = request.get("definition")
        if definition is None and request.get("roleArn") is None:
            raise E.ValidationException("Either the definition or the roleArn must be specified")
        now = self.clock.now()
        updated = replace(
            row,
            definition=self._definition(definition) if definition is not None else row.definition,
            role_arn=request.get("roleArn") or row.role_arn,
            revision_id=str(uuid.uuid4()),
            updated=now,
        )
        await self.store.update_state_machine(updated)
        return {"updateDate": now, "revisionId": updated.revision_id}

    async def delete_state_machine(self, request: dict[str, Any]) -> dict[str, Any]:
        arn = request["stateMachineArn"]
        if not _SM_ARN.match(arn or ""):
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        await self.store.delete_state_machine(arn)
        return {}

    async def list_state_machines(self, request: dict[str, Any]) -> dict[str, Any]:
        rows, token = _page(await self.store.list_state_machines(), request)
        items = [
            {"stateMachineArn": r.arn, "name": r.name, "type": r.type, "creationDate": r.created}
            for r in rows
        ]
        return {"stateMachines": items, **({"nextToken": token} if token else {})}

    async def validate_state_machine_definition(self, request: dict[str, Any]) -> dict[str, Any]:
        loaded, diagnostics = load_definition(request["definition"])
        if not any(d.is_error for d in diagnostics):
            diagnostics = [*diagnostics, *validate(loaded)]
        limit = int(request.get("maxResults") or 100)
        return {
            "result": "FAIL" if any(d.is_error for d in diagnostics) else "OK",
            "diagnostics": [d.to_aws() for d in diagnostics[:limit]],
            "truncated": len(diagnostics) > limit,
        }

    # executions -------------------------------------------------------------------------------------

    async def _execution(self, arn: str) -> ExecutionRow:
        if not _EXEC_ARN.match(arn or ""):
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        row = await self.store.get_execution(arn)
        if row is None:
            raise E.ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'")
        return row

    async def start_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._start(request)
        return {"executionArn": row.arn, "startDate": row.start_date}

    async def _start(self, request: dict[str, Any]) -> ExecutionRow:
        machine = await self._machine(request["stateMachineArn"])
        name = self._name(request.get("name") or str(uuid.uuid4()))
        text = request.get("input") or "{}"
        value = _json_payload(text, E.InvalidExecutionInput, "Input")
        kind = "express" if machine.type == "EXPRESS" else "execution"
        arn = self._arn(kind, machine.name, name)
        now = self.clock.now()
        row = ExecutionRow(arn, machine.arn, name, machine.revision_id, "RUNNING", text, now)
        info = ExecutionInfo(arn, name, machine.arn, machine.name, machine.role_arn or DEFAULT_ROLE)
        stored, created = await self.store.create_execution(row, encode_event(Start(value, info)))
        if not created:
            # AWS: the same name and input while it runs is the same execution; anything else is a conflict
            if stored.status != "RUNNING" or stored.input != text:
                raise E.ExecutionAlreadyExists(f"Execution Already Exists: '{arn}'")
            return stored
        self.worker.wake()
        return stored

    async def start_sync_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        machine = await self._machine(request["stateMachineArn"])
        if machine.type != "EXPRESS":
            raise E.StateMachineTypeNotSupported("This operation is only supported by EXPRESS state machines")
        row = await self._start(request)
        while True:
            current = await self._execution(row.arn)
            if current.status in TERMINAL:
                break
            await self.signals.wait(f"execution:{row.arn}", 1.0)
        out = self._describe_execution(current)
        out.pop("redriveCount", None)
        out.pop("redriveStatus", None)
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
        out = self._describe_machine(machine, definition)
        out["updateDate"] = machine.updated
        for key in ("status", "type", "creationDate"):
            out.pop(key, None)
        return out

    async def list_executions(self, request: dict[str, Any]) -> dict[str, Any]:
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
        after = int(request.get("nextToken") or 0)
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
        raise E.ExecutionNotRedrivable("Redrive is not supported by this engine yet")

    # activities -------------------------------------------------------------------------------------

    async def create_activity(self, request: dict[str, Any]) -> dict[str, Any]:
        name = self._name(request.get("name"))
        row = await self.store.create_activity(
            ActivityRow(self._arn("activity", name), name, self.clock.now())
        )
        if request.get("tags"):
            await self.store.tag(row.arn, {t["key"]: t.get("value", "") for t in request["tags"]})
        return {"activityArn": row.arn, "creationDate": row.created}

    async def _activity(self, arn: str) -> ActivityRow:
        if not _ACT_ARN.match(arn or ""):
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        row = await self.store.get_activity(arn)
        if row is None:
            raise E.ActivityDoesNotExist(f"Activity Does Not Exist: '{arn}'")
        return row

    async def describe_activity(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._activity(request["activityArn"])
        return {"activityArn": row.arn, "name": row.name, "creationDate": row.created}

    async def list_activities(self, request: dict[str, Any]) -> dict[str, Any]:
        rows, token = _page(await self.store.list_activities(), request)
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
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_POLL_SECONDS
        while True:
            task = await self.store.claim_activity_task(arn, encode_started)
            if task is not None:
                self.worker.wake()
                return {"taskToken": self.keys.mint(task.execution_arn, task.task_id), "input": task.input}
            remaining = deadline - loop.time()
            if remaining <= 0:
                return {}
            await self.signals.wait(arn, remaining)

    # callbacks --------------------------------------------------------------------------------------

    def _verify(self, token: Any) -> str:
        if not isinstance(token, str):
            raise E.InvalidToken("Invalid Token: 'The token is not a string'")
        try:
            self.keys.verify(token)
        except InvalidTokenError as exc:
            raise E.InvalidToken("Invalid Token: 'Invalid token'") from exc
        return token_hash(token)

    async def _close(self, token: Any, result: str, event_for: Any) -> dict[str, Any]:
        digest = self._verify(token)
        claims = self.keys.verify(token)
        outcome = await self.store.close_task_by_callback(
            digest, result, encode_event(event_for(claims.task_id)), self.clock.now()
        )
        if outcome.kind == "unknown":
            raise E.InvalidToken("Invalid Token: 'The token does not name a task'")
        if outcome.kind == "closed":
            raise E.TaskTimedOut("Task Timed Out: 'Provided task does not exist anymore'")
        if outcome.kind == "completed_differently":
            raise E.TaskTimedOut("Task Timed Out: 'The task was already completed with a different result'")
        if outcome.kind == "accepted":
            self.worker.wake()
        return {}

    async def send_task_success(self, request: dict[str, Any]) -> dict[str, Any]:
        text = request.get("output")
        if not isinstance(text, str):
            raise E.InvalidOutput("Invalid output: it must be a JSON string")
        value = _json_payload(text, E.InvalidOutput, "Output")
        result = dumps({"success": value})
        return await self._close(
            request.get("taskToken"), result, lambda task_id: TaskSucceeded(task_id, value)
        )

    async def send_task_failure(self, request: dict[str, Any]) -> dict[str, Any]:
        error, cause = request.get("error") or "", request.get("cause") or ""
        result = dumps({"failure": [error, cause]})
        return await self._close(
            request.get("taskToken"), result, lambda task_id: TaskFailed(task_id, error, cause)
        )

    async def send_task_heartbeat(self, request: dict[str, Any]) -> dict[str, Any]:
        token = request.get("taskToken")
        digest = self._verify(token)
        claims = self.keys.verify(str(token))
        outcome = await self.store.heartbeat_task(
            digest, encode_event(TaskHeartbeat(claims.task_id)), self.clock.now()
        )
        if outcome.kind == "unknown":
            raise E.InvalidToken("Invalid Token: 'The token does not name a task'")
        if outcome.kind == "closed":
            raise E.TaskTimedOut("Task Timed Out: 'Provided task does not exist anymore'")
        self.worker.wake()
        return {}

    # tags -------------------------------------------------------------------------------------------

    async def _resource(self, arn: str) -> None:
        if _SM_ARN.match(arn or ""):
            if await self.store.get_state_machine(arn) is not None:
                return
        elif _ACT_ARN.match(arn or ""):
            if await self.store.get_activity(arn) is not None:
                return
        else:
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        raise E.ResourceNotFound(f"Resource not found: '{arn}'")

    async def tag_resource(self, request: dict[str, Any]) -> dict[str, Any]:
        await self._resource(request["resourceArn"])
        tags = {t["key"]: t.get("value", "") for t in request.get("tags", [])}
        existing = await self.store.tags(request["resourceArn"])
        if len({**existing, **tags}) > 50:
            raise E.TooManyTags("Too many tags: the limit is 50")
        await self.store.tag(request["resourceArn"], tags)
        return {}

    async def untag_resource(self, request: dict[str, Any]) -> dict[str, Any]:
        await self._resource(request["resourceArn"])
        await self.store.untag(request["resourceArn"], request.get("tagKeys", []))
        return {}

    async def list_tags_for_resource(self, request: dict[str, Any]) -> dict[str, Any]:
        await self._resource(request["resourceArn"])
        tags = await self.store.tags(request["resourceArn"])
        return {"tags": [{"key": k, "value": v} for k, v in tags.items()]}

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


def now_or(value: datetime | None, clock: Clock) -> datetime:
    return value if value is not None else clock.now()
