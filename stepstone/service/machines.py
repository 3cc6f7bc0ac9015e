"""CreateStateMachine and friends, and ValidateStateMachineDefinition."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from stepstone import errors as E
from stepstone.asl.diagnostics import InvalidDefinitionError
from stepstone.asl.load import load_definition
from stepstone.asl.validate import validate
from stepstone.service.base import (
    _SM_ARN,
    ServiceBase,
    _page,
    describe_machine,
)
from stepstone.store.base import StateMachineRow


class MachineOperations(ServiceBase):
    """CreateStateMachine and friends, and ValidateStateMachineDefinition."""

    # state machines ---------------------------------------------------------------------------------

    def _definition(self, text: str) -> str:
        loaded, diagnostics = load_definition(text)
        diagnostics = (
            [*diagnostics, *validate(loaded)] if not any(d.is_error for d in diagnostics) else diagnostics
        )
        if any(d.is_error for d in diagnostics):
            raise E.InvalidDefinition(str(InvalidDefinitionError(diagnostics)))
        return text

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
        return describe_machine(await self._machine(request["stateMachineArn"]))

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
        # a Map Run's child machine (`<machine>/<label>`) is not listed, as on AWS
        machines = [r for r in await self.store.list_state_machines() if "/" not in r.name]
        rows, token = _page(machines, request)
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
