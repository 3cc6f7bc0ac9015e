"""Shared parts of the service: the base every group of operations extends, limits, ARN rules.

The Step Functions operations as plain async methods, shared by the API, the CLI and the console.

Each method takes the request (AWS member names) and returns the response (AWS member names,
datetimes for timestamps), or raises a `stepstone.errors.ServiceError`.

Callbacks (SendTaskSuccess/Failure) differ from AWS in one promised way: the *same* call repeated
after it was accepted is accepted again and changes nothing (AWS answers TaskTimedOut). A different
result for a closed task is TaskTimedOut, saying it was already completed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from stepstone import errors as E
from stepstone.engine.tokens import KeyRing
from stepstone.runtime.clock import Clock
from stepstone.runtime.signals import Signals
from stepstone.runtime.worker import Worker
from stepstone.service.machine_config import describe_config
from stepstone.service.pagination import PageTokens
from stepstone.store.base import ActivityRow, ExecutionRow, StateMachineRow, Store

MAX_PAYLOAD = 256 * 1024
DEFAULT_ROLE = "arn:aws:iam::123456789012:role/stepstone"
MAX_POLL_SECONDS = 60.0
_NAME = re.compile(r"^[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$")
_SM_ARN = re.compile(r"^arn:aws[a-z-]*:states:([^:]+):(\d{12}):stateMachine:([^:]+)$")
_EXEC_ARN = re.compile(r"^arn:aws[a-z-]*:states:([^:]+):(\d{12}):(execution|express):([^:]+):([^:]+)$")
_ACT_ARN = re.compile(r"^arn:aws[a-z-]*:states:([^:]+):(\d{12}):activity:([^:]+)$")


def _json_payload(text: str | None, error: type[E.ServiceError], what: str) -> Any:
    text = "{}" if text is None else text
    if len(text.encode()) > MAX_PAYLOAD:
        raise error(f"{what} exceeds the maximum size of 262144 bytes")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise error(f"Invalid {what.lower()}: {exc}") from exc


class ServiceBase:
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
        self.pages = PageTokens(keys)

    def _page(
        self, items: list[Any], request: dict[str, Any], scope: str, default: int = 100
    ) -> tuple[list[Any], str | None]:
        """One page of `items` and the signed token of the next (None on the last page)."""
        limit = int(request.get("maxResults") or default)
        token = request.get("nextToken")
        start = int(self.pages.read(token, scope, self.clock.now())) if token else 0
        end = start + limit
        return items[start:end], self.pages.issue(scope, end, self.clock.now()) if end < len(items) else None

    def _arn(self, kind: str, *names: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:{kind}:{':'.join(names)}"

    @staticmethod
    def _name(name: Any) -> str:
        if not isinstance(name, str) or not _NAME.match(name):
            raise E.InvalidName(f"Invalid Name: '{name}'")
        return name

    # lookups shared by every group of operations ---------------------------------------------------

    async def _machine(self, arn: str) -> StateMachineRow:
        if not _SM_ARN.match(arn or ""):
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        row = await self.store.get_state_machine(arn)
        if row is None:
            raise E.StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
        return row

    async def _execution(self, arn: str) -> ExecutionRow:
        if not _EXEC_ARN.match(arn or ""):
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        row = await self.store.get_execution(arn)
        if row is None:
            raise E.ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'")
        return row

    async def _activity(self, arn: str) -> ActivityRow:
        if not _ACT_ARN.match(arn or ""):
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        row = await self.store.get_activity(arn)
        if row is None:
            raise E.ActivityDoesNotExist(f"Activity Does Not Exist: '{arn}'")
        return row

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


def now_or(value: datetime | None, clock: Clock) -> datetime:
    return value if value is not None else clock.now()


def describe_machine(row: StateMachineRow, definition: str | None = None) -> dict[str, Any]:
    return {
        "stateMachineArn": row.arn, "name": row.name, "status": row.status,
        "definition": definition if definition is not None else row.definition, "roleArn": row.role_arn,
        "type": row.type, "creationDate": row.created, "revisionId": row.revision_id,
        **describe_config(row.config),
    }  # fmt: skip
