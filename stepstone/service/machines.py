"""CreateStateMachine and friends, and ValidateStateMachineDefinition."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from stepstone import errors as E
from stepstone.asl.diagnostics import InvalidDefinitionError
from stepstone.asl.load import load_definition
from stepstone.asl.validate import validate
from stepstone.service.base import describe_machine
from stepstone.service.machine_config import FIELDS, merge_config
from stepstone.service.versions import VersionOperations, split_qualified
from stepstone.store.base import StateMachineRow


class MachineOperations(VersionOperations):
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
        _check_version_description(request)
        config = merge_config(request)
        now = self.clock.now()
        row = StateMachineRow(
            self._arn("stateMachine", name), name, kind, request.get("roleArn") or "", definition,
            str(uuid.uuid4()), now, now, config=config,
        )  # fmt: skip
        stored = await self.store.create_state_machine(row)
        if stored is not row and (stored.definition, stored.role_arn, stored.type, stored.config) != (
            definition, row.role_arn, kind, config,
        ):  # fmt: skip
            raise E.StateMachineAlreadyExists(f"State Machine Already Exists: '{row.arn}'")
        if request.get("tags"):
            await self.store.tag(row.arn, {t["key"]: t.get("value", "") for t in request["tags"]})
        return {
            "stateMachineArn": stored.arn,
            "creationDate": stored.created,
            **await self._published(request),
        }

    async def describe_state_machine(self, request: dict[str, Any]) -> dict[str, Any]:
        arn = request["stateMachineArn"]
        target = await self._target(arn)
        if target.alias is not None:
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        version = target.version
        if version is None:
            return _metadata_only(describe_machine(target.machine), request)
        definition = await self.store.get_definition(target.machine.arn, version.revision_id)
        out = describe_machine(
            replace(
                target.machine,
                role_arn=version.role_arn,
                config=version.config,
                revision_id=version.revision_id,
            ),
            definition,
        )
        out.update(stateMachineArn=version.arn, creationDate=version.created, description=version.description)
        return _metadata_only(out, request)

    async def update_state_machine(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._machine(request["stateMachineArn"])
        if all(request.get(f) is None for f in ("definition", "roleArn", *FIELDS)):
            raise E.MissingRequiredParameter(
                "Either the definition, the roleArn or a configuration must be specified"
            )
        _check_version_description(request)
        definition = request.get("definition")
        updated = replace(
            row,
            definition=self._definition(definition) if definition is not None else row.definition,
            role_arn=request.get("roleArn") or row.role_arn,
            config=merge_config(request, row.config),
        )
        now = self.clock.now()
        if updated != row:  # an update that changes nothing keeps the revision (and its published version)
            updated = replace(updated, revision_id=str(uuid.uuid4()), updated=now)
            await self.store.update_state_machine(updated)
        return {
            "updateDate": updated.updated,
            "revisionId": updated.revision_id,
            **await self._published(request),
        }

    async def _published(self, request: dict[str, Any]) -> dict[str, str]:
        """`publish: true` on create or update: the version of the revision just written."""
        if not request.get("publish"):
            return {}
        arn = self._arn("stateMachine", request["name"]) if "name" in request else request["stateMachineArn"]
        return {
            "stateMachineVersionArn": (await self._publish(arn, request.get("versionDescription") or "")).arn
        }

    async def delete_state_machine(self, request: dict[str, Any]) -> dict[str, Any]:
        arn = request["stateMachineArn"]
        if split_qualified(arn)[0] != arn:
            raise E.ValidationException(
                "Use DeleteStateMachineVersion or DeleteStateMachineAlias to delete a version or an alias"
            )
        await self.store.delete_state_machine(arn)  # its versions and aliases go with it
        return {}

    async def list_state_machines(self, request: dict[str, Any]) -> dict[str, Any]:
        # a Map Run's child machine (`<machine>/<label>`) is not listed, as on AWS
        machines = [r for r in await self.store.list_state_machines() if "/" not in r.name]
        rows, token = self._page(machines, request, "ListStateMachines")
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
        result = "FAIL" if any(d.is_error for d in diagnostics) else "OK"
        if request.get("severity") == "ERROR":  # AWS: the minimum level to return (default WARNING)
            diagnostics = [d for d in diagnostics if d.is_error]
        return {
            "result": result,
            "diagnostics": [d.to_aws() for d in diagnostics[:limit]],
            "truncated": len(diagnostics) > limit,
        }


def _check_version_description(request: dict[str, Any]) -> None:
    if request.get("versionDescription") and not request.get("publish"):
        raise E.ValidationException("Version description can only be set when publish is true")


def _metadata_only(described: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """`includedData: METADATA_ONLY`: AWS returns the definition as `{}`."""
    return {**described, "definition": "{}"} if request.get("includedData") == "METADATA_ONLY" else described
